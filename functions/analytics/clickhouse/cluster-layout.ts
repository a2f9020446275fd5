/**
 * The analytics schema on a cluster of shards (migration 8). Each shard keeps its own rows in a
 * database of its own, `<database>_local` (replicated within the shard through Keeper), and the
 * tables the ingest and the API name keep their names in `<database>` as `Distributed` tables
 * over those, so no query or insert changes:
 *
 * - `playback_requests` is sharded by `cityHash64(request_id)`: every copy of a request, however
 *   often and in whatever batch it is redelivered, goes to the same shard, whose
 *   `ReplacingMergeTree` (and the ingest's check of stored ids) sees all of them.
 *   `learning_events` likewise by `cityHash64(event_id)`, with the engagement view on each shard.
 * - The QoE rollups are each shard's own, built by the rollup job on every shard from that
 *   shard's raw rows (qoe-rollup-shards.ts); `Distributed` tables over them let the API's sums,
 *   `sumMap`s and `-Merge`s add the shards' parts, which is exact because each request is in
 *   exactly one shard. Their staging tables and the job's progress (`qoe_rollup_state`) move to
 *   the shard's database; `<database>.qoe_rollup_state` becomes the marks the API reads: how far
 *   every shard is built, written by the job after all of them.
 *
 * Without a cluster nothing changes: one server, the tables as migrations 1 to 7 made them.
 * Tables are moved with `RENAME`, which keeps their rows, columns and replication paths, so an
 * installation of one shard converts in place; more shards can then be added to the
 * installation (new rows spread over all of them, existing rows stay on the first).
 */
import {
  ANALYTICS_ROLLUPS,
  QOE_BUILT_ROLLUPS,
  stagingTable,
} from "../../../contracts/clickhouse-users";
import { ANALYTICS_TABLES } from "./tables";
import {
  engagementViewStatement,
  engine,
  onCluster,
  replicatedCluster,
  table,
  type SchemaContext,
} from "./schema-context";

/** The database of each shard's own tables, beside `database`. */
export function localDatabase(database: string): string {
  return `${database}_local`;
}

/**
 * The logical tables that become `Distributed`, with the sharding key of those written through
 * them (the others are only read through them: an insert into a multi-shard table without a key
 * fails rather than landing anywhere).
 */
export const DISTRIBUTED_TABLES: readonly {
  readonly name: string;
  readonly shardingKey?: string;
}[] = [
  { name: ANALYTICS_TABLES.playbackRequests, shardingKey: "cityHash64(request_id)" },
  { name: ANALYTICS_TABLES.learningEvents, shardingKey: "cityHash64(event_id)" },
  { name: ANALYTICS_ROLLUPS.engagementDaily },
  ...QOE_BUILT_ROLLUPS.map((name) => ({ name })),
];

/** Tables that move to the shard's database with no `Distributed` table over them. */
const SHARD_ONLY_TABLES: readonly string[] = [
  ...QOE_BUILT_ROLLUPS.map(stagingTable),
  ANALYTICS_ROLLUPS.qoeRollupState,
];

/** The replication path of the API's marks (`qoe_rollup_state` keeps its own for the progress). */
const MARKS_PATH = "qoe_rollup_marks";

/** Whether the logical tables are `Distributed` (a cluster, from migration 8 on). */
export function distributedLayout(context: SchemaContext): boolean {
  return context.cluster !== undefined;
}

/**
 * The tables that hold `name`'s columns from migration 8 on, in the order a column change must
 * reach them: the shard's table first, then the `Distributed` table (or the marks) over it. On
 * one server, `<database>.<name>` alone. Migrations after 8 change a table's columns through
 * `alterTableStatements`, which uses this.
 */
export function tablesOf(context: SchemaContext, name: string): string[] {
  if (!distributedLayout(context)) return [table(context, name)];
  const local = `${localDatabase(context.database)}.${name}`;
  if (DISTRIBUTED_TABLES.some((entry) => entry.name === name)) return [local, table(context, name)];
  if (name === ANALYTICS_ROLLUPS.qoeRollupState) return [local, table(context, name)];
  return SHARD_ONLY_TABLES.includes(name) ? [local] : [table(context, name)];
}

/**
 * `ALTER TABLE <t> <alteration>` for every table of `tablesOf(context, name)`: how a migration
 * after 8 adds, drops or changes a column of a logical table, its rollups' staging twins and the
 * rollup state included, so the shard's table and the `Distributed` table over it agree.
 */
export function alterTableStatements(
  context: SchemaContext,
  name: string,
  alteration: string,
): string[] {
  return tablesOf(context, name).map(
    (target) => `ALTER TABLE ${target}${onCluster(context)} ${alteration}`,
  );
}

/** `CREATE TABLE <database>.<name> AS <local>.<name> ENGINE = Distributed(...)`. */
export function distributedTableStatement(
  context: SchemaContext,
  name: string,
  shardingKey?: string,
): string {
  const local = localDatabase(context.database);
  const args = [
    `'${context.cluster ?? ""}'`,
    `'${local}'`,
    `'${name}'`,
    ...(shardingKey === undefined ? [] : [shardingKey]),
  ];
  return `CREATE TABLE IF NOT EXISTS ${table(context, name)}${onCluster(context)} AS ${local}.${name}
ENGINE = Distributed(${args.join(", ")})`;
}

/**
 * Version 8: the layout above, on a cluster (nothing on one server). The engagement view is
 * dropped and made again over the shard's tables, so it never reads a `Distributed` table; the
 * tables move with `RENAME` (which `migrate` runs only while the target does not exist, the one
 * statement ClickHouse cannot make idempotent); the `Distributed` tables are created `AS` the
 * moved ones, so they carry every column earlier migrations added. The API's marks start empty:
 * until the rollup job's next run writes them, it answers from the raw rows, exactly.
 */
export function distributedLayoutStatements(context: SchemaContext): readonly string[] {
  if (!distributedLayout(context)) return [];
  const local = localDatabase(context.database);
  const on = onCluster(context);
  const moved = [...DISTRIBUTED_TABLES.map((entry) => entry.name), ...SHARD_ONLY_TABLES];
  return [
    `CREATE DATABASE IF NOT EXISTS ${local}${on}`,
    `DROP TABLE IF EXISTS ${table(context, "engagement_daily_mv")}${on}`,
    ...moved.map((name) => `RENAME TABLE ${table(context, name)} TO ${local}.${name}${on}`),
    engagementViewStatement(context, {
      view: `${local}.engagement_daily_mv`,
      target: `${local}.${ANALYTICS_ROLLUPS.engagementDaily}`,
      source: `${local}.${ANALYTICS_TABLES.learningEvents}`,
    }),
    ...DISTRIBUTED_TABLES.map((entry) =>
      distributedTableStatement(context, entry.name, entry.shardingKey),
    ),
    `CREATE TABLE IF NOT EXISTS ${table(context, ANALYTICS_ROLLUPS.qoeRollupState)}${on} AS ${local}.${ANALYTICS_ROLLUPS.qoeRollupState}
ENGINE = ${engine(context, MARKS_PATH, "ReplacingMergeTree", ["built_at"])}
ORDER BY level`,
  ];
}

/** `RENAME TABLE <from> TO <to>[ ON CLUSTER ...]`, as migration 8 renders it. */
const RENAME = /^RENAME TABLE (\w+)\.(\w+) TO (\w+)\.(\w+)(?: ON CLUSTER '[^']*')?$/;

/**
 * The table a rendered `RENAME` creates, which `migrate` checks first: a rename whose target
 * exists was done by an earlier, interrupted run (or by the cluster's DDL queue) and is skipped.
 * undefined for every other statement.
 */
export function renameTarget(
  statement: string,
): { readonly database: string; readonly name: string } | undefined {
  const match = RENAME.exec(statement);
  return match === null ? undefined : { database: match[3] ?? "", name: match[4] ?? "" };
}

/** The ledger of every shard together: `Distributed` over `schema_migrations`. */
export const LEDGER_ACROSS_SHARDS = "schema_migrations_all";

/**
 * On a replicated cluster, the ledger as `migrate` reads it: each shard's `schema_migrations`
 * holds the versions applied while `migrate` was connected to one of its servers, and every
 * version applies `ON CLUSTER`, so a version any shard records is applied everywhere.
 */
export function ledgerAcrossShardsStatements(context: SchemaContext): readonly string[] {
  if (!replicatedCluster(context)) return [];
  return [
    `CREATE TABLE IF NOT EXISTS ${table(context, LEDGER_ACROSS_SHARDS)}${onCluster(context)} AS ${table(context, "schema_migrations")}
ENGINE = Distributed('${context.cluster ?? ""}', '${context.database}', 'schema_migrations')`,
  ];
}

/** The table `migrate` reads the applied versions from. */
export function ledgerReadTable(context: SchemaContext): string {
  return table(context, replicatedCluster(context) ? LEDGER_ACROSS_SHARDS : "schema_migrations");
}
