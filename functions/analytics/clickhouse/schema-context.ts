/**
 * What the analytics schema is rendered for, and the pieces every migration renders with: table
 * names, engines (replicated on a cluster with Keeper), `ON CLUSTER`, and the column types that
 * depend on the server's version.
 */
import type { ServerFeatures } from "./features";

/** What a migration is rendered for. */
export interface SchemaContext {
  /** Database of every table the ingest and the API name (the logical tables). */
  readonly database: string;
  readonly features: ServerFeatures;
  /**
   * The cluster the installation's servers form (the operator's cluster name): DDL runs
   * `ON CLUSTER` and tables become `Replicated*MergeTree` with `{shard}`/`{replica}` macros
   * (unless `replicated` is false), and from migration 8 the logical tables are `Distributed`
   * over per-shard tables in `localDatabase` (cluster-layout.ts).
   */
  readonly cluster?: string;
  /**
   * Whether the cluster's shards are replicated through Keeper, which also carries `ON CLUSTER`
   * DDL. false: plain engines, no `ON CLUSTER`, and the migrations are run on each server by
   * itself (a cluster of one replica per shard without Keeper, as the two-shard test's).
   * @default true
   */
  readonly replicated?: boolean;
  /** Days raw playback requests are kept (TTL, where the server has it). @default 400 */
  readonly rawRetentionDays?: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Refuses a context whose names could not be written into SQL as they are. */
export function checkContext(context: SchemaContext): void {
  if (!IDENTIFIER.test(context.database)) {
    throw new Error(`database ${JSON.stringify(context.database)}: expected ${IDENTIFIER.source}`);
  }
  if (context.cluster !== undefined && !/^[a-z][a-z0-9-]{0,62}$/.test(context.cluster)) {
    throw new Error(`cluster ${JSON.stringify(context.cluster)}: expected [a-z][a-z0-9-]*`);
  }
  const days = context.rawRetentionDays;
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3650)) {
    throw new Error(`rawRetentionDays ${days}: expected an integer from 1 to 3650`);
  }
}

/** Whether tables are replicated through Keeper and DDL goes `ON CLUSTER`. */
export function replicatedCluster(context: SchemaContext): boolean {
  return context.cluster !== undefined && context.replicated !== false;
}

/** `ON CLUSTER '<name>'` on a replicated installation. */
export function onCluster(context: SchemaContext): string {
  return replicatedCluster(context) ? ` ON CLUSTER '${context.cluster}'` : "";
}

/**
 * A MergeTree-family engine, replicated on a replicated cluster. `path` names the table's
 * replication path (`/clickhouse/tables/{shard}/<database>/<path>`); a renamed table keeps the
 * path it was created with.
 */
export function engine(
  context: SchemaContext,
  path: string,
  family: "MergeTree" | "ReplacingMergeTree" | "AggregatingMergeTree" | "SummingMergeTree",
  parameters: readonly string[] = [],
): string {
  const replicated = replicatedCluster(context);
  const args = replicated
    ? [`'/clickhouse/tables/{shard}/${context.database}/${path}'`, "'{replica}'", ...parameters]
    : parameters;
  return `${replicated ? "Replicated" : ""}${family}(${args.join(", ")})`;
}

/** A low-cardinality string column type where the server supports it. */
export function lowCardinality(context: SchemaContext): string {
  return context.features.lowCardinality ? "LowCardinality(String)" : "String";
}

/** A compression codec where the server supports codecs. */
export function codec(context: SchemaContext, spec: string): string {
  return context.features.codecs ? ` CODEC(${spec})` : "";
}

/** `<database>.<name>`: a logical table (or, before migration 8, the only one). */
export function table(context: SchemaContext, name: string): string {
  return `${context.database}.${name}`;
}

/**
 * The engagement view (migration 4): fills `target` with the daily aggregates of the learning
 * events inserted into `source`. Migration 8 creates it again over a shard's own tables.
 */
export function engagementViewStatement(
  context: SchemaContext,
  names: { readonly view: string; readonly target: string; readonly source: string },
): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${names.view}${onCluster(context)}
TO ${names.target}
AS SELECT
  toDate(occurred_at) AS day,
  course_id,
  uniqExactState(user_token) AS learners,
  sumState(toUInt64(event_type = 'enrolled')) AS enrolments,
  sumState(toUInt64(event_type = 'lesson_started')) AS lessons_started,
  sumState(toUInt64(event_type = 'lesson_completed')) AS lessons_completed,
  sumState(toUInt64(event_type = 'course_completed')) AS courses_completed,
  sumState(toUInt64(watch_seconds)) AS watched_seconds
FROM ${names.source}
GROUP BY day, course_id`;
}
