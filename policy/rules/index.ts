/**
 * The residency and security rules, and how to run them over a stack's planned resources. The
 * offline plan and the CrossGuard pack (policy/index.ts) both run exactly these.
 */
import { directoryResidency, userDataResidency } from "./residency";
import { residencyRoutingFailsClosed } from "./routing";
import { encryptionAtRest, noPublicBuckets, noWildcardIam, noWorldOpenIngress } from "./security";
import { dataClassTag, providerDefaultTagsRule } from "./tagging";
import type {
  PlannedResource,
  PolicyContext,
  ResourceContext,
  ResourceRule,
  Violation,
} from "./types";

export type {
  Enforcement,
  PlannedResource,
  PolicyContext,
  ResourceContext,
  ResourceRule,
  Violation,
} from "./types";

/** Every rule, in report order. */
export const RULES: readonly ResourceRule[] = [
  userDataResidency,
  directoryResidency,
  residencyRoutingFailsClosed,
  dataClassTag,
  providerDefaultTagsRule,
  encryptionAtRest,
  noPublicBuckets,
  noWildcardIam,
  noWorldOpenIngress,
];

/** Runs `rules` over every resource of a stack: each rule's resource checks, then its stack checks. */
export function evaluate(
  resources: readonly PlannedResource[],
  settings: Omit<PolicyContext, "resources">,
  rules: readonly ResourceRule[] = RULES,
): Violation[] {
  const context: PolicyContext = {
    ...settings,
    resources: new Map(resources.map((r) => [r.urn, r])),
  };
  return resources.flatMap((resource) => {
    const provider =
      resource.provider === undefined ? undefined : context.resources.get(resource.provider);
    const own: ResourceContext = { ...settings, ...(provider === undefined ? {} : { provider }) };
    return rules.flatMap((rule) =>
      [...rule.checkResource(resource, own), ...(rule.checkStack?.(resource, context) ?? [])].map(
        (message) => ({
          rule: rule.name,
          urn: resource.urn,
          message,
          enforcement: rule.enforcement,
        }),
      ),
    );
  });
}
