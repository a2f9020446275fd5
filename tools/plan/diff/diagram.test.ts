/** The diagram comparison on hand-made diagrams. */
import { describe, expect, it } from "vitest";
import type { Diagram } from "../diagram/model";
import { diagramChangeCount, diffDiagrams, noDiagramChanges } from "./diagram";
import { MASK, SecretMask } from "./secrets";

const base: Diagram = {
  groups: [
    { id: "stack-me", label: "stack me-south-1" },
    { id: "me-video", label: "VideoPipeline kc-video", parent: "stack-me" },
  ],
  nodes: [
    { id: "me-video-bucket", label: "s3 Bucket x2", group: "me-video" },
    { id: "me-video-queue", label: "sqs Queue", group: "me-video" },
  ],
  edges: [{ from: "me-video-bucket", to: "me-video-queue", label: "events" }],
};

const noMask = new SecretMask([]);

describe("diffDiagrams", () => {
  it("finds a diagram equal to itself redrawn in another order", () => {
    const redrawn: Diagram = {
      groups: [...base.groups].reverse(),
      nodes: [...base.nodes].reverse(),
      edges: [...base.edges],
    };
    const diff = diffDiagrams(base, redrawn, noMask);
    expect(noDiagramChanges(diff)).toBe(true);
  });

  it("names groups, nodes and edges added and removed, and labels or containers changed", () => {
    const after: Diagram = {
      groups: [
        { id: "stack-me", label: "stack me-south-1" },
        { id: "me-video", label: "VideoPipeline kc-video", parent: "stack-me" },
        { id: "me-cdn", label: "GlobalEdge kc-edge", parent: "stack-me" },
      ],
      nodes: [
        { id: "me-video-bucket", label: "s3 Bucket x3", group: "me-video" },
        { id: "me-cdn-distribution", label: "cloudfront Distribution", group: "me-cdn" },
      ],
      edges: [
        { from: "me-video-bucket", to: "me-cdn-distribution" },
        { from: "me-video-bucket", to: "me-video-queue", label: "notifications" },
      ],
    };
    const diff = diffDiagrams(base, after, noMask);
    expect(diff.groups.added.map((g) => g.id)).toEqual(["me-cdn"]);
    expect(diff.groups.removed).toEqual([]);
    expect(diff.nodes.added.map((n) => n.id)).toEqual(["me-cdn-distribution"]);
    expect(diff.nodes.removed.map((n) => n.id)).toEqual(["me-video-queue"]);
    expect(diff.nodes.changed).toEqual([
      { id: "me-video-bucket", what: ['label "s3 Bucket x2" -> "s3 Bucket x3"'] },
    ]);
    // A relabelled edge is one gone and one new.
    expect(diff.edges.added).toEqual(after.edges);
    expect(diff.edges.removed).toEqual(base.edges);
    expect(diagramChangeCount(diff)).toEqual({ added: 4, removed: 2 });
    // A removed node keeps its label for the reader.
    expect(diff.labels["me-video-queue"]).toBe("sqs Queue");
  });

  it("sees a node moved to another group", () => {
    const moved: Diagram = {
      ...base,
      nodes: base.nodes.map((n) => (n.id === "me-video-queue" ? { ...n, group: "stack-me" } : n)),
    };
    expect(diffDiagrams(base, moved, noMask).nodes.changed).toEqual([
      { id: "me-video-queue", what: ["group me-video -> stack-me"] },
    ]);
  });

  it("masks known secrets in labels", () => {
    const leaked: Diagram = {
      ...base,
      nodes: [...base.nodes, { id: "x", label: "db Planted-Secret-Label", group: "me-video" }],
    };
    const diff = diffDiagrams(base, leaked, new SecretMask(["Planted-Secret-Label"]));
    expect(diff.nodes.added).toEqual([{ id: "x", label: `db ${MASK}`, group: "me-video" }]);
    expect(JSON.stringify(diff)).not.toContain("Planted-Secret-Label");
  });
});
