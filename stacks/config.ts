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
  type ConfigDoc,
  countryCode,
  extraTagsSchema,
  flag,
  logRetentionDaysSchema,
} from "../components/shared/settings";
import { videoSettingsSchema } from "../components/video/settings";
import { CONFIG_NAMESPACE, ConfigError, describeIssue, show } from "./config-errors";
import { stackProblems } from "./config-rules";

/** The microservices platform's settings object, inside the default that wraps it. */
const microservicesObject = microservicesSettingsSchema.unwrap();

/**
 * A stack's configuration: each domain's settings, whose schema (defaults, ranges, messages and
 * the rules within the domain) lives beside its components in `components/<domain>/settings.ts`.
 * This module composes them; the rules across domains are in `./config-rules.ts`. The metadata
 * (`.meta`, `documentSettings`) is what Pulumi.yaml's declarations and the README's config table
 * are made from (./config-docs.ts).
 *
 * Two values every stack shares are keys of their own, set once in Pulumi.yaml: `domain` (was
 * `dns.domain`) and `identityProvider` (was `microservices.jwt`). Pulumi replaces a stack's whole
 * value of a key, never merging objects, so a shared field cannot stay inside a per-stack object.
 * The parsed config keeps them where the components read them (`dns.domain`,
 * `microservices.jwt`).
 */
const stackKeysSchema = z.strictObject({
  /** From `aws:region`: the region the stack deploys to. */
  region: awsRegion.meta({
    description: "where the stack deploys; must be in `allowedRegions`",
    typeText: "region code",
  }),
  /** ISO 3166-1 alpha-2 code of the jurisdiction whose law governs this stack's user data. */
  jurisdiction: countryCode.meta({
    description:
      "whose law governs the stack's user data (`US`, `SA`); becomes the `Jurisdiction` tag",
    typeText: "ISO 3166-1 alpha-2 code",
  }),
  /** Regions where this stack may keep user data, replicas and backups. */
  allowedRegions: allowedRegionsSchema.meta({
    description: "where user data, replicas and backups may live",
    typeText: "list of regions",
  }),
  /** Whether this stack hosts the global edge (SPA, CloudFront, global WAF). @default false */
  primary: flag.default(false).meta({
    description: "hosts the global edge; exactly one stack is primary",
  }),
  /** The platform's apex domain, shared by every stack (set once in Pulumi.yaml). */
  domain: dnsSettingsSchema.shape.domain,
  /** The residency-bound user store. */
  userStore: userStoreSettingsSchema.meta({
    description: "the residency-bound user store: `kind`, its replicas, Aurora's settings",
  }),
  /** DNS names and geolocation routing (the domain is `domain`). */
  dns: dnsSettingsSchema.omit({ domain: true }).meta({
    description: "the stack's DNS names and geolocation routing in the domain's hosted zone",
  }),
  /** The regional VPC. */
  network: networkSettingsSchema.meta({ description: "the regional VPC" }),
  /** Default retention of log groups. @default 365 */
  logRetentionDays: logRetentionDaysSchema.meta({
    description: "default log retention",
    typeText: "CloudWatch retention",
  }),
  /** Extra tags applied to every resource through the provider's default tags. @default {} */
  tags: extraTagsSchema.meta({
    description:
      "extra default tags; `Project`, `Stack`, `Jurisdiction`, `DataClass` (any case) and `aws:` keys are refused",
    typeText: "map",
  }),
  /** The PHP monolith. */
  monolith: monolithSettingsSchema.meta(componentDoc("the PHP monolith", "app")),
  /** The global edge (primary stack only). */
  globalEdge: globalEdgeSettingsSchema.meta(
    componentDoc("the global edge (primary stack only)", "edge"),
  ),
  /** Home-region pinning: the same map for every stack (set once in Pulumi.yaml). */
  homeRegion: homeRegionSettingsSchema.meta({
    description:
      "every home region, its API hostname and its geolocation (where each country's sign-ups are kept)",
  }),
  /** The video pipeline. */
  video: videoSettingsSchema.meta(componentDoc("the video pipeline", "video")),
  /** The analytics cluster. */
  analytics: analyticsSettingsSchema,
  /** The identity provider whose tokens the microservices API checks (set once in Pulumi.yaml). */
  identityProvider: microservicesObject.shape.jwt.meta({
    description:
      "the identity provider whose tokens the microservices API checks: its https `issuer` and the API's `audience` list",
    typeText: "`{ issuer, audience }`",
    defaultText: "required with microservices",
  }),
  /** The microservices platform on the analytics cluster (its JWTs: `identityProvider`). */
  microservices: microservicesObject
    .omit({ jwt: true })
    .prefault({})
    .meta(componentDoc("the microservices platform", "services")),
  /** Alarms, dashboards and Prometheus. */
  observability: observabilitySettingsSchema.meta(
    componentDoc("alarms, dashboards and Prometheus", "operations"),
  ),
  /** Account-level settings: made by this stack or the account's own. */
  accountSetup: accountSetupSettingsSchema,
  /** Backups of the user store. */
  compliance: complianceSettingsSchema.meta(componentDoc("backups of the user store", "security")),
});
/** The parsed keys as the components read them: the domain in `dns`, the JWTs in `microservices`. */
function asStackConfig({
  domain,
  identityProvider,
  dns,
  microservices,
  ...rest
}: z.output<typeof stackKeysSchema>) {
  return {
    ...rest,
    dns: { domain, ...dns },
    microservices: {
      ...microservices,
      ...(identityProvider === undefined ? {} : { jwt: identityProvider }),
    },
  };
}

/**
 * The stack's keys, then the rules across them, then the shape the components read. The rules
 * refine the object itself (not the transformed value), so they run, and are reported with the
 * keys' own problems, even when some key is malformed.
 */
export const stackSettingsSchema = stackKeysSchema
  .superRefine((keys, ctx) => {
    for (const issue of stackProblems(asStackConfig(keys))) {
      ctx.addIssue({
        code: "custom",
        path: [...issue.path],
        input: issue.input,
        message: issue.message,
      });
    }
  })
  .transform(asStackConfig);

/** The table's row of a component's whole settings object. */
function componentDoc(what: string, domain: string): ConfigDoc {
  return {
    description: `${what}: its settings (see \`components/${domain}/settings.ts\`); keys are rejected until the component defines them`,
    typeText: "map",
    defaultText: "`{}`",
  };
}

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
export function parseStackConfig(
  stack: string,
  raw: RawConfig,
  secretKeys: readonly string[] = SECRET_CONFIG_KEYS,
): StackConfig {
  const input: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith(prefix) && !secretKeys.includes(key)) {
      input[key.slice(prefix.length)] = value;
    }
  }
  if ("region" in input) {
    throw new ConfigError(stack, [
      `${prefix}region: not a key of this project; set the region with aws:region`,
    ]);
  }
  input.region = raw["aws:region"];

  const moved = movedKeyProblems(input);
  const providersProblem = defaultProvidersProblem(raw[DISABLE_DEFAULT_PROVIDERS]);
  const result = stackSettingsSchema.safeParse(input, { reportInput: true });
  if (result.success && providersProblem === undefined && moved.length === 0) {
    return result.data;
  }
  throw new ConfigError(stack, [
    ...moved,
    ...(providersProblem === undefined ? [] : [providersProblem]),
    ...(result.success
      ? []
      : result.error.issues.map((issue) => describeIssue(issue, input, stackSettingsSchema))),
  ]);
}

/**
 * Keys that moved to a key of their own, shared by every stack and set once in Pulumi.yaml: the
 * old key, its new one. A config key is a user contract, so the old one fails naming the new.
 */
export const MOVED_CONFIG_KEYS: readonly {
  readonly from: readonly [string, string];
  readonly to: string;
}[] = [
  { from: ["dns", "domain"], to: `${CONFIG_NAMESPACE}:domain` },
  { from: ["microservices", "jwt"], to: `${CONFIG_NAMESPACE}:identityProvider` },
];

/** One line per moved key the input still sets; each is taken out so it is reported once. */
function movedKeyProblems(input: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const { from, to } of MOVED_CONFIG_KEYS) {
    const [parent, field] = from;
    const value = input[parent];
    if (value !== null && typeof value === "object" && !Array.isArray(value) && field in value) {
      const { [field]: old, ...rest } = value as Record<string, unknown>;
      input[parent] = rest;
      problems.push(
        `${CONFIG_NAMESPACE}:${parent}.${field} = ${show(old)}: moved to ${to}, set once for every stack in Pulumi.yaml; remove it from the stack file`,
      );
    }
  }
  return problems;
}

/**
 * Config keys whose values are secrets (`pulumi config set --secret`, `secure:` in the stack
 * file). None today: the platform's credentials are made and kept in Secrets Manager, and config
 * carries no token, password or webhook URL. A key listed here is left out of `StackConfig` (a
 * plain object, whose values would reach state and outputs in clear text) and read with
 * `readSecretConfig`; Pulumi.yaml declares it `secret: true`, so the CLI refuses a clear-text
 * value for it.
 */
export const SECRET_CONFIG_KEYS: readonly string[] = [];

/**
 * A secret config value as Pulumi's `requireSecret` reads it: an Output marked secret, which
 * stays secret in every resource input, state and stack output it flows into
 * (https://www.pulumi.com/docs/iac/concepts/config/#code, "For potentially-secret config, use
 * getSecret or requireSecret"). Never read it with `allConfig` or `require`.
 */
export function readSecretConfig(key: string): pulumi.Output<string> {
  const separator = key.indexOf(":");
  if (separator <= 0) {
    throw new Error(`${key}: expected a full config key such as ${CONFIG_NAMESPACE}:name`);
  }
  return new pulumi.Config(key.slice(0, separator)).requireSecret(key.slice(separator + 1));
}

/** The engine setting that turns default providers off (the CLI passes it to the program too). */
export const DISABLE_DEFAULT_PROVIDERS = "pulumi:disable-default-providers";

/** How `pulumi:disable-default-providers` is documented (it is no key of the zod schema). */
export const DISABLE_DEFAULT_PROVIDERS_DOC: ConfigDoc = {
  description:
    "every package must go through an explicit provider; a file that leaves any package's default on is refused",
  typeText: "list",
  defaultText: 'required: `["*"]`',
};

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
 * stores as JSON text (objects, lists, numbers, booleans) are decoded first. The runtime holds
 * the CLI's merge of Pulumi.yaml and the stack file; secret keys (`SECRET_CONFIG_KEYS`) are left
 * out, to be read with `readSecretConfig`.
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
