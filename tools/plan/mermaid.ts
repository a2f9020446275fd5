/**
 * The plan's diagram as a Mermaid flowchart: what `--format mermaid` writes, the architecture of
 * the planned stacks, or with `--component NAME` one component in detail (./diagram).
 */
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
