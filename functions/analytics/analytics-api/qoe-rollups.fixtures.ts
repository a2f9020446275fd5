/**
 * Test support: fills the QoE rollups from the raw rows with plain `INSERT ... SELECT`, with the
 * rollup job's meaning (every hour before `hourlyThrough` in `qoe_hourly`, its copies ordered by
 * place and `qoe_slices_hourly`, every day before `dailyThrough` in `qoe_slices_daily`, histograms of the
 * requests not aborted), and records the marks in `qoe_rollup_state`. Each level is inserted in
 * two halves, so keys repeat across parts as they do before a merge.
 */
import type { ClickHouseClient } from "@clickhouse/client";
import { formatDateTime } from "../clickhouse/bind";
import { ttfbBucketSql } from "../clickhouse/histogram";

/** How far to build each level. */
export interface RollupMarksToBuild {
  readonly hourlyThrough: Date;
  readonly dailyThrough: Date;
}

const COUNTERS = `count() AS requests, sum(is_error) AS errors, sum(aborted) AS aborts,
  sum(cache_hit) AS cache_hits, sum(bytes) AS bytes, countIf(aborted = 0) AS answered`;

const SUMS = `sum(requests), sum(errors), sum(aborts), sum(cache_hits), sum(bytes),
  groupArrayIf(bucket, answered > 0), groupArrayIf(answered, answered > 0)`;

const INSERTED = "requests, errors, aborts, cache_hits, bytes, ttfbMap.bucket, ttfbMap.requests";

const SLICES = `ARRAY JOIN [('all', ''), ('course', course_id), ('country', country),
  ('edge', edge_location), ('rendition', rendition)] AS slice`;

function at(value: Date): string {
  return `toDateTime('${formatDateTime(value)}', 'UTC')`;
}

/** Builds every level of `database` up to the marks (rows already built are built again). */
export async function buildQoeRollups(
  client: ClickHouseClient,
  database: string,
  marks: RollupMarksToBuild,
): Promise<void> {
  const raw = `${database}.playback_requests`;
  const bucket = `${ttfbBucketSql("ttfb_ms")} AS bucket`;
  const hours = `timestamp < ${at(marks.hourlyThrough)}`;
  const days = `timestamp < ${at(marks.dailyThrough)}`;
  const cubes = ["qoe_hourly", "qoe_hourly_by_country", "qoe_hourly_by_edge"];
  const statements = [
    ...[...cubes, "qoe_slices_hourly", "qoe_slices_daily"].map(
      (table) => `TRUNCATE TABLE ${database}.${table}`,
    ),
    ...cubes.map(
      (
        cube,
      ) => `INSERT INTO ${database}.${cube} (hour, course_id, country, edge_location, rendition, ${INSERTED})
SELECT hour, course_id, country, edge_location, rendition, ${SUMS} FROM (
  SELECT toStartOfHour(timestamp) AS hour, course_id, country, edge_location, rendition, ${bucket}, ${COUNTERS}
  FROM ${raw} WHERE ${hours}
  GROUP BY hour, course_id, country, edge_location, rendition, bucket)
GROUP BY hour, course_id, country, edge_location, rendition`,
    ),
    `INSERT INTO ${database}.qoe_slices_hourly (hour, dimension, key, ${INSERTED})
SELECT hour, dimension, key, ${SUMS} FROM (
  SELECT toStartOfHour(timestamp) AS hour, slice.1 AS dimension, slice.2 AS key, ${bucket}, ${COUNTERS}
  FROM ${raw} ${SLICES} WHERE ${hours}
  GROUP BY hour, dimension, key, bucket)
GROUP BY hour, dimension, key`,
    `INSERT INTO ${database}.qoe_slices_daily (day, dimension, key, ${INSERTED})
SELECT day, dimension, key, ${SUMS} FROM (
  SELECT toDate(timestamp) AS day, slice.1 AS dimension, slice.2 AS key, ${bucket}, ${COUNTERS}
  FROM ${raw} ${SLICES} WHERE ${days}
  GROUP BY day, dimension, key, bucket)
GROUP BY day, dimension, key`,
    `INSERT INTO ${database}.qoe_rollup_state (level, through, built_at) VALUES
  ('hourly', ${at(marks.hourlyThrough)}, now()), ('daily', ${at(marks.dailyThrough)}, now()),
  ('places', ${at(marks.hourlyThrough)}, now())`,
  ];
  for (const query of statements) {
    if (!query.startsWith("INSERT INTO") || query.includes("qoe_rollup_state")) {
      await client.command({ query });
      continue;
    }
    // Two inserts per level, so keys repeat across parts as they do before a merge.
    for (const half of [0, 1]) {
      await client.command({
        query: query.replace(/ WHERE /, ` WHERE cityHash64(request_id) % 2 = ${half} AND `),
      });
    }
  }
}
