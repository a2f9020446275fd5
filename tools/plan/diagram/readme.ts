/**
 * The README's architecture block: each stack's architecture diagram in a ```mermaid fence
 * (GitHub renders those) with one sentence saying what it shows.
 */
import { listStacks } from "../engine";
import { planStack, type PlanDocument } from "../document";
import { architectureDiagram } from "./architecture";
import { toMermaid } from "./render";
import { className, replicaRegions, StackIndex, type SavedPlanDocument } from "./plan-index";

/** Plans every stack (`Pulumi.<stack>.yaml`) and returns the block (`diagramsReadmeBlockOf`). */
export async function diagramsReadmeBlock(): Promise<string> {
  const documents: PlanDocument[] = [];
  // One after another: the Pulumi runtime is process-wide state.
  for (const stack of listStacks()) {
    documents.push((await planStack(stack)).document);
  }
  return diagramsReadmeBlockOf(documents);
}

/** The block for these plans: per stack, a sentence and its diagram. */
export function diagramsReadmeBlockOf(documents: readonly SavedPlanDocument[]): string {
  const sections = documents.map((document) =>
    [
      sentence(document),
      "",
      "```mermaid",
      toMermaid(architectureDiagram([document])).trimEnd(),
      "```",
    ].join("\n"),
  );
  return `${sections.join("\n\n")}\n`;
}

/**
 * `Stack me-south-1 (region me-south-1): its 13 components and the data flows through them;
 * solid arrows are data, dotted ones other dependencies; it also places resources in us-east-1
 * (VideoPipeline, Observability).`
 */
function sentence(document: SavedPlanDocument): string {
  const index = new StackIndex(document);
  const elsewhere = new Map<string, Set<string>>();
  for (const component of index.components) {
    for (const resource of document.resources) {
      if (index.topComponentOf(resource.urn) !== component) {
        continue;
      }
      for (const region of [resource.region, ...replicaRegions(resource)]) {
        if (region !== document.region) {
          const names = elsewhere.get(region) ?? new Set<string>();
          elsewhere.set(region, names.add(className(component.resource.type)));
        }
      }
    }
  }
  const regions = [...elsewhere.keys()]
    .sort()
    .map((region) => `${region} (${[...(elsewhere.get(region) ?? [])].join(", ")})`);
  return (
    `**Stack ${document.stack}** (region ${document.region}): its ${index.components.length} components ` +
    "and the data flows through them (solid arrows carry data, dotted ones are other dependencies)" +
    (regions.length > 0 ? `; it also places resources in ${regions.join(" and ")}.` : ".")
  );
}
