/**
 * A known data set of raw playback requests for the QoE rollup tests, and what each rollup level
 * must hold for it, computed here in TypeScript (with `ttfbBucket`) independently of the job's SQL.
 * The data spans a month boundary, leaves hours and a whole day without traffic, and has aborted
 * requests, errors and latencies on every side of the histogram's bucket boundaries.
 */
import type { ClickHouseClient } from "@clickhouse/client";
import { ANALYTICS_ROLLUPS } from "../../../contracts/clickhouse-users";
import { formatDateTime, identifier, raw, sql } from "./bind";
import { ttfbBucket } from "./histogram";
import type { PlaybackRow } from "./tables";

/** Latencies on both sides of the bucket boundaries, and the largest a UInt32 holds. */
export const EDGE_LATENCIES = [
  0,
  1,
  31,
  32,
  33,
  47,
  63,
  64,
  65,
  127,
  128,
  1023,
  1024,
  1025,
  2 ** 20 - 1,
  2 ** 20,
  4294967295,
] as const;

const COURSES = ["fin-101", "ops-220", "law-310"];
const COUNTRIES = ["SA", "AE", ""];
const EDGES = ["DXB52-P1", "FRA56-C1"];
const RENDITIONS = ["720p_3000k", "1080p_6000k", ""];

/** The data set's days: 2026-11-30 has no traffic at all. */
export const DATA_DAYS = ["2026-11-28", "2026-11-29", "2026-12-01", "2026-12-02"] as const;

/** A deterministic stream of pseudo-random integers below `bound`. */
function randomSource(seed: number): (bound: number) => number {
  let state = seed >>> 0;
  return (bound) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % bound;
  };
}

/** One raw request of the data set; `id` makes its request id unique. */
export function playbackRow(id: string, time: Date, n: number, ttfbMs: number): PlaybackRow {
  const aborted = n % 7 === 3;
  return {
    request_id: id,
    timestamp: formatDateTime(time),
    timestamp_ms: n % 1000,
    course_id: COURSES[n % COURSES.length] ?? "",
    video_id: `v${n % 5}`,
    rendition: RENDITIONS[(n >> 1) % RENDITIONS.length] ?? "",
    protocol: "hls",
    edge_location: EDGES[(n >> 2) % EDGES.length] ?? "",
    country: COUNTRIES[(n >> 3) % COUNTRIES.length] ?? "",
    status: aborted ? 0 : n % 11 === 5 ? 503 : 200,
    ttfb_ms: ttfbMs,
    time_taken_ms: ttfbMs,
    bytes: aborted ? 0 : 1000 + ((n * 7919) % 500_000),
    result_type: n % 2 === 0 ? "Hit" : "Miss",
    detailed_result_type: n % 2 === 0 ? "Hit" : "Miss",
    cache_hit: n % 2 === 0 ? 1 : 0,
    is_error: !aborted && n % 11 === 5 ? 1 : 0,
    aborted: aborted ? 1 : 0,
  };
}

/**
 * The data set: on each data day, traffic in about two hours of three, 3 to 14 requests an hour
 * at random minutes, latencies from `EDGE_LATENCIES` in turn and at random (up to a minute).
 */
export function qoeDataSet(seed = 20261201): PlaybackRow[] {
  const random = randomSource(seed);
  const rows: PlaybackRow[] = [];
  let n = 0;
  for (const day of DATA_DAYS) {
    for (let hour = 0; hour < 24; hour += 1) {
      if (random(3) === 0) continue;
      const requests = 3 + random(12);
      for (let index = 0; index < requests; index += 1) {
        const time = new Date(`${day}T00:00:00Z`);
        time.setUTCHours(hour, random(60), random(60));
        const latency =
          n % 3 === 0 ? (EDGE_LATENCIES[n % EDGE_LATENCIES.length] ?? 0) : random(60_000);
        rows.push(playbackRow(`req-${day}-${n}`, time, n, latency));
        n += 1;
      }
    }
  }
  return rows;
}

/** What the rollups read of a raw request. */
export type RawFigures = Pick<
  PlaybackRow,
  | "timestamp"
  | "course_id"
  | "country"
  | "edge_location"
  | "rendition"
  | "is_error"
  | "aborted"
  | "cache_hit"
  | "bytes"
  | "ttfb_ms"
>;

/** The figures of one rollup key: counters, and the histogram as bucket -> requests. */
export interface Figures {
  requests: number;
  errors: number;
  aborts: number;
  cache_hits: number;
  bytes: number;
  histogram: Record<number, number>;
}

/** Each rollup level as key -> figures; keys join the row's key columns with `|`. */
export interface Levels {
  readonly hourly: Record<string, Figures>;
  /** The copies of the hourly cube ordered by place: the same rows, keyed as `hourly`. */
  readonly hourlyByCountry: Record<string, Figures>;
  readonly hourlyByEdge: Record<string, Figures>;
  readonly slicesHourly: Record<string, Figures>;
  readonly slicesDaily: Record<string, Figures>;
}

function add(level: Record<string, Figures>, key: string, row: RawFigures): void {
  const figures = (level[key] ??= {
    requests: 0,
    errors: 0,
    aborts: 0,
    cache_hits: 0,
    bytes: 0,
    histogram: {},
  });
  figures.requests += 1;
  figures.errors += row.is_error;
  figures.aborts += row.aborted;
  figures.cache_hits += row.cache_hit;
  figures.bytes += row.bytes;
  if (row.aborted === 0) {
    const bucket = ttfbBucket(row.ttfb_ms);
    figures.histogram[bucket] = (figures.histogram[bucket] ?? 0) + 1;
  }
}

function slices(row: RawFigures): [string, string][] {
  return [
    ["all", ""],
    ["course", row.course_id],
    ["country", row.country],
    ["edge", row.edge_location],
    ["rendition", row.rendition],
  ];
}

/** What the rollups must hold for `rows`: hours before `hourlyThrough`, days before `dailyThrough`. */
export function expectedLevels(
  rows: readonly RawFigures[],
  hourlyThrough: string,
  dailyThrough: string,
): Levels {
  const levels: Levels = {
    hourly: {},
    hourlyByCountry: {},
    hourlyByEdge: {},
    slicesHourly: {},
    slicesDaily: {},
  };
  for (const row of rows) {
    const hour = `${row.timestamp.slice(0, 13)}:00:00`;
    const day = row.timestamp.slice(0, 10);
    if (hour < hourlyThrough) {
      const dimensions = [row.course_id, row.country, row.edge_location, row.rendition];
      for (const cube of [levels.hourly, levels.hourlyByCountry, levels.hourlyByEdge]) {
        add(cube, [hour, ...dimensions].join("|"), row);
      }
      for (const [dimension, key] of slices(row)) {
        add(levels.slicesHourly, `${hour}|${dimension}|${key}`, row);
      }
    }
    if (`${day} 00:00:00` < dailyThrough) {
      for (const [dimension, key] of slices(row)) {
        add(levels.slicesDaily, `${day}|${dimension}|${key}`, row);
      }
    }
  }
  return levels;
}

interface RollupRow {
  readonly key: string;
  readonly requests: string | number;
  readonly errors: string | number;
  readonly aborts: string | number;
  readonly cache_hits: string | number;
  readonly bytes: string | number;
  readonly buckets: readonly (string | number)[];
  readonly counts: readonly (string | number)[];
}

async function readLevel(
  client: ClickHouseClient,
  database: string,
  table: string,
  keyColumns: readonly string[],
): Promise<Record<string, Figures>> {
  const key = raw(`concat(${keyColumns.map((column) => `toString(${column})`).join(", '|', ")})`);
  const result = await client.query({
    query: sql`SELECT row_key AS key, requests, errors, aborts, cache_hits, bytes,
  tupleElement(histogram, 1) AS buckets, tupleElement(histogram, 2) AS counts
FROM (
  SELECT ${key} AS row_key, sum(requests) AS requests, sum(errors) AS errors, sum(aborts) AS aborts,
    sum(cache_hits) AS cache_hits, sum(bytes) AS bytes,
    sumMap(\`ttfbMap.bucket\`, \`ttfbMap.requests\`) AS histogram
  FROM ${identifier(database, table)}
  GROUP BY row_key
)`.text,
    format: "JSONEachRow",
  });
  const rows = await result.json<RollupRow>();
  return Object.fromEntries(
    rows.map((row) => [
      row.key,
      {
        requests: Number(row.requests),
        errors: Number(row.errors),
        aborts: Number(row.aborts),
        cache_hits: Number(row.cache_hits),
        bytes: Number(row.bytes),
        histogram: Object.fromEntries(
          row.buckets.map((bucket, index) => [Number(bucket), Number(row.counts[index])]),
        ),
      },
    ]),
  );
}

/** The key columns of the hourly cube and of its copies. */
const CUBE_KEY = ["hour", "course_id", "country", "edge_location", "rendition"];

/** Every row of the rollup levels, summed per key as the API sums them. */
export async function readLevels(client: ClickHouseClient, database: string): Promise<Levels> {
  return {
    hourly: await readLevel(client, database, ANALYTICS_ROLLUPS.qoeHourly, CUBE_KEY),
    hourlyByCountry: await readLevel(
      client,
      database,
      ANALYTICS_ROLLUPS.qoeHourlyByCountry,
      CUBE_KEY,
    ),
    hourlyByEdge: await readLevel(client, database, ANALYTICS_ROLLUPS.qoeHourlyByEdge, CUBE_KEY),
    slicesHourly: await readLevel(client, database, ANALYTICS_ROLLUPS.qoeSlicesHourly, [
      "hour",
      "dimension",
      "`key`",
    ]),
    slicesDaily: await readLevel(client, database, ANALYTICS_ROLLUPS.qoeSlicesDaily, [
      "day",
      "dimension",
      "`key`",
    ]),
  };
}
