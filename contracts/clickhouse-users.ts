/**
 * The ClickHouse users of the analytics installation and what each may do, stated once: the
 * component puts these grants into the installation (users.xml `<grants><query>` through the
 * operator's `users/<name>/grants/query`), and the integration tests load the same statements into
 * a real engine and run each user's code paths under them.
 *
 * A user defined in users.xml without `<grants>` holds every privilege, so every user here has an
 * explicit list. Statements name no grantee: in users.xml the grantee is the enclosing user
 * (https://clickhouse.com/docs/operations/settings/settings-users#grants).
 */
import { ANALYTICS_DATABASE, ANALYTICS_TABLES } from "./analytics";

/** The rollup tables the API reads: the QoE levels the rollup job builds, and engagement's view. */
export const ANALYTICS_ROLLUPS = {
  /** QoE of `playback_requests` per hour x course x country x edge x rendition. */
  qoeHourly: "qoe_hourly",
  /** The same rows ordered country first, for queries filtered by country alone. */
  qoeHourlyByCountry: "qoe_hourly_by_country",
  /** The same rows ordered edge location first, for queries filtered by edge location alone. */
  qoeHourlyByEdge: "qoe_hourly_by_edge",
  /** QoE per hour of the total and of each course, country, edge location and rendition. */
  qoeSlicesHourly: "qoe_slices_hourly",
  /** The same slices per day. */
  qoeSlicesDaily: "qoe_slices_daily",
  /** How far the rollup job has built each QoE level. */
  qoeRollupState: "qoe_rollup_state",
  /** Daily engagement aggregates of `learning_events` (a materialized view fills it). */
  engagementDaily: "engagement_daily",
} as const;

/** The staging table the rollup job builds a partition of `rollup` in before swapping it in. */
export function stagingTable(rollup: string): string {
  return `${rollup}_staging`;
}

/** The QoE rollups the job builds by swapping partitions in from their staging tables. */
export const QOE_BUILT_ROLLUPS = [
  ANALYTICS_ROLLUPS.qoeHourly,
  ANALYTICS_ROLLUPS.qoeHourlyByCountry,
  ANALYTICS_ROLLUPS.qoeHourlyByEdge,
  ANALYTICS_ROLLUPS.qoeSlicesHourly,
  ANALYTICS_ROLLUPS.qoeSlicesDaily,
] as const;

/**
 * The QoE rollup job's defaults: it builds the hours that ended `graceMinutes` ago (records reach
 * ClickHouse a few seconds to minutes after the request), and rebuilds the last `lookbackHours`
 * each run, which takes in records that arrive late. The settings' schema, the chart's schema and
 * the job share them.
 */
export const QOE_ROLLUP_DEFAULTS = {
  /** Cron schedule (UTC): every hour, five minutes past. */
  schedule: "5 * * * *",
  graceMinutes: 5,
  lookbackHours: 48,
} as const;

/** The bounds of the QoE rollup job's settings. */
export const QOE_ROLLUP_BOUNDS = {
  graceMinutes: { min: 0, max: 120 },
  /** At least an hour; at most 31 days, each rebuilt every run. */
  lookbackHours: { min: 1, max: 744 },
} as const;

/** The database users, in the order the installation lists them. */
export const CLICKHOUSE_USER_NAMES = ["ingest", "api", "migrator", "backup", "rollup"] as const;

/** A database user of the analytics installation. */
export type ClickHouseUserName = (typeof CLICKHOUSE_USER_NAMES)[number];

/** What one user is for and what it may do. */
export interface ClickHouseUserAccess {
  /** Who connects as this user, and for what. */
  readonly purpose: string;
  /**
   * Settings profile. Every user takes `default`: the grants alone decide what it may do, and the
   * `readonly` profile (readonly=1) would also refuse the settings the HTTP client sends with each
   * query, such as `enable_http_compression` (https://github.com/ClickHouse/clickhouse-js/issues/221).
   */
  readonly profile: "default" | "readonly";
  /** Loopback only (the sidecar in the server's own pod), or the VPC. */
  readonly network: "loopback" | "vpc";
  /** GRANT statements without a grantee, applied in order. */
  readonly grants: readonly string[];
}

/**
 * The system tables clickhouse-backup 2.6 reads to create, upload, list and delete backups
 * (`pkg/clickhouse/clickhouse.go` and `pkg/backup/create.go` at tag v2.6.41). Since ClickHouse 24
 * `select_from_system_db_requires_grant` is on by default, so each needs SELECT
 * (https://clickhouse.com/docs/operations/server-configuration-parameters/settings#access_control_improvements).
 */
export const BACKUP_SYSTEM_TABLES = [
  "asynchronous_metrics",
  "backups",
  "build_options",
  "clusters",
  "columns",
  "databases",
  "disks",
  "functions",
  "macros",
  "mutations",
  "parts",
  "parts_columns",
  "replicas",
  "settings",
  "storage_policies",
  "tables",
  "user_directories",
] as const;

/**
 * The columns of `playback_requests` the ingest reads: the deduplication lookup's (`request_id`,
 * `timestamp`) and those the former hourly view (`playback_hourly_mv`, dropped by migration 5)
 * aggregated as the inserting user. Those stay granted while an installation may still run that
 * view: the grants change before the migration job drops it, and an insert through the view
 * without them would fail.
 */
export const INGEST_READ_COLUMNS = [
  "request_id",
  "timestamp",
  "course_id",
  "country",
  "edge_location",
  "rendition",
  "is_error",
  "aborted",
  "cache_hit",
  "bytes",
  "ttfb_ms",
] as const;

/** The columns of `playback_requests` the QoE rollup job aggregates (CMCD's since migration 7). */
export const ROLLUP_READ_COLUMNS = [
  "timestamp",
  "course_id",
  "country",
  "edge_location",
  "rendition",
  "is_error",
  "aborted",
  "cache_hit",
  "bytes",
  "ttfb_ms",
  "cmcd",
  "cmcd_buffer_starvation",
  "cmcd_startup",
  "cmcd_buffer_length_ms",
  "cmcd_measured_throughput_kbps",
  "cmcd_session_id",
] as const;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * The database of each shard's own tables on a cluster, beside `database`: migration 8 moves the
 * tables there and leaves `Distributed` tables under their names in `database`
 * (functions/analytics/clickhouse/cluster-layout.ts, whose `localDatabase` names it alike).
 */
export function shardDatabase(database: string): string {
  return `${database}_local`;
}

/**
 * Each user's access to `database` (the analytics database unless a test names another).
 *
 * - ingest (the real-time-log Lambda): inserts requests and reads its deduplication's columns
 *   (`request_id`, `timestamp`). The views are created without `SQL SECURITY`, and the server
 *   keeps that empty (`ignore_empty_sql_security_in_create_view_query`, on by default), so the
 *   former hourly view's SELECT ran as the inserting user: ingest also reads the columns that
 *   view aggregated (see `INGEST_READ_COLUMNS`). No view reads `playback_requests` since
 *   migration 5. It has no grant on any rollup, other column, table or schema.
 * - api (the analytics API): SELECT on the tables it queries, nothing else.
 * - migrator (the schema job and the nightly lake loader): creates its own database and changes
 *   the schema inside it; reads and writes its rows (the ledger, and the lake load with the
 *   engagement view it feeds); `ON CLUSTER` DDL needs CLUSTER
 *   (`on_cluster_queries_require_cluster_grant`); the lake loader's `s3()` needs the S3 source
 *   and, as every table function, CREATE TEMPORARY TABLE.
 * - backup (the clickhouse-backup sidecar): reads the system tables it inspects, sees the
 *   database's tables and their definitions, and freezes and unfreezes their parts; it reads and
 *   writes no rows. Restoring is a break-glass task for an administrator, not the sidecar.
 * - rollup (the hourly QoE rollup job): reads the raw columns it aggregates and the hourly slices
 *   the daily level sums; fills the staging tables (INSERT), reads them back and drops their
 *   partitions; swaps partitions into the rollups, which `REPLACE PARTITION` allows with SELECT
 *   on the source and ALTER DELETE and INSERT on the target, and drops a partition there (ALTER
 *   DELETE) where the staging partition is empty
 *   (`InterpreterAlterQuery::getRequiredAccessForCommand`,
 *   https://github.com/ClickHouse/ClickHouse/blob/master/src/Interpreters/InterpreterAlterQuery.cpp);
 *   reads and advances its state. It writes no raw row and changes no schema.
 *
 * On a cluster (migration 8) the rows live in each shard's database, `shardDatabase(database)`,
 * under `Distributed` tables of the same names in `database`. A query or insert through a
 * `Distributed` table runs on every shard as the user who sent it (the cluster's `secret` passes
 * the initial user on: https://clickhouse.com/docs/engines/table-engines/special/distributed), so
 * each user also holds, on the shard's tables, the part of its grants that reaches rows there:
 * ingest inserts and reads its columns, api reads, the rollup job builds each shard's rollups in
 * the shard's database (its grants there are those it holds on `database` on one server), the
 * migrator moves the tables (`RENAME` needs SELECT and DROP TABLE on the source, CREATE TABLE and
 * INSERT on the target), creates the `Distributed` tables (TABLE ENGINE on `Distributed`) and
 * loads the lake through them, and backup freezes them. A grant on a database that does not exist
 * is accepted and reaches nothing, so one server without a cluster keeps its former access.
 */
export function clickHouseUserAccess(
  database: string = ANALYTICS_DATABASE,
): Readonly<Record<ClickHouseUserName, ClickHouseUserAccess>> {
  if (!IDENTIFIER.test(database)) {
    throw new Error(`database ${JSON.stringify(database)}: expected ${IDENTIFIER.source}`);
  }
  const table = (name: string): string => `${database}.${name}`;
  const shard = shardDatabase(database);
  const local = (name: string): string => `${shard}.${name}`;
  const readColumns = `SELECT(${INGEST_READ_COLUMNS.join(", ")})`;
  return {
    ingest: {
      purpose:
        "The real-time-log ingest Lambda: inserts playback requests, deduplicated by request id.",
      profile: "default",
      network: "vpc",
      grants: [table, local].flatMap((target) => [
        `GRANT INSERT ON ${target(ANALYTICS_TABLES.playbackRequests)}`,
        `GRANT ${readColumns} ON ${target(ANALYTICS_TABLES.playbackRequests)}`,
      ]),
    },
    api: {
      purpose: "The analytics API: reads the QoE and engagement tables and their rollups.",
      profile: "default",
      network: "vpc",
      grants: [
        ...API_TABLES.map((name) => `GRANT SELECT ON ${table(name)}`),
        // The rollup state in the shard's database is the job's progress, not the API's marks.
        ...API_TABLES.filter((name) => name !== ANALYTICS_ROLLUPS.qoeRollupState).map(
          (name) => `GRANT SELECT ON ${local(name)}`,
        ),
      ],
    },
    migrator: {
      purpose: "The schema migration job and the nightly lake loader.",
      profile: "default",
      network: "vpc",
      grants: [
        ...[database, shard].flatMap((target) => [
          `GRANT CREATE DATABASE ON ${target}.*`,
          `GRANT CREATE TABLE, CREATE VIEW, ALTER TABLE, ALTER VIEW, DROP TABLE, DROP VIEW ON ${target}.*`,
          `GRANT SELECT, INSERT ON ${target}.*`,
        ]),
        "GRANT CLUSTER ON *.*",
        // Migration 8's Distributed tables: the server asks for the engine's grant even with
        // `table_engines_require_grant` off, or for REMOTE, which would also open remote() to any
        // host (https://clickhouse.com/docs/sql-reference/statements/grant#table-engine).
        "GRANT TABLE ENGINE ON Distributed",
        "GRANT CREATE TEMPORARY TABLE, S3 ON *.*",
      ],
    },
    backup: {
      purpose: "The clickhouse-backup sidecar in each server pod.",
      profile: "default",
      network: "loopback",
      grants: [
        // One table per statement: GRANT takes a single `db.table` target.
        ...BACKUP_SYSTEM_TABLES.map((name) => `GRANT SELECT ON system.${name}`),
        ...[database, shard].flatMap((target) => [
          `GRANT SHOW DATABASES, SHOW TABLES, SHOW COLUMNS ON ${target}.*`,
          `GRANT ALTER FREEZE PARTITION ON ${target}.*`,
        ]),
      ],
    },
    rollup: {
      purpose: "The hourly QoE rollup job: rebuilds the closed hours and days of the rollups.",
      profile: "default",
      network: "vpc",
      // On one server it builds in `database`; on a cluster in each shard's database, and writes
      // the API's marks to `database`'s `qoe_rollup_state`, which the first list grants.
      grants: [...rollupGrants(database), ...rollupGrants(shard)],
    },
  };
}

/** The tables the API reads in `database`; on a cluster also those but the state, per shard. */
const API_TABLES = [
  ANALYTICS_TABLES.playbackRequests,
  ANALYTICS_ROLLUPS.qoeHourly,
  ANALYTICS_ROLLUPS.qoeHourlyByCountry,
  ANALYTICS_ROLLUPS.qoeHourlyByEdge,
  ANALYTICS_ROLLUPS.qoeSlicesHourly,
  ANALYTICS_ROLLUPS.qoeSlicesDaily,
  ANALYTICS_ROLLUPS.qoeRollupState,
  ANALYTICS_TABLES.learningEvents,
  ANALYTICS_ROLLUPS.engagementDaily,
] as const;

/** What the rollup job needs to build the QoE rollups of the tables in `database`. */
function rollupGrants(database: string): string[] {
  const table = (name: string): string => `${database}.${name}`;
  return [
    `GRANT SELECT(${ROLLUP_READ_COLUMNS.join(", ")}) ON ${table(ANALYTICS_TABLES.playbackRequests)}`,
    `GRANT SELECT, INSERT ON ${table(ANALYTICS_ROLLUPS.qoeRollupState)}`,
    ...QOE_BUILT_ROLLUPS.flatMap((rollup) => [
      // The daily level reads the hourly slices; no other rollup is read.
      `GRANT ${rollup === ANALYTICS_ROLLUPS.qoeSlicesHourly ? "SELECT, " : ""}INSERT, ALTER DELETE ON ${table(rollup)}`,
      `GRANT SELECT, INSERT, ALTER DELETE ON ${table(stagingTable(rollup))}`,
    ]),
  ];
}

/** The users' access to the analytics database. */
export const CLICKHOUSE_USER_ACCESS = clickHouseUserAccess();
