/**
 * A known data set of raw requests with and without CMCD for the buffer tests, and the buffer
 * figures it must give, computed here in TypeScript from the rows (not by the API's SQL).
 */
import { histogramPercentiles, ttfbBucket } from "../clickhouse/histogram";
import { sentCmcd, type PlaybackRow } from "../clickhouse/tables";
import type { BufferFigures, ReportedValue } from "./buffer-queries";
import type { BufferDimension } from "./requests";

export const START = Date.UTC(2026, 10, 1);
const HOUR_MS = 3_600_000;
const COURSES = ["fin-101", "law-200", "med-300", ""];
const COUNTRIES = ["SA", "AE", "US"];
const EDGES = ["DXB52-P1", "IAD89-C2", "RUH52-P1"];
const RENDITIONS = ["720p_3000k", "360p_730k", "1080p_6000k", ""];
/** Playback sessions: each one's requests fall across many hours and days. */
const SESSIONS = 45;

function timestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * About 2,100 requests from 1 Nov 00:00 to 4 Nov 06:00 UTC, one every 131 seconds, from a fixed
 * pseudo-random sequence: one in four from a player without CMCD; the others from one of 45
 * sessions (one in 15 without a session id), reporting buffer starvation true, false or nothing,
 * startup now and then, and a buffer length and measured throughput that are sometimes left out,
 * sometimes 0, and spread over three orders of magnitude.
 */
export function bufferDataSet(): PlaybackRow[] {
  let seed = 4_242;
  const next = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n);
  };
  const rows: PlaybackRow[] = [];
  for (let index = 0, at = START; at < START + 78 * HOUR_MS; index += 1, at += 131_000) {
    const rendition = RENDITIONS[next(RENDITIONS.length)] ?? "";
    const row: PlaybackRow = {
      request_id: `b${index}`,
      timestamp: timestamp(at),
      timestamp_ms: next(1000),
      course_id: COURSES[next(COURSES.length)] ?? "",
      video_id: "3f6c2a9e-8b1d-4c57-9e2a-0d4b7f1a6c35",
      rendition,
      protocol: "hls",
      edge_location: EDGES[next(EDGES.length)] ?? "",
      country: COUNTRIES[next(COUNTRIES.length)] ?? "",
      status: 200,
      ttfb_ms: 20 + next(200),
      time_taken_ms: 300,
      bytes: 1000 + next(500_000),
      result_type: "Miss",
      detailed_result_type: "Miss",
      cache_hit: 0,
      is_error: 0,
      aborted: 0,
    };
    if (next(4) === 0) {
      rows.push(row);
      continue;
    }
    const starvation = next(10);
    const buffer = next(6);
    const throughput = next(5);
    rows.push({
      ...row,
      ...(next(15) === 0 ? {} : { cmcd_session_id: `session-${next(SESSIONS)}` }),
      ...(starvation === 0 ? {} : { cmcd_buffer_starvation: starvation <= 2 }),
      ...(next(10) === 0 ? { cmcd_startup: true } : {}),
      ...(buffer === 0
        ? {}
        : {
            cmcd_buffer_length_ms: buffer === 1 ? 0 : Math.round(30_000 * (next(1000) / 1000) ** 2),
          }),
      ...(throughput === 0 ? {} : { cmcd_measured_throughput_kbps: 200 + next(80_000) }),
      cmcd_encoded_bitrate_kbps: rendition === "" ? undefined : 3000,
      cmcd_top_bitrate_kbps: 6000,
      cmcd_object_type: rendition === "" ? "m" : "v",
      cmcd_streaming_format: "h",
      cmcd_stream_type: "v",
      cmcd_content_id: "3f6c2a9e",
      cmcd_version: 1,
    });
  }
  return rows;
}

/** A selection of rows: a range, the filters the API takes, and what to group by. */
export interface RowSelection {
  readonly from: Date;
  readonly to: Date;
  readonly courseId?: string;
  readonly country?: string;
  readonly edge?: string;
}

/** The rows of `rows` a selection takes. */
export function selectRows(rows: readonly PlaybackRow[], selection: RowSelection): PlaybackRow[] {
  const from = timestamp(selection.from.getTime());
  const to = timestamp(selection.to.getTime());
  return rows.filter(
    (row) =>
      row.timestamp >= from &&
      row.timestamp < to &&
      (selection.courseId === undefined || row.course_id === selection.courseId) &&
      (selection.country === undefined || row.country === selection.country) &&
      (selection.edge === undefined || row.edge_location === selection.edge),
  );
}

const LEVELS = [0.5, 0.9, 0.95, 0.99];

/** The value at rank `floor(level x n)` of the sorted values (`quantileExact`'s choice). */
function exactPercentiles(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return LEVELS.map((level) => sorted[Math.floor(level * sorted.length)] ?? 0);
}

/** The middle of the histogram bucket of each exact percentile's rank. */
function histogramOf(values: readonly number[]): number[] {
  const buckets = values.map(ttfbBucket);
  return histogramPercentiles({ buckets, counts: buckets.map(() => 1) }, LEVELS);
}

function reportedValue(values: readonly number[], exact: boolean): ReportedValue {
  const sum = values.reduce((total, value) => total + value, 0);
  const [p50 = 0, p90 = 0, p95 = 0, p99 = 0] =
    values.length === 0 ? [] : exact ? exactPercentiles(values) : histogramOf(values);
  return {
    requests: values.length,
    average: values.length === 0 ? 0 : sum / values.length,
    p50,
    p90,
    p95,
    p99,
  };
}

function share(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

/**
 * The buffer figures of `rows`, with percentiles exact (`quantileExact`'s rank) or from the
 * histogram (the middle of the bucket the rank falls in).
 */
export function expectedFigures(rows: readonly PlaybackRow[], exact: boolean): BufferFigures {
  const cmcd = rows.filter((row) => sentCmcd(row));
  const sessions = new Set(cmcd.flatMap((row) => row.cmcd_session_id ?? []));
  const starved = cmcd.filter((row) => row.cmcd_buffer_starvation === true);
  const starvedSessions = new Set(starved.flatMap((row) => row.cmcd_session_id ?? []));
  return {
    requests: rows.length,
    cmcdRequests: cmcd.length,
    cmcdRatio: share(cmcd.length, rows.length),
    sessions: sessions.size,
    starvedSessions: starvedSessions.size,
    sessionRebufferingRatio: share(starvedSessions.size, sessions.size),
    starvedRequests: starved.length,
    requestRebufferingRatio: share(starved.length, cmcd.length),
    startupRequests: cmcd.filter((row) => row.cmcd_startup === true).length,
    bufferLengthMs: reportedValue(
      cmcd.flatMap((row) => row.cmcd_buffer_length_ms ?? []),
      exact,
    ),
    measuredThroughputKbps: reportedValue(
      cmcd.flatMap((row) => row.cmcd_measured_throughput_kbps ?? []),
      exact,
    ),
  };
}

const DIMENSION_COLUMNS = {
  course: "course_id",
  country: "country",
  edge: "edge_location",
  rendition: "rendition",
} as const satisfies Record<BufferDimension, keyof PlaybackRow>;

/** The figures per value of `by`, most CMCD requests first, then by key (as ClickHouse sorts). */
export function expectedGroups(
  rows: readonly PlaybackRow[],
  by: BufferDimension,
  exact: boolean,
): (BufferFigures & { key: string })[] {
  const groups = new Map<string, PlaybackRow[]>();
  for (const row of rows) {
    const key = row[DIMENSION_COLUMNS[by]];
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups]
    .map(([key, members]) => ({ key, ...expectedFigures(members, exact) }))
    .sort((a, b) =>
      a.cmcdRequests !== b.cmcdRequests
        ? b.cmcdRequests - a.cmcdRequests
        : a.key < b.key
          ? -1
          : a.key > b.key
            ? 1
            : 0,
    );
}
