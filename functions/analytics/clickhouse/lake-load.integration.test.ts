import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropDatabase, testClient, uniqueDatabase } from "../../../test/clickhouse/database";
import { identifier } from "./bind";
import { loadDay } from "./lake-load";
import { migrate } from "./migrate";

/**
 * The loader against a real server. The test server (18.16) has neither the `s3()` function nor
 * Parquet, so a staging table with the Parquet files' columns stands in for the source; the
 * statement around it is the one production runs.
 */
describe("loading curated learning events", () => {
  const database = uniqueDatabase("lake");
  let client: ClickHouseClient;
  const source = identifier(database, "staging");

  beforeAll(async () => {
    client = testClient();
    await migrate(client, { database });
    await client.command({
      query: `CREATE TABLE ${database}.staging (event_id String, occurred_at DateTime, user_token String,
  course_id String, lesson_id String, event_type String, watch_seconds Int32) ENGINE = Memory`,
    });
    const event = (id: string, at: string, type: string, seconds = 0) => ({
      event_id: id,
      occurred_at: at,
      user_token: `tok-${id}`,
      course_id: "fin-101",
      lesson_id: "l1",
      event_type: type,
      watch_seconds: seconds,
    });
    await client.insert({
      table: `${database}.staging`,
      values: [
        event("a", "2026-11-01 08:00:00", "lesson_started"),
        event("b", "2026-11-01 09:00:00", "video_progress", 300),
        event("c", "2026-11-01 23:59:59", "lesson_completed"),
        event("d", "2026-11-02 00:00:00", "lesson_started"),
      ],
      format: "JSONEachRow",
    });
  });

  afterAll(async () => {
    await dropDatabase(client, database);
  });

  it("adds a day's events once, however often the day is loaded", async () => {
    expect(await loadDay(client, database, source, "2026-11-01")).toBe(3);
    expect(await loadDay(client, database, source, "2026-11-01")).toBe(0);
    expect(await loadDay(client, database, source, "2026-11-02")).toBe(1);

    const rollup = await client.query({
      query: `SELECT day, uniqExactMerge(learners) AS learners, sumMerge(watched_seconds) AS watched
FROM ${database}.engagement_daily GROUP BY day ORDER BY day`,
      format: "JSONEachRow",
    });
    expect(await rollup.json()).toEqual([
      { day: "2026-11-01", learners: "3", watched: "300" },
      { day: "2026-11-02", learners: "1", watched: "0" },
    ]);
  });

  it("adds late events of a day already loaded", async () => {
    await client.insert({
      table: `${database}.staging`,
      values: [
        {
          event_id: "late",
          occurred_at: "2026-11-01 12:00:00",
          user_token: "tok-late",
          course_id: "fin-101",
          lesson_id: "l2",
          event_type: "lesson_started",
          watch_seconds: 0,
        },
      ],
      format: "JSONEachRow",
    });
    expect(await loadDay(client, database, source, "2026-11-01")).toBe(1);
  });
});
