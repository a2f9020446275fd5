import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { beforeAll, describe, expect, it } from "vitest";
import { planStack, type StackPlan } from "../stacks/plan/document";
import type { RecordedResource } from "../test/harness";
import { residencyOf, stackPolicy, toPlannedResource } from "./crossguard";
import { RULES } from "./rules";

/** The resources of a plan as CrossGuard hands them to a pack during `pulumi preview`. */
function asPolicyResources(recorded: readonly RecordedResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  for (const resource of recorded) {
    byUrn.set(resource.urn, {
      type: resource.type,
      name: resource.name,
      urn: resource.urn,
      props: { ...resource.inputs },
      opts: {
        protect: resource.protect,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
      },
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    });
  }
  for (const resource of recorded) {
    const policyResource = byUrn.get(resource.urn);
    if (policyResource === undefined) {
      continue;
    }
    const parent = resource.parent === undefined ? undefined : byUrn.get(resource.parent);
    const provider = resource.provider === undefined ? undefined : byUrn.get(resource.provider);
    Object.assign(policyResource, {
      ...(parent === undefined ? {} : { parent }),
      ...(provider === undefined
        ? {}
        : {
            provider: {
              type: provider.type,
              name: provider.name,
              urn: provider.urn,
              props: provider.props,
            },
          }),
      dependencies: resource.dependsOn.flatMap((urn) => byUrn.get(urn) ?? []),
    });
  }
  return [...byUrn.values()];
}

function validate(resources: PolicyResource[]): { rule: string; message: string; urn?: string }[] {
  const found: { rule: string; message: string; urn?: string }[] = [];
  const args: StackValidationArgs = {
    resources,
    stackTags: new Map(),
    // The rules take no policy config.
    getConfig: () => {
      throw new Error("the rules read no policy config");
    },
    notApplicable: (reason?: string) => {
      throw new Error(reason ?? "not applicable");
    },
  };
  for (const rule of RULES) {
    void stackPolicy(rule).validateStack(args, (message, urn) => {
      found.push({ rule: rule.name, message, ...(urn === undefined ? {} : { urn }) });
    });
  }
  return found;
}

describe("the CrossGuard pack", () => {
  let saudi: StackPlan;
  beforeAll(async () => {
    saudi = await planStack("me-south-1");
  });

  it("reads the stack's allowed regions from the RegionalPlatform's inputs", () => {
    const planned = asPolicyResources(saudi.recorded).map(toPlannedResource);
    expect(residencyOf(planned)).toEqual({ stack: "me-south-1", allowedRegions: ["me-south-1"] });
  });

  it("resolves every resource's region the way the plan does", () => {
    const planned = asPolicyResources(saudi.recorded).map(toPlannedResource);
    const planRegions = new Map(saudi.document.resources.map((r) => [r.urn, r.region]));
    for (const resource of planned.filter((r) => r.type.startsWith("aws:"))) {
      expect(resource.region, resource.urn).toBe(planRegions.get(resource.urn));
    }
  });

  it("passes the real Saudi stack with no violation", () => {
    expect(validate(asPolicyResources(saudi.recorded))).toEqual([]);
  });

  it("reports a user-data resource moved out of the allowed regions, with its URN", () => {
    const resources = asPolicyResources(saudi.recorded);
    const cluster = resources.find((r) => r.type === "aws:rds/cluster:Cluster");
    expect(cluster).toBeDefined();
    if (cluster !== undefined) {
      cluster.props = { ...cluster.props, region: "eu-west-1" };
    }
    expect(validate(resources)).toEqual([
      {
        rule: "user-data-residency",
        urn: cluster?.urn,
        message: `aws:rds/cluster:Cluster ${cluster?.name ?? ""} holds user data in eu-west-1, outside the allowed regions of stack me-south-1 (me-south-1)`,
      },
    ]);
  });

  it("refuses a stack without a RegionalPlatform, whose allowed regions are unknown", () => {
    const withoutPlatform = asPolicyResources(saudi.recorded).filter(
      (r) => r.type !== "knowledgecity:platform:RegionalPlatform",
    );
    const found = validate(withoutPlatform);
    expect(found).toHaveLength(RULES.length);
    expect(found.every((v) => v.message.includes("allowed regions are unknown"))).toBe(true);
  });
});
