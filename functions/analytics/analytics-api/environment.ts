/**
 * The service's environment, validated at start: a missing or malformed variable stops the
 * process with one line naming it.
 */
import { z } from "zod";
import { REGION_CODE_PATTERN } from "../../../contracts/ids";

const schema = z.object({
  CLICKHOUSE_URL: z.string().regex(/^https?:\/\/[^\s]+$/, { error: "an http(s) URL" }),
  CLICKHOUSE_DATABASE: z.string().regex(/^[a-z_][a-z0-9_]*$/, { error: "a database name" }),
  CLICKHOUSE_USER: z.string().min(1, { error: "a user name" }),
  CLICKHOUSE_PASSWORD: z.string().min(1, { error: "the user's password" }),
  PORT: z
    .string()
    .regex(/^[0-9]{2,5}$/, { error: "a port number" })
    .transform(Number)
    .default(8080),
  /** Set on a replicated installation: migrations run ON CLUSTER with Replicated engines. */
  CLICKHOUSE_CLUSTER: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,62}$/, { error: "the operator's cluster name" })
    .optional(),
  RAW_RETENTION_DAYS: z
    .string()
    .regex(/^[0-9]{1,4}$/, { error: "a number of days" })
    .transform(Number)
    .optional(),
});

export type Environment = z.output<typeof schema>;

/** `env` parsed by `variables`, or an error naming the first bad variable. */
function parseVariables<Schema extends z.ZodType>(
  variables: Schema,
  env: NodeJS.ProcessEnv,
): z.output<Schema> {
  const parsed = variables.safeParse(env);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const name = String(issue?.path[0] ?? "environment");
    throw new Error(`${name}: expected ${issue?.message ?? "a valid value"}`);
  }
  return parsed.data;
}

/** The validated environment, or an error naming the first bad variable. */
export function readEnvironment(env: NodeJS.ProcessEnv): Environment {
  return parseVariables(schema, env);
}

/** An optional integer variable from `min` to `max`, `fallback` when unset. */
function integer(min: number, max: number, fallback: number) {
  const error = `an integer from ${min} to ${max}`;
  return z
    .string()
    .regex(/^[0-9]{1,12}$/, { error })
    .transform(Number)
    .pipe(z.number().min(min, { error }).max(max, { error }))
    .default(fallback);
}

const MIB = 1024 * 1024;

/**
 * The API server's bounds. Defaults: a 10 s deadline per request (the ALB waits 60 s; a dashboard
 * should not), answers kept 5 s (a dashboard refreshed by many viewers costs one query per 5 s),
 * at most 500 answers or 16 MiB kept (the pod has 256 MiB), 10 connections to ClickHouse per pod
 * (the client's default), and the per-query limits of `DEFAULT_QUERY_LIMITS`.
 */
const apiSchema = z.object({
  /** Deadline of one request, waiting for a connection included; answered 504 when passed. */
  REQUEST_TIMEOUT_MS: integer(100, 120_000, 10_000),
  /** How long an answer is reused for identical requests; 0 turns the cache off. */
  CACHE_TTL_MS: integer(0, 300_000, 5_000),
  CACHE_MAX_ENTRIES: integer(0, 100_000, 500),
  CACHE_MAX_BYTES: integer(0, 1024 * MIB, 16 * MIB),
  /** Sockets to ClickHouse per pod; requests beyond wait (within their deadline). */
  CLICKHOUSE_MAX_CONNECTIONS: integer(1, 1_000, 10),
  QUERY_MAX_MEMORY_BYTES: integer(16 * MIB, 1024 * 1024 * MIB, 2048 * MIB),
  QUERY_MAX_RESULT_ROWS: integer(1, 10_000_000, 20_000),
  QUERY_MAX_RESULT_BYTES: integer(MIB, 1024 * MIB, 16 * MIB),
});

export type ApiSettings = z.output<typeof apiSchema>;

/** The API server's bounds, defaults filled in, or an error naming the first bad variable. */
export function readApiSettings(env: NodeJS.ProcessEnv): ApiSettings {
  return parseVariables(apiSchema, env);
}

const lakeSchema = z.object({
  LAKE_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "an S3 bucket name" }),
  LAKE_REGION: z.string().regex(REGION_CODE_PATTERN, { error: "an AWS region code" }),
  LAKE_PREFIX: z
    .string()
    .regex(/^(?:[A-Za-z0-9_.-]+\/)+$/, { error: 'folders ending in "/"' })
    .default("curated/learning-events/"),
  LOAD_DAYS_BACK: z
    .string()
    .regex(/^[0-9]{1,2}$/, { error: "a number of days from 1 to 31" })
    .transform(Number)
    .default(3),
});

export type LakeEnvironment = z.output<typeof lakeSchema>;

/** The lake loader's extra variables, or an error naming the first bad one. */
export function readLakeEnvironment(env: NodeJS.ProcessEnv): LakeEnvironment {
  return parseVariables(lakeSchema, env);
}
