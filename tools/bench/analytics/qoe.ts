/**
 * QoE query measurement for the analytics bench: the API's queries over synthetic rows, each from
 * the raw rows and from the hourly rollup.
 */
import { performance } from "node:perf_hooks";
import type { ClickHouseClient } from "@clickhouse/client";
import { AnalyticsQueries } from "../../../functions/analytics/analytics-api/queries";
import type { Source } from "../../../functions/analytics/analytics-api/requests";
import { createAnalyticsClient } from "../../../functions/analytics/clickhouse/client";
import { median } from "../median";
import { queryNumber, type Endpoint } from "./endpoint";
import type { QoeFigures, QueryFigures } from "./figures";
import { syntheticRowsSql } from "./synthetic-rows";
import { DAY_MS, HOUR_MS } from "./traffic-model";

/** Days the queries ask for: the last of the synthetic rows' `SPAN_DAYS`. */
const RANGE_DAYS = 7;
/** Longest wait for background merges to settle before the queries are timed. */
const SETTLE_TIMEOUT_MS = 60_000;

/** Waits until no merge runs in `database` (or the timeout passes), so queries are timed alone. */
async function settleMerges(admin: ClickHouseClient, database: string): Promise<void> {
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

/** One API call from either source, giving the requests it counted. */
type QueryCall = (
  queries: AnalyticsQueries,
  source: Source,
  from: Date,
  to: Date,
) => Promise<number>;

const QUERY_CALLS: readonly { readonly name: string; readonly call: QueryCall }[] = [
  {
    name: "qoeSummary",
    call: async (queries, source, from, to) =>
      (await queries.qoeSummary({ from, to, source })).data.requests,
  },
  {
    name: "qoeBreakdown by course, top 20",
    call: async (queries, source, from, to) =>
      (await queries.qoeBreakdown({ from, to, source, by: "course", limit: 20 })).data.reduce(
        (sum, group) => sum + group.requests,
        0,
      ),
  },
  {
    name: "renditionMix",
    call: async (queries, source, from, to) =>
      (await queries.renditionMix({ from, to, source })).data.reduce(
        (sum, share) => sum + share.requests,
        0,
      ),
  },
];

/**
 * The API's QoE queries over `rows` synthetic requests in a fresh database: the last `RANGE_DAYS`
 * days of `SPAN_DAYS`, each query from raw rows and from the rollup, one warm-up, then `runs` timed
 * runs with the two sources interleaved.
 */
export async function measureQoe(
  server: Endpoint,
  admin: ClickHouseClient,
  database: string,
  rows: number,
  runs: number,
): Promise<QoeFigures> {
  const endMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const generateStart = performance.now();
  await admin.command({ query: syntheticRowsSql(database, rows, endMs) });
  const generateMs = performance.now() - generateStart;
  await settleMerges(admin, database);
  const rollupRows = await queryNumber(
    admin,
    `SELECT count() AS n FROM ${database}.playback_hourly`,
  );

  // The API's own client settings (keep-alive on), with room for a slow raw query.
  const client = createAnalyticsClient({
    url: server.url,
    username: server.username,
    password: server.password,
    requestTimeoutMs: 120_000,
    application: "bench",
  });
  try {
    const queries = new AnalyticsQueries(client, database);
    const to = new Date(endMs);
    const from = new Date(endMs - RANGE_DAYS * DAY_MS);
    const figures: QueryFigures[] = [];
    for (const { name, call } of QUERY_CALLS) {
      const timed = async (source: Source) => {
        const start = performance.now();
        const requests = await call(queries, source, from, to);
        return { ms: performance.now() - start, requests };
      };
      const rawRequests = (await timed("raw")).requests;
      const rollupRequests = (await timed("rollup")).requests;
      const rawMs: number[] = [];
      const rollupMs: number[] = [];
      for (let run = 0; run < runs; run += 1) {
        rawMs.push((await timed("raw")).ms);
        rollupMs.push((await timed("rollup")).ms);
      }
      figures.push({
        name,
        rawMs: median(rawMs),
        rollupMs: median(rollupMs),
        rawRequests,
        rollupRequests,
      });
    }
    return { rows, generateMs, rollupRows, rangeDays: RANGE_DAYS, runs, queries: figures };
  } finally {
    await client.close();
  }
}
