import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANALYTICS_ROLLUPS } from "../../../contracts/clickhouse-users";
import { dropDatabase, testClient, uniqueDatabase } from "../../../test/clickhouse/database";
import { identifier, raw, sql } from "./bind";
import { histogramPercentiles, MAX_RELATIVE_ERROR, ttfbBucket, ttfbBucketSql } from "./histogram";
import { migrate } from "./migrate";
import { MIGRATIONS } from "./migrations";
import {
  EDGE_LATENCIES,
  expectedLevels,
  playbackRow,
  qoeDataSet,
  readLevels,
} from "./qoe-rollup.fixtures";
import { runQoeRollup } from "./qoe-rollup";
import type { PlaybackRow } from "./tables";

/**
 * The QoE rollup job on the Debian server (18.16): a database of version 4 with a known data set
 * is migrated to version 5, and every run of the job must leave each rollup level equal to the raw
 * rows (counts, bytes, histograms), whatever came before it: the first run (the backfill), a
 * re-run, late records, stale rows in a day without traffic.
 */

const database = uniqueDatabase("qoe_rollup");
let client: ClickHouseClient;
const rows: PlaybackRow[] = qoeDataSet();
/** 13:03 on the last data day: hours to 12:00 closed, days to 2026-12-01 closed. */
const NOW = new Date("2026-12-02T13:03:00Z");
const HOURLY_THROUGH = "2026-12-02 12:00:00";
const DAILY_THROUGH = "2026-12-02 00:00:00";

async function insertRaw(values: readonly PlaybackRow[]): Promise<void> {
  await client.insert({
    table: `${database}.playback_requests`,
    values: [...values],
    format: "JSONEachRow",
  });
}

async function query<Row>(text: string): Promise<Row[]> {
  const result = await client.query({ query: text, format: "JSONEachRow" });
  return result.json<Row>();
}

function run(now: Date): ReturnType<typeof runQoeRollup> {
  return runQoeRollup(client, { database, now, sessionId: `qoe-rollup-test-${now.getTime()}` });
}

beforeAll(async () => {
  client = testClient();
  // A release before the rollups: its schema, its data.
  const v4 = await migrate(client, {
    database,
    migrations: MIGRATIONS.filter((migration) => migration.version <= 4),
  });
  expect(v4.applied).toEqual([1, 2, 3, 4]);
  await insertRaw(rows);
  const v5 = await migrate(client, { database });
  expect(v5.applied).toEqual(
    MIGRATIONS.filter((migration) => migration.version > 4).map((migration) => migration.version),
  );
});

afterAll(async () => {
  await dropDatabase(client, database);
});

describe("the QoE rollup job on 18.16", () => {
  it("replaces the t-digest rollup with the histogram levels and their staging tables", async () => {
    const tables = await query<{ name: string }>(`SHOW TABLES FROM ${database}`);
    const names = tables.map((row) => row.name);
    expect(names).not.toContain("playback_hourly");
    expect(names).not.toContain("playback_hourly_mv");
    for (const rollup of [
      ANALYTICS_ROLLUPS.qoeHourly,
      ANALYTICS_ROLLUPS.qoeHourlyByCountry,
      ANALYTICS_ROLLUPS.qoeHourlyByEdge,
      ANALYTICS_ROLLUPS.qoeSlicesHourly,
      ANALYTICS_ROLLUPS.qoeSlicesDaily,
    ]) {
      expect(names).toContain(rollup);
      expect(names).toContain(`${rollup}_staging`);
    }
  });

  it("moves the existing data forward on its first run: every level equals the raw rows", async () => {
    const summary = await run(NOW);
    expect(summary).toMatchObject({
      hourlyThrough: HOURLY_THROUGH,
      dailyThrough: DAILY_THROUGH,
      // Every day raw holds, and the days of the lookback (2026-11-30 has no traffic).
      daysRebuilt: [20261128, 20261129, 20261130, 20261201, 20261202],
      monthsRebuilt: [202611, 202612],
    });
    const expected = expectedLevels(rows, HOURLY_THROUGH, DAILY_THROUGH);
    expect(await readLevels(client, database)).toEqual(expected);
    expect(summary.rowsWritten.qoeHourly).toBe(Object.keys(expected.hourly).length);
    expect(summary.rowsWritten.qoeHourlyByCountry).toBe(Object.keys(expected.hourly).length);
    expect(summary.rowsWritten.qoeHourlyByEdge).toBe(Object.keys(expected.hourly).length);
    expect(summary.rowsWritten.qoeSlicesHourly).toBe(Object.keys(expected.slicesHourly).length);
    expect(summary.rowsWritten.qoeSlicesDaily).toBe(Object.keys(expected.slicesDaily).length);
    const state = await query<{ level: string; through: string }>(
      `SELECT level, max(through) AS through FROM ${database}.qoe_rollup_state GROUP BY level ORDER BY level`,
    );
    expect(state).toEqual([
      { level: "hourly", through: HOURLY_THROUGH },
      { level: "daily", through: DAILY_THROUGH },
      { level: "places", through: HOURLY_THROUGH },
    ]);
  });

  it("builds the copies by place of every day when they have no mark (migration 6 after 5)", async () => {
    const expected = expectedLevels(rows, HOURLY_THROUGH, DAILY_THROUGH);
    // An installation whose rollups were built before migration 6: state without `places`.
    for (const table of [
      ANALYTICS_ROLLUPS.qoeHourlyByCountry,
      ANALYTICS_ROLLUPS.qoeHourlyByEdge,
      ANALYTICS_ROLLUPS.qoeRollupState,
    ]) {
      await client.command({ query: sql`TRUNCATE TABLE ${identifier(database, table)}`.text });
    }
    await client.command({
      query: `INSERT INTO ${database}.qoe_rollup_state (level, through, built_at) VALUES ('hourly', '${HOURLY_THROUGH}', now()), ('daily', '${DAILY_THROUGH}', now())`,
    });
    expect((await readLevels(client, database)).hourlyByCountry).toEqual({});
    const summary = await run(NOW);
    expect(summary.daysRebuilt).toEqual([20261128, 20261129, 20261130, 20261201, 20261202]);
    expect(await readLevels(client, database)).toEqual(expected);
    const places = await query<{ through: string }>(
      `SELECT max(through) AS through FROM ${database}.qoe_rollup_state WHERE level = 'places'`,
    );
    expect(places).toEqual([{ through: HOURLY_THROUGH }]);
  });

  it("gives each slice's percentiles within MAX_RELATIVE_ERROR of quantileExact over raw", async () => {
    const levels = [0.5, 0.9, 0.95, 0.99];
    const exact = await query<{ day: string; course_id: string; quantiles: number[] }>(
      `SELECT toString(toDate(timestamp)) AS day, course_id,
  quantilesExact(${levels.join(", ")})(ttfb_ms) AS quantiles
FROM ${database}.playback_requests
WHERE aborted = 0 AND timestamp < toDateTime('${DAILY_THROUGH}')
GROUP BY day, course_id`,
    );
    const daily = (await readLevels(client, database)).slicesDaily;
    expect(exact.length).toBeGreaterThan(5);
    for (const row of exact) {
      const histogram = daily[`${row.day}|course|${row.course_id}`]?.histogram ?? {};
      const buckets = Object.keys(histogram).map(Number);
      const estimates = histogramPercentiles(
        { buckets, counts: buckets.map((bucket) => histogram[bucket] ?? 0) },
        levels,
      );
      row.quantiles.map(Number).forEach((value, index) => {
        const error = Math.abs((estimates[index] ?? -1) - value);
        expect(error, `${row.day} ${row.course_id} p${levels[index]}`).toBeLessThanOrEqual(
          MAX_RELATIVE_ERROR * value,
        );
      });
    }
  });

  it("leaves every rollup row as it was when run again at the same time", async () => {
    const dump = async (): Promise<unknown[]> =>
      query(`SELECT * FROM ${database}.qoe_slices_hourly ORDER BY hour, dimension, key, requests`);
    const before = [await readLevels(client, database), await dump()];
    const again = await run(NOW);
    expect(again.hourlyThrough).toBe(HOURLY_THROUGH);
    expect([await readLevels(client, database), await dump()]).toEqual(before);
  });

  it("takes late records into built hours, and removes rows from a day without traffic", async () => {
    // Stale rows in the day without traffic (from a build of rows that are gone).
    for (const [table, columns, values] of [
      [ANALYTICS_ROLLUPS.qoeHourly, "hour, course_id, requests", "('2026-11-30 05:00:00', 'x', 9)"],
      [
        ANALYTICS_ROLLUPS.qoeHourlyByCountry,
        "hour, course_id, requests",
        "('2026-11-30 05:00:00', 'x', 9)",
      ],
      [
        ANALYTICS_ROLLUPS.qoeHourlyByEdge,
        "hour, course_id, requests",
        "('2026-11-30 05:00:00', 'x', 9)",
      ],
      [
        ANALYTICS_ROLLUPS.qoeSlicesHourly,
        "hour, dimension, key, requests",
        "('2026-11-30 05:00:00', 'all', '', 9)",
      ],
      [
        ANALYTICS_ROLLUPS.qoeSlicesDaily,
        "day, dimension, key, requests",
        "('2026-11-30', 'all', '', 9)",
      ],
    ] as const) {
      await client.command({
        query:
          sql`INSERT INTO ${identifier(database, table)} (${raw(columns)}) VALUES ${raw(values)}`
            .text,
      });
    }
    const late = [
      playbackRow("late-1", new Date("2026-12-01T10:20:00Z"), 1001, 250),
      playbackRow("late-2", new Date("2026-12-01T10:59:59Z"), 1003, 0),
      playbackRow("late-3", new Date("2026-12-02T11:00:00Z"), 1005, 4294967295),
      // Not yet closed: stays out of the rollups.
      playbackRow("late-4", new Date("2026-12-02T12:30:00Z"), 1007, 40),
    ];
    await insertRaw(late);
    const summary = await run(NOW);
    // The lookback: from 48 hours before the recorded through.
    expect(summary.daysRebuilt).toEqual([20261130, 20261201, 20261202]);
    expect(summary.monthsRebuilt).toEqual([202611, 202612]);
    expect(await readLevels(client, database)).toEqual(
      expectedLevels([...rows, ...late], HOURLY_THROUGH, DAILY_THROUGH),
    );
    rows.push(...late);
  });

  it("moves through forward with the clock, and never back", async () => {
    const next = await run(new Date("2026-12-03T00:04:59Z"));
    expect(next).toMatchObject({
      hourlyThrough: "2026-12-02 23:00:00",
      dailyThrough: "2026-12-02 00:00:00",
    });
    const nextDay = await run(new Date("2026-12-03T00:05:00Z"));
    expect(nextDay).toMatchObject({
      hourlyThrough: "2026-12-03 00:00:00",
      dailyThrough: "2026-12-03 00:00:00",
      monthsRebuilt: [202611, 202612],
    });
    expect(await readLevels(client, database)).toEqual(
      expectedLevels(rows, "2026-12-03 00:00:00", "2026-12-03 00:00:00"),
    );
    // An earlier clock unbuilds nothing.
    const earlier = await run(NOW);
    expect(earlier).toMatchObject({
      hourlyThrough: "2026-12-03 00:00:00",
      dailyThrough: "2026-12-03 00:00:00",
    });
    expect(await readLevels(client, database)).toEqual(
      expectedLevels(rows, "2026-12-03 00:00:00", "2026-12-03 00:00:00"),
    );
  });

  it("runs in one session: a statement that reaches a server without it fails", async () => {
    await expect(
      client.query({
        query: "SELECT 1",
        format: "JSONEachRow",
        session_id: "qoe-rollup-never-opened",
        clickhouse_settings: { session_check: 1 },
      }),
    ).rejects.toThrow(/Session not found/i);
  });
});

describe("ttfbBucketSql on 18.16", () => {
  it("computes ttfbBucket's bucket for edge and random latencies", async () => {
    const random = Array.from({ length: 2000 }, (_, index) =>
      Math.floor(((index * 2654435761) % 4294967296) / (index % 7 === 0 ? 1 : 2 ** (index % 29))),
    );
    const values = [
      ...EDGE_LATENCIES,
      2,
      15,
      16,
      17,
      255,
      256,
      4095,
      4096,
      65535,
      65536,
      ...random,
    ];
    const result = await query<{ value: string | number; bucket: string | number }>(
      `SELECT value, ${ttfbBucketSql("value")} AS bucket
FROM (SELECT toUInt32(arrayJoin([${values.join(", ")}])) AS value)`,
    );
    expect(result.map((row) => [Number(row.value), Number(row.bucket)])).toEqual(
      values.map((value) => [value, ttfbBucket(value)]),
    );
  });
});
