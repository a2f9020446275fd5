/**
 * The plan's diagrams as Mermaid flowcharts. `renderDiagram` is what `--format mermaid` writes:
 * the architecture of the planned stacks, or with `--component NAME` one component in detail
 * (./diagram). `renderMermaid` draws every resource type of every component: a full picture of
 * the resource graph that tests read, far beyond what Mermaid renders with its default limits.
 */
import { createHash } from "node:crypto";
import type { RecordedResource } from "./engine";
import type { StackPlan } from "./document";
import { componentTree, countBy, isProvider, shortType, type ComponentNode } from "./graph";
import { architectureDiagram, componentDiagram, toMermaid } from "./diagram/model";
import type { SavedPlanDocument } from "./diagram/plan-index";

/**
 * What `--format mermaid` writes: the architecture diagram of the documents' stacks, or one
 * component's detail (`component`: its class, type token or resource name). Throws
 * `ComponentNotFoundError` for a name that selects no component (or two in one stack).
 */
export function renderDiagram(documents: readonly SavedPlanDocument[], component?: string): string {
  return toMermaid(
    component === undefined
      ? architectureDiagram(documents)
      : componentDiagram(documents, component),
  );
}

/** Every resource type of every component of one or more stacks, as one flowchart. */
export function renderMermaid(plans: readonly StackPlan[]): string {
  const lines = ["flowchart LR"];
  const edges = new Set<string>();
  for (const plan of plans) {
    const stack = plan.document.stack;
    lines.push(`  subgraph ${id("stack", stack)}["stack ${label(stack)}"]`, "    direction LR");
    lines.push(...renderNode(componentTree(plan.recorded), stack, 2, true));
    lines.push("  end");
    for (const edge of dependencyEdges(plan.recorded, stack)) {
      edges.add(edge);
    }
  }
  return [...lines, ...[...edges].sort()].join("\n") + "\n";
}

function renderNode(node: ComponentNode, stack: string, depth: number, isRoot: boolean): string[] {
  const indent = "  ".repeat(depth);
  const inner = [
    ...[...countBy(node.resources, (r) => r.type)].map(
      ([type, count]) =>
        `${indent}${isRoot ? "" : "  "}${groupId(stack, node.resource.urn, type)}["${label(shortType(type))}${count > 1 ? ` x${count}` : ""}"]`,
    ),
    ...node.components.flatMap((child) =>
      renderNode(child, stack, isRoot ? depth : depth + 1, false),
    ),
  ];
  if (isRoot) {
    return inner;
  }
  return [
    `${indent}subgraph ${id(stack, node.resource.urn)}["${label(`${shortType(node.resource.type)} ${node.resource.name}`)}"]`,
    ...inner,
    `${indent}end`,
  ];
}

/** Edges between resource groups, from dependency to dependent, without self-loops. */
function dependencyEdges(resources: readonly RecordedResource[], stack: string): string[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const groupOf = (resource: RecordedResource): string | undefined =>
    resource.custom && !isProvider(resource) && resource.parent !== undefined
      ? groupId(stack, resource.parent, resource.type)
      : undefined;
  const edges = new Set<string>();
  for (const resource of resources) {
    const to = groupOf(resource);
    for (const dependency of resource.dependsOn) {
      const target = byUrn.get(dependency);
      const from = target === undefined ? undefined : groupOf(target);
      if (to !== undefined && from !== undefined && from !== to) {
        edges.add(`  ${from} --> ${to}`);
      }
    }
  }
  return [...edges];
}

function groupId(stack: string, componentUrn: string, type: string): string {
  return id(stack, componentUrn, type);
}

function id(...parts: readonly string[]): string {
  return `n${createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 10)}`;
}

function label(text: string): string {
  return text.replace(/"/g, "#quot;");
}
