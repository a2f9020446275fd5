/**
 * The diagrams of a plan as data: groups, nodes and edges with stable, readable ids derived from
 * the stack and component names (never hashes), so two diagrams can be compared by id. Computed
 * from the JSON contract (`PlanDocument`) alone, so a saved plan can be drawn and compared too.
 *
 * - `architectureDiagram`: each stack's components, their regions and the data flows between
 *   them (`./architecture`).
 * - `componentDiagram`: one component's resources in detail (`./component`).
 * - `toMermaid`: a Mermaid flowchart of either (`./render`).
 *
 * Ids, architecture: `<stack>` (the stack's group), `<stack>/<Class>` (a component, its node or
 * group), `<stack>/<Class>/<place>` (a part a flow passes through, `./flows`),
 * `<stack>/<Class>/rest`, `<stack>/shared` (the shared components), `<stack>/<actor>`, and
 * `<id>@<region>` (what a node holds in another region). Component detail: `<stack>/<Class>:<name>`
 * (a component) and `<stack>/<Class>:<name>/<type token>[@<region>]` (its resources of a type).
 */

/** A box in the diagram. `group` is the id of the group it is drawn in. */
export interface DiagramNode {
  readonly id: string;
  readonly label: string;
  readonly group?: string;
}

/** A group (Mermaid subgraph). `parent` is the id of the group it is nested in. */
export interface DiagramGroup {
  readonly id: string;
  readonly label: string;
  readonly parent?: string;
}

/** An arrow from `from` to `to` (node or group ids), optionally labelled. */
export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
}

/** A diagram: groups, nodes and edges, each list in a stable order. */
export interface Diagram {
  readonly groups: readonly DiagramGroup[];
  readonly nodes: readonly DiagramNode[];
  readonly edges: readonly DiagramEdge[];
}

export { architectureDiagram } from "./architecture";
export { componentDiagram, ComponentNotFoundError } from "./component";
export { toMermaid } from "./render";
