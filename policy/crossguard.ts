/**
 * Adapts the rules to CrossGuard: the same pure functions the offline plan runs, over the
 * resources `pulumi preview --policy-pack policy` hands the pack.
 */
import type { PolicyResource, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { evaluate, type PlannedResource, type ResourceRule } from "./rules";
import { asObject, stringsIn } from "./rules/resource-facts";
import { PLATFORM_TYPE } from "./rules/vocabulary";

/** A CrossGuard resource as the rules see it; region as the plan resolves it. */
export function toPlannedResource(resource: PolicyResource): PlannedResource {
  const props = resource.props as Record<string, unknown>;
  const ownRegion =
    typeof props.region === "string" && props.region !== "" ? props.region : undefined;
  const providerRegion = resource.provider?.props.region as unknown;
  return {
    urn: resource.urn,
    type: resource.type,
    name: resource.name,
    ...(resource.parent === undefined ? {} : { parent: resource.parent.urn }),
    ...(resource.provider === undefined ? {} : { provider: resource.provider.urn }),
    // An unknown region is the empty string, which is in no allowed list: residency fails closed.
    region: ownRegion ?? (typeof providerRegion === "string" ? providerRegion : ""),
    inputs: props,
    dependsOn: resource.dependencies.map((dependency) => dependency.urn),
  };
}

/** The stack's residency settings, from the inputs its `RegionalPlatform` registers. */
export function residencyOf(
  resources: readonly PlannedResource[],
): { stack: string; allowedRegions: string[] } | undefined {
  const platform = resources.find((resource) => resource.type === PLATFORM_TYPE);
  if (platform === undefined) {
    return undefined;
  }
  const inputs = asObject(platform.inputs) ?? {};
  return {
    stack: typeof inputs.stack === "string" ? inputs.stack : "",
    allowedRegions: stringsIn(inputs.allowedRegions),
  };
}

/** The CrossGuard policy of one rule. */
export function stackPolicy(rule: ResourceRule): StackValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcement,
    validateStack: (args, reportViolation: ReportViolation) => {
      const resources = args.resources.map(toPlannedResource);
      const residency = residencyOf(resources);
      if (residency === undefined) {
        reportViolation(`no ${PLATFORM_TYPE} in the stack: its allowed regions are unknown`);
        return;
      }
      for (const violation of evaluate(resources, residency, [rule])) {
        reportViolation(violation.message, violation.urn);
      }
    },
  };
}
