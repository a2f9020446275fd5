/**
 * Shared setup of the rule tests: a stack in me-south-1 with its provider, a builder of planned
 * resources on that provider, and the messages one rule reports over them.
 */
import { evaluate, type PlannedResource, type ResourceRule } from ".";

/** The URN of the stack's AWS provider, which every resource built by `resource` uses. */
export const PROVIDER_URN =
  "urn:pulumi:me-south-1::knowledgecity::pulumi:providers:aws::aws-me-south-1";

/** A planned resource in me-south-1 on the stack's provider, with no inputs unless overridden. */
export function resource(
  overrides: Partial<PlannedResource> & Pick<PlannedResource, "type" | "name">,
): PlannedResource {
  return {
    urn: `urn:pulumi:me-south-1::knowledgecity::${overrides.type}::${overrides.name}`,
    region: "me-south-1",
    inputs: {},
    dependsOn: [],
    provider: PROVIDER_URN,
    ...overrides,
  };
}

/** The stack's AWS provider, with the default tags the tagging rules require. */
export const provider: PlannedResource = {
  urn: PROVIDER_URN,
  type: "pulumi:providers:aws",
  name: "aws-me-south-1",
  region: "me-south-1",
  // Providers receive nested inputs as JSON text.
  inputs: {
    region: "me-south-1",
    defaultTags: JSON.stringify({
      tags: { Project: "knowledgecity", Stack: "me-south-1", Jurisdiction: "SA" },
    }),
  },
  dependsOn: [],
};

/** A stack in me-south-1 whose data may stay only in me-south-1. */
export const settings = { stack: "me-south-1", allowedRegions: ["me-south-1"] };

/** Messages of one rule over the given resources (the provider is always present). */
export function messages(rule: ResourceRule, ...resources: PlannedResource[]): string[] {
  return evaluate([provider, ...resources], settings, [rule]).map((v) => v.message);
}

/** The tags of a store of user data. */
export const userData = { DataClass: "user-data" };
