import type { ClickHouseClient } from "@clickhouse/client";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dropDatabase,
  serverOptions,
  testClient,
  uniqueDatabase,
} from "../../../test/clickhouse/database";
import { engineDataFolder, openEngine } from "../../../test/clickhouse/engine";
import { standInConnection, standInStatements } from "../../../test/clickhouse/external-data";
import { MAX_RELATIVE_ERROR } from "../clickhouse/histogram";
import { migrate } from "../clickhouse/migrate";
import { runQoeRollup } from "../clickhouse/qoe-rollup";
import type { PlaybackRow } from "../clickhouse/tables";
import {
  ClickHouseSink,
  createClickHouseConnection,
  type ClickHouseConnection,
} from "../rtlog-ingest/clickhouse-sink";
import { bufferDataSet, expectedFigures, expectedGroups, selectRows } from "./buffer.fixtures";
import type { BufferFigures } from "./buffer-queries";
import { AnalyticsQueries, type Answer } from "./queries";
import { at, QOE_TEST_FILTERS as FILTERS, QOE_TEST_RANGES as RANGES } from "./qoe-ranges.fixtures";
import { BUFFER_DIMENSIONS, type BufferDimension, type QoeQuery, type Source } from "./requests";

const SOURCES: readonly Source[] = ["raw", "auto"];

function query(
  range: { from: Date; to: Date },
  filters: Pick<QoeQuery, "courseId" | "country" | "edge">,
  source: Source,
): QoeQuery {
  return { ...range, ...filters, source };
}

/** Counts, ratios and averages equal; percentiles as expected and near the exact ones. */
function expectFigures(actual: BufferFigures, rows: readonly PlaybackRow[], exact: boolean): void {
  expect(actual).toEqual(expectedFigures(rows, exact));
  if (exact) return;
  const precise = expectedFigures(rows, true);
  for (const measure of ["bufferLengthMs", "measuredThroughputKbps"] as const) {
    for (const level of ["p50", "p90", "p95", "p99"] as const) {
      const error = Math.abs(actual[measure][level] - precise[measure][level]);
      expect(error).toBeLessThanOrEqual(MAX_RELATIVE_ERROR * precise[measure][level]);
    }
  }
}

function keyOf(row: PlaybackRow, by: BufferDimension): string {
  const columns = {
    course: "course_id",
    country: "country",
    edge: "edge_location",
    rendition: "rendition",
  } as const;
  return row[columns[by]];
}

function isExact(answer: Answer<unknown>): boolean {
  expect(answer.percentiles).toBe(answer.source === "raw" ? "exact" : "histogram");
  return answer.percentiles === "exact";
}

/** An engine, a connection for the sink to it, and how to let both go. */
interface Opened {
  readonly client: ClickHouseClient;
  readonly connection: ClickHouseConnection;
  close(): Promise<void>;
}

function openServer(database: string): Promise<Opened> {
  const client = testClient();
  const options = serverOptions();
  const connection = createClickHouseConnection({ ...options, database });
  return Promise.resolve({
    client,
    connection,
    close: async () => {
      await connection.close();
      await dropDatabase(client, database);
    },
  });
}

/** A current engine (chDB): the sink's external tables through stand-in tables. */
async function openCurrentEngine(database: string): Promise<Opened> {
  const dataPath = await engineDataFolder("buffer-answers");
  const engine = await openEngine(dataPath, { grants: ["GRANT ALL ON *.*"] });
  return {
    client: engine.client,
    connection: standInConnection(engine.client, database),
    close: async () => {
      await engine.close();
      await rm(dataPath, { recursive: true, force: true });
    },
  };
}

/** The 18.16 server the other tests use (plain schema), and a current engine (as deployed). */
const ENGINES = [
  { label: "the 18.16 server", open: openServer, standIns: false },
  { label: "a current engine", open: openCurrentEngine, standIns: true },
] as const;

describe.each(ENGINES)("buffer figures from CMCD on $label", ({ open, standIns }) => {
  const database = uniqueDatabase("buffer_answers");
  let opened: Opened;
  const rows = bufferDataSet();
  // Two deliveries that overlap: the second repeats the last 300 requests of the first.
  const first = rows.slice(0, 1200);
  const second = rows.slice(900);
  let client: ClickHouseClient;
  let queries: AnalyticsQueries;
  const written: { inserted: number; duplicates: number }[] = [];

  beforeAll(async () => {
    opened = await open(database);
    client = opened.client;
    await migrate(client, { database });
    if (standIns) {
      for (const query of standInStatements(database)) await client.command({ query });
    }
    const sink = new ClickHouseSink(opened.connection, database);
    for (const batch of [first, second]) {
      const times = batch.map((row) => row.timestamp).sort();
      written.push(await sink.insertNew(batch, times[0] ?? "", times[times.length - 1] ?? ""));
    }
    const summary = await runQoeRollup(client, { database, now: at("2026-11-04T03:05") });
    expect(summary).toMatchObject({
      hourlyThrough: "2026-11-04 03:00:00",
      dailyThrough: "2026-11-04 00:00:00",
    });
    queries = new AnalyticsQueries(client, database, { rollupStateCacheMs: 0 });
  });

  afterAll(async () => {
    await opened.close();
  });

  it("has a data set that tells merged sessions and redeliveries from wrong ones", () => {
    const hours = new Map<string, Set<string>>();
    for (const row of rows) {
      if (row.cmcd_session_id === undefined) continue;
      const hour = row.timestamp.slice(0, 13);
      hours.set(hour, (hours.get(hour) ?? new Set()).add(row.cmcd_session_id));
    }
    const perHour = [...hours.values()].reduce((sum, sessions) => sum + sessions.size, 0);
    const total = expectedFigures(rows, true);
    // Summing per-hour distinct counts would count each session many times over.
    expect(perHour).toBeGreaterThan(5 * total.sessions);
    expect(total.sessions).toBe(45);
    expect(total.starvedSessions).toBeGreaterThan(0);
    expect(total.starvedSessions).toBeLessThan(total.sessions);
    expect(total.cmcdRequests).toBeGreaterThan(0);
    expect(total.cmcdRequests).toBeLessThan(total.requests);
    // Values left out, and values of 0, are both in the data.
    expect(rows.some((row) => row.cmcd_buffer_length_ms === 0)).toBe(true);
    expect(
      rows.some(
        (row) => row.cmcd_session_id !== undefined && row.cmcd_buffer_length_ms === undefined,
      ),
    ).toBe(true);
    expect(rows.some((row) => row.cmcd_buffer_starvation === false)).toBe(true);
  });

  it("stores each redelivered request once", async () => {
    expect(written).toEqual([
      { inserted: 1200, duplicates: 0 },
      { inserted: rows.length - 1200, duplicates: 300 },
    ]);
    const result = await client.query({
      query: `SELECT count() AS n, uniqExact(request_id) AS ids, sum(cmcd) AS cmcd_rows,
        countIf(isNull(cmcd_buffer_length_ms) AND cmcd = 1) AS no_buffer,
        countIf(cmcd_buffer_length_ms = 0) AS zero_buffer
        FROM ${database}.playback_requests`,
      format: "JSONEachRow",
    });
    const [stored = {}] = await result.json<Record<string, string | number>>();
    // 64-bit counts come back as text from 18.16 and as numbers from current engines.
    const counts = Object.fromEntries(Object.entries(stored).map(([name, n]) => [name, Number(n)]));
    const cmcd = rows.filter((row) => expectedFigures([row], true).cmcdRequests === 1);
    expect(counts).toEqual({
      n: rows.length,
      ids: rows.length,
      cmcd_rows: cmcd.length,
      no_buffer: cmcd.filter((row) => row.cmcd_buffer_length_ms === undefined).length,
      zero_buffer: rows.filter((row) => row.cmcd_buffer_length_ms === 0).length,
    });
  });

  describe.each(Object.entries(RANGES))("over the %s range", (_, range) => {
    it.each(FILTERS)("answers the summary as the raw rows give it, for %o", async (filters) => {
      const expectedRows = selectRows(rows, { ...range, ...filters });
      for (const source of SOURCES) {
        const answer = await queries.bufferSummary(query(range, filters, source));
        // Every range touches built hours; only the unaligned one needs raw rows too.
        const auto = range === RANGES.acrossMarks ? "mixed" : "rollup";
        expect(answer.source).toBe(source === "raw" ? "raw" : auto);
        expectFigures(answer.data, expectedRows, isExact(answer));
      }
    });

    it.each(BUFFER_DIMENSIONS)(
      "answers the breakdown by %s as the raw rows give it",
      async (by) => {
        for (const filters of [{}, { country: "AE" }, { courseId: "law-200", edge: "DXB52-P1" }]) {
          const expectedRows = selectRows(rows, { ...range, ...filters });
          for (const source of SOURCES) {
            const answer = await queries.bufferBreakdown({
              ...query(range, filters, source),
              by,
              limit: 100,
            });
            const exact = isExact(answer);
            expect(answer.data).toEqual(expectedGroups(expectedRows, by, exact));
            // Each group's histogram percentiles near its exact ones, too.
            for (const { key, ...figures } of answer.data) {
              const members = expectedRows.filter((row) => keyOf(row, by) === key);
              expectFigures(figures, members, exact);
            }
          }
        }
      },
    );
  });

  it("reads rollups where they are built: sessions merged across days, hours and rows", async () => {
    const aligned = await queries.bufferSummary({ ...RANGES.aligned, source: "rollup" });
    expect(aligned.source).toBe("rollup");
    expect([...new Set(aligned.parts.map((part) => part.table))].sort()).toEqual([
      "qoe_slices_daily",
      "qoe_slices_hourly",
    ]);
    expectFigures(aligned.data, selectRows(rows, RANGES.aligned), false);
    const cube = await queries.bufferBreakdown({
      ...RANGES.aligned,
      country: "AE",
      by: "rendition",
      source: "rollup",
      limit: 2,
    });
    expect(cube.parts.map((part) => part.table)).toEqual(["qoe_hourly_by_country"]);
    expect(cube.data).toEqual(
      expectedGroups(
        selectRows(rows, { ...RANGES.aligned, country: "AE" }),
        "rendition",
        false,
      ).slice(0, 2),
    );
  });
});
