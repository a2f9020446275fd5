/**
 * The analytics schema as versioned migrations, rendered for one server: every statement is
 * idempotent (`IF NOT EXISTS`), newer features (LowCardinality, codecs, TTL) appear only when the
 * server has them, and on a replicated cluster tables use the Replicated engines and `ON CLUSTER`.
 * A migration, once released, never changes meaning: new needs get a new version.
 */
import { ANALYTICS_ROLLUPS, stagingTable } from "../../../contracts/clickhouse-users";
import { ANALYTICS_TABLES, LEARNING_EVENT_TYPES } from "./tables";
import { distributedLayoutStatements, ledgerAcrossShardsStatements } from "./cluster-layout";
import {
  checkContext,
  codec,
  engagementViewStatement,
  engine,
  lowCardinality,
  onCluster,
  table,
  type SchemaContext,
} from "./schema-context";

export type { SchemaContext } from "./schema-context";

/** One schema version. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Its statements for a context, applied in order. */
  readonly statements: (context: SchemaContext) => readonly string[];
}

const EVENT_TYPE_ENUM = `Enum8(${LEARNING_EVENT_TYPES.map((type, index) => `'${type}' = ${index + 1}`).join(", ")})`;

/** The migrations, in version order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "playback_requests",
    statements: (context) => {
      const lc = lowCardinality(context);
      const ttl = context.features.ttl
        ? `\nTTL timestamp + INTERVAL ${context.rawRetentionDays ?? 400} DAY`
        : "";
      return [
        `CREATE TABLE IF NOT EXISTS ${table(context, ANALYTICS_TABLES.playbackRequests)}${onCluster(context)} (
  request_id String,
  timestamp DateTime${codec(context, "Delta, ZSTD")},
  timestamp_ms UInt16,
  course_id ${lc},
  video_id String,
  rendition ${lc},
  protocol ${lc},
  edge_location ${lc},
  country ${lc},
  status UInt16,
  ttfb_ms UInt32${codec(context, "T64, ZSTD")},
  time_taken_ms UInt32${codec(context, "T64, ZSTD")},
  bytes UInt64${codec(context, "T64, ZSTD")},
  result_type ${lc},
  detailed_result_type ${lc},
  cache_hit UInt8,
  is_error UInt8,
  aborted UInt8,
  ingested_at DateTime DEFAULT now()
)
ENGINE = ${engine(context, ANALYTICS_TABLES.playbackRequests, "ReplacingMergeTree", ["ingested_at"])}
PARTITION BY toYYYYMM(timestamp)
ORDER BY (toStartOfHour(timestamp), course_id, request_id)${ttl}`,
      ];
    },
  },
  {
    version: 2,
    name: "playback_hourly",
    statements: (context) => {
      const lc = lowCardinality(context);
      return [
        `CREATE TABLE IF NOT EXISTS ${table(context, "playback_hourly")}${onCluster(context)} (
  hour DateTime,
  course_id ${lc},
  country ${lc},
  edge_location ${lc},
  rendition ${lc},
  requests AggregateFunction(sum, UInt64),
  errors AggregateFunction(sum, UInt64),
  aborts AggregateFunction(sum, UInt64),
  cache_hits AggregateFunction(sum, UInt64),
  bytes_sent AggregateFunction(sum, UInt64),
  ttfb AggregateFunction(quantilesTDigestIf(0.5, 0.9, 0.95, 0.99), UInt32, UInt8)
)
ENGINE = ${engine(context, "playback_hourly", "AggregatingMergeTree")}
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, course_id, country, edge_location, rendition)`,
        `CREATE MATERIALIZED VIEW IF NOT EXISTS ${table(context, "playback_hourly_mv")}${onCluster(context)}
TO ${table(context, "playback_hourly")}
AS SELECT
  toStartOfHour(timestamp) AS hour,
  course_id,
  country,
  edge_location,
  rendition,
  sumState(toUInt64(1)) AS requests,
  sumState(toUInt64(is_error)) AS errors,
  sumState(toUInt64(aborted)) AS aborts,
  sumState(toUInt64(cache_hit)) AS cache_hits,
  sumState(bytes) AS bytes_sent,
  quantilesTDigestIfState(0.5, 0.9, 0.95, 0.99)(ttfb_ms, toUInt8(aborted = 0)) AS ttfb
FROM ${table(context, ANALYTICS_TABLES.playbackRequests)}
GROUP BY hour, course_id, country, edge_location, rendition`,
      ];
    },
  },
  {
    version: 3,
    name: "learning_events",
    statements: (context) => [
      `CREATE TABLE IF NOT EXISTS ${table(context, ANALYTICS_TABLES.learningEvents)}${onCluster(context)} (
  event_id String,
  occurred_at DateTime${codec(context, "Delta, ZSTD")},
  user_token String,
  course_id ${lowCardinality(context)},
  lesson_id String,
  event_type ${EVENT_TYPE_ENUM},
  watch_seconds UInt32,
  loaded_at DateTime DEFAULT now()
)
ENGINE = ${engine(context, ANALYTICS_TABLES.learningEvents, "ReplacingMergeTree", ["loaded_at"])}
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (toDate(occurred_at), course_id, event_id)`,
    ],
  },
  {
    version: 4,
    name: "engagement_daily",
    statements: (context) => [
      `CREATE TABLE IF NOT EXISTS ${table(context, "engagement_daily")}${onCluster(context)} (
  day Date,
  course_id ${lowCardinality(context)},
  learners AggregateFunction(uniqExact, String),
  enrolments AggregateFunction(sum, UInt64),
  lessons_started AggregateFunction(sum, UInt64),
  lessons_completed AggregateFunction(sum, UInt64),
  courses_completed AggregateFunction(sum, UInt64),
  watched_seconds AggregateFunction(sum, UInt64)
)
ENGINE = ${engine(context, "engagement_daily", "AggregatingMergeTree")}
PARTITION BY toYYYYMM(day)
ORDER BY (day, course_id)`,
      engagementViewStatement(context, {
        view: table(context, "engagement_daily_mv"),
        target: table(context, "engagement_daily"),
        source: table(context, ANALYTICS_TABLES.learningEvents),
      }),
    ],
  },
  {
    version: 5,
    name: "qoe_histogram_rollups",
    statements: (context) => qoeRollupStatements(context),
  },
  {
    version: 6,
    name: "qoe_hourly_by_place",
    statements: (context) => qoePlaceCopyStatements(context),
  },
  {
    version: 7,
    name: "playback_cmcd",
    statements: (context) => cmcdStatements(context),
  },
  {
    version: 8,
    name: "distributed_tables",
    statements: (context) => distributedLayoutStatements(context),
  },
];

/** The QoE dimensions a slice row can hold: the total, or one value of one dimension. */
export const QOE_SLICE_DIMENSIONS = ["all", "course", "country", "edge", "rendition"] as const;
export type QoeSliceDimension = (typeof QOE_SLICE_DIMENSIONS)[number];

/** The QoE levels of migration 5, as `qoe_rollup_state` first named them (never changes). */
const QOE_ROLLUP_LEVELS_V5 = ["hourly", "daily"] as const;

/**
 * The QoE levels the rollup job builds, as `qoe_rollup_state` names them: `places` (migration 6)
 * is the country-first and edge-first copies of `qoe_hourly`.
 */
export const QOE_ROLLUP_LEVELS = [...QOE_ROLLUP_LEVELS_V5, "places"] as const;
export type QoeRollupLevel = (typeof QOE_ROLLUP_LEVELS)[number];

function enum8(values: readonly string[]): string {
  return `Enum8(${values.map((value, index) => `'${value}' = ${index + 1}`).join(", ")})`;
}

/** The counters every QoE rollup row carries, and its latency histogram (summed as a map). */
const QOE_COUNTERS = `requests UInt64,
  errors UInt64,
  aborts UInt64,
  cache_hits UInt64,
  bytes UInt64,
  ttfbMap Nested(bucket UInt32, requests UInt64)`;

/**
 * Version 5: the QoE rollups as latency histograms (histogram.ts) in `SummingMergeTree` tables,
 * replacing `playback_hourly` (a t-digest per row, whose merges were most of every query's time
 * and whose estimates broke down past 2^25 merged requests on 18.16). Nothing fills them on
 * insert, so ingest pays for no view: the rollup job builds each closed hour from the raw rows in
 * a staging table and swaps the day's partition in (`REPLACE PARTITION`), so a re-run or a late
 * record rebuilds rather than adds; its first run builds every day the raw table holds, which is
 * how existing data moves forward. The staging tables are each server's own (never replicated):
 * the swap is replicated through the target.
 */
function qoeRollupStatements(context: SchemaContext): readonly string[] {
  const lc = lowCardinality(context);
  const summing = (name: string, replicated: boolean): string =>
    replicated ? engine(context, name, "SummingMergeTree") : "SummingMergeTree()";
  const pair = (
    name: string,
    columns: string,
    partition: string,
    order: string,
    granularity: number,
  ): string[] =>
    [name, stagingTable(name)].map(
      (target) => `CREATE TABLE IF NOT EXISTS ${table(context, target)}${onCluster(context)} (
  ${columns},
  ${QOE_COUNTERS}
)
ENGINE = ${summing(target, target === name)}
PARTITION BY ${partition}
ORDER BY (${order})
SETTINGS index_granularity = ${granularity}`,
    );
  const slice = `dimension ${enum8(QOE_SLICE_DIMENSIONS)},
  key ${lc}`;
  return [
    `DROP TABLE IF EXISTS ${table(context, "playback_hourly_mv")}${onCluster(context)}`,
    `DROP TABLE IF EXISTS ${table(context, "playback_hourly")}${onCluster(context)}`,
    ...pair(
      ANALYTICS_ROLLUPS.qoeHourly,
      `hour DateTime,
  course_id ${lc},
  country ${lc},
  edge_location ${lc},
  rendition ${lc}`,
      "toYYYYMMDD(hour)",
      "course_id, hour, country, edge_location, rendition",
      1024,
    ),
    ...pair(
      ANALYTICS_ROLLUPS.qoeSlicesHourly,
      `hour DateTime,
  ${slice}`,
      "toYYYYMMDD(hour)",
      "dimension, key, hour",
      256,
    ),
    ...pair(
      ANALYTICS_ROLLUPS.qoeSlicesDaily,
      `day Date,
  ${slice}`,
      "toYYYYMM(day)",
      "dimension, key, day",
      256,
    ),
    `CREATE TABLE IF NOT EXISTS ${table(context, ANALYTICS_ROLLUPS.qoeRollupState)}${onCluster(context)} (
  level ${enum8(QOE_ROLLUP_LEVELS_V5)},
  through DateTime,
  built_at DateTime
)
ENGINE = ${engine(context, ANALYTICS_ROLLUPS.qoeRollupState, "ReplacingMergeTree", ["built_at"])}
ORDER BY level`,
  ];
}

/** The columns of `qoe_hourly` and of its copies ordered by place (migration 6). */
function cubeColumns(context: SchemaContext): string {
  const lc = lowCardinality(context);
  return `hour DateTime,
  course_id ${lc},
  country ${lc},
  edge_location ${lc},
  rendition ${lc}`;
}

/**
 * Version 6: copies of `qoe_hourly` ordered country first and edge location first, with their
 * staging twins, and the level `places` that records how far they are built. `qoe_hourly` starts
 * with the course, so a query filtered by country or edge location alone but involving another
 * dimension (a breakdown by course, the rendition mix of a country) read every row of its range;
 * from a copy whose sort key starts with the filter it reads that place's rows only. The job
 * fills a copy's day from the day's `qoe_hourly` staging partition in the same run, and the API
 * reads a copy only for hours before the `places` mark, so an installation migrated before the
 * job's next run answers from `qoe_hourly` until then.
 */
function qoePlaceCopyStatements(context: SchemaContext): readonly string[] {
  const copies = [
    {
      name: ANALYTICS_ROLLUPS.qoeHourlyByCountry,
      order: "country, hour, edge_location, course_id, rendition",
    },
    {
      name: ANALYTICS_ROLLUPS.qoeHourlyByEdge,
      order: "edge_location, hour, country, course_id, rendition",
    },
  ];
  const state = table(context, ANALYTICS_ROLLUPS.qoeRollupState);
  return [
    ...copies.flatMap(({ name, order }) =>
      [name, stagingTable(name)].map(
        (target) => `CREATE TABLE IF NOT EXISTS ${table(context, target)}${onCluster(context)} (
  ${cubeColumns(context)},
  ${QOE_COUNTERS}
)
ENGINE = ${target === name ? engine(context, name, "SummingMergeTree") : "SummingMergeTree()"}
PARTITION BY toYYYYMMDD(hour)
ORDER BY (${order})
SETTINGS index_granularity = 1024`,
      ),
    ),
    // Adding an enum value changes metadata only; a second run sets the same type.
    `ALTER TABLE ${state}${onCluster(context)} MODIFY COLUMN level ${enum8(QOE_ROLLUP_LEVELS)}`,
  ];
}

/**
 * The CMCD figures every QoE rollup row carries from migration 7: requests with CMCD, with buffer
 * starvation and with startup; sums and counts of buffer length and measured throughput (for
 * averages) and their histograms (histogram.ts buckets, for percentiles); the distinct session
 * ids, and those among starvation requests, as `uniqExact` states (which SummingMergeTree merges
 * as AggregatingMergeTree would, so a session seen in several rows or hours counts once).
 */
export const QOE_CMCD_ROLLUP_COLUMNS = [
  "cmcd_requests UInt64",
  "starved_requests UInt64",
  "startup_requests UInt64",
  "buffer_length_ms_sum UInt64",
  "buffer_length_requests UInt64",
  "throughput_kbps_sum UInt64",
  "throughput_requests UInt64",
  "sessions AggregateFunction(uniqExact, String)",
  "starved_sessions AggregateFunction(uniqExact, String)",
  "bufferMap Nested(bucket UInt32, requests UInt64)",
  "throughputMap Nested(bucket UInt32, requests UInt64)",
] as const;

/**
 * `ALTER TABLE ... ADD COLUMN` of `columns`, in one statement so a table gets all of them or none.
 * `IF NOT EXISTS` makes it idempotent where the server has it
 * (https://clickhouse.com/docs/reference/statements/alter/column#add-column): every server with
 * the current feature set (20.3 and later) does, 18.16 (the test server) does not.
 */
function addColumns(context: SchemaContext, name: string, columns: readonly string[]): string {
  const ifNotExists = context.features.lowCardinality ? "IF NOT EXISTS " : "";
  return `ALTER TABLE ${table(context, name)}${onCluster(context)}
  ${columns.map((column) => `ADD COLUMN ${ifNotExists}${column}`).join(",\n  ")}`;
}

/**
 * Version 7: the player's Common Media Client Data on the raw requests (`cmcd` 1 when the request
 * carried any key, each value `Nullable`, so a key the player left out is NULL rather than 0), and
 * the CMCD figures (`QOE_CMCD_ROLLUP_COLUMNS`) on every QoE rollup and its staging twin, added in
 * the same order so `REPLACE PARTITION` still finds identical structures. Rollup rows built before
 * have zeros and empty states, which is what their raw rows (without CMCD) give.
 */
function cmcdStatements(context: SchemaContext): readonly string[] {
  const lc = context.features.lowCardinality
    ? "LowCardinality(Nullable(String))"
    : "Nullable(String)";
  const raw = [
    "cmcd UInt8 DEFAULT 0",
    "cmcd_encoded_bitrate_kbps Nullable(UInt32)",
    "cmcd_buffer_length_ms Nullable(UInt32)",
    "cmcd_buffer_starvation Nullable(UInt8)",
    "cmcd_content_id Nullable(String)",
    "cmcd_object_duration_ms Nullable(UInt32)",
    "cmcd_deadline_ms Nullable(UInt32)",
    "cmcd_measured_throughput_kbps Nullable(UInt32)",
    `cmcd_object_type ${lc}`,
    "cmcd_requested_max_throughput_kbps Nullable(UInt32)",
    `cmcd_streaming_format ${lc}`,
    "cmcd_session_id Nullable(String)",
    `cmcd_stream_type ${lc}`,
    "cmcd_startup Nullable(UInt8)",
    "cmcd_top_bitrate_kbps Nullable(UInt32)",
    "cmcd_version Nullable(UInt32)",
  ];
  const rollups = [
    ANALYTICS_ROLLUPS.qoeHourly,
    ANALYTICS_ROLLUPS.qoeHourlyByCountry,
    ANALYTICS_ROLLUPS.qoeHourlyByEdge,
    ANALYTICS_ROLLUPS.qoeSlicesHourly,
    ANALYTICS_ROLLUPS.qoeSlicesDaily,
  ];
  return [
    addColumns(context, ANALYTICS_TABLES.playbackRequests, raw),
    ...rollups.flatMap((name) =>
      [name, stagingTable(name)].map((target) =>
        addColumns(context, target, QOE_CMCD_ROLLUP_COLUMNS),
      ),
    ),
  ];
}

/** The ledger table's statements: created before any migration runs. */
export function ledgerStatements(context: SchemaContext): readonly string[] {
  checkContext(context);
  return [
    `CREATE DATABASE IF NOT EXISTS ${context.database}${onCluster(context)}`,
    `CREATE TABLE IF NOT EXISTS ${table(context, "schema_migrations")}${onCluster(context)} (
  version UInt32,
  name String,
  applied_at DateTime DEFAULT now()
)
ENGINE = ${engine(context, "schema_migrations", "ReplacingMergeTree", ["applied_at"])}
ORDER BY version`,
    ...ledgerAcrossShardsStatements(context),
  ];
}

/** Every migration rendered for `context`, checked to be in strictly increasing version order. */
export function renderMigrations(
  context: SchemaContext,
  migrations: readonly Migration[] = MIGRATIONS,
): readonly { version: number; name: string; statements: readonly string[] }[] {
  checkContext(context);
  migrations.forEach((migration, index) => {
    const previous = migrations[index - 1];
    if (previous !== undefined && migration.version <= previous.version) {
      throw new Error(
        `migration ${migration.version} (${migration.name}) is out of order after ${previous.version}`,
      );
    }
  });
  return migrations.map((migration) => ({
    version: migration.version,
    name: migration.name,
    statements: migration.statements(context),
  }));
}
