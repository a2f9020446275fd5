import type { ClickHouseClient } from "@clickhouse/client";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropDatabase, testClient, uniqueDatabase } from "../../../test/clickhouse/database";
import { engineDataFolder, openEngine } from "../../../test/clickhouse/engine";
import { MAX_RELATIVE_ERROR } from "../clickhouse/histogram";
import { migrate } from "../clickhouse/migrate";
import { runQoeRollup } from "../clickhouse/qoe-rollup";
import type { PlaybackRow } from "../clickhouse/tables";
import { BadRequest } from "./errors";
import { AnalyticsQueries, type Answer, type QoeFigures } from "./queries";
import { at, QOE_TEST_FILTERS as FILTERS, QOE_TEST_RANGES as RANGES } from "./qoe-ranges.fixtures";
import { buildQoeRollups } from "./qoe-rollups.fixtures";
import type { QoeQuery, Source } from "./requests";

const START = Date.UTC(2026, 10, 1);
const HOUR_MS = 3_600_000;
const COURSES = ["fin-101", "law-200", "med-300", ""];
const COUNTRIES = ["SA", "AE", "US"];
const EDGES = ["DXB52-P1", "IAD89-C2", "RUH52-P1"];
const RENDITIONS = ["720p_3000k", "360p_730k", "1080p_6000k", "audio_96k", ""];

function timestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * About 2,900 requests from 1 Nov 00:00 to 4 Nov 06:00 UTC, one every 97 seconds, from a fixed
 * pseudo-random sequence: four courses (one empty), three countries on any of three edges (so
 * country and edge do not determine each other), five renditions (manifests have none), time to
 * first byte from 0 to about 6 s on a long tail, 1 in 40 aborted, 1 in 30 a 5xx.
 */
function dataSet(): PlaybackRow[] {
  let seed = 12_345;
  const next = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n);
  };
  const rows: PlaybackRow[] = [];
  for (let index = 0, at = START; at < START + 78 * HOUR_MS; index += 1, at += 97_000) {
    const aborted = next(40) === 0;
    const error = !aborted && next(30) === 0;
    const hit = !aborted && !error && next(10) < 7;
    const tail = next(1000) / 1000;
    rows.push({
      request_id: `r${index}`,
      timestamp: timestamp(at),
      timestamp_ms: next(1000),
      course_id: COURSES[next(COURSES.length)] ?? "",
      video_id: "3f6c2a9e-8b1d-4c57-9e2a-0d4b7f1a6c35",
      rendition: RENDITIONS[next(RENDITIONS.length)] ?? "",
      protocol: "hls",
      edge_location: EDGES[next(EDGES.length)] ?? "",
      country: COUNTRIES[next(COUNTRIES.length)] ?? "",
      status: aborted ? 0 : error ? 503 : 200,
      ttfb_ms: aborted ? 0 : hit ? next(40) : Math.round(25 + 6000 * tail ** 4),
      time_taken_ms: 300,
      bytes: 1000 + next(500_000),
      result_type: hit ? "Hit" : error ? "Error" : "Miss",
      detailed_result_type: hit ? "Hit" : "Miss",
      cache_hit: hit ? 1 : 0,
      is_error: error ? 1 : 0,
      aborted: aborted ? 1 : 0,
    });
  }
  return rows;
}

/** Hours built through 4 Nov 03:00, days through 4 Nov 00:00: a run at 03:05 with 5 minutes' grace. */
const MARKS = {
  hourlyThrough: new Date(START + 75 * HOUR_MS),
  dailyThrough: new Date(START + 72 * HOUR_MS),
};

/** The figures that must be exact from any source. */
function counts(figures: QoeFigures): Omit<QoeFigures, "ttfbMs"> {
  return {
    requests: figures.requests,
    errors: figures.errors,
    errorRate: figures.errorRate,
    aborted: figures.aborted,
    cacheHits: figures.cacheHits,
    cacheHitRatio: figures.cacheHitRatio,
    bytes: figures.bytes,
  };
}

/** Counts equal; each percentile within the histogram's bound of the exact one. */
function expectClose(actual: QoeFigures, exact: QoeFigures): void {
  expect(counts(actual)).toEqual(counts(exact));
  for (const level of ["p50", "p90", "p95", "p99"] as const) {
    const error = Math.abs(actual.ttfbMs[level] - exact.ttfbMs[level]);
    expect(
      error,
      `${level}: ${actual.ttfbMs[level]} vs ${exact.ttfbMs[level]}`,
    ).toBeLessThanOrEqual(MAX_RELATIVE_ERROR * exact.ttfbMs[level]);
  }
}

/**
 * The hourly table that answers a query involving two or more dimensions: the cube (sorted by
 * course) when a course is filtered, else the copy sorted by the filtered place.
 */
function cube(filters: Pick<QoeQuery, "courseId" | "country" | "edge">): string {
  if (filters.courseId !== undefined) return "qoe_hourly";
  if (filters.country !== undefined) return "qoe_hourly_by_country";
  return filters.edge !== undefined ? "qoe_hourly_by_edge" : "qoe_hourly";
}

function tables(answer: Answer<unknown>): string[] {
  return [...new Set(answer.parts.map((part) => part.table))].sort();
}

async function runJob(client: ClickHouseClient, database: string): Promise<void> {
  const summary = await runQoeRollup(client, { database, now: at("2026-11-04T03:05") });
  expect(summary).toMatchObject({
    hourlyThrough: "2026-11-04 03:00:00",
    dailyThrough: "2026-11-04 00:00:00",
  });
}

/** An engine to run on: a client, and how to let it go. */
interface Opened {
  readonly client: ClickHouseClient;
  close(): Promise<void>;
}

/**
 * The engines and builds compared: the rollup job and plain inserts that leave keys repeated in
 * two parts, on the 18.16 server; the rollup job on a current engine (chDB), as deployed.
 */
const CASES: readonly {
  readonly label: string;
  readonly open: (database: string) => Promise<Opened>;
  readonly build: (client: ClickHouseClient, database: string) => Promise<void>;
}[] = [
  { label: "the rollup job on the 18.16 server", open: openServer, build: runJob },
  {
    label: "two inserts per level on the 18.16 server",
    open: openServer,
    build: (client, database) => buildQoeRollups(client, database, MARKS),
  },
  { label: "the rollup job on a current engine", open: openCurrentEngine, build: runJob },
];

function openServer(database: string): Promise<Opened> {
  const client = testClient();
  return Promise.resolve({ client, close: () => dropDatabase(client, database) });
}

async function openCurrentEngine(): Promise<Opened> {
  const dataPath = await engineDataFolder("rollup-answers");
  const engine = await openEngine(dataPath, { grants: ["GRANT ALL ON *.*"] });
  return {
    client: engine.client,
    close: async () => {
      await engine.close();
      await rm(dataPath, { recursive: true, force: true });
    },
  };
}

describe.each(CASES)("QoE answers from rollups built by $label", ({ open, build }) => {
  const database = uniqueDatabase("rollup_answers");
  let opened: Opened;
  let client: ClickHouseClient;
  let queries: AnalyticsQueries;

  beforeAll(async () => {
    opened = await open(database);
    client = opened.client;
    await migrate(client, { database });
    await client.insert({
      table: `${database}.playback_requests`,
      values: dataSet(),
      format: "JSONEachRow",
    });
    await build(client, database);
    queries = new AnalyticsQueries(client, database, { rollupStateCacheMs: 0 });
  });

  afterAll(async () => {
    await opened.close();
  });

  const sources = (range: keyof typeof RANGES): Source[] =>
    range === "acrossMarks" ? ["auto"] : ["auto", "rollup"];

  describe.each(Object.keys(RANGES) as (keyof typeof RANGES)[])("over the range %s", (range) => {
    const query = (filters: object, source: Source) => ({ ...RANGES[range], ...filters, source });

    it.each(FILTERS)("summarises as raw rows do, filters %j", async (filters) => {
      const exact = await queries.qoeSummary(query(filters, "raw"));
      expect(exact).toMatchObject({ source: "raw", percentiles: "exact" });
      expect(exact.data.requests).toBeGreaterThan(0);
      for (const source of sources(range)) {
        const answer = await queries.qoeSummary(query(filters, source));
        expect(answer.source).toBe(range === "acrossMarks" ? "mixed" : "rollup");
        expect(answer.percentiles).toBe("histogram");
        expectClose(answer.data, exact.data);
        const dimensions = Object.keys(filters).length;
        expect(tables(answer)).toEqual(
          dimensions >= 2
            ? range === "acrossMarks"
              ? ["playback_requests", cube(filters)]
              : [cube(filters)]
            : {
                aligned: ["qoe_slices_daily", "qoe_slices_hourly"],
                acrossMarks: ["playback_requests", "qoe_slices_daily", "qoe_slices_hourly"],
                hours: ["qoe_slices_hourly"],
              }[range],
        );
      }
    });

    it.each(
      (["course", "country", "edge"] as const).flatMap((by) =>
        [{}, { courseId: "law-200" }, { country: "SA" }, { edge: "DXB52-P1" }].map(
          (filters) => [by, filters] as const,
        ),
      ),
    )("breaks down by %s as raw rows do, filters %j", async (by, filters) => {
      const exact = await queries.qoeBreakdown({ ...query(filters, "raw"), by, limit: 100 });
      expect(exact.data.length).toBeGreaterThan(0);
      for (const source of sources(range)) {
        const answer = await queries.qoeBreakdown({ ...query(filters, source), by, limit: 100 });
        const place = { courseId: "course", country: "country", edge: "edge" } as const;
        const axes = new Set([
          by,
          ...Object.keys(filters).map((key) => place[key as keyof typeof place]),
        ]);
        if (axes.size >= 2) expect(tables(answer)).toContain(cube(filters));
        expect(answer.data.map((group) => group.key)).toEqual(exact.data.map((group) => group.key));
        answer.data.forEach((group, index) => {
          const expected = exact.data[index];
          expect(expected).toBeDefined();
          if (expected !== undefined) expectClose(group, expected);
        });
      }
      const limited = await queries.qoeBreakdown({ ...query(filters, "auto"), by, limit: 2 });
      // A short list merges only its own groups' histograms: the same figures.
      expect(limited.data.map((group) => group.key)).toEqual(
        exact.data.slice(0, 2).map((group) => group.key),
      );
      limited.data.forEach((group, index) => {
        const expected = exact.data[index];
        expect(expected).toBeDefined();
        if (expected !== undefined) expectClose(group, expected);
      });
    });

    it.each([
      {},
      { courseId: "fin-101" },
      { country: "US", edge: "IAD89-C2" },
      { country: "AE" },
      { edge: "RUH52-P1" },
    ])("gives the rendition mix as raw rows do, filters %j", async (filters) => {
      const exact = await queries.renditionMix(query(filters, "raw"));
      expect(exact.data.map((share) => share.rendition).sort()).toEqual([
        "1080p_6000k",
        "360p_730k",
        "720p_3000k",
        "audio_96k",
      ]);
      for (const source of sources(range)) {
        const answer = await queries.renditionMix(query(filters, source));
        expect(answer.data).toEqual(exact.data);
        expect(answer.percentiles).toBe("exact");
        expect(answer.source).not.toBe("raw");
        // With any filter the mix involves two dimensions: a cube answers.
        if (Object.keys(filters).length > 0) expect(tables(answer)).toContain(cube(filters));
      }
    });
  });

  it("says which table answered each stretch of a range", async () => {
    const answer = await queries.qoeSummary({ ...RANGES.acrossMarks, source: "auto" });
    expect(answer.parts).toEqual([
      {
        table: "playback_requests",
        from: "2026-11-01T05:20:00.000Z",
        to: "2026-11-01T06:00:00.000Z",
      },
      {
        table: "qoe_slices_hourly",
        from: "2026-11-01T06:00:00.000Z",
        to: "2026-11-02T00:00:00.000Z",
      },
      {
        table: "qoe_slices_daily",
        from: "2026-11-02T00:00:00.000Z",
        to: "2026-11-04T00:00:00.000Z",
      },
      {
        table: "qoe_slices_hourly",
        from: "2026-11-04T00:00:00.000Z",
        to: "2026-11-04T03:00:00.000Z",
      },
      {
        table: "playback_requests",
        from: "2026-11-04T03:00:00.000Z",
        to: "2026-11-04T05:40:00.000Z",
      },
    ]);
  });

  it("answers a range the rollups do not cover from raw rows with exact percentiles", async () => {
    const range = { from: at("2026-11-04T03:00"), to: at("2026-11-04T05:00") };
    const auto = await queries.qoeSummary({ ...range, source: "auto" });
    const exact = await queries.qoeSummary({ ...range, source: "raw" });
    expect(auto).toEqual(exact);
    expect(auto).toMatchObject({ source: "raw", percentiles: "exact" });
    await expect(queries.qoeSummary({ ...range, source: "rollup" })).rejects.toThrow(BadRequest);
  });

  it("counts rows of the open hour inserted after the build, from raw rows", async () => {
    const range = { from: at("2026-11-01T00:00"), to: at("2026-11-04T06:00") };
    const before = await queries.qoeSummary({ ...range, source: "auto" });
    const late = [0, 1, 2].map((index) => ({
      ...dataSet()[0],
      request_id: `late-${index}`,
      timestamp: "2026-11-04 05:50:00",
      ttfb_ms: 100,
      is_error: 1,
      status: 503,
    }));
    await client.insert({
      table: `${database}.playback_requests`,
      values: late,
      format: "JSONEachRow",
    });
    const after = await queries.qoeSummary({ ...range, source: "auto" });
    expect(after.data.requests).toBe(before.data.requests + 3);
    expect(after.data.errors).toBe(before.data.errors + 3);
    expect(after.parts[after.parts.length - 1]).toEqual({
      table: "playback_requests",
      from: "2026-11-04T03:00:00.000Z",
      to: "2026-11-04T06:00:00.000Z",
    });
    expectClose(after.data, (await queries.qoeSummary({ ...range, source: "raw" })).data);
  });
});
