/** What the diagram tests share: the checks every diagram must pass. */
import { expect } from "vitest";
import type { Diagram } from "./model";

/** Unique ids, every group, parent and edge end declared, no edge from a node to itself. */
export function expectSound(diagram: Diagram): void {
  const groups = new Set(diagram.groups.map((g) => g.id));
  const ids = [...diagram.groups.map((g) => g.id), ...diagram.nodes.map((n) => n.id)];
  expect(new Set(ids).size).toBe(ids.length);
  for (const group of diagram.groups) {
    expect(group.parent === undefined || groups.has(group.parent), group.id).toBe(true);
  }
  for (const node of diagram.nodes) {
    expect(node.group === undefined || groups.has(node.group), node.id).toBe(true);
  }
  const known = new Set(ids);
  for (const edge of diagram.edges) {
    expect(known.has(edge.from) && known.has(edge.to), `${edge.from} -> ${edge.to}`).toBe(true);
    expect(edge.from).not.toBe(edge.to);
  }
}
