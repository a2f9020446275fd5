/** The plan comparison on planted changes: added, removed, changed, re-parented, violations. */
import { describe, expect, it } from "vitest";
import {
  changedPaths,
  comparePlans,
  isSame,
  renderDifferences,
  type PlanDifference,
  type PlannedResource,
  type PlannedStack,
} from "./compare";

const STACK = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s";

function resource(
  type: string,
  name: string,
  parentChain: string,
  overrides: Partial<PlannedResource> = {},
): PlannedResource {
  return {
    urn: `urn:pulumi:s::p::${parentChain === "" ? "" : `${parentChain}$`}${type}::${name}`,
    type,
    name,
    parent: STACK,
    provider: null,
    region: "me-south-1",
    inputs: {},
    dependsOn: [],
    ...overrides,
  };
}

const root: PlannedResource = {
  urn: STACK,
  type: "pulumi:pulumi:Stack",
  name: "p-s",
  parent: null,
  provider: null,
  region: null,
  inputs: {},
  dependsOn: [],
};
const oldParent = resource("kc:analytics:AnalyticsCluster", "kc-analytics", "");
const queue = resource("aws:sqs/queue:Queue", "q", "kc:analytics:AnalyticsCluster", {
  parent: oldParent.urn,
  inputs: { tags: { DataClass: "telemetry" }, retention: 60 },
});

/** The one stack's difference. */
function compareOne(before: PlannedStack, after: PlannedStack): PlanDifference {
  const [difference] = comparePlans([before], [after]);
  if (difference === undefined) {
    throw new Error("no difference returned");
  }
  return difference;
}

function plan(resources: readonly PlannedResource[], violations: unknown[] = []): PlannedStack {
  return { stack: "s", resources: [root, ...resources], violations };
}

describe("comparePlans", () => {
  it("finds two plans of the same resources identical", () => {
    const difference = compareOne(plan([oldParent, queue]), plan([oldParent, queue]));
    expect(difference).toBeDefined();
    expect(isSame(difference)).toBe(true);
    expect(renderDifferences([difference])).toBe("== s: identical ==");
  });

  it("names added and removed resources by type and name", () => {
    const added = resource("aws:sqs/queuePolicy:QueuePolicy", "q", "");
    const difference = compareOne(plan([oldParent, queue]), plan([oldParent, added]));
    expect(difference.added).toEqual(["aws:sqs/queuePolicy:QueuePolicy::q"]);
    expect(difference.removed).toEqual(["aws:sqs/queue:Queue::q"]);
  });

  it("names the input paths that changed", () => {
    const changed = { ...queue, inputs: { tags: { DataClass: "content" }, retention: 60 } };
    const difference = compareOne(plan([oldParent, queue]), plan([oldParent, changed]));
    expect(difference.changed).toEqual([
      { key: "aws:sqs/queue:Queue::q", fields: ["inputs.tags.DataClass"] },
    ]);
  });

  it("sees a new parent (which needs aliases) while the URN change alone is no difference", () => {
    const newParent = resource("kc:kubernetes:KubernetesPlatform", "kc-analytics", "");
    const moved = {
      ...queue,
      urn: queue.urn.replace("AnalyticsCluster", "KubernetesPlatform"),
      parent: newParent.urn,
    };
    const difference = compareOne(plan([oldParent, queue]), plan([oldParent, newParent, moved]));
    expect(difference.changed).toEqual([]);
    expect(difference.reparented).toEqual([
      {
        key: "aws:sqs/queue:Queue::q",
        from: "kc:analytics:AnalyticsCluster::kc-analytics",
        to: "kc:kubernetes:KubernetesPlatform::kc-analytics",
      },
    ]);
  });

  it("compares dependencies by what they point at, not their URNs", () => {
    const dependent = resource("aws:sqs/queuePolicy:QueuePolicy", "p", "", {
      dependsOn: [queue.urn],
    });
    const renamedUrn = { ...queue, urn: `${queue.urn}-moved` };
    const same = compareOne(
      plan([oldParent, queue, dependent]),
      plan([oldParent, renamedUrn, { ...dependent, dependsOn: [renamedUrn.urn] }]),
    );
    expect(same.changed).toEqual([]);
    const other = compareOne(
      plan([oldParent, queue, dependent]),
      plan([oldParent, queue, { ...dependent, dependsOn: [oldParent.urn] }]),
    );
    expect(other.changed).toEqual([
      { key: "aws:sqs/queuePolicy:QueuePolicy::p", fields: ["dependsOn"] },
    ]);
  });

  it("reports changed policy results", () => {
    const difference = compareOne(
      plan([oldParent]),
      plan([oldParent], [{ rule: "user-data-residency" }]),
    );
    expect(difference.violationsChanged).toBe(true);
    expect(isSame(difference)).toBe(false);
  });

  it("refuses plans of other stacks, and a plan with two resources of one type and name", () => {
    expect(() => comparePlans([plan([])], [{ ...plan([]), stack: "t" }])).toThrow(
      "the plans cover other stacks: s against t",
    );
    expect(() => comparePlans([plan([queue, queue])], [plan([queue])])).toThrow(
      "s: two resources are aws:sqs/queue:Queue::q",
    );
  });
});

describe("changedPaths", () => {
  it("descends into objects and arrays, and reports a changed kind at its path", () => {
    expect(changedPaths({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] }, "x")).toEqual(["x.a.1.b"]);
    expect(changedPaths({ a: [1] }, { a: { 0: 1 } }, "x")).toEqual(["x.a"]);
    expect(changedPaths({ a: 1 }, { b: 1 }, "x")).toEqual(["x.a", "x.b"]);
  });
});
