/**
 * What every API answer carries besides its figures: where they came from, so callers know which
 * figures are exact. Shared by the QoE and engagement queries.
 */
import type { ClickHouseClient } from "@clickhouse/client";
import type { SqlFragment } from "../clickhouse/bind";

/** One stretch of the range and the table that answered it. */
export interface AnswerPart {
  /** The table read: `playback_requests` (raw rows), `qoe_slices_daily`, `qoe_slices_hourly`, `qoe_hourly`, `qoe_hourly_by_country`, `qoe_hourly_by_edge`, `learning_events` or `engagement_daily`. */
  readonly table: string;
  /** Start of the stretch, ISO 8601 UTC, inclusive. */
  readonly from: string;
  /** End of the stretch, ISO 8601 UTC, exclusive. */
  readonly to: string;
}

/**
 * An answer and its provenance.
 *
 * - `source`: `raw` when every part was read from the raw rows, `rollup` when every part came
 *   from a rollup table, `mixed` when both (for example whole days from the daily slices and the
 *   open hour from raw rows).
 * - `percentiles`: `exact` when the percentiles (time to first byte; buffer length and measured
 *   throughput in the buffer answers) were computed from the raw rows (`source=raw`, or a range
 *   the rollups do not cover), `histogram` when they come from merged histograms (within
 *   histogram.ts `MAX_RELATIVE_ERROR`, 3.125 %, of the exact value, exact below 32).
 *   Answers without percentiles (rendition mix, engagement) say `exact`. Counts (requests,
 *   errors, aborts, cache hits, bytes, CMCD requests, starved and startup requests, sessions) and
 *   averages are exact whatever the source.
 * - `parts`: the stretches of [from, to) in time order and the table that answered each; together
 *   they cover the range once.
 */
export interface Answer<T> {
  readonly source: "raw" | "rollup" | "mixed";
  readonly percentiles: "exact" | "histogram";
  readonly parts: readonly AnswerPart[];
  readonly data: T;
}

/** Runs a query and returns its rows. */
export async function rows<T>(client: ClickHouseClient, query: SqlFragment): Promise<T[]> {
  const result = await client.query({ query: query.text, format: "JSONEachRow" });
  return result.json<T>();
}

/** ClickHouse returns 64-bit integers as strings in JSON: every figure goes through here. */
export function num(value: unknown): number {
  const parsed = typeof value === "number" ? value : Number(value);
  return Number.isFinite(parsed) ? parsed : 0;
}

/** `part / whole`, 0 for an empty whole. */
export function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}
