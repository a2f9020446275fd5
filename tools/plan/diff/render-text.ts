/**
 * The plan diff as lines of text: the terminal output of `npm run plan -- --diff BASE`, and the
 * blocks of the Markdown comment (`./render-markdown`). Values are already masked in the model.
 */
import { diagramChangeCount, noDiagramChanges, type DiagramDiff } from "./diagram";
import { diffExitStatus, type PlanDiff, type StackDiff } from "./plan-diff";
import type { Finding } from "./policy";
import { noResourceChanges } from "./resources";

/** Values longer than this are cut in the output, with the count of what was cut. */
export const MAX_VALUE_CHARS = 200;

/** A value as printed: JSON, `(absent)` for a missing one, cut when very long. */
export function formatValue(value: unknown): string {
  if (value === undefined) {
    return "(absent)";
  }
  const text = JSON.stringify(value) ?? typeof value;
  return text.length <= MAX_VALUE_CHARS
    ? text
    : `${text.slice(0, MAX_VALUE_CHARS)}... (${text.length - MAX_VALUE_CHARS} more characters)`;
}

/** Whether a stack has no difference at all. */
export function isUnchanged(stack: StackDiff): boolean {
  return (
    noResourceChanges(stack.resources) &&
    stack.policy.added.length === 0 &&
    stack.policy.removed.length === 0 &&
    ("error" in stack.diagram || noDiagramChanges(stack.diagram))
  );
}

/** `1 added, 0 removed, 2 changed, 1 re-parented; policy +1/-0; diagram +3/-1`. */
export function summaryOf(stack: StackDiff): string {
  const { resources: r, policy } = stack;
  const presence =
    stack.presence === "added"
      ? " (new stack)"
      : stack.presence === "removed"
        ? " (stack removed)"
        : "";
  const diagram =
    "error" in stack.diagram
      ? "diagram not compared"
      : (() => {
          const { added, removed } = diagramChangeCount(stack.diagram);
          const changed = stack.diagram.groups.changed.length + stack.diagram.nodes.changed.length;
          return `diagram +${added}/-${removed}${changed > 0 ? `/~${changed}` : ""}`;
        })();
  return `${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed, ${r.reparented.length} re-parented; policy +${policy.added.length}/-${policy.removed.length}; ${diagram}${presence}`;
}

/** `[mandatory] rule on type::name: message`. */
export function formatFinding(finding: Finding): string {
  const on = finding.resource === "" ? "" : ` on ${finding.resource}`;
  return `[${finding.enforcement}] ${finding.rule}${on}: ${finding.message}`;
}

/** The resource lines of a stack: `+` added, `-` removed, `~` changed with paths, `^` re-parented. */
export function resourceLines(stack: StackDiff): string[] {
  const r = stack.resources;
  return [
    ...r.added.map((key) => `+ ${key}`),
    ...r.removed.map((key) => `- ${key}`),
    ...r.changed.flatMap(({ key, changes }) => [
      `~ ${key}`,
      ...changes.map(
        ({ path, before, after }) => `    ${path}: ${formatValue(before)} -> ${formatValue(after)}`,
      ),
    ]),
    ...r.reparented.map(({ key, from, to }) => `^ ${key}: parent ${from} -> ${to}`),
  ];
}

/** The policy lines of a stack: `+` new findings, `-` findings gone. */
export function policyLines(stack: StackDiff): string[] {
  return [
    ...stack.policy.added.map((f) => `+ ${formatFinding(f)}`),
    ...stack.policy.removed.map((f) => `- ${formatFinding(f)}`),
  ];
}

/** The diagram lines of a stack. */
export function diagramLines(diagram: DiagramDiff | { readonly error: string }): string[] {
  if ("error" in diagram) {
    return [`! the diagram could not be drawn: ${diagram.error}`];
  }
  const name = (id: string): string => JSON.stringify(diagram.labels[id] ?? id);
  const inside = (container: string | undefined): string =>
    container === undefined ? "" : ` in ${name(container)}`;
  const edge = (e: { from: string; to: string; label?: string }): string =>
    `edge ${name(e.from)} -> ${name(e.to)}${e.label === undefined ? "" : ` (${e.label})`}`;
  return [
    ...diagram.groups.added.map((g) => `+ group ${name(g.id)}${inside(g.parent)}`),
    ...diagram.groups.removed.map((g) => `- group ${name(g.id)}${inside(g.parent)}`),
    ...diagram.groups.changed.map((g) => `~ group ${g.id}: ${g.what.join("; ")}`),
    ...diagram.nodes.added.map((n) => `+ node ${name(n.id)}${inside(n.group)}`),
    ...diagram.nodes.removed.map((n) => `- node ${name(n.id)}${inside(n.group)}`),
    ...diagram.nodes.changed.map((n) => `~ node ${n.id}: ${n.what.join("; ")}`),
    ...diagram.edges.added.map((e) => `+ ${edge(e)}`),
    ...diagram.edges.removed.map((e) => `- ${edge(e)}`),
  ];
}

/** The count of new mandatory findings over all stacks. */
export function newMandatoryCount(diff: PlanDiff): number {
  return diff.stacks.reduce(
    (sum, stack) => sum + stack.policy.added.filter((f) => f.enforcement === "mandatory").length,
    0,
  );
}

/** The whole diff as text. */
export function renderText(diff: PlanDiff): string {
  const lines = [`Offline plan compared with ${diff.base}`, ""];
  for (const stack of diff.stacks) {
    if (isUnchanged(stack)) {
      lines.push(`== ${stack.stack}: no differences ==`);
      continue;
    }
    lines.push(`== ${stack.stack}: ${summaryOf(stack)} ==`);
    const indent = (block: string[]) => block.map((line) => `  ${line}`);
    lines.push(...indent(resourceLines(stack)));
    const policy = policyLines(stack);
    if (policy.length > 0) {
      lines.push("  policy:", ...indent(indent(policy)));
    }
    const diagram =
      "error" in stack.diagram || !noDiagramChanges(stack.diagram)
        ? diagramLines(stack.diagram)
        : [];
    if (diagram.length > 0) {
      lines.push("  diagram:", ...indent(indent(diagram)));
    }
  }
  const mandatory = newMandatoryCount(diff);
  lines.push(
    "",
    diffExitStatus(diff) === 1
      ? `${mandatory} new mandatory policy violation(s): exit status 1`
      : "no new mandatory policy violation",
  );
  return `${lines.join("\n")}\n`;
}
