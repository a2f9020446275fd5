/**
 * QoE query measurement for the analytics bench: synthetic rows generated server-side, the rollup
 * job's full build over them, then the API's queries over the last 7 and 30 days, each from the
 * raw rows and from the rollups, with the rollup answers held to the raw ones.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { ClickHouseClient } from "@clickhouse/client";
import { ANALYTICS_ROLLUPS } from "../../../contracts/clickhouse-users";
import { AnalyticsQueries } from "../../../functions/analytics/analytics-api/queries";
import type { Source } from "../../../functions/analytics/analytics-api/requests";
import { createAnalyticsClient } from "../../../functions/analytics/clickhouse/client";
import { runQoeRollup } from "../../../functions/analytics/clickhouse/qoe-rollup";
import { median } from "../median";
import { queryNumber, type Endpoint } from "./endpoint";
import type { QoeDataSetFigures, QueryFigures } from "./figures";
import { compareAnswers, goalMs, QOE_QUERIES, type Comparable } from "./qoe-queries";
import { syntheticRowsSql } from "./synthetic-rows";
import { DAY_MS, HOUR_MS, SPAN_DAYS } from "./traffic-model";

/** Days the queries ask for, each ending at the data's end. */
export const RANGE_DAYS: readonly number[] = [7, 30];
/** Rows per `INSERT ... SELECT`: one statement's memory and time stay bounded at any size. */
const GENERATE_CHUNK_ROWS = 10_000_000;
/** Longest wait for background merges to settle before the queries are timed. */
const SETTLE_TIMEOUT_MS = 120_000;
/** The rollup tables whose rows are reported. */
const ROLLUP_TABLES = [
  ANALYTICS_ROLLUPS.qoeHourly,
  ANALYTICS_ROLLUPS.qoeHourlyByCountry,
  ANALYTICS_ROLLUPS.qoeHourlyByEdge,
  ANALYTICS_ROLLUPS.qoeSlicesHourly,
  ANALYTICS_ROLLUPS.qoeSlicesDaily,
];

/** Waits until no merge runs in `database` (or the timeout passes), so queries are timed alone. */
export async function settleMerges(admin: ClickHouseClient, database: string): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let quiet = 0;
  while (Date.now() < deadline && quiet < 3) {
    const merges = await queryNumber(
      admin,
      `SELECT count() AS n FROM system.merges WHERE database = '${database}'`,
    );
    quiet = merges === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The synthetic data set's end: the last whole hour. */
export function dataEndMs(nowMs: number): number {
  return Math.floor(nowMs / HOUR_MS) * HOUR_MS;
}

/** Writes `rows` synthetic requests ending at `endMs` into `database`, in chunks; returns ms. */
async function generate(
  admin: ClickHouseClient,
  database: string,
  rows: number,
  endMs: number,
): Promise<number> {
  const start = performance.now();
  for (let offset = 0; offset < rows; offset += GENERATE_CHUNK_ROWS) {
    const count = Math.min(GENERATE_CHUNK_ROWS, rows - offset);
    await admin.command({ query: syntheticRowsSql(database, rows, endMs, { offset, count }) });
  }
  return performance.now() - start;
}

/**
 * One query over one range: a warm-up from each source (whose answers are compared), then `runs`
 * timed runs with the sources interleaved so drift in machine load weighs on both alike.
 */
async function timeQuery(
  queries: AnalyticsQueries,
  spec: (typeof QOE_QUERIES)[number],
  rangeDays: number,
  endMs: number,
  runs: number,
): Promise<QueryFigures> {
  const to = new Date(endMs);
  const from = new Date(endMs - rangeDays * DAY_MS);
  const timed = async (source: Source): Promise<{ ms: number; answer: Comparable }> => {
    const start = performance.now();
    const answer = await spec.run(queries, source, from, to);
    return { ms: performance.now() - start, answer };
  };
  const raw = (await timed("raw")).answer;
  const rollup = (await timed("rollup")).answer;
  const rawMs: number[] = [];
  const rollupMs: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    rawMs.push((await timed("raw")).ms);
    rollupMs.push((await timed("rollup")).ms);
  }
  const comparison = compareAnswers(raw, rollup);
  return {
    query: spec.id,
    goal: spec.goal,
    rangeDays,
    rawMs: median(rawMs),
    rollupMs: median(rollupMs),
    speedUp: median(rawMs) / median(rollupMs),
    rollupSource: rollup.source,
    rollupTables: rollup.tables,
    ...comparison,
    goalMs: goalMs(spec.goal),
  };
}

/**
 * The API's QoE queries over `rows` synthetic requests in `database` (freshly migrated, empty):
 * the rows are generated over `SPAN_DAYS` days ending at `endMs`, the rollup job builds every
 * rollup with `now` an hour after the end, and each query of `QOE_QUERIES` runs over each range
 * of `RANGE_DAYS` from both sources.
 */
export async function measureQoe(
  server: Endpoint,
  admin: ClickHouseClient,
  database: string,
  rows: number,
  runs: number,
  endMs: number,
): Promise<QoeDataSetFigures> {
  const generateMs = await generate(admin, database, rows, endMs);
  await settleMerges(admin, database);
  const rollupStart = performance.now();
  // In one HTTP session, as the CronJob runs it; an hour after the end closes the last hour.
  await runQoeRollup(admin, {
    database,
    now: new Date(endMs + HOUR_MS),
    sessionId: `bench-rollup-${randomUUID()}`,
  });
  const rollupBuildMs = performance.now() - rollupStart;
  await settleMerges(admin, database);
  const rollupRows: Record<string, number> = {};
  for (const table of ROLLUP_TABLES) {
    rollupRows[table] = await queryNumber(admin, `SELECT count() AS n FROM ${database}.${table}`);
  }

  // The API's own client settings (keep-alive on), with room for a slow raw query.
  const client = createAnalyticsClient({
    url: server.url,
    username: server.username,
    password: server.password,
    requestTimeoutMs: 300_000,
    application: "bench",
  });
  try {
    const queries = new AnalyticsQueries(client, database);
    const roundTrips: number[] = [];
    for (let run = 0; run <= runs; run += 1) {
      const start = performance.now();
      await queryNumber(client, "SELECT 1 AS n");
      if (run > 0) roundTrips.push(performance.now() - start);
    }
    const figures: QueryFigures[] = [];
    for (const rangeDays of RANGE_DAYS) {
      for (const spec of QOE_QUERIES) {
        figures.push(await timeQuery(queries, spec, rangeDays, endMs, runs));
      }
    }
    return {
      rows,
      spanDays: SPAN_DAYS,
      endIso: new Date(endMs).toISOString(),
      generateMs,
      rollupBuildMs,
      rollupRows,
      runs,
      roundTripMs: median(roundTrips),
      queries: figures,
    };
  } finally {
    await client.close();
  }
}
