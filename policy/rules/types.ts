/**
 * The vocabulary of the policy rules. Rules are pure functions over planned resources, so the
 * offline plan, the tests and the CrossGuard pack all run the same code.
 */

/** How a violation is treated: mandatory ones fail the plan and the preview. */
export type Enforcement = "mandatory" | "advisory";

/** A resource as the plan records it (the `resources` entries of the plan's JSON contract). */
export interface PlannedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** URN of the parent, if any. */
  readonly parent?: string;
  /** URN of the explicit provider, if any. */
  readonly provider?: string;
  /** The region the resource resolves to. */
  readonly region: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly dependsOn: readonly string[];
}

/** What a rule may know about one resource without the rest of the stack. */
export interface ResourceContext {
  readonly stack: string;
  /** Regions where this stack may keep user data. */
  readonly allowedRegions: readonly string[];
  /**
   * Every home region (the keys of `knowledgecity:homeRegion.hostnames`): where the home-region
   * directory is replicated. Unknown means no directory placement can be proven.
   */
  readonly homeRegions?: readonly string[];
  /** The resource's explicit provider, if it has one (CrossGuard hands it over with the resource). */
  readonly provider?: PlannedResource;
}

/** What a rule may know besides the resource itself when it sees the whole stack. */
export interface PolicyContext extends Omit<ResourceContext, "provider"> {
  /** Every resource of the stack by URN, for rules that follow references (providers, parents). */
  readonly resources: ReadonlyMap<string, PlannedResource>;
}

/**
 * One rule: checks one resource and returns a message per problem found. What the resource (and
 * its provider) shows on its own is checked by `checkResource`, which CrossGuard runs before the
 * resource is created or updated; what needs other resources of the stack (a bucket's encryption
 * configuration, its public access block) is checked by `checkStack`, which CrossGuard runs over
 * the whole stack. The offline plan runs both.
 */
export interface ResourceRule {
  /** Stable, kebab-case name, used in reports and in the CrossGuard pack. */
  readonly name: string;
  readonly description: string;
  readonly enforcement: Enforcement;
  /** Whether the rule reads the stack's allowed regions (the pack then takes them as policy config). */
  readonly readsAllowedRegions: boolean;
  checkResource(resource: PlannedResource, context: ResourceContext): readonly string[];
  checkStack?(resource: PlannedResource, context: PolicyContext): readonly string[];
}

/** A rule's finding about one resource. */
export interface Violation {
  readonly rule: string;
  readonly urn: string;
  readonly message: string;
  readonly enforcement: Enforcement;
}
