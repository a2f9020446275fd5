/**
 * The full resource graph of one or more stacks as one Mermaid flowchart: every resource type of
 * every component, with the dependency edges between them. The plan drew this before it drew
 * components and flows; the tests read it as a picture of the whole graph, and the browser test
 * as a diagram Mermaid's default limits must refuse.
 */
import { createHash } from "node:crypto";
import type { RecordedResource } from "../tools/plan/engine";
import type { StackPlan } from "../tools/plan/document";
import {
  componentTree,
  countBy,
  isProvider,
  shortType,
  type ComponentNode,
} from "../tools/plan/graph";

/** Every resource type of every component of one or more stacks, as one flowchart. */
export function fullResourceDiagram(plans: readonly StackPlan[]): string {
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
