/** Analytics figures as a bench run returns them, for the goal and JSON tests. */
import type { AnalyticsFigures, ApiLoadFigures, QueryFigures } from "./figures";

/** A query's figures; every goal met unless overridden. */
export function queryFigures(overrides: Partial<QueryFigures> = {}): QueryFigures {
  return {
    query: "summary",
    goal: "summary",
    rangeDays: 7,
    rawMs: 400,
    rollupMs: 8,
    speedUp: 50,
    rollupSource: "mixed",
    rollupTables: ["qoe_slices_daily", "qoe_slices_hourly"],
    countsEqual: true,
    countMismatch: null,
    maxPercentileError: 0.011,
    goalMs: 15,
    ...overrides,
  };
}

/** A whole run's figures: one data set with `queries`, the client comparison made. */
export function analyticsFigures(
  queries: readonly QueryFigures[] = [queryFigures()],
  overrides: Partial<AnalyticsFigures> = {},
): AnalyticsFigures {
  const api: ApiLoadFigures = {
    rows: 10_000_000,
    cacheTtlMs: 0,
    requests: ["/v1/qoe/summary?from=2026-11-29T04:00:00.000Z&to=2026-12-06T04:00:00.000Z"],
    levels: [
      {
        connections: 1,
        seconds: 10,
        requests: 400,
        requestsPerSecond: 40,
        p50Ms: 20,
        p99Ms: 60,
        maxMs: 80,
        errors: 0,
      },
      {
        connections: 10,
        seconds: 10,
        requests: 2_000,
        requestsPerSecond: 200,
        p50Ms: 40,
        p99Ms: 120,
        maxMs: 180,
        errors: 0,
      },
    ],
  };
  return {
    serverVersion: "18.16",
    loadAverage: { start: 1.2, end: 1.9 },
    parse: {
      lines: 200_000,
      malformed: 190,
      averageLineBytes: 291,
      runs: 3,
      recordDataPerSecond: 620_000,
      logLinePerSecond: 910_000,
    },
    ingest: {
      batches: 20,
      batchRecords: 5_000,
      malformed: 85,
      largestEventBytes: 4_800_000,
      ingest: {
        rows: 99_915,
        totalMs: 4_000,
        rowsPerSecond: 24_979,
        medianBatchRowsPerSecond: 25_000,
      },
      ingestBreakdown: { parseMs: 500, writeMs: 3_500 },
      client: {
        rows: 99_915,
        totalMs: 4_100,
        rowsPerSecond: 24_370,
        medianBatchRowsPerSecond: 24_000,
      },
      overClient: 25_000 / 24_000,
    },
    qoe: {
      dataSets: [
        {
          rows: 10_000_000,
          spanDays: 30,
          endIso: "2026-12-06T04:00:00.000Z",
          generateMs: 60_000,
          rollupBuildMs: 40_000,
          rollupRows: { qoe_hourly: 200_000, qoe_slices_hourly: 180_000, qoe_slices_daily: 5_000 },
          runs: 5,
          roundTripMs: 3.2,
          queries,
        },
      ],
    },
    api,
    apiCached: { ...api, cacheTtlMs: 5_000 },
    totalMs: 300_000,
    ...overrides,
  };
}
