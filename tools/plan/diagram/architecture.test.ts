/** The architecture diagram of the real stacks: components, flows, regions, sizes. */
import { describe, expect, it } from "vitest";
import { usePlansOfEveryStack } from "../../../test/stack-plans";
import type { PlanDocument } from "../document";
import { MERMAID_DEFAULT_LIMITS } from "./component";
import { architectureDiagram, componentDiagram, toMermaid, type Diagram } from "./model";
import { diagramsReadmeBlockOf } from "./readme";
import { isCustomResource, type SavedPlanDocument } from "./plan-index";
import { expectSound } from "./test-support";

const { stacks, planOf } = usePlansOfEveryStack();
const documentOf = (stack: string): PlanDocument => planOf(stack).document;
const all = (): PlanDocument[] => stacks.map(documentOf);

/** A "few dozen": what one stack's architecture may draw at most. */
const MAX_ARCHITECTURE_NODES = 40;
const MAX_ARCHITECTURE_EDGES = 45;

const nodeIds = (diagram: Diagram): string[] => diagram.nodes.map((n) => n.id);
const edgeBetween = (diagram: Diagram, from: string, to: string) =>
  diagram.edges.find((e) => e.from === from && e.to === to);

describe("custom resources in the JSON contract", () => {
  it("marks components, remote components and the stack as not custom, and infers the same for old plans", () => {
    for (const stack of stacks) {
      const { document, recorded } = planOf(stack);
      const components = document.resources.filter((r) => !r.custom).map((r) => r.type);
      expect(components).toContain("pulumi:pulumi:Stack");
      expect(components).toContain("eks:index:Cluster");
      expect(components).toContain("knowledgecity:video:VideoPipeline");
      // A custom resource of an `index` module is no component (docker-build's Image).
      expect(components).not.toContain("docker-build:index:Image");
      for (const [i, resource] of document.resources.entries()) {
        expect(resource.custom).toBe(recorded[i]?.custom);
        const { custom, ...saved } = resource;
        expect(isCustomResource(saved), resource.type).toBe(custom);
      }
    }
  });

  it("draws a plan saved before `custom` existed as it draws a fresh one", () => {
    // The JSON an older `--format json` wrote: no `custom` key anywhere.
    const json = JSON.stringify(all(), (key, value: unknown) =>
      key === "custom" ? undefined : value,
    );
    expect(json).not.toContain('"custom"');
    const old = JSON.parse(json) as SavedPlanDocument[];
    expect(architectureDiagram(old)).toEqual(architectureDiagram(all()));
    expect(componentDiagram(old, "AnalyticsCluster")).toEqual(
      componentDiagram(all(), "AnalyticsCluster"),
    );
  });
});

describe("architectureDiagram", () => {
  it("draws every component of each stack, GlobalEdge only in the primary stack", () => {
    const saudi = architectureDiagram([documentOf("me-south-1")]);
    const us = architectureDiagram([documentOf("us-east-1")]);
    expect(nodeIds(us)).toContain("us-east-1/GlobalEdge");
    expect(JSON.stringify(saudi)).not.toContain("GlobalEdge");
    for (const diagram of [saudi, us]) {
      const stack = diagram.groups[0]?.id ?? "";
      for (const name of ["Monolith", "GeoDns", "UserDataStore", "Tokenization", "HomeRegion"]) {
        expect(nodeIds(diagram)).toContain(`${stack}/${name}`);
      }
      expect(diagram.groups.map((g) => g.id)).toEqual(
        expect.arrayContaining([`${stack}/VideoPipeline`, `${stack}/AnalyticsCluster`]),
      );
      const shared = diagram.nodes.find((n) => n.id === `${stack}/shared`)?.label ?? "";
      expect(shared).toMatch(/DataKeys \(\d+\): \d+ users/);
      expect(shared).toMatch(/Network \(45\): \d+ users/);
      expect(shared).toMatch(/Observability \(\d+\): \d+ users/);
    }
  });

  it.each(["me-south-1", "us-east-1"])("%s: draws the three flows hop by hop", (stack) => {
    const diagram = architectureDiagram([documentOf(stack)]);
    const chain = [
      [`${stack}/browser`, `${stack}/Monolith`, "asks to upload"],
      [`${stack}/Monolith`, `${stack}/VideoPipeline/upload-url`, "invokes"],
      [`${stack}/VideoPipeline/uploads`, `${stack}/VideoPipeline/encode`, "S3 event"],
      [`${stack}/VideoPipeline/encode`, `${stack}/VideoPipeline/renditions`, "HLS renditions"],
      [`${stack}/VideoPipeline/renditions`, `${stack}/VideoPipeline/video-cdn`, "origin"],
      [`${stack}/VideoPipeline/video-cdn`, `${stack}/player`, "signed playback"],
      [
        `${stack}/VideoPipeline/video-cdn`,
        `${stack}/VideoPipeline/playback-logs`,
        "real-time logs",
      ],
      [
        `${stack}/VideoPipeline/playback-logs`,
        `${stack}/AnalyticsCluster/ingest`,
        "Kinesis batches",
      ],
      [`${stack}/AnalyticsCluster/ingest`, `${stack}/AnalyticsCluster/clickhouse`, "inserts"],
      [`${stack}/AnalyticsCluster/analytics-api`, `${stack}/analyst`, "QoE figures"],
      [`${stack}/browser`, `${stack}/GeoDns`, "API requests"],
      [`${stack}/GeoDns`, `${stack}/Monolith`, "home region's ALB"],
      [`${stack}/Monolith`, `${stack}/UserDataStore`, "accounts, progress"],
      [`${stack}/Monolith`, `${stack}/Tokenization`, "PII to tokens"],
      [`${stack}/Monolith`, `${stack}/HomeRegion`, "home region of a sign-in"],
    ];
    for (const [from = "", to = "", label] of chain) {
      expect(edgeBetween(diagram, from, to)?.label, `${from} -> ${to}`).toBe(label);
    }
    // Dependencies no flow covers are drawn unlabelled, to the part they reach.
    expect(
      edgeBetween(diagram, `${stack}/KubernetesPlatform`, `${stack}/AnalyticsCluster/clickhouse`),
    ).toEqual({ from: `${stack}/KubernetesPlatform`, to: `${stack}/AnalyticsCluster/clickhouse` });
    // A shared component gets no edge of its own kind: its node counts its users.
    expect(
      diagram.edges.filter((e) => e.label === undefined && e.from.endsWith("/shared")),
    ).toEqual([]);
  });

  it("marks what lies in other regions, with the replicas", () => {
    const saudi = architectureDiagram([documentOf("me-south-1")]);
    const cdn = saudi.nodes.find((n) => n.id === "me-south-1/VideoPipeline/video-cdn@us-east-1");
    expect(cdn?.label).toMatch(/^in us-east-1: VideoPipeline\nacm Certificate/);
    expect(edgeBetween(saudi, "me-south-1/VideoPipeline/video-cdn", cdn?.id ?? "")?.label).toBe(
      "to us-east-1",
    );
    const us = architectureDiagram([documentOf("us-east-1")]);
    expect(us.nodes.find((n) => n.id === "us-east-1/UserDataStore@us-west-2")?.label).toBe(
      "in us-west-2: UserDataStore\ndynamodb Table replica x4\ndynamodb ResourcePolicy x8",
    );
    expect(us.nodes.find((n) => n.id === "us-east-1/HomeRegion@me-south-1")?.label).toMatch(
      /^in me-south-1: HomeRegion\ndynamodb Table replica\n/,
    );
    // Nothing of the Saudi stack's user store lies outside its region.
    expect(nodeIds(saudi).filter((id) => id.startsWith("me-south-1/UserDataStore@"))).toEqual([]);
  });

  it("draws what crosses stacks only when both stacks are drawn", () => {
    const both = architectureDiagram(all());
    expect(edgeBetween(both, "me-south-1/browser", "us-east-1/GlobalEdge")?.label).toBe(
      "loads the SPA",
    );
    // The Saudi lookup reads the primary stack's directory through its replica in me-south-1.
    expect(
      edgeBetween(both, "us-east-1/HomeRegion@me-south-1", "me-south-1/HomeRegion")?.label,
    ).toBe("dynamodb Table knowledgecity-home-region +2");
    const crossing = (d: Diagram) =>
      d.edges.filter((e) => e.from.split("/")[0] !== e.to.split("/")[0]);
    expect(crossing(both)).toHaveLength(2);
    for (const stack of stacks) {
      expect(crossing(architectureDiagram([documentOf(stack)]))).toEqual([]);
    }
  });

  it("is a sound diagram with stable, readable ids that fits a screen and Mermaid's limits", () => {
    for (const documents of [...stacks.map((s) => [documentOf(s)]), all()]) {
      const diagram = architectureDiagram(documents);
      expectSound(diagram);
      const text = toMermaid(diagram);
      expect(diagram.edges.length).toBeLessThan(MERMAID_DEFAULT_LIMITS.maxEdges);
      expect(text.length).toBeLessThan(MERMAID_DEFAULT_LIMITS.maxTextSize);
      if (documents.length === 1) {
        expect(diagram.nodes.length).toBeLessThanOrEqual(MAX_ARCHITECTURE_NODES);
        expect(diagram.edges.length).toBeLessThanOrEqual(MAX_ARCHITECTURE_EDGES);
      }
      for (const id of [...nodeIds(diagram), ...diagram.groups.map((g) => g.id)]) {
        expect(id).toMatch(/^(me-south-1|us-east-1)(\/[A-Za-z][\w.:-]*(@[a-z0-9-]+)?)*$/);
      }
      // The same plans give the same diagram.
      expect(architectureDiagram(documents)).toEqual(diagram);
    }
  });

  it("gives the README one sentence and one mermaid fence per stack", () => {
    const block = diagramsReadmeBlockOf(all());
    expect(block.match(/^```mermaid$/gm)).toHaveLength(stacks.length);
    expect(block).toContain(
      "**Stack me-south-1** (region me-south-1): its 13 components and the data flows through them",
    );
    expect(block).toContain(
      "it also places resources in us-east-1 (VideoPipeline, Observability).",
    );
    expect(block).toContain("me-south-1 (HomeRegion) and us-west-2 (DataKeys, UserDataStore).");
  });
});
