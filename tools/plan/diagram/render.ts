/**
 * A diagram as a Mermaid flowchart (https://mermaid.js.org/syntax/flowchart.html): groups are
 * subgraphs, nested by `parent`; labelled edges are solid arrows with their label, unlabelled
 * ones dotted (a dependency, drawn from what is depended on to what depends on it). Only classic
 * flowchart syntax, which GitHub's renderer also reads.
 */
import type { Diagram, DiagramEdge, DiagramGroup, DiagramNode } from "./model";

/** Which way a flowchart's edges run: top to bottom, or left to right. */
export type Direction = "TB" | "LR";

/**
 * The Mermaid flowchart of a diagram. Top to bottom by default: flows are long chains, and
 * Mermaid would lay a chain out as wide as it is long from left to right.
 */
export function toMermaid(diagram: Diagram, direction: Direction = "TB"): string {
  const ids = mermaidIds(diagram);
  const idOf = (id: string): string => ids.get(id) ?? id;
  const childGroups = new Map<string | undefined, DiagramGroup[]>();
  for (const group of diagram.groups) {
    childGroups.set(group.parent, [...(childGroups.get(group.parent) ?? []), group]);
  }
  const nodesIn = new Map<string | undefined, DiagramNode[]>();
  for (const node of diagram.nodes) {
    nodesIn.set(node.group, [...(nodesIn.get(node.group) ?? []), node]);
  }
  const lines = [`flowchart ${direction}`];
  const draw = (parent: string | undefined, depth: number): void => {
    const indent = "  ".repeat(depth);
    for (const node of nodesIn.get(parent) ?? []) {
      lines.push(`${indent}${idOf(node.id)}["${label(node.label)}"]`);
    }
    for (const group of childGroups.get(parent) ?? []) {
      lines.push(`${indent}subgraph ${idOf(group.id)}["${label(group.label)}"]`);
      draw(group.id, depth + 1);
      lines.push(`${indent}end`);
    }
  };
  draw(undefined, 1);
  lines.push(...diagram.edges.map((edge) => `  ${edgeLine(edge, idOf)}`));
  return `${lines.join("\n")}\n`;
}

function edgeLine(edge: DiagramEdge, idOf: (id: string) => string): string {
  return edge.label === undefined
    ? `${idOf(edge.from)} -.-> ${idOf(edge.to)}`
    : `${idOf(edge.from)} -->|"${label(edge.label)}"| ${idOf(edge.to)}`;
}

/**
 * Mermaid ids: `n1`, `n2`, ... in order of appearance. The diagram's own ids are readable but
 * long, and Mermaid refuses a text over 50,000 characters; its ids never reach the drawing.
 */
function mermaidIds(diagram: Diagram): Map<string, string> {
  const ids = new Map<string, string>();
  for (const item of [...diagram.groups, ...diagram.nodes]) {
    if (!ids.has(item.id)) {
      ids.set(item.id, `n${ids.size + 1}`);
    }
  }
  return ids;
}

/**
 * A label inside double quotes: Mermaid's entity codes for the characters that would end or
 * change it (https://mermaid.js.org/syntax/flowchart.html#entity-codes-to-escape-characters),
 * and `<br/>` for each line break.
 */
function label(text: string): string {
  return text
    .replace(/#/g, "#35;")
    .replace(/"/g, "#quot;")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;")
    .replace(/\|/g, "#124;")
    .replace(/\n/g, "<br/>");
}
