/**
 * The statements of the QoE rollup job (qoe-rollup.ts), as pure functions of the database and the
 * time range: one day of raw requests into the staging tables of `qoe_hourly`, of its copies
 * ordered by place and of `qoe_slices_hourly`, and one month of hourly slices into the staging table of
 * `qoe_slices_daily`. They run on 18.16 and on current servers alike.
 */
import { ANALYTICS_ROLLUPS, stagingTable } from "../../../contracts/clickhouse-users";
import { identifier, sql, raw, type SqlFragment } from "./bind";
import { ttfbBucketSql } from "./histogram";
import { ANALYTICS_TABLES } from "./tables";

/** A half-open time range `[from, to)`, UTC. */
export interface TimeRange {
  readonly from: Date;
  readonly to: Date;
}

/**
 * The counters and the histogram every rollup row ends with, in table order, then the CMCD figures
 * (migration 7, `QOE_CMCD_ROLLUP_COLUMNS`).
 */
const COUNTER_COLUMNS =
  "requests, errors, aborts, cache_hits, bytes, `ttfbMap.bucket`, `ttfbMap.requests`, " +
  "cmcd_requests, starved_requests, startup_requests, buffer_length_ms_sum, buffer_length_requests, " +
  "throughput_kbps_sum, throughput_requests, sessions, starved_sessions, " +
  "`bufferMap.bucket`, `bufferMap.requests`, `throughputMap.bucket`, `throughputMap.requests`";

/**
 * A histogram (histogram.ts buckets) of the `Nullable(UInt32)` column `column` over a group, as
 * `sumMap`'s (buckets, counts): requests where it is NULL (no such CMCD key) are left out.
 */
export function cmcdHistogramSql(column: string): string {
  const present = `isNotNull(${column})`;
  return `sumMap(if(${present}, [${ttfbBucketSql(`assumeNotNull(${column})`)}], emptyArrayUInt32()), if(${present}, [toUInt64(1)], emptyArrayUInt64()))`;
}

/** A session id (`cmcd_session_id`) where `condition` holds and the player sent one. */
function sessionsSql(condition = "1"): string {
  return `uniqExactStateIf(ifNull(cmcd_session_id, ''), isNotNull(cmcd_session_id) AND ${condition})`;
}

/**
 * The CMCD figures of raw rows, per group of the inner query of `buildHourlyStatement`, in
 * `COUNTER_COLUMNS` order, under names the outer query folds (`CMCD_FOLDED`).
 */
const CMCD_RAW_SUMS = `sum(cmcd) AS cr,
    sum(ifNull(cmcd_buffer_starvation, 0)) AS sr, sum(ifNull(cmcd_startup, 0)) AS ur,
    sum(ifNull(cmcd_buffer_length_ms, 0)) AS bls, count(cmcd_buffer_length_ms) AS bln,
    sum(ifNull(cmcd_measured_throughput_kbps, 0)) AS tps, count(cmcd_measured_throughput_kbps) AS tpn,
    ${sessionsSql()} AS ss, ${sessionsSql("ifNull(cmcd_buffer_starvation, 0) = 1")} AS sss,
    ${cmcdHistogramSql("cmcd_buffer_length_ms")} AS blm,
    ${cmcdHistogramSql("cmcd_measured_throughput_kbps")} AS tpm`;

/** The CMCD figures of several groups folded into one: counts summed, states and maps merged. */
const CMCD_FOLDED = `sum(cr), sum(sr), sum(ur), sum(bls), sum(bln), sum(tps), sum(tpn),
  uniqExactMergeState(ss), uniqExactMergeState(sss),
  tupleElement(sumMap(tupleElement(blm, 1), tupleElement(blm, 2)), 1),
  tupleElement(sumMap(tupleElement(blm, 1), tupleElement(blm, 2)), 2),
  tupleElement(sumMap(tupleElement(tpm, 1), tupleElement(tpm, 2)), 1),
  tupleElement(sumMap(tupleElement(tpm, 1), tupleElement(tpm, 2)), 2)`;

/** The four dimensions of `qoe_hourly`, and the slice each becomes. */
const DIMENSIONS = [
  { column: "course_id", slice: "course" },
  { column: "country", slice: "country" },
  { column: "edge_location", slice: "edge" },
  { column: "rendition", slice: "rendition" },
] as const;

/**
 * Fills the staging table of `qoe_hourly` with the hours of `range` from the raw rows: the inner
 * query counts per hour, dimensions and latency bucket (aborted requests in a group of their own,
 * outside the histogram), the outer one folds the buckets of a key into its histogram.
 */
export function buildHourlyStatement(database: string, range: TimeRange): SqlFragment {
  const target = identifier(database, stagingTable(ANALYTICS_ROLLUPS.qoeHourly));
  const source = identifier(database, ANALYTICS_TABLES.playbackRequests);
  const dimensions = raw(DIMENSIONS.map(({ column }) => column).join(", "));
  return sql`INSERT INTO ${target} (hour, ${dimensions}, ${raw(COUNTER_COLUMNS)})
SELECT hour, ${dimensions},
  sum(n), sum(e), sum(a), sum(c), sum(b),
  groupArrayIf(bucket, answered), groupArrayIf(n, answered),
  ${raw(CMCD_FOLDED)}
FROM (
  SELECT toStartOfHour(timestamp) AS hour, ${dimensions},
    aborted = 0 AS answered,
    if(aborted = 0, ${raw(ttfbBucketSql("ttfb_ms"))}, toUInt32(0)) AS bucket,
    count() AS n, sum(is_error) AS e, sum(aborted) AS a, sum(cache_hit) AS c, sum(bytes) AS b,
    ${raw(CMCD_RAW_SUMS)}
  FROM ${source}
  WHERE timestamp >= ${range.from} AND timestamp < ${range.to}
  GROUP BY hour, ${dimensions}, answered, bucket
)
GROUP BY hour, ${dimensions}`;
}

/**
 * Fills the staging table of a copy of `qoe_hourly` ordered by place (`qoe_hourly_by_country`,
 * `qoe_hourly_by_edge`) with the hours of `range` from the staging table of `qoe_hourly` (built
 * just before for the same hours): the same rows, sorted by the copy's key.
 */
export function buildPlaceCopyStatement(
  database: string,
  copy: string,
  range: TimeRange,
): SqlFragment {
  const target = identifier(database, stagingTable(copy));
  const source = identifier(database, stagingTable(ANALYTICS_ROLLUPS.qoeHourly));
  const columns = raw(
    `hour, ${DIMENSIONS.map(({ column }) => column).join(", ")}, ${COUNTER_COLUMNS}`,
  );
  return sql`INSERT INTO ${target} (${columns})
SELECT ${columns}
FROM ${source}
WHERE hour >= ${range.from} AND hour < ${range.to}`;
}

/**
 * The sums of the counters over a group (`sum` of each, `sumMap` of the histogram), selected under
 * names that differ from the columns (ClickHouse would otherwise read an alias inside its own
 * aggregate).
 */
const SUMS = raw(
  "sum(requests) AS r, sum(errors) AS e, sum(aborts) AS a, sum(cache_hits) AS c, sum(bytes) AS b, " +
    "sumMap(`ttfbMap.bucket`, `ttfbMap.requests`) AS histogram, " +
    "sum(cmcd_requests) AS cr, sum(starved_requests) AS sr, sum(startup_requests) AS ur, " +
    "sum(buffer_length_ms_sum) AS bls, sum(buffer_length_requests) AS bln, " +
    "sum(throughput_kbps_sum) AS tps, sum(throughput_requests) AS tpn, " +
    "uniqExactMergeState(sessions) AS ss, uniqExactMergeState(starved_sessions) AS sss, " +
    "sumMap(`bufferMap.bucket`, `bufferMap.requests`) AS blm, " +
    "sumMap(`throughputMap.bucket`, `throughputMap.requests`) AS tpm",
);
const SUMMED = raw(
  "r, e, a, c, b, tupleElement(histogram, 1), tupleElement(histogram, 2), " +
    "cr, sr, ur, bls, bln, tps, tpn, ss, sss, " +
    "tupleElement(blm, 1), tupleElement(blm, 2), tupleElement(tpm, 1), tupleElement(tpm, 2)",
);

/**
 * Fills the staging table of `qoe_slices_hourly` with the hours of `range` from the staging table
 * of `qoe_hourly` (built just before for the same hours): per hour, the total (dimension `all`,
 * key '') and one row per value of each dimension.
 */
export function buildSlicesHourlyStatement(database: string, range: TimeRange): SqlFragment {
  const target = identifier(database, stagingTable(ANALYTICS_ROLLUPS.qoeSlicesHourly));
  const source = identifier(database, stagingTable(ANALYTICS_ROLLUPS.qoeHourly));
  const slices = raw(
    `[('all', ''), ${DIMENSIONS.map(({ column, slice }) => `('${slice}', ${column})`).join(", ")}]`,
  );
  return sql`INSERT INTO ${target} (hour, dimension, \`key\`, ${raw(COUNTER_COLUMNS)})
SELECT hour, dimension, slice_key, ${SUMMED}
FROM (
  SELECT hour, tupleElement(slice, 1) AS dimension, tupleElement(slice, 2) AS slice_key, ${SUMS}
  FROM ${source}
  ARRAY JOIN ${slices} AS slice
  WHERE hour >= ${range.from} AND hour < ${range.to}
  GROUP BY hour, dimension, slice_key
)`;
}

/** Fills the staging table of `qoe_slices_daily` with the days of `range` from the hourly slices. */
export function buildSlicesDailyStatement(database: string, range: TimeRange): SqlFragment {
  const target = identifier(database, stagingTable(ANALYTICS_ROLLUPS.qoeSlicesDaily));
  const source = identifier(database, ANALYTICS_ROLLUPS.qoeSlicesHourly);
  return sql`INSERT INTO ${target} (day, dimension, \`key\`, ${raw(COUNTER_COLUMNS)})
SELECT slice_day, dimension, slice_key, ${SUMMED}
FROM (
  SELECT toDate(hour) AS slice_day, dimension, \`key\` AS slice_key, ${SUMS}
  FROM ${source}
  WHERE hour >= ${range.from} AND hour < ${range.to}
  GROUP BY slice_day, dimension, slice_key
)`;
}

/** The partition of a rollup: `YYYYMMDD` of a day (hourly levels) or `YYYYMM` of a month (daily). */
export type PartitionId = number;

/** `ALTER TABLE target REPLACE PARTITION id FROM staging`: the staging partition becomes the target's. */
export function replacePartitionStatement(
  database: string,
  rollup: string,
  partition: PartitionId,
): SqlFragment {
  return sql`ALTER TABLE ${identifier(database, rollup)} REPLACE PARTITION ${partition} FROM ${identifier(database, stagingTable(rollup))}`;
}

/** `ALTER TABLE table DROP PARTITION id`; nothing happens where the partition has no rows. */
export function dropPartitionStatement(
  database: string,
  table: string,
  partition: PartitionId,
): SqlFragment {
  return sql`ALTER TABLE ${identifier(database, table)} DROP PARTITION ${partition}`;
}
