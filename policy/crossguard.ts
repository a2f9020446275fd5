/**
 * Adapts the rules to CrossGuard: the same pure functions the offline plan runs, over what the
 * Pulumi engine hands a policy pack during `pulumi preview` and `pulumi up`.
 *
 * The engine sends two things (pulumi/pulumi `pkg/resource/deploy/step_generator.go`):
 * - `Analyze`, once per resource before it is created or updated: the resource's **inputs** and
 *   its provider's inputs. Every rule's `checkResource` runs here, so a violation stops `up`
 *   before the change is applied.
 * - `AnalyzeStack`, once at the end: every resource with its **outputs** (a component's outputs
 *   are what it passed to `registerOutputs`), parents and dependencies. A rule's `checkStack`,
 *   which needs other resources (a bucket's encryption configuration, its access block), runs here.
 *
 * The stack's allowed regions reach the per-resource residency check as policy config (the engine
 * sends a resource, not the stack's settings), and the stack check compares that config with
 * the allowed regions `RegionalPlatform` registers as outputs, so a stale config cannot pass.
 */
import type {
  PolicyConfigSchema,
  PolicyProviderResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { PlannedResource, ResourceContext, ResourceRule } from "./rules";
import { asObject, describe, knownString, stringsIn, UNKNOWN } from "./rules/resource-facts";
import { PLATFORM_TYPE } from "./rules/vocabulary";

/** The pack's name: `pulumi preview --policy-pack policy` reports violations under it. */
export const PACK_NAME = "knowledgecity";

/** The policy config of a rule that reads the stack's allowed regions. */
export interface ResidencyConfig {
  readonly stack: string;
  readonly allowedRegions: readonly string[];
  /** Every home region, where the home-region directory is replicated (directory-residency). */
  readonly homeRegions?: readonly string[];
}

/** An AWS region name such as `me-south-1` or `us-gov-west-1`. */
const REGION_PATTERN = "^[a-z]{2}(-[a-z]+)+-[0-9]+$";

/** The config schema of a rule that reads the stack's allowed regions; the CLI checks files against it. */
export const RESIDENCY_CONFIG_SCHEMA: PolicyConfigSchema = {
  properties: {
    stack: {
      type: "string",
      minLength: 1,
      description: "The stack being previewed or updated (named in violation messages)",
    },
    allowedRegions: {
      type: "array",
      minItems: 1,
      uniqueItems: true,
      items: { type: "string", pattern: REGION_PATTERN },
      description: "The stack's knowledgecity:allowedRegions: where it may keep user data",
    },
    homeRegions: {
      type: "array",
      minItems: 1,
      uniqueItems: true,
      items: { type: "string", pattern: REGION_PATTERN },
      description:
        "The keys of knowledgecity:homeRegion.hostnames: where the home-region directory is replicated",
    },
  },
  required: ["stack", "allowedRegions"],
};

/** The policy config file's content for one stack (`--policy-pack-config`). */
export function policyConfigFor(
  rules: readonly ResourceRule[],
  residency: ResidencyConfig,
): Record<string, ResidencyConfig> {
  return Object.fromEntries(
    rules
      .filter((rule) => rule.readsAllowedRegions)
      .map((rule) => [
        rule.name,
        {
          stack: residency.stack,
          allowedRegions: [...residency.allowedRegions],
          ...(residency.homeRegions === undefined
            ? {}
            : { homeRegions: [...residency.homeRegions] }),
        },
      ]),
  );
}

/**
 * A plain copy of what the engine sent. `@pulumi/policy` hands policies a proxy that throws on
 * reading a value unknown during preview; the copy reads such a value as `UNKNOWN` instead, so one
 * unknown output never skips a check over the whole stack. Rules treat `UNKNOWN` like any other
 * string: a key id that will be known is present, a region that is not known is not allowed.
 */
export function snapshot(value: unknown): unknown {
  if (Array.isArray(value)) {
    return Array.from({ length: value.length }, (_, index) => readField(value, index));
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).map((key) => [key, readField(value, key)]));
  }
  return value;
}

function readField(container: object, key: string | number): unknown {
  let field: unknown;
  try {
    field = (container as Record<string | number, unknown>)[key];
  } catch {
    // The proxy throws only for a value the engine does not know yet.
    return UNKNOWN;
  }
  return snapshot(field);
}

function propsOf(props: Record<string, unknown>): Readonly<Record<string, unknown>> {
  return asObject(snapshot(props)) ?? {};
}

function knownRegion(value: unknown): string | undefined {
  const region = knownString(value);
  return region === "" ? undefined : region;
}

/**
 * The engine names the providers it creates for resources without one `default` or
 * `default_<version>`; the plan records such a resource as having no provider.
 */
function isDefaultProvider(provider: PolicyProviderResource): boolean {
  return /^default(_|$)/.test(provider.name);
}

/** What the engine sends about one resource, in either call. */
interface EngineResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Record<string, unknown>;
  readonly provider?: PolicyProviderResource;
}

/** The provider as the rules see it: a resource whose inputs carry its region and default tags. */
export function toPlannedProvider(provider: PolicyProviderResource): PlannedResource {
  const inputs = propsOf(provider.props);
  return {
    urn: provider.urn,
    type: provider.type,
    name: provider.name,
    region: knownRegion(inputs.region) ?? "",
    inputs,
    dependsOn: [],
  };
}

/**
 * A resource as the rules see it. Its region is its own `region` input when set, else its
 * provider's; an unknown region is the empty string, in no allowed list: residency fails closed.
 */
export function toPlannedResource(
  resource: EngineResource,
  links: { readonly parent?: string; readonly dependsOn: readonly string[] },
): PlannedResource {
  const inputs = propsOf(resource.props);
  const provider =
    resource.provider === undefined ? undefined : toPlannedProvider(resource.provider);
  return {
    urn: resource.urn,
    type: resource.type,
    name: resource.name,
    ...(links.parent === undefined ? {} : { parent: links.parent }),
    ...(resource.provider === undefined || isDefaultProvider(resource.provider)
      ? {}
      : { provider: resource.provider.urn }),
    region: knownRegion(inputs.region) ?? provider?.region ?? "",
    inputs,
    dependsOn: [...links.dependsOn],
  };
}

/** The residency settings in a policy's config, if they are complete. */
export function residencyConfigOf(
  config: Readonly<Record<string, unknown>>,
): ResidencyConfig | undefined {
  const allowedRegions = stringsIn(config.allowedRegions);
  const homeRegions = Array.isArray(config.homeRegions) ? stringsIn(config.homeRegions) : [];
  return typeof config.stack === "string" &&
    config.stack !== "" &&
    Array.isArray(config.allowedRegions) &&
    allowedRegions.length > 0
    ? { stack: config.stack, allowedRegions, ...(homeRegions.length > 0 ? { homeRegions } : {}) }
    : undefined;
}

/** The residency settings the stack's `RegionalPlatform` registered as outputs, if it did. */
export function registeredResidencyOf(
  resources: readonly PlannedResource[],
): ResidencyConfig | undefined {
  const platform = resources.find((resource) => resource.type === PLATFORM_TYPE);
  return platform === undefined ? undefined : residencyConfigOf(platform.inputs);
}

function sameRegions(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

function missingConfig(rule: ResourceRule): string {
  return (
    `${rule.name} needs the stack's allowed regions as policy config ({ "${rule.name}": ` +
    `{ "stack", "allowedRegions" } }); write it with \`npm run policy-config -- --stack <stack> ` +
    `--out <file>\` and pass it with --policy-pack-config <file>`
  );
}

function validateResource(rule: ResourceRule) {
  return (args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
    const resource = toPlannedResource(args, {
      ...(args.opts.parent === undefined ? {} : { parent: args.opts.parent }),
      dependsOn: [],
    });
    const provider = resource.provider === undefined ? undefined : args.provider;
    const residency = rule.readsAllowedRegions
      ? residencyConfigOf(args.getConfig<Record<string, unknown>>())
      : undefined;
    const context: ResourceContext = {
      stack: residency?.stack ?? "",
      allowedRegions: residency?.allowedRegions ?? [],
      ...(residency?.homeRegions === undefined ? {} : { homeRegions: residency.homeRegions }),
      ...(provider === undefined ? {} : { provider: toPlannedProvider(provider) }),
    };
    const problems = rule.checkResource(resource, context);
    if (rule.readsAllowedRegions && residency === undefined) {
      // Without the allowed regions nothing can be placed: fail closed, saying what is missing.
      if (problems.length > 0) {
        reportViolation(`${describe(resource)}: ${missingConfig(rule)}`);
      }
      return;
    }
    for (const message of problems) {
      reportViolation(message);
    }
  };
}

function validateStack(rule: ResourceRule) {
  return (args: StackValidationArgs, reportViolation: ReportViolation): void => {
    const resources = args.resources.map((resource) =>
      toPlannedResource(resource, {
        ...(resource.parent === undefined ? {} : { parent: resource.parent.urn }),
        dependsOn: resource.dependencies.map((dependency) => dependency.urn),
      }),
    );
    const registered = registeredResidencyOf(resources);
    const configured = rule.readsAllowedRegions
      ? residencyConfigOf(args.getConfig<Record<string, unknown>>())
      : undefined;
    if (rule.readsAllowedRegions) {
      if (registered === undefined && configured === undefined) {
        reportViolation(
          `no ${PLATFORM_TYPE} registered the stack's allowed regions and ${missingConfig(rule)}`,
        );
        return;
      }
      if (
        registered !== undefined &&
        configured !== undefined &&
        (registered.stack !== configured.stack ||
          !sameRegions(registered.allowedRegions, configured.allowedRegions))
      ) {
        reportViolation(
          `the policy config is for stack ${configured.stack} allowing ` +
            `${configured.allowedRegions.join(", ")}, but stack ${registered.stack} allows ` +
            `${registered.allowedRegions.join(", ")}; write the config from the stack file ` +
            `(npm run policy-config -- --stack ${registered.stack})`,
        );
      }
    }
    const residency = registered ?? configured;
    // The platform registers no home regions: they come from the config.
    const homeRegions = registered?.homeRegions ?? configured?.homeRegions;
    const context = {
      stack: residency?.stack ?? "",
      allowedRegions: residency?.allowedRegions ?? [],
      ...(homeRegions === undefined ? {} : { homeRegions }),
      resources: new Map(resources.map((resource) => [resource.urn, resource])),
    };
    for (const resource of resources) {
      for (const message of rule.checkStack?.(resource, context) ?? []) {
        reportViolation(message, resource.urn);
      }
    }
  };
}

/**
 * The CrossGuard policy of one rule, under the rule's name: a resource policy running its
 * resource checks and, when it has stack checks, a stack validation under the same name and
 * config (`@pulumi/policy` runs `validateResource` on `Analyze` and `validateStack` on
 * `AnalyzeStack` for every policy that has them).
 */
export function crossGuardPolicy(
  rule: ResourceRule,
): ResourceValidationPolicy & Partial<Pick<StackValidationPolicy, "validateStack">> {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcement,
    ...(rule.readsAllowedRegions ? { configSchema: RESIDENCY_CONFIG_SCHEMA } : {}),
    validateResource: validateResource(rule),
    ...(rule.checkStack === undefined ? {} : { validateStack: validateStack(rule) }),
  };
}
