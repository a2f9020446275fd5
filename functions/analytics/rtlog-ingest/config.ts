/**
 * The function's configuration, read from its environment once, at cold start. Every missing or
 * invalid variable is reported in one `ConfigurationError`.
 */
import { z } from "zod";
import {
  requiredVariables,
  runtimeVariables,
  type RequiredVariable,
  type RuntimeVariable,
} from "../../../contracts/functions";
import { readVariables, type Environment } from "../../shared/environment";
import { ConfigurationError } from "./errors";

/** A variable the function reads: its contract's, and `AWS_LAMBDA_FUNCTION_NAME` from Lambda. */
export type EnvironmentVariable =
  RequiredVariable<"rtlog-ingest"> | RuntimeVariable<"rtlog-ingest">;

/** Every variable the function reads. `AWS_LAMBDA_FUNCTION_NAME` is set by Lambda itself. */
export const ENVIRONMENT: readonly EnvironmentVariable[] = [
  ...requiredVariables("rtlog-ingest"),
  ...runtimeVariables("rtlog-ingest"),
];

/** The metrics dimension when `AWS_LAMBDA_FUNCTION_NAME` is unset (outside Lambda). */
export const DEFAULT_FUNCTION_NAME = "rtlog-ingest";

/** What the function needs to know, validated. */
export interface RtlogIngestConfig {
  /** The ClickHouse HTTPS endpoint (`https://host:8443`), without credentials or path. */
  readonly clickHouseUrl: string;
  /** The database of `playback_requests`: a plain identifier, since it is written into SQL. */
  readonly clickHouseDatabase: string;
  readonly clickHouseUser: string;
  /** The Secrets Manager secret whose string is the ClickHouse password. */
  readonly clickHousePasswordSecretArn: string;
  /** Where malformed records are kept. */
  readonly deadLetterBucket: string;
  /** Key prefix of the dead-letter objects, ending in `/` (`dead-letter/rtlog/`). */
  readonly deadLetterPrefix: string;
  /** The KMS key the dead-letter objects are encrypted with. */
  readonly deadLetterKmsKeyArn: string;
  /** The `FunctionName` dimension of the batch metrics. */
  readonly functionName: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KEY_PREFIX = /^(?:[A-Za-z0-9!_.*'()-]+\/)+$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key|alias)\/[A-Za-z0-9/_-]+$/;

/** Whether `value` is an https URL with a host and nothing the client would misread. */
function isPlainHttpsUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    url.protocol === "https:" &&
    url.hostname !== "" &&
    url.username === "" &&
    url.password === "" &&
    // The client reads a path as the database name and a query string as settings.
    (url.pathname === "" || url.pathname === "/") &&
    url.search === "" &&
    url.hash === ""
  );
}

const required = (expected: string) =>
  z.string({
    error: (issue) => (issue.input === undefined ? "is missing" : `must be ${expected}`),
  });

const schema = z.object({
  CLICKHOUSE_URL: required("an https URL").refine(isPlainHttpsUrl, {
    error:
      "must be an https URL without credentials, path or query, such as https://clickhouse.internal:8443",
  }),
  CLICKHOUSE_DATABASE: required("a database name").regex(IDENTIFIER, {
    error: "must be a plain identifier (letters, digits, _; not starting with a digit)",
  }),
  CLICKHOUSE_USER: required("a user name").regex(/^[\x21-\x7e]{1,64}$/, {
    error: "must be 1-64 visible ASCII characters",
  }),
  CLICKHOUSE_PASSWORD_SECRET_ARN: required("a Secrets Manager secret ARN").regex(SECRET_ARN, {
    error:
      "must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)",
  }),
  DEAD_LETTER_BUCKET: required("an S3 bucket name").regex(BUCKET_NAME, {
    error: "must be an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)",
  }),
  DEAD_LETTER_PREFIX: required("a key prefix").regex(KEY_PREFIX, {
    error: "must be a key prefix of safe characters ending in /, such as dead-letter/rtlog/",
  }),
  DEAD_LETTER_KMS_KEY_ARN: required("a KMS key ARN").regex(KMS_KEY_ARN, {
    error: "must be a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<id>)",
  }),
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
} satisfies Record<EnvironmentVariable, z.ZodType>);

/** Reads and validates the environment; throws `ConfigurationError` listing every problem. */
export function loadConfiguration(env: Environment): RtlogIngestConfig {
  const values = readVariables(env, ENVIRONMENT);
  const result = schema.safeParse(values, { reportInput: true });
  if (!result.success) {
    throw new ConfigurationError(
      [],
      result.error.issues.map((issue) => {
        const name = issue.path.map(String).join(".");
        // A URL is not echoed: it can carry credentials.
        return typeof issue.input === "string" && issue.path[0] !== "CLICKHOUSE_URL"
          ? `${name} ${issue.message}, got ${JSON.stringify(issue.input)}`
          : `${name} ${issue.message}`;
      }),
      "invalid environment",
    );
  }
  const parsed = result.data;
  return {
    clickHouseUrl: parsed.CLICKHOUSE_URL,
    clickHouseDatabase: parsed.CLICKHOUSE_DATABASE,
    clickHouseUser: parsed.CLICKHOUSE_USER,
    clickHousePasswordSecretArn: parsed.CLICKHOUSE_PASSWORD_SECRET_ARN,
    deadLetterBucket: parsed.DEAD_LETTER_BUCKET,
    deadLetterPrefix: parsed.DEAD_LETTER_PREFIX,
    deadLetterKmsKeyArn: parsed.DEAD_LETTER_KMS_KEY_ARN,
    functionName: parsed.AWS_LAMBDA_FUNCTION_NAME ?? DEFAULT_FUNCTION_NAME,
  };
}
