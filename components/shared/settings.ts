import { isIPv4 } from "node:net";
import { z } from "zod";
import { REGION_CODE_PATTERN } from "../../contracts/ids";
import { GEOLOCATION_COUNTRY_CODES } from "../edge/geo-dns";
import { DEFAULT_LOG_RETENTION_DAYS, LOG_RETENTION_DAYS } from "./logs";
import { extraTagKeyProblem } from "./tags";

/**
 * Schema pieces every domain's settings use, and the settings of the platform as a whole
 * (region, jurisdiction, tags). Each domain's schema lives beside its components, in
 * `components/<domain>/settings.ts`; `stacks/config.ts` composes them.
 */

/**
 * One problem a rule between settings finds, with the path of the offending value relative to the
 * object the rule checks (the stack's config prefixes it with the object's own key).
 */
export interface SettingsIssue {
  readonly path: readonly (string | number)[];
  readonly input: unknown;
  readonly message: string;
}

/** An AWS region code, such as me-south-1. */
export const awsRegion = z
  .string({ error: "expected an AWS region code such as me-south-1" })
  .regex(REGION_CODE_PATTERN, {
    error: "expected an AWS region code such as me-south-1",
  });

/** A list of AWS region codes. */
export const regionList = z.array(awsRegion);

/** ISO 3166-1 alpha-2 codes: what Route 53 geolocation takes, and what a jurisdiction is. */
export const ISO_COUNTRY_CODES: ReadonlySet<string> = GEOLOCATION_COUNTRY_CODES;

const COUNTRY_ALLOWED = "expected an ISO 3166-1 alpha-2 country code in capitals, such as SA";

/** An assigned ISO 3166-1 alpha-2 country code in capitals; a lower-case one is pointed out. */
export const countryCode = z.string({ error: COUNTRY_ALLOWED }).superRefine((value, ctx) => {
  if (ISO_COUNTRY_CODES.has(value)) {
    return;
  }
  const upper = value.toUpperCase();
  ctx.addIssue({
    code: "custom",
    input: value,
    message: ISO_COUNTRY_CODES.has(upper)
      ? `${COUNTRY_ALLOWED}; did you mean ${upper}?`
      : /^[A-Z]{2}$/.test(value)
        ? `not an assigned ISO 3166-1 alpha-2 country code; ${COUNTRY_ALLOWED}`
        : COUNTRY_ALLOWED,
  });
});

/**
 * An IPv4 CIDR whose address is an IPv4 address (checked by node:net) and is the network address
 * of its prefix, with a prefix from `minPrefix` to `maxPrefix`. `allowed` says what the key takes.
 */
export function ipv4Cidr(minPrefix: number, maxPrefix: number, allowed: string) {
  return z.string({ error: allowed }).superRefine((value, ctx) => {
    const problem = ipv4CidrProblem(value, minPrefix, maxPrefix);
    if (problem !== undefined) {
      ctx.addIssue({ code: "custom", input: value, message: `${problem}; ${allowed}` });
    }
  });
}

/** What is wrong with `value` as an IPv4 CIDR of a prefix in range, or undefined. */
export function ipv4CidrProblem(
  value: string,
  minPrefix: number,
  maxPrefix: number,
): string | undefined {
  const match = /^([^/]+)\/(0|[1-9]\d?)$/.exec(value);
  const address = match?.[1];
  if (match === null || address === undefined) {
    return "not of the form address/prefix";
  }
  // node:net refuses out-of-range octets and leading zeros (which some tools read as octal).
  if (!isIPv4(address)) {
    return `${address} is not an IPv4 address`;
  }
  const prefix = Number(match[2]);
  if (prefix < minPrefix || prefix > maxPrefix) {
    return `prefix /${prefix} is out of range`;
  }
  const octets = address.split(".").map(Number);
  const base = octets.reduce((acc, octet) => acc * 256 + octet, 0);
  const size = 2 ** (32 - prefix);
  const network = base - (base % size);
  if (network !== base) {
    const dotted = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join(".");
    return `host bits set: the network address of /${prefix} here is ${dotted}/${prefix}`;
  }
  return undefined;
}

/**
 * A CloudWatch Logs retention period: only the values the API takes
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
 */
export const retentionDays = z.literal(LOG_RETENTION_DAYS, {
  error: `expected one of the CloudWatch Logs retention periods ${LOG_RETENTION_DAYS.join(", ")}`,
});

/** An integer from `min` to `max`, every failure saying so. */
export const integer = (min: number, max: number) =>
  z
    .number({ error: `expected an integer from ${min} to ${max}` })
    .int({ error: `expected an integer from ${min} to ${max}` })
    .min(min, { error: `expected an integer from ${min} to ${max}` })
    .max(max, { error: `expected an integer from ${min} to ${max}` });

/** A boolean switch. */
export const flag = z.boolean({ error: "expected true or false" });

/** An AWS cron expression, as EventBridge Scheduler and Glue triggers take it. */
export const cron = z.string().regex(/^cron\(.+\)$/, {
  error: "expected an AWS cron expression such as cron(15 2 * * ? *)",
});

/** An IAM role ARN. */
export const iamRoleArn = z
  .string({ error: "expected an IAM role ARN such as arn:aws:iam::123456789012:role/name" })
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
    error: "expected an IAM role ARN such as arn:aws:iam::123456789012:role/name",
  });

/** Regions where a stack may keep user data, replicas and backups: at least one. */
export const allowedRegionsSchema = regionList.min(1, { error: "expected at least one region" });

/** Default retention of log groups. @default 365 */
export const logRetentionDaysSchema = retentionDays.default(DEFAULT_LOG_RETENTION_DAYS);

/**
 * Extra tags applied to every resource through the provider's default tags; a key the platform
 * sets itself is refused. @default {}
 */
export const extraTagsSchema = z
  .record(
    z.string().regex(/^[A-Za-z0-9 _.:/=+@-]{1,128}$/, {
      error: "expected a tag key of 1 to 128 allowed characters",
    }),
    z.string().max(256, { error: "expected a tag value of at most 256 characters" }),
  )
  .superRefine((tags, ctx) => {
    // The provider's default tags would silently keep the program's value: refuse instead.
    for (const [key, value] of Object.entries(tags)) {
      const problem = extraTagKeyProblem(key);
      if (problem !== undefined) {
        ctx.addIssue({ code: "custom", path: [key], input: value, message: problem });
      }
    }
  })
  .default({});

/**
 * How a config key is documented: its meaning (the schema's `description`, which Pulumi.yaml's
 * declarations and the README's config table both take), and where the schema alone would say
 * too little, the type and default as a reader needs them.
 */
// A type alias, not an interface, so it is assignable to zod's metadata (an index signature).
export type ConfigDoc = {
  /** What the key means, in a phrase. */
  readonly description: string;
  /** The type as a reader needs it (`private IPv4 CIDR /16-/19`). @default derived from the schema */
  readonly typeText?: string;
  /** The default as a reader needs it (`first azCount by name`). @default derived from the schema */
  readonly defaultText?: string;
  /** The key as the table writes it, where one row covers several keys. @default its path */
  readonly keyText?: string;
};

/**
 * Documents the keys of a settings object: registers each `ConfigDoc` as the metadata
 * (`z.globalRegistry`, what `.meta()` and `z.toJSONSchema` read) of the schema at that key.
 * `settings` is the object schema, or a default, optional or refinement around it. Throws at
 * import when a key is not one of the object's, or a schema shared by two keys would carry two
 * meanings.
 */
export function documentSettings(
  settings: z.ZodType,
  docs: Readonly<Record<string, ConfigDoc>>,
): void {
  const shape = objectShapeOf(settings);
  for (const [key, doc] of Object.entries(docs)) {
    const schema = shape[key];
    if (schema === undefined) {
      throw new Error(`documentSettings: ${key} is not a key of the settings object`);
    }
    const existing = z.globalRegistry.get(schema);
    if (existing !== undefined && existing.description !== doc.description) {
      throw new Error(
        `documentSettings: the schema of ${key} is shared and already means: ${existing.description ?? ""}`,
      );
    }
    z.globalRegistry.add(schema, { ...doc });
  }
}

/** The shape of an object schema, through the defaults, optionals and pipes around it. */
export function objectShapeOf(schema: z.core.$ZodType): Readonly<Record<string, z.core.$ZodType>> {
  let current = schema;
  for (let depth = 0; depth < 8; depth += 1) {
    const def = current._zod.def;
    if (def.type === "object") {
      return (def as z.core.$ZodObjectDef).shape;
    }
    const inner =
      (def as { innerType?: z.core.$ZodType }).innerType ?? (def as { in?: z.core.$ZodType }).in;
    if (inner === undefined) {
      break;
    }
    current = inner;
  }
  throw new Error(`expected an object schema, found ${current._zod.def.type}`);
}
