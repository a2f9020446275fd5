/** One component in detail (`--component`): selection, contents, and sizes under Mermaid's limits. */
import { describe, expect, it } from "vitest";
import { usePlansOfEveryStack } from "../../../test/stack-plans";
import type { PlanDocument } from "../document";
import {
  ComponentNotFoundError,
  componentDiagram,
  componentDiagramAt,
  DIAGRAM_BUDGET,
  fitsBudget,
  MERMAID_DEFAULT_LIMITS,
} from "./component";
import { toMermaid, type Diagram } from "./model";
import { className, StackIndex } from "./plan-index";
import { expectSound } from "./test-support";

const { stacks, planOf } = usePlansOfEveryStack();
const all = (): PlanDocument[] => stacks.map((stack) => planOf(stack).document);

/** Each stack's components and the composition (checked against the plans below). */
const COMPONENTS = [
  "AnalyticsCluster",
  "Compliance",
  "DataKeys",
  "GeoDns",
  "GlobalEdge",
  "HomeRegion",
  "KubernetesPlatform",
  "Microservices",
  "Monolith",
  "Network",
  "Observability",
  "RegionalPlatform",
  "Tokenization",
  "UserDataStore",
  "VideoPipeline",
];

/** The classes of each stack's components and of the composition, from the plans. */
function componentNames(): string[] {
  const names = new Set<string>();
  for (const document of all()) {
    const index = new StackIndex(document);
    for (const component of [...index.components, index.composition]) {
      names.add(className(component.resource.type));
    }
  }
  return [...names].sort();
}

const edge = (diagram: Diagram, from: string, to: string): boolean =>
  diagram.edges.some((e) => e.from === from && e.to === to);

describe("componentDiagram: which component", () => {
  it("accepts a class, a type token or a resource name", () => {
    const byClass = componentDiagram(all(), "VideoPipeline");
    expect(componentDiagram(all(), "knowledgecity:video:VideoPipeline")).toEqual(byClass);
    expect(componentDiagram(all(), "kc-video")).toEqual(byClass);
    // Any component, nested ones included.
    const bucket = componentDiagram(all(), "kc-video-raw");
    expect(bucket.groups.map((g) => g.id)).toContain("me-south-1/SecureBucket:kc-video-raw");
  });

  it("draws a component only in the stacks that have it", () => {
    const edge = componentDiagram(all(), "GlobalEdge");
    expect(edge.groups.filter((g) => g.parent === undefined).map((g) => g.id)).toEqual([
      "us-east-1",
    ]);
  });

  it("refuses an unknown name, listing the known components", () => {
    expect(() => componentDiagram(all(), "VideoPipelines")).toThrow(ComponentNotFoundError);
    expect(() => componentDiagram(all(), "VideoPipelines")).toThrow(
      /^--component VideoPipelines: no component has that class, type or name in stack me-south-1, us-east-1; known components: .*\bAnalyticsCluster, .*\bGlobalEdge, .*\bVideoPipeline\b/,
    );
  });

  it("refuses a name that matches two components in a stack, naming them", () => {
    expect(() => componentDiagram(all(), "kc-analytics")).toThrow(
      "--component kc-analytics: 2 components match in stack me-south-1: KubernetesPlatform kc-analytics, AnalyticsCluster kc-analytics; name one by a class, type or name only it has",
    );
    expect(() => componentDiagram(all(), "SecureBucket")).toThrow(/components match in stack/);
  });
});

describe("componentDiagram: what it draws", () => {
  it("draws resources by type, subcomponents as groups, dependencies and the other components", () => {
    const diagram = componentDiagram([planOf("me-south-1").document], "VideoPipeline");
    const pipeline = "me-south-1/VideoPipeline:kc-video";
    const raw = "me-south-1/SecureBucket:kc-video-raw";
    const uploadUrl = "me-south-1/NodeFunction:kc-video-upload-url";
    expect(diagram.groups).toContainEqual({
      id: raw,
      label: "SecureBucket kc-video-raw, 7 resources",
      parent: pipeline,
    });
    expect(diagram.nodes).toContainEqual({
      id: `${raw}/aws:s3/bucket:Bucket`,
      label: "s3 Bucket",
      group: raw,
    });
    expect(
      edge(diagram, `${raw}/aws:s3/bucket:Bucket`, `${uploadUrl}/aws:lambda/function:Function`),
    ).toBe(true);
    // What lies in another region says so.
    expect(diagram.nodes).toContainEqual({
      id: "me-south-1/VideoDelivery:kc-video-cdn/aws:acm/certificate:Certificate@us-east-1",
      label: "acm Certificate\nin us-east-1",
      group: "me-south-1/VideoDelivery:kc-video-cdn",
    });
    // The components it depends on, and those depending on it, outside its group.
    const keys = "me-south-1/DataKeys:kc-keys";
    const observability = "me-south-1/Observability:kc-observability";
    expect(diagram.nodes).toContainEqual({
      id: keys,
      label: "DataKeys\nkc-keys",
      group: "me-south-1",
    });
    // The bucket's encryption uses the content key.
    expect(
      edge(
        diagram,
        keys,
        `${raw}/aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration`,
      ),
    ).toBe(true);
    expect(diagram.edges.some((e) => e.to === observability)).toBe(true);
    expectSound(diagram);
  });

  it("covers every component of the stacks", () => {
    expect(componentNames()).toEqual(COMPONENTS);
  });

  it.each(COMPONENTS)("%s fits the diagram budget, well within Mermaid's limits", (name) => {
    const diagram = componentDiagram(all(), name);
    expectSound(diagram);
    expect(diagram.nodes.length).toBeGreaterThan(1);
    expect(diagram.edges.length).toBeLessThanOrEqual(DIAGRAM_BUDGET.maxEdges);
    expect(toMermaid(diagram).length).toBeLessThanOrEqual(DIAGRAM_BUDGET.maxTextSize);
    expect(DIAGRAM_BUDGET.maxEdges).toBeLessThan(MERMAID_DEFAULT_LIMITS.maxEdges);
    expect(DIAGRAM_BUDGET.maxTextSize).toBeLessThan(MERMAID_DEFAULT_LIMITS.maxTextSize);
  });

  it("groups a component too large for Mermaid further: subcomponents become nodes", () => {
    const full = componentDiagramAt(all(), "RegionalPlatform", "resources");
    // Drawn resource by resource type, the composition breaks Mermaid's edge limit.
    expect(full.edges.length).toBeGreaterThan(MERMAID_DEFAULT_LIMITS.maxEdges);
    expect(fitsBudget(full)).toBe(false);
    const drawn = componentDiagram(all(), "RegionalPlatform");
    expect(fitsBudget(drawn)).toBe(true);
    expect(drawn.nodes).toContainEqual({
      id: "me-south-1/VideoPipeline:kc-video",
      label: "VideoPipeline kc-video\n88 resources",
      group: "me-south-1/RegionalPlatform:kc",
    });
    // A component that fits is drawn in full.
    expect(componentDiagram(all(), "VideoTasks")).toEqual(
      componentDiagramAt(all(), "VideoTasks", "resources"),
    );
  });
});
