/** The JSON document of `npm run bench -- --json FILE`. */
import { describe, expect, it } from "vitest";
import { analyticsFigures, queryFigures } from "./analytics/figures.fixtures";
import { benchDocument, serializeBenchDocument, type PlanFigures } from "./document";
import { parseBenchOptions } from "./options";

/** Every key path of a JSON value, array elements as `[]`, sorted and each once. */
function keyPaths(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item) => keyPaths(item, `${prefix}[]`));
  }
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => [
      `${prefix}.${key}`,
      ...keyPaths(item, `${prefix}.${key}`),
    ]);
  }
  return [];
}

function uniqueSorted(paths: readonly string[]): string[] {
  return [...new Set(paths)].sort();
}

const PLAN: PlanFigures = {
  stack: "us-east-1",
  resources: 412,
  planMs: 900,
  msPerResource: 2.18,
  floorMsPerResource: 1.9,
  ratio: 1.15,
  targetRatio: 1.5,
  met: true,
  engineMinimumMsPerResource: 0.4,
};

describe("benchDocument", () => {
  const options = parseBenchOptions(["--only", "analytics", "--analytics-rows", "1000000"]);
  const startedAt = new Date("2026-12-06T05:00:00.000Z");

  it("writes the analytics figures under stable keys, with every goal's verdict", () => {
    const text = serializeBenchDocument(
      benchDocument(options, startedAt, { analytics: analyticsFigures() }),
    );
    expect(text.endsWith("}\n")).toBe(true);
    const parsed: unknown = JSON.parse(text);
    expect(uniqueSorted(keyPaths(parsed))).toEqual(
      [
        ".version",
        ".startedAt",
        ".node",
        ".options",
        ".options.parts",
        ".options.runs",
        ".options.analyticsRows",
        ".analytics",
        ".analytics.serverVersion",
        ".analytics.loadAverage",
        ".analytics.loadAverage.start",
        ".analytics.loadAverage.end",
        ".analytics.parse",
        ...[
          "lines",
          "malformed",
          "averageLineBytes",
          "runs",
          "recordDataPerSecond",
          "logLinePerSecond",
        ].map((key) => `.analytics.parse.${key}`),
        ".analytics.ingest",
        ...[
          "batches",
          "batchRecords",
          "malformed",
          "largestEventBytes",
          "ingest",
          "ingestBreakdown",
          "ingestBreakdown.parseMs",
          "ingestBreakdown.writeMs",
          "client",
          "overClient",
        ].map((key) => `.analytics.ingest.${key}`),
        ...["ingest", "client"].flatMap((path) =>
          ["rows", "totalMs", "rowsPerSecond", "medianBatchRowsPerSecond"].map(
            (key) => `.analytics.ingest.${path}.${key}`,
          ),
        ),
        ".analytics.qoe",
        ".analytics.qoe.dataSets",
        ...[
          "rows",
          "spanDays",
          "endIso",
          "generateMs",
          "rollupBuildMs",
          "rollupRows",
          "rollupRows.qoe_hourly",
          "rollupRows.qoe_slices_hourly",
          "rollupRows.qoe_slices_daily",
          "runs",
          "roundTripMs",
          "queries",
        ].map((key) => `.analytics.qoe.dataSets[].${key}`),
        ...[
          "query",
          "goal",
          "rangeDays",
          "rawMs",
          "rollupMs",
          "speedUp",
          "rollupSource",
          "rollupTables",
          "countsEqual",
          "countMismatch",
          "maxPercentileError",
          "goalMs",
        ].map((key) => `.analytics.qoe.dataSets[].queries[].${key}`),
        ...["api", "apiCached"].flatMap((api) => [
          `.analytics.${api}`,
          `.analytics.${api}.rows`,
          `.analytics.${api}.cacheTtlMs`,
          `.analytics.${api}.requests`,
          `.analytics.${api}.levels`,
          ...[
            "connections",
            "seconds",
            "requests",
            "requestsPerSecond",
            "p50Ms",
            "p99Ms",
            "maxMs",
            "errors",
          ].map((key) => `.analytics.${api}.levels[].${key}`),
        ]),
        ".analytics.totalMs",
        ".analytics.goals",
        ...["goal", "value", "target", "comparison", "met"].map(
          (key) => `.analytics.goals[].${key}`,
        ),
      ].sort(),
    );
  });

  it("keeps a key whose figure is absent, as null", () => {
    const base = analyticsFigures([queryFigures()]);
    const figures = analyticsFigures([queryFigures()], {
      ingest: { ...base.ingest, client: { skipped: "skipped: no binary" }, overClient: null },
    });
    const parsed = JSON.parse(
      serializeBenchDocument(benchDocument(options, startedAt, { analytics: figures })),
    ) as {
      analytics: {
        ingest: { overClient: unknown; client: unknown };
        qoe: { dataSets: { queries: { countMismatch: unknown }[] }[] };
      };
    };
    expect(parsed.analytics.ingest.overClient).toBeNull();
    expect(parsed.analytics.ingest.client).toEqual({ skipped: "skipped: no binary" });
    expect(parsed.analytics.qoe.dataSets[0]?.queries[0]?.countMismatch).toBeNull();
  });

  it("holds the options, the start and only the parts that ran", () => {
    const document = benchDocument(parseBenchOptions(["--skip-analytics"]), startedAt, {
      plan: [PLAN],
    });
    expect(document).toEqual({
      version: 1,
      startedAt: "2026-12-06T05:00:00.000Z",
      node: process.version,
      options: {
        parts: ["plan", "functions"],
        runs: 7,
        analyticsRows: [10_000_000, 100_000_000],
      },
      plan: [PLAN],
    });
  });

  it("carries the goals' verdicts, a missed one included", () => {
    const document = benchDocument(options, startedAt, {
      analytics: analyticsFigures([queryFigures({ rollupMs: 40 })]),
    });
    expect(document.analytics?.goals.filter((each) => !each.met)).toEqual([
      {
        goal: "qoe.10000000.7d.summary.rollupMs",
        value: 40,
        target: 15,
        comparison: "<=",
        met: false,
      },
    ]);
  });
});
