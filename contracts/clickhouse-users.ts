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

/** The rollup tables the materialized views fill and the API reads. */
export const ANALYTICS_ROLLUPS = {
  /** Hourly QoE aggregates of `playback_requests`. */
  playbackHourly: "playback_hourly",
  /** Daily engagement aggregates of `learning_events`. */
  engagementDaily: "engagement_daily",
} as const;

/** The database users, in the order the installation lists them. */
export const CLICKHOUSE_USER_NAMES = ["ingest", "api", "migrator", "backup"] as const;

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
 * `timestamp`) and those the hourly view aggregates, which it reads as the inserting user.
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

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Each user's access to `database` (the analytics database unless a test names another).
 *
 * - ingest (the real-time-log Lambda): inserts requests and reads its deduplication's columns
 *   (`request_id`, `timestamp`). The views are created without `SQL SECURITY`, and the server
 *   keeps that empty (`ignore_empty_sql_security_in_create_view_query`, on by default), so the
 *   hourly view's SELECT runs as the inserting user: ingest also reads the columns that view
 *   aggregates. It needs no grant on the rollup itself, and has none on any other column, table
 *   or schema.
 * - api (the analytics API): SELECT on the tables it queries, nothing else.
 * - migrator (the schema job and the nightly lake loader): creates its own database and changes
 *   the schema inside it; reads and writes its rows (the ledger, and the lake load with the
 *   engagement view it feeds); `ON CLUSTER` DDL needs CLUSTER
 *   (`on_cluster_queries_require_cluster_grant`); the lake loader's `s3()` needs the S3 source
 *   and, as every table function, CREATE TEMPORARY TABLE.
 * - backup (the clickhouse-backup sidecar): reads the system tables it inspects, sees the
 *   database's tables and their definitions, and freezes and unfreezes their parts; it reads and
 *   writes no rows. Restoring is a break-glass task for an administrator, not the sidecar.
 */
export function clickHouseUserAccess(
  database: string = ANALYTICS_DATABASE,
): Readonly<Record<ClickHouseUserName, ClickHouseUserAccess>> {
  if (!IDENTIFIER.test(database)) {
    throw new Error(`database ${JSON.stringify(database)}: expected ${IDENTIFIER.source}`);
  }
  const table = (name: string): string => `${database}.${name}`;
  return {
    ingest: {
      purpose:
        "The real-time-log ingest Lambda: inserts playback requests, deduplicated by request id.",
      profile: "default",
      network: "vpc",
      grants: [
        `GRANT INSERT ON ${table(ANALYTICS_TABLES.playbackRequests)}`,
        `GRANT SELECT(${INGEST_READ_COLUMNS.join(", ")}) ON ${table(ANALYTICS_TABLES.playbackRequests)}`,
      ],
    },
    api: {
      purpose: "The analytics API: reads the QoE and engagement tables and their rollups.",
      profile: "default",
      network: "vpc",
      grants: [
        ANALYTICS_TABLES.playbackRequests,
        ANALYTICS_ROLLUPS.playbackHourly,
        ANALYTICS_TABLES.learningEvents,
        ANALYTICS_ROLLUPS.engagementDaily,
      ].map((name) => `GRANT SELECT ON ${table(name)}`),
    },
    migrator: {
      purpose: "The schema migration job and the nightly lake loader.",
      profile: "default",
      network: "vpc",
      grants: [
        `GRANT CREATE DATABASE ON ${database}.*`,
        `GRANT CREATE TABLE, CREATE VIEW, ALTER TABLE, ALTER VIEW, DROP TABLE, DROP VIEW ON ${database}.*`,
        `GRANT SELECT, INSERT ON ${database}.*`,
        "GRANT CLUSTER ON *.*",
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
        `GRANT SHOW DATABASES, SHOW TABLES, SHOW COLUMNS ON ${database}.*`,
        `GRANT ALTER FREEZE PARTITION ON ${database}.*`,
      ],
    },
  };
}

/** The users' access to the analytics database. */
export const CLICKHOUSE_USER_ACCESS = clickHouseUserAccess();
