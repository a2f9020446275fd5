import type { ClickHouseClient } from "@clickhouse/client";
import { describe, expect, it } from "vitest";
import {
  buildHourlyStatement,
  buildPlaceCopyStatement,
  buildSlicesDailyStatement,
  buildSlicesHourlyStatement,
  dropPartitionStatement,
  replacePartitionStatement,
} from "./qoe-rollup-sql";
import { dayPartition, monthPartition, runQoeRollup, startOfDay, startOfHour } from "./qoe-rollup";

/** One statement the job sent, with its session parameters. */
interface Sent {
  readonly query: string;
  readonly session_id?: string;
  readonly clickhouse_settings?: Record<string, unknown>;
}

/**
 * A client that records every statement and answers the job's reads: a UTC server, the state
 * rows given, no raw rows, and empty staging tables.
 */
function recordingClient(
  state: { level: string; through: string }[] = [],
  rawDays: number[] = [],
): {
  client: ClickHouseClient;
  sent: Sent[];
} {
  const sent: Sent[] = [];
  const answer = (query: string): unknown[] => {
    if (query.includes("toUnixTimestamp")) return [{ january: 946684800, july: 962409600 }];
    if (query.includes("qoe_rollup_state")) return state;
    if (query.startsWith("SELECT toYYYYMMDD(timestamp)")) return rawDays.map((day) => ({ day }));
    if (query.startsWith("SELECT count()")) return [{ rows: "0" }];
    return [];
  };
  const client = {
    query: (params: Sent) => {
      sent.push(params);
      return Promise.resolve({ json: () => Promise.resolve(answer(params.query)) });
    },
    command: (params: Sent) => {
      sent.push(params);
      return Promise.resolve({});
    },
  } as unknown as ClickHouseClient;
  return { client, sent };
}

const NOW = new Date("2026-12-02T13:03:00Z");

describe("runQoeRollup", () => {
  it("opens one session with its first statement and requires it for every later one", async () => {
    const { client, sent } = recordingClient();
    await runQoeRollup(client, { database: "analytics", now: NOW, sessionId: "run-1" });
    expect(sent.length).toBeGreaterThan(10);
    expect(sent[0]).toMatchObject({ session_id: "run-1" });
    expect(sent[0]?.clickhouse_settings).toBeUndefined();
    for (const params of sent.slice(1)) {
      expect(params).toMatchObject({
        session_id: "run-1",
        clickhouse_settings: { session_check: 1 },
      });
    }
  });

  it("sends no session parameter without a session id (an engine without HTTP sessions)", async () => {
    const { client, sent } = recordingClient();
    await runQoeRollup(client, { database: "analytics", now: NOW });
    for (const params of sent) {
      expect(params.session_id).toBeUndefined();
      expect(params.clickhouse_settings).toBeUndefined();
    }
  });

  it("drops a rollup partition whose staging partition is empty instead of replacing it", async () => {
    const { client, sent } = recordingClient([
      { level: "hourly", through: "2026-12-02 11:00:00" },
      { level: "daily", through: "2026-12-02 00:00:00" },
      { level: "places", through: "2026-12-02 11:00:00" },
    ]);
    const summary = await runQoeRollup(client, { database: "analytics", now: NOW });
    expect(summary).toEqual({
      hourlyThrough: "2026-12-02 12:00:00",
      dailyThrough: "2026-12-02 00:00:00",
      daysRebuilt: [20261130, 20261201, 20261202],
      monthsRebuilt: [202611, 202612],
      rowsWritten: {
        qoeHourly: 0,
        qoeHourlyByCountry: 0,
        qoeHourlyByEdge: 0,
        qoeSlicesHourly: 0,
        qoeSlicesDaily: 0,
      },
    });
    const queries = sent.map((params) => params.query);
    expect(queries.filter((query) => query.includes("REPLACE PARTITION"))).toEqual([]);
    expect(queries).toContain("ALTER TABLE `analytics`.`qoe_hourly` DROP PARTITION 20261201");
    expect(queries).toContain(
      "ALTER TABLE `analytics`.`qoe_hourly_by_country` DROP PARTITION 20261201",
    );
    expect(queries).toContain(
      "ALTER TABLE `analytics`.`qoe_hourly_by_edge` DROP PARTITION 20261201",
    );
    // With every level marked, the raw days are not read.
    expect(queries.some((query) => query.includes("toYYYYMMDD(timestamp)"))).toBe(false);
    expect(queries).toContain("ALTER TABLE `analytics`.`qoe_slices_daily` DROP PARTITION 202611");
    // The state moves forward, hourly then daily.
    expect(
      queries.filter((query) => query.startsWith("INSERT INTO `analytics`.`qoe_rollup_state`")),
    ).toEqual([
      "INSERT INTO `analytics`.`qoe_rollup_state` (level, through, built_at) VALUES ('hourly', toDateTime('2026-12-02 12:00:00', 'UTC'), toDateTime('2026-12-02 13:03:00', 'UTC'))",
      "INSERT INTO `analytics`.`qoe_rollup_state` (level, through, built_at) VALUES ('places', toDateTime('2026-12-02 12:00:00', 'UTC'), toDateTime('2026-12-02 13:03:00', 'UTC'))",
      "INSERT INTO `analytics`.`qoe_rollup_state` (level, through, built_at) VALUES ('daily', toDateTime('2026-12-02 00:00:00', 'UTC'), toDateTime('2026-12-02 13:03:00', 'UTC'))",
    ]);
  });

  it("records its progress after each day of a first run, so a stopped run resumes", async () => {
    const { client, sent } = recordingClient([], [20261120, 20261128]);
    const summary = await runQoeRollup(client, { database: "analytics", now: NOW });
    expect(summary.daysRebuilt).toEqual([20261120, 20261128, 20261130, 20261201, 20261202]);
    const hourly = sent
      .map((params) => params.query)
      .filter((query) => query.includes("VALUES ('hourly'"))
      .map((query) => /toDateTime\('([^']+)'/.exec(query)?.[1]);
    expect(hourly).toEqual([
      "2026-11-21 00:00:00",
      "2026-11-29 00:00:00",
      "2026-12-01 00:00:00",
      "2026-12-02 00:00:00",
      "2026-12-02 12:00:00",
    ]);
    // The raw days are read only when there is no state.
    expect(sent.some((params) => params.query.includes("toYYYYMMDD(timestamp)"))).toBe(true);
  });

  it("builds the copies by place of every raw day in the first run after migration 6", async () => {
    const { client, sent } = recordingClient(
      [
        { level: "hourly", through: "2026-12-02 11:00:00" },
        { level: "daily", through: "2026-12-02 00:00:00" },
      ],
      [20261120, 20261128],
    );
    const summary = await runQoeRollup(client, { database: "analytics", now: NOW });
    expect(summary.daysRebuilt).toEqual([20261120, 20261128, 20261130, 20261201, 20261202]);
    const marks = (level: string): (string | undefined)[] =>
      sent
        .map((params) => params.query)
        .filter((query) => query.includes(`VALUES ('${level}'`))
        .map((query) => /toDateTime\('([^']+)'/.exec(query)?.[1]);
    // The copies' mark follows each day; the hourly mark, already ahead, only at the end.
    expect(marks("places")).toEqual([
      "2026-11-21 00:00:00",
      "2026-11-29 00:00:00",
      "2026-12-01 00:00:00",
      "2026-12-02 00:00:00",
      "2026-12-02 12:00:00",
    ]);
    expect(marks("hourly")).toEqual(["2026-12-02 12:00:00"]);
    const copies = sent.filter((params) =>
      params.query.startsWith("INSERT INTO `analytics`.`qoe_hourly_by_country_staging`"),
    );
    expect(copies).toHaveLength(5);
  });

  it("closes an hour graceMinutes after its end", async () => {
    const at = async (now: string, graceMinutes?: number): Promise<string> => {
      const { client } = recordingClient();
      const options = { database: "analytics", now: new Date(now) };
      return (
        await runQoeRollup(
          client,
          graceMinutes === undefined ? options : { ...options, graceMinutes },
        )
      ).hourlyThrough;
    };
    expect(await at("2026-12-02T13:04:59Z")).toBe("2026-12-02 12:00:00");
    expect(await at("2026-12-02T13:05:00Z")).toBe("2026-12-02 13:00:00");
    expect(await at("2026-12-02T13:00:00Z", 0)).toBe("2026-12-02 13:00:00");
  });

  it("refuses settings out of bounds, and a server whose zone is not UTC", async () => {
    const { client } = recordingClient();
    await expect(
      runQoeRollup(client, { database: "analytics", now: NOW, graceMinutes: -1 }),
    ).rejects.toThrow("graceMinutes = -1: expected an integer from 0 to 120");
    await expect(
      runQoeRollup(client, { database: "analytics", now: NOW, lookbackHours: 1.5 }),
    ).rejects.toThrow("lookbackHours = 1.5: expected an integer from 1 to 744");
    const dubai = {
      query: () =>
        Promise.resolve({
          json: () => Promise.resolve([{ january: 946670400, july: 962395200 }]),
        }),
    } as unknown as ClickHouseClient;
    await expect(runQoeRollup(dubai, { database: "analytics", now: NOW })).rejects.toThrow(
      "the server's time zone is not UTC",
    );
  });
});

describe("the rollup job's statements", () => {
  const range = {
    from: new Date("2026-12-01T00:00:00Z"),
    to: new Date("2026-12-01T05:00:00Z"),
  };

  it("copy the hours of the range from the cube's staging table into a copy's", () => {
    // Migration 7's CMCD figures, in table order.
    const CMCD_COLUMNS =
      "cmcd_requests, starved_requests, startup_requests, buffer_length_ms_sum, buffer_length_requests, " +
      "throughput_kbps_sum, throughput_requests, sessions, starved_sessions, " +
      "`bufferMap.bucket`, `bufferMap.requests`, `throughputMap.bucket`, `throughputMap.requests`";
    expect(buildPlaceCopyStatement("analytics", "qoe_hourly_by_edge", range).text).toBe(
      "INSERT INTO `analytics`.`qoe_hourly_by_edge_staging` (hour, course_id, country, edge_location, rendition, requests, errors, aborts, cache_hits, bytes, `ttfbMap.bucket`, `ttfbMap.requests`, " +
        `${CMCD_COLUMNS})\n` +
        "SELECT hour, course_id, country, edge_location, rendition, requests, errors, aborts, cache_hits, bytes, `ttfbMap.bucket`, `ttfbMap.requests`, " +
        `${CMCD_COLUMNS}\n` +
        "FROM `analytics`.`qoe_hourly_staging`\n" +
        "WHERE hour >= toDateTime('2026-12-01 00:00:00', 'UTC') AND hour < toDateTime('2026-12-01 05:00:00', 'UTC')",
    );
  });

  it("build the hourly cube from the raw rows of the range, aborted requests outside the histogram", () => {
    const text = buildHourlyStatement("analytics", range).text;
    expect(text).toMatch(/^INSERT INTO `analytics`\.`qoe_hourly_staging` \(hour, course_id/);
    expect(text).toContain("FROM `analytics`.`playback_requests`");
    expect(text).toContain(
      "WHERE timestamp >= toDateTime('2026-12-01 00:00:00', 'UTC') AND timestamp < toDateTime('2026-12-01 05:00:00', 'UTC')",
    );
    expect(text).toContain("groupArrayIf(bucket, answered), groupArrayIf(n, answered)");
    expect(text).toContain("if(aborted = 0, toUInt32(if(ttfb_ms < 32");
  });

  it("build the slices from the staging cube, and the days from the hourly slices", () => {
    const hourly = buildSlicesHourlyStatement("analytics", range).text;
    expect(hourly).toContain("FROM `analytics`.`qoe_hourly_staging`");
    expect(hourly).toContain(
      "ARRAY JOIN [('all', ''), ('course', course_id), ('country', country), ('edge', edge_location), ('rendition', rendition)] AS slice",
    );
    const daily = buildSlicesDailyStatement("analytics", range).text;
    expect(daily).toMatch(/^INSERT INTO `analytics`\.`qoe_slices_daily_staging`/);
    expect(daily).toContain("FROM `analytics`.`qoe_slices_hourly`\n");
  });

  it("swap and drop partitions by their id", () => {
    expect(replacePartitionStatement("analytics", "qoe_hourly", 20261201).text).toBe(
      "ALTER TABLE `analytics`.`qoe_hourly` REPLACE PARTITION 20261201 FROM `analytics`.`qoe_hourly_staging`",
    );
    expect(dropPartitionStatement("analytics", "qoe_slices_daily_staging", 202612).text).toBe(
      "ALTER TABLE `analytics`.`qoe_slices_daily_staging` DROP PARTITION 202612",
    );
    expect(() => replacePartitionStatement("analytics; DROP", "qoe_hourly", 1)).toThrow(
      "not an identifier",
    );
  });

  it("name partitions and cut hours and days in UTC", () => {
    const time = new Date("2026-02-03T04:05:06.789Z");
    expect(dayPartition(time)).toBe(20260203);
    expect(monthPartition(time)).toBe(202602);
    expect(startOfHour(time).toISOString()).toBe("2026-02-03T04:00:00.000Z");
    expect(startOfDay(time).toISOString()).toBe("2026-02-03T00:00:00.000Z");
  });
});
