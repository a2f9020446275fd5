/** The resource comparison on planted changes: added, removed, changed, re-parented, dependencies. */
import { describe, expect, it } from "vitest";
import {
  changedPaths,
  diffResources,
  formatPath,
  keyOfUrn,
  PARSED,
  type ComparedResource,
  type ResourceDiff,
} from "./resources";
import { SecretMask } from "./secrets";

const STACK = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s";

function resource(
  type: string,
  name: string,
  parentChain: string,
  overrides: Partial<ComparedResource> = {},
): ComparedResource {
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

const root: ComparedResource = {
  urn: STACK,
  type: "pulumi:pulumi:Stack",
  name: "p-s",
  parent: null,
  provider: null,
  region: "me-south-1",
  inputs: {},
  dependsOn: [],
};
const oldParent = resource("kc:analytics:AnalyticsCluster", "kc-analytics", "");
const queue = resource("aws:sqs/queue:Queue", "q", "kc:analytics:AnalyticsCluster", {
  parent: oldParent.urn,
  inputs: { tags: { DataClass: "telemetry" }, retention: 60 },
});

function diff(
  before: readonly ComparedResource[],
  after: readonly ComparedResource[],
): ResourceDiff {
  const all = [root, ...before, ...after];
  return diffResources([root, ...before], [root, ...after], SecretMask.of(all));
}

describe("diffResources", () => {
  it("finds two plans of the same resources identical", () => {
    expect(diff([oldParent, queue], [oldParent, queue])).toEqual({
      added: [],
      removed: [],
      changed: [],
      reparented: [],
    });
  });

  it("names added and removed resources by type and name", () => {
    const added = resource("aws:sqs/queuePolicy:QueuePolicy", "q", "");
    const result = diff([oldParent, queue], [oldParent, added]);
    expect(result.added).toEqual(["aws:sqs/queuePolicy:QueuePolicy::q"]);
    expect(result.removed).toEqual(["aws:sqs/queue:Queue::q"]);
  });

  it("gives each changed input path with its values before and after", () => {
    const changed = { ...queue, inputs: { tags: { DataClass: "content", Owner: "video" } } };
    expect(diff([oldParent, queue], [oldParent, changed]).changed).toEqual([
      {
        key: "aws:sqs/queue:Queue::q",
        changes: [
          { path: "inputs.retention", before: 60, after: undefined },
          { path: "inputs.tags.DataClass", before: "telemetry", after: "content" },
          { path: "inputs.tags.Owner", before: undefined, after: "video" },
        ],
      },
    ]);
  });

  it("compares JSON held in strings (policies) inside, not as one long string", () => {
    const policy = (action: string) =>
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action }] });
    const was = resource("aws:iam/rolePolicy:RolePolicy", "p", "", {
      inputs: { policy: policy("sqs:SendMessage") },
    });
    const is = { ...was, inputs: { policy: policy("sqs:*") } };
    expect(diff([was], [is]).changed[0]?.changes).toEqual([
      {
        path: "inputs.policy(json).Statement[0].Action",
        before: "sqs:SendMessage",
        after: "sqs:*",
      },
    ]);
  });

  it("sees a new parent (which needs aliases) while the URN change alone is no difference", () => {
    const newParent = resource("kc:kubernetes:KubernetesPlatform", "kc-analytics", "");
    const moved = {
      ...queue,
      urn: queue.urn.replace("AnalyticsCluster", "KubernetesPlatform"),
      parent: newParent.urn,
    };
    const result = diff([oldParent, queue], [oldParent, newParent, moved]);
    expect(result.changed).toEqual([]);
    expect(result.added).toEqual(["kc:kubernetes:KubernetesPlatform::kc-analytics"]);
    expect(result.reparented).toEqual([
      {
        key: "aws:sqs/queue:Queue::q",
        from: "kc:analytics:AnalyticsCluster::kc-analytics",
        to: "kc:kubernetes:KubernetesPlatform::kc-analytics",
      },
    ]);
  });

  it("compares dependencies, providers and regions by what they are, not their URNs", () => {
    const dependent = resource("aws:sqs/queuePolicy:QueuePolicy", "p", "", {
      dependsOn: [queue.urn],
    });
    const renamedUrn = { ...queue, urn: `${queue.urn}-moved` };
    expect(
      diff(
        [oldParent, queue, dependent],
        [oldParent, renamedUrn, { ...dependent, dependsOn: [renamedUrn.urn] }],
      ).changed,
    ).toEqual([]);
    const provider = resource("pulumi:providers:aws", "eu", "");
    const other = diff(
      [oldParent, queue, provider, dependent],
      [
        oldParent,
        queue,
        provider,
        { ...dependent, dependsOn: [oldParent.urn], provider: provider.urn, region: "eu-west-1" },
      ],
    );
    expect(other.changed).toEqual([
      {
        key: "aws:sqs/queuePolicy:QueuePolicy::p",
        changes: [
          { path: "provider", before: "(none)", after: "pulumi:providers:aws::eu" },
          { path: "region", before: "me-south-1", after: "eu-west-1" },
          { path: "dependsOn", before: "aws:sqs/queue:Queue::q", after: undefined },
          {
            path: "dependsOn",
            before: undefined,
            after: "kc:analytics:AnalyticsCluster::kc-analytics",
          },
        ],
      },
    ]);
  });

  it("tells apart two resources of one type and name by their parents' types", () => {
    const a = resource("aws:sqs/queue:Queue", "q", "kc:a:A", { inputs: { n: 1 } });
    const b = resource("aws:sqs/queue:Queue", "q", "kc:b:B", { inputs: { n: 2 } });
    const result = diff([a, b], [a, { ...b, inputs: { n: 3 } }]);
    expect(result.changed).toEqual([
      {
        key: "kc:b:B$aws:sqs/queue:Queue::q",
        changes: [{ path: "inputs.n", before: 2, after: 3 }],
      },
    ]);
  });
});

describe("changedPaths and formatPath", () => {
  it("descends into objects, arrays and JSON strings, and stops at a changed kind", () => {
    expect(changedPaths({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] }, [])).toEqual([["a", 1, "b"]]);
    expect(changedPaths({ a: [1] }, { a: { 0: 1 } }, [])).toEqual([["a"]]);
    expect(changedPaths({ a: 1 }, { b: 1 }, [])).toEqual([["a"], ["b"]]);
    expect(changedPaths('{"x":1}', '{"x":2}', [])).toEqual([[PARSED, "x"]]);
    expect(changedPaths("{not json", "{not json!", [])).toEqual([[]]);
  });

  it("writes paths as a reader would type them", () => {
    expect(formatPath(["inputs", "policy", PARSED, "Statement", 0, "Action"])).toBe(
      "inputs.policy(json).Statement[0].Action",
    );
    expect(formatPath(["inputs", "tags", "kubernetes.io/role"])).toBe(
      'inputs.tags["kubernetes.io/role"]',
    );
  });

  it("keys a URN by its last type and its name", () => {
    expect(keyOfUrn("urn:pulumi:s::p::a:b:C$aws:s3/bucket:Bucket::kc-logs")).toBe(
      "aws:s3/bucket:Bucket::kc-logs",
    );
  });
});
