/**
 * The home-region directory in the real plan: the primary stack's table carries its own data
 * class, lives and replicates in the home regions only, and the plan's rules catch a replica
 * planted anywhere else, which the user-data rule alone would not.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate, type PlannedResource } from "../policy/rules";
import { planStack, type StackPlan } from "../tools/plan/document";

let plan: StackPlan;

beforeAll(async () => {
  plan = await planStack("us-east-1");
});

function directoryTable(): PlannedResource {
  const tables = plan.recorded.filter(
    (resource) =>
      resource.type === "aws:dynamodb/table:Table" &&
      (resource.inputs.tags as Record<string, string> | undefined)?.DataClass ===
        "pseudonymous-directory",
  );
  expect(tables).toHaveLength(1);
  const [table] = tables;
  if (table === undefined) {
    throw new Error("no directory table in the plan");
  }
  return table;
}

describe("the home-region directory in the us-east-1 plan", () => {
  it("is the one table of its class, replicated to exactly the other home regions", () => {
    const table = directoryTable();
    const homeRegions = Object.keys(plan.config.homeRegion?.hostnames ?? {}).sort();
    const replicas = (table.inputs.replicas as { regionName: string }[]).map((r) => r.regionName);
    expect([table.region, ...replicas].sort()).toEqual(homeRegions);
    // Replicated outside the stack's allowed regions, which is what the class is for.
    expect(replicas.some((region) => !plan.config.allowedRegions.includes(region))).toBe(true);
    expect(plan.document.violations).toEqual([]);
  });

  it("fails the plan's rules when a replica is planted outside the home regions", () => {
    const table = directoryTable();
    const planted: PlannedResource = {
      ...table,
      inputs: {
        ...table.inputs,
        replicas: [...(table.inputs.replicas as object[]), { regionName: "eu-west-1" }],
      },
    };
    const resources = plan.recorded.map((resource) =>
      resource.urn === table.urn ? planted : resource,
    );
    const violations = evaluate(resources, {
      stack: "us-east-1",
      allowedRegions: plan.config.allowedRegions,
      homeRegions: Object.keys(plan.config.homeRegion?.hostnames ?? {}),
    });
    expect(violations.map((v) => `${v.rule}: ${v.message}`)).toEqual([
      `directory-residency: aws:dynamodb/table:Table ${table.name} sends a global-table replica to eu-west-1, outside the home regions (me-south-1, us-east-1)`,
    ]);
  });
});
