/**
 * Two architecture diagrams compared by their ids (`../diagram/model.ts` derives ids from stack and
 * component names, never from hashes or positions): groups and nodes added, removed or changed
 * (label or containing group), edges added or removed. Both diagrams are drawn by the current code
 * from each side's plan document, so a change to the drawing code alone shows no difference.
 */
import type { Diagram, DiagramEdge, DiagramGroup, DiagramNode } from "../diagram/model";
import type { SecretMask } from "./secrets";

/** An element present on both sides whose label or container changed. */
export interface ChangedElement {
  readonly id: string;
  /** What changed, for example `label "api" -> "api x2"`. */
  readonly what: readonly string[];
}

/** How two diagrams differ. Labels are masked; edges are shown by their ends' labels. */
export interface DiagramDiff {
  readonly groups: Changes<DiagramGroup>;
  readonly nodes: Changes<DiagramNode>;
  readonly edges: {
    readonly added: readonly DiagramEdge[];
    readonly removed: readonly DiagramEdge[];
  };
  /** Every group's and node's label by id (the current one where both sides have it). */
  readonly labels: Readonly<Record<string, string>>;
}

/** Added, removed and changed elements of one kind. */
export interface Changes<T> {
  readonly added: readonly T[];
  readonly removed: readonly T[];
  readonly changed: readonly ChangedElement[];
}

/** The number of differences. */
export function diagramChangeCount(diff: DiagramDiff): { added: number; removed: number } {
  return {
    added: diff.groups.added.length + diff.nodes.added.length + diff.edges.added.length,
    removed: diff.groups.removed.length + diff.nodes.removed.length + diff.edges.removed.length,
  };
}

/** Whether two diagrams are the same. */
export function noDiagramChanges(diff: DiagramDiff): boolean {
  const { added, removed } = diagramChangeCount(diff);
  return added + removed + diff.groups.changed.length + diff.nodes.changed.length === 0;
}

/** Compares two diagrams. */
export function diffDiagrams(before: Diagram, after: Diagram, mask: SecretMask): DiagramDiff {
  const labelled = <T extends { readonly label: string }>(items: readonly T[]): T[] =>
    items.map((item) => ({ ...item, label: mask.text(item.label) }));
  const edgeLabel = (edge: DiagramEdge): DiagramEdge =>
    edge.label === undefined ? edge : { ...edge, label: mask.text(edge.label) };
  const labels: Record<string, string> = {};
  for (const item of [...before.groups, ...before.nodes, ...after.groups, ...after.nodes]) {
    labels[item.id] = mask.text(item.label);
  }
  return {
    groups: compareById(labelled(before.groups), labelled(after.groups), "parent"),
    nodes: compareById(labelled(before.nodes), labelled(after.nodes), "group"),
    edges: compareEdges(before.edges.map(edgeLabel), after.edges.map(edgeLabel)),
    labels,
  };
}

function compareById<T extends { readonly id: string; readonly label: string }>(
  before: readonly T[],
  after: readonly T[],
  container: keyof T & ("parent" | "group"),
): Changes<T> {
  const old = new Map(before.map((item) => [item.id, item]));
  const now = new Map(after.map((item) => [item.id, item]));
  const changed: ChangedElement[] = [];
  for (const [id, is] of now) {
    const was = old.get(id);
    if (was === undefined) {
      continue;
    }
    const what: string[] = [];
    if (was.label !== is.label) {
      what.push(`label ${JSON.stringify(was.label)} -> ${JSON.stringify(is.label)}`);
    }
    const inWas = was[container] as string | undefined;
    const inIs = is[container] as string | undefined;
    if (inWas !== inIs) {
      what.push(`${container} ${inWas ?? "(none)"} -> ${inIs ?? "(none)"}`);
    }
    if (what.length > 0) {
      changed.push({ id, what });
    }
  }
  return {
    added: after.filter((item) => !old.has(item.id)),
    removed: before.filter((item) => !now.has(item.id)),
    changed,
  };
}

function compareEdges(
  before: readonly DiagramEdge[],
  after: readonly DiagramEdge[],
): DiagramDiff["edges"] {
  const key = (edge: DiagramEdge): string => [edge.from, edge.to, edge.label ?? ""].join("\u0000");
  const old = new Set(before.map(key));
  const now = new Set(after.map(key));
  return {
    added: after.filter((edge) => !old.has(key(edge))),
    removed: before.filter((edge) => !now.has(key(edge))),
  };
}
