import { describe, objectsIn, providerDefaultTags } from "./resource-facts";
import type { PlannedResource, ResourceRule } from "./types";

/** Route 53's location of the default geolocation record: every viewer no other record matches. */
const DEFAULT_LOCATION = "*";

/**
 * The locations of a geolocation record that are residency-bound: every country, subdivision or
 * continent it names, that is every location but the default `*`. A stack routes a location to
 * itself because its jurisdiction keeps those viewers' accounts; the default record is the
 * broadest match, so it has nothing to fall back to.
 */
export function residencyBoundLocations(resource: PlannedResource): string[] {
  if (resource.type !== "aws:route53/record:Record") {
    return [];
  }
  return objectsIn(resource.inputs.geolocationRoutingPolicies).flatMap((policy) => {
    const { continent, country, subdivision } = policy;
    if (typeof country === "string" && country !== DEFAULT_LOCATION) {
      return [typeof subdivision === "string" ? `${country}-${subdivision}` : country];
    }
    return typeof continent === "string" ? [`continent ${continent}`] : [];
  });
}

/** Whether a value is set: a known value, or one the engine will know after apply. */
function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}

/**
 * A geolocation record of a residency-bound location never lets Route 53 fall back to another
 * record. Route 53 skips a record whose health check is unhealthy, or an alias record whose
 * target is unhealthy when `evaluateTargetHealth` is on, and answers with the next broader match:
 * the continent record, then the default record, which belong to another jurisdiction's stack
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-how-route-53-chooses-records.html,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-geo.html). A record
 * with neither is always healthy to Route 53, so its viewers stay with their own jurisdiction's
 * stack during its outage.
 */
export const residencyRoutingFailsClosed: ResourceRule = {
  name: "residency-routing-fails-closed",
  description:
    "Geolocation records of residency-bound countries carry no health check and do not evaluate their target's health, so Route 53 never answers those viewers with another jurisdiction's record",
  enforcement: "mandatory",
  readsAllowedRegions: false,
  checkResource(resource, { stack, provider }) {
    const locations = residencyBoundLocations(resource);
    if (locations.length === 0) {
      return [];
    }
    const jurisdiction =
      provider === undefined ? undefined : providerDefaultTags(provider).Jurisdiction;
    const bound = `${locations.join(", ")}, residency-bound to ${
      jurisdiction === undefined
        ? `the jurisdiction of stack ${stack}`
        : `jurisdiction ${jurisdiction} (stack ${stack})`
    }`;
    const fallback =
      "when it is unhealthy Route 53 answers those viewers with the continent or default record of another jurisdiction's stack";
    const problems: string[] = [];
    if (isSet(resource.inputs.healthCheckId)) {
      problems.push(
        `${describe(resource)} routes ${bound}, with a health check (healthCheckId): ${fallback}; remove healthCheckId (monitor the health check instead)`,
      );
    }
    objectsIn(resource.inputs.aliases).forEach((alias, index) => {
      if (alias.evaluateTargetHealth === true) {
        problems.push(
          `${describe(resource)} routes ${bound}, with aliases[${index}].evaluateTargetHealth = true: ${fallback}; set it to false`,
        );
      }
    });
    return problems;
  },
};
