/** The IAM paths of the Saudi store's shards, over the real two-shard me-south-1 plan. */
import { beforeAll, describe, expect, it } from "vitest";
import "../engine"; // loads the program before the plan, as the plan command does
import type { RecordedResource } from "../engine";
import { planStack, type StackPlan } from "../document";
import { checkStackIam, failureLines, type IamReport } from "./check";
import { loadIamModel } from "./loader";
import type { PolicyDocument } from "./model";
import { MONOLITH_ROLE } from "./paths";
import { shardClusters } from "./shard-paths";

const POLICY = "aws:iam/rolePolicy:RolePolicy";

/** The plan with the monolith's database statement naming the first shard only. */
function firstShardOnly(recorded: readonly RecordedResource[]): RecordedResource[] {
  return recorded.map((resource) => {
    if (resource.type !== POLICY || resource.name !== MONOLITH_ROLE) return resource;
    const document = JSON.parse(String(resource.inputs.policy)) as PolicyDocument;
    const statements = document.Statement.map((statement) => {
      if (statement.Sid !== "ConnectToTheUserStore") return statement;
      const resources = ([] as string[]).concat(statement.Resource as string | string[]);
      return { ...statement, Resource: resources.slice(0, 1) };
    });
    return {
      ...resource,
      inputs: {
        ...resource.inputs,
        policy: JSON.stringify({ ...document, Statement: statements }),
      },
    };
  });
}

/** The plan with the monolith's database statement for any region (`*` in the region). */
function anyRegion(recorded: readonly RecordedResource[]): RecordedResource[] {
  return recorded.map((resource) => {
    if (resource.type !== POLICY || resource.name !== MONOLITH_ROLE) return resource;
    return {
      ...resource,
      inputs: {
        ...resource.inputs,
        policy: String(resource.inputs.policy).replaceAll(":rds-db:me-south-1:", ":rds-db:*:"),
      },
    };
  });
}

describe("the Saudi store's shards in IAM", () => {
  let plan: StackPlan;
  let report: IamReport;

  beforeAll(async () => {
    plan = await planStack("me-south-1");
    report = await checkStackIam("me-south-1", "me-south-1", plan.recorded);
  }, 120_000);

  const connects = (r: IamReport, expectation: "allow" | "deny") =>
    r.results.filter(
      (result) => result.action === "rds-db:connect" && result.expectation === expectation,
    );

  it("finds both shards' primary clusters, the first under its original name", () => {
    const model = loadIamModel("me-south-1", "me-south-1", plan.recorded);
    expect(shardClusters(model)).toEqual(["kc-users-cluster", "kc-users-s2-cluster"]);
  });

  it("lets the monolith sign in to every shard of its region, and nothing else", () => {
    expect(failureLines(report)).toEqual([]);
    const allowed = connects(report, "allow");
    expect(allowed.map((result) => result.resource)).toEqual([
      expect.stringMatching(/^arn:aws:rds-db:me-south-1:\d+:dbuser:cluster-[A-Z0-9]+\/kc_app$/),
      expect.stringMatching(/^arn:aws:rds-db:me-south-1:\d+:dbuser:cluster-[A-Z0-9]+\/kc_app$/),
    ]);
    expect(new Set(allowed.map((result) => result.resource)).size).toBe(2);
    expect(allowed.every((result) => result.passed)).toBe(true);
    const denied = connects(report, "deny");
    expect(denied.map((result) => result.resource)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^arn:aws:rds-db:us-east-1:.*\/kc_app$/),
        expect.stringMatching(/\/kc_admin$/),
      ]),
    );
    expect(denied).toHaveLength(4);
    expect(denied.every((result) => result.passed)).toBe(true);
  });

  it("keeps every role off the Data API of the second shard", () => {
    const dataApi = report.results.filter(
      (result) =>
        result.action === "rds-data:ExecuteStatement" && result.why.includes("kc-users-s2-cluster"),
    );
    expect(dataApi.length).toBeGreaterThan(10);
    expect(dataApi.every((result) => result.expectation === "deny" && result.passed)).toBe(true);
  });

  it("fails when the monolith's policy leaves out the second shard", async () => {
    const broken = await checkStackIam("me-south-1", "me-south-1", firstShardOnly(plan.recorded));
    expect(failureLines(broken).join("\n")).toContain("kc-users-s2-cluster");
    expect(connects(broken, "allow").filter((result) => !result.passed)).toHaveLength(1);
  });

  it("fails when the monolith's policy reaches the shards of any region", async () => {
    const broken = await checkStackIam("me-south-1", "me-south-1", anyRegion(plan.recorded));
    const failures = connects(broken, "deny").filter((result) => !result.passed);
    expect(failures).toHaveLength(2);
    expect(failures.every((result) => result.resource.includes(":rds-db:us-east-1:"))).toBe(true);
  });
});
