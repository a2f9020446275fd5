import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { analyticsSettingsSchema } from "../components/analytics/settings";
import { monolithSettingsSchema } from "../components/app/settings";
import { homeRegionSettingsSchema, userStoreSettingsSchema } from "../components/data/settings";
import { dnsSettingsSchema, globalEdgeSettingsSchema } from "../components/edge/settings";
import { networkSettingsSchema } from "../components/network/settings";
import { observabilitySettingsSchema } from "../components/operations/settings";
import {
  accountSetupSettingsSchema,
  complianceSettingsSchema,
} from "../components/security/settings";
import { microservicesSettingsSchema } from "../components/services/settings";
import {
  allowedRegionsSchema,
  awsRegion,
  countryCode,
  extraTagsSchema,
  flag,
  logRetentionDaysSchema,
} from "../components/shared/settings";
import { videoSettingsSchema } from "../components/video/settings";
import { CONFIG_NAMESPACE, ConfigError, describeIssue, show } from "./config-errors";
import { stackProblems } from "./config-rules";

/**
 * A stack's configuration: each domain's settings, whose schema (defaults, ranges, messages and
 * the rules within the domain) lives beside its components in `components/<domain>/settings.ts`.
 * This module composes them; the rules across domains are in `./config-rules.ts`.
 */
const stackSettingsSchema = z.strictObject({
  /** From `aws:region`: the region the stack deploys to. */
  region: awsRegion,
  /** ISO 3166-1 alpha-2 code of the jurisdiction whose law governs this stack's user data. */
  jurisdiction: countryCode,
  /** Regions where this stack may keep user data, replicas and backups. */
  allowedRegions: allowedRegionsSchema,
  /** Whether this stack hosts the global edge (SPA, CloudFront, global WAF). @default false */
  primary: flag.default(false),
  /** The residency-bound user store. */
  userStore: userStoreSettingsSchema,
  /** DNS names and geolocation routing. */
  dns: dnsSettingsSchema,
  /** The regional VPC. */
  network: networkSettingsSchema,
  /** Default retention of log groups. @default 365 */
  logRetentionDays: logRetentionDaysSchema,
  /** Extra tags applied to every resource through the provider's default tags. @default {} */
  tags: extraTagsSchema,
  /** The PHP monolith. */
  monolith: monolithSettingsSchema,
  /** The global edge (primary stack only). */
  globalEdge: globalEdgeSettingsSchema,
  /** Home-region pinning. */
  homeRegion: homeRegionSettingsSchema,
  /** The video pipeline. */
  video: videoSettingsSchema,
  /** The analytics cluster. */
  analytics: analyticsSettingsSchema,
  /** The microservices platform on the analytics cluster. */
  microservices: microservicesSettingsSchema,
  /** Alarms, dashboards and Prometheus. */
  observability: observabilitySettingsSchema,
  /** Account-level settings: made by this stack or the account's own. */
  accountSetup: accountSetupSettingsSchema,
  /** Backups of the user store. */
  compliance: complianceSettingsSchema,
});

const stackConfigSchema = stackSettingsSchema.superRefine((config, ctx) => {
  for (const issue of stackProblems(config)) {
    ctx.addIssue({
      code: "custom",
      path: [...issue.path],
      input: issue.input,
      message: issue.message,
    });
  }
});

/** The validated configuration of one stack, with every default resolved. */
export type StackConfig = z.output<typeof stackSettingsSchema>;

/** What a stack file may contain, before defaults. */
export type StackConfigInput = z.input<typeof stackSettingsSchema>;

/** Raw config as Pulumi holds it: full keys (`aws:region`, `knowledgecity:network`) to values. */
export type RawConfig = Readonly<Record<string, unknown>>;

/**
 * Validates a stack's raw config and resolves its defaults. Every problem is collected and
 * reported at once in a single `ConfigError`.
 */
export function parseStackConfig(stack: string, raw: RawConfig): StackConfig {
  const input: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith(prefix)) {
      input[key.slice(prefix.length)] = value;
    }
  }
  if ("region" in input) {
    throw new ConfigError(stack, [
      `${prefix}region: not a key of this project; set the region with aws:region`,
    ]);
  }
  input.region = raw["aws:region"];

  const providersProblem = defaultProvidersProblem(raw[DISABLE_DEFAULT_PROVIDERS]);
  const result = stackConfigSchema.safeParse(input, { reportInput: true });
  if (result.success && providersProblem === undefined) {
    return result.data;
  }
  throw new ConfigError(stack, [
    ...(providersProblem === undefined ? [] : [providersProblem]),
    ...(result.success
      ? []
      : result.error.issues.map((issue) => describeIssue(issue, input, stackConfigSchema))),
  ]);
}

/** The engine setting that turns default providers off (the CLI passes it to the program too). */
export const DISABLE_DEFAULT_PROVIDERS = "pulumi:disable-default-providers";

/**
 * Every Pulumi package whose resources the program registers. Each gets an explicit provider;
 * with its default provider disabled, a resource that forgot it fails at preview instead of
 * deploying through ambient credentials and region.
 */
export const PROGRAM_PACKAGES = [
  "aws",
  "docker-build",
  "eks",
  "kubernetes",
  "random",
  "tls",
] as const;

/**
 * What is wrong with the stack's `pulumi:disable-default-providers`, or undefined: it must
 * disable every package the program uses, as `["*"]` does
 * (https://www.pulumi.com/docs/iac/concepts/resources/providers/, "Disabling default providers";
 * the engine passes the whole stack config, this key included, to the program).
 */
export function defaultProvidersProblem(value: unknown): string | undefined {
  const allowed = `expected ["*"] (or every package the program uses: ${PROGRAM_PACKAGES.join(", ")}), so a resource without an explicit provider fails at preview`;
  if (value === undefined) {
    return `${DISABLE_DEFAULT_PROVIDERS} = (missing): required; ${allowed}`;
  }
  const packages = Array.isArray(value) ? value : undefined;
  if (packages === undefined || packages.some((entry) => typeof entry !== "string")) {
    return `${DISABLE_DEFAULT_PROVIDERS} = ${show(value)}: ${allowed}`;
  }
  if (packages.includes("*")) {
    return undefined;
  }
  const missing = PROGRAM_PACKAGES.filter((name) => !packages.includes(name));
  return missing.length === 0
    ? undefined
    : `${DISABLE_DEFAULT_PROVIDERS} = ${show(value)}: leaves the default providers of ${missing.join(", ")} on; ${allowed}`;
}

/**
 * Reads the running stack's config from the Pulumi runtime and validates it. Values that Pulumi
 * stores as JSON text (objects, lists, numbers, booleans) are decoded first.
 */
export function loadStackConfig(): StackConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    raw[key] = decodeConfigValue(value);
  }
  return parseStackConfig(pulumi.getStack(), raw);
}

/** Pulumi hands structured values to programs as JSON text and plain strings as they are. */
export function decodeConfigValue(value: string): unknown {
  const trimmed = value.trim();
  if (/^[[{"]|^-?\d|^(true|false|null)$/.test(trimmed)) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}
