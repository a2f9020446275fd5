/** `toMermaid`: the flowchart text of a diagram. */
import { describe, expect, it } from "vitest";
import { toMermaid, type Diagram } from "./model";

const diagram: Diagram = {
  groups: [
    { id: "me-south-1", label: "stack me-south-1" },
    { id: "me-south-1/VideoPipeline", label: "VideoPipeline", parent: "me-south-1" },
  ],
  nodes: [
    { id: "me-south-1/browser", label: "Browser" },
    {
      id: "me-south-1/VideoPipeline/uploads",
      label: "uploads bucket",
      group: "me-south-1/VideoPipeline",
    },
    { id: "me-south-1/Monolith", label: 'say "hi" <b> | #1\nsecond line', group: "me-south-1" },
  ],
  edges: [
    { from: "me-south-1/browser", to: "me-south-1/VideoPipeline/uploads", label: "uploads | PUT" },
    { from: "me-south-1/Monolith", to: "me-south-1/VideoPipeline" },
  ],
};

describe("toMermaid", () => {
  it("draws groups as nested subgraphs, labelled edges solid and unlabelled ones dotted", () => {
    expect(toMermaid(diagram)).toBe(
      [
        "flowchart TB",
        '  n3["Browser"]',
        '  subgraph n1["stack me-south-1"]',
        '    n5["say #quot;hi#quot; #lt;b#gt; #124; #35;1<br/>second line"]',
        '    subgraph n2["VideoPipeline"]',
        '      n4["uploads bucket"]',
        "    end",
        "  end",
        '  n3 -->|"uploads #124; PUT"| n4',
        "  n5 -.-> n2",
        "",
      ].join("\n"),
    );
  });

  it("runs left to right when asked", () => {
    expect(toMermaid(diagram, "LR").split("\n")[0]).toBe("flowchart LR");
  });
});
