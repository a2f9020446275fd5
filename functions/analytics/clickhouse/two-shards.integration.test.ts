/**
 * The analytics schema on two shards (two more servers on loopback, `two-shards.test-support.ts`)
 * against the run's single server, fed the same requests through the real ingest sink with
 * copies redelivered in later batches and to the other shard's server: every request is stored
 * once, on one shard; the rollup job builds each shard's part; and the API answers exactly as on
 * one server.
 */
import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropDatabase, testClient, uniqueDatabase } from "../../../test/clickhouse/database";
import { serverOptions } from "../../../test/clickhouse/database";
import { AnalyticsQueries } from "../analytics-api/queries";
import type { QoeQuery, Source } from "../analytics-api/requests";
import { ClickHouseSink, createClickHouseConnection } from "../rtlog-ingest/clickhouse-sink";
import { identifier } from "./bind";
import { localDatabase } from "./cluster-layout";
import { loadDay } from "./lake-load";
import { serverFeatures } from "./features";
import { migrate, readServerVersion } from "./migrate";
import { MIGRATIONS } from "./migrations";
import { runQoeRollup } from "./qoe-rollup";
import { advanceQoeMarks, runConfiguredQoeRollup, SHARD_URLS_VARIABLE } from "./qoe-rollup-shards";
import type { PlaybackRow } from "./tables";
import { startTwoShards, TWO_SHARDS, type TwoShardCluster } from "./two-shards.test-support";

const START = Date.UTC(2026, 10, 1);
const HOUR_MS = 3_600_000;
const COURSES = ["fin-101", "law-200", "med-300", ""];
const COUNTRIES = ["SA", "AE", "US"];
const EDGES = ["DXB52-P1", "IAD89-C2", "RUH52-P1"];
const RENDITIONS = ["720p_3000k", "360p_730k", "1080p_6000k", "audio_96k", ""];

function timestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/** About 1,600 requests over 2 days and 6 hours, one every 2 minutes, from a fixed sequence. */
function dataSet(): PlaybackRow[] {
  let seed = 4_242;
  const next = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n);
  };
  const rows: PlaybackRow[] = [];
  for (let index = 0, at = START; at < START + 54 * HOUR_MS; index += 1, at += 120_000) {
    const aborted = next(40) === 0;
    const error = !aborted && next(30) === 0;
    const hit = !aborted && !error && next(10) < 7;
    rows.push({
      request_id: `req-${index}-${next(1_000_000)}`,
      timestamp: timestamp(at),
      timestamp_ms: next(1000),
      course_id: COURSES[next(COURSES.length)] ?? "",
      video_id: "3f6c2a9e-8b1d-4c57-9e2a-0d4b7f1a6c35",
      rendition: RENDITIONS[next(RENDITIONS.length)] ?? "",
      protocol: "hls",
      edge_location: EDGES[next(EDGES.length)] ?? "",
      country: COUNTRIES[next(COUNTRIES.length)] ?? "",
      status: aborted ? 0 : error ? 503 : 200,
      ttfb_ms: aborted ? 0 : hit ? next(40) : Math.round(25 + 6000 * (next(1000) / 1000) ** 4),
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

/**
 * The deliveries: batches of 100 in order, each but the first also carrying a copy of every
 * third request of the batch before (a redelivery in a separate batch), and every fifth batch
 * delivered twice over (a retried batch).
 */
function deliveries(rows: readonly PlaybackRow[]): PlaybackRow[][] {
  const batches: PlaybackRow[][] = [];
  for (let start = 0; start < rows.length; start += 100) {
    batches.push(rows.slice(start, start + 100));
  }
  return batches.flatMap((batch, index) => {
    const previous = batches[index - 1] ?? [];
    const delivered = [...batch, ...previous.filter((_, position) => position % 3 === 0)];
    return index % 5 === 4 ? [delivered, delivered] : [delivered];
  });
}

/** Writes each delivery as the ingest does, alternating the server it reaches. */
async function ingest(
  urls: readonly string[],
  database: string,
  batches: readonly PlaybackRow[][],
): Promise<{ inserted: number; duplicates: number }> {
  const { username, password } = urls.length === 1 ? serverOptions() : DEFAULT_USER;
  const sinks = urls.map((url) => {
    const connection = createClickHouseConnection({ url, database, username, password });
    return { connection, sink: new ClickHouseSink(connection, database) };
  });
  const totals = { inserted: 0, duplicates: 0 };
  try {
    for (const [index, batch] of batches.entries()) {
      const times = batch.map((row) => row.timestamp).sort();
      const target = sinks[index % sinks.length];
      if (target === undefined) throw new Error("no sink");
      const counts = await target.sink.insertNew(
        batch,
        times[0] ?? "",
        times[times.length - 1] ?? "",
      );
      totals.inserted += counts.inserted;
      totals.duplicates += counts.duplicates;
    }
  } finally {
    for (const { connection } of sinks) await connection.close();
  }
  return totals;
}

const DEFAULT_USER = { username: "default", password: "" };

async function scalar(client: ClickHouseClient, query: string): Promise<number> {
  const result = await client.query({ query, format: "JSONEachRow" });
  const [row] = await result.json<{ value: string | number }>();
  return Number(row?.value);
}

/** The job's clock: hours built through 3 Nov 05:00, days through 3 Nov 00:00. */
const NOW = new Date(START + 53 * HOUR_MS + 5 * 60_000);

const at = (text: string): Date => new Date(`${text}Z`);

/** Aligned on the marks; across them (raw head and tail); hours inside one day. */
const RANGES = [
  { from: at("2026-11-01T00:00"), to: at("2026-11-03T05:00") },
  { from: at("2026-11-01T05:20"), to: at("2026-11-03T05:40") },
  { from: at("2026-11-02T07:00"), to: at("2026-11-02T19:00") },
];

const FILTERS: readonly Pick<QoeQuery, "courseId" | "country" | "edge">[] = [
  {},
  { courseId: "law-200" },
  { country: "AE" },
  { courseId: "fin-101", country: "SA" },
  { country: "US", edge: "DXB52-P1" },
];

describe("two shards against one server, on the same requests", () => {
  const database = uniqueDatabase("shards");
  const rows = dataSet();
  const batches = deliveries(rows);
  let cluster: TwoShardCluster;
  let single: ClickHouseClient;
  let sharded: AnalyticsQueries;
  let reference: AnalyticsQueries;
  const written: { cluster?: { inserted: number; duplicates: number } } = {};

  beforeAll(async () => {
    single = testClient();
    const [started] = await Promise.all([startTwoShards(), migrate(single, { database })]);
    cluster = started;
    for (const shard of cluster.shards) {
      await migrate(shard.client, { database, cluster: TWO_SHARDS, replicated: false });
    }
    written.cluster = await ingest(
      cluster.shards.map((shard) => shard.url),
      database,
      batches,
    );
    await ingest([serverOptions().url], database, batches);
    // As deployed: each shard's servers from the variable, the first of the first shard down.
    const [first, second] = cluster.shards;
    await runConfiguredQoeRollup(
      single,
      { ...DEFAULT_USER, requestTimeoutMs: 120_000 },
      { [SHARD_URLS_VARIABLE]: `http://127.0.0.1:1,${first.url};${second.url}` },
      { database, now: NOW },
    );
    await runQoeRollup(single, { database, now: NOW });
    sharded = new AnalyticsQueries(cluster.shards[0].client, database, { rollupStateCacheMs: 0 });
    reference = new AnalyticsQueries(single, database, { rollupStateCacheMs: 0 });
  });

  afterAll(async () => {
    await cluster?.stop();
    await dropDatabase(single, database);
  });

  it("migrates each server into Distributed tables over its shard's tables, once", async () => {
    for (const shard of cluster.shards) {
      const again = await migrate(shard.client, {
        database,
        cluster: TWO_SHARDS,
        replicated: false,
      });
      expect(again.applied).toEqual([]);
      expect(again.alreadyApplied).toEqual(MIGRATIONS.map((migration) => migration.version));
      const result = await shard.client.query({
        query: `SELECT database, name, engine FROM system.tables WHERE database IN ('${database}', '${localDatabase(database)}') AND name IN ('playback_requests', 'qoe_hourly', 'qoe_hourly_staging', 'qoe_rollup_state', 'engagement_daily_mv') ORDER BY database, name`,
        format: "JSONEachRow",
      });
      expect(await result.json()).toEqual([
        { database, name: "playback_requests", engine: "Distributed" },
        { database, name: "qoe_hourly", engine: "Distributed" },
        { database, name: "qoe_rollup_state", engine: "ReplacingMergeTree" },
        {
          database: localDatabase(database),
          name: "engagement_daily_mv",
          engine: "MaterializedView",
        },
        {
          database: localDatabase(database),
          name: "playback_requests",
          engine: "ReplacingMergeTree",
        },
        { database: localDatabase(database), name: "qoe_hourly", engine: "SummingMergeTree" },
        {
          database: localDatabase(database),
          name: "qoe_hourly_staging",
          engine: "SummingMergeTree",
        },
        {
          database: localDatabase(database),
          name: "qoe_rollup_state",
          engine: "ReplacingMergeTree",
        },
      ]);
    }
  });

  it("finishes a conversion that a run stopped half-way through", async () => {
    const partial = uniqueDatabase("shards_partial");
    const { client } = cluster.shards[1];
    const options = { database: partial, cluster: TWO_SHARDS, replicated: false };
    const tables = async (name: string) => {
      const result = await client.query({
        query: `SELECT replaceOne(database, '${name}', 'db') AS database, name, engine FROM system.tables WHERE database IN ('${name}', '${localDatabase(name)}') ORDER BY database, name`,
        format: "JSONEachRow",
      });
      return result.json();
    };
    try {
      await migrate(client, {
        ...options,
        migrations: MIGRATIONS.filter((migration) => migration.version < 8),
      });
      const eighth = MIGRATIONS.find((migration) => migration.version === 8);
      const features = serverFeatures(await readServerVersion(client));
      const statements = eighth?.statements({ ...options, features }) ?? [];
      // The shard's database, the view dropped, and the first six tables moved; then it stopped.
      for (const statement of statements.slice(0, 8)) await client.command({ query: statement });
      const rerun = await migrate(client, options);
      expect(rerun.applied).toEqual([8]);
      expect(await tables(partial)).toEqual(await tables(database));
    } finally {
      await client.command({ query: `DROP DATABASE IF EXISTS ${partial}` });
      await client.command({ query: `DROP DATABASE IF EXISTS ${localDatabase(partial)}` });
    }
  });

  it("stores every request once, on one shard, however often it was delivered", async () => {
    const delivered = batches.reduce((sum, batch) => sum + batch.length, 0);
    expect(delivered).toBeGreaterThan(rows.length * 1.3);
    expect(written.cluster).toEqual({ inserted: rows.length, duplicates: delivered - rows.length });
    const [first, second] = cluster.shards;
    const local = `${localDatabase(database)}.playback_requests`;
    const onFirst = await scalar(first.client, `SELECT count() AS value FROM ${local}`);
    const onSecond = await scalar(second.client, `SELECT count() AS value FROM ${local}`);
    // Both shards hold a fair part, and together every request once.
    expect(Math.min(onFirst, onSecond)).toBeGreaterThan(rows.length * 0.35);
    expect(onFirst + onSecond).toBe(rows.length);
    // Each on the shard its key names (the first shard takes remainder 0 of the two equal weights).
    for (const [index, shard] of cluster.shards.entries()) {
      expect(
        await scalar(
          shard.client,
          `SELECT count() AS value FROM ${local} WHERE cityHash64(request_id) % 2 != ${index}`,
        ),
      ).toBe(0);
    }
    for (const shard of cluster.shards) {
      expect(
        await scalar(shard.client, `SELECT count() AS value FROM ${database}.playback_requests`),
      ).toBe(rows.length);
      expect(
        await scalar(
          shard.client,
          `SELECT uniqExact(request_id) AS value FROM ${database}.playback_requests`,
        ),
      ).toBe(rows.length);
    }
    expect(await scalar(single, `SELECT count() AS value FROM ${database}.playback_requests`)).toBe(
      rows.length,
    );
  });

  it("builds each shard's rollups from its own rows, summing to one server's", async () => {
    const [first, second] = cluster.shards;
    const local = `${localDatabase(database)}.qoe_hourly`;
    const onFirst = await scalar(first.client, `SELECT sum(requests) AS value FROM ${local}`);
    const onSecond = await scalar(second.client, `SELECT sum(requests) AS value FROM ${local}`);
    const whole = await scalar(single, `SELECT sum(requests) AS value FROM ${database}.qoe_hourly`);
    expect(Math.min(onFirst, onSecond)).toBeGreaterThan(0);
    expect(onFirst + onSecond).toBe(whole);
    expect(
      await scalar(first.client, `SELECT sum(requests) AS value FROM ${database}.qoe_hourly`),
    ).toBe(whole);
    for (const shard of cluster.shards) {
      const marks = await shard.client.query({
        query: `SELECT toString(level) AS level, toString(max(through)) AS through FROM ${database}.qoe_rollup_state GROUP BY level ORDER BY level`,
        format: "JSONEachRow",
      });
      expect(await marks.json()).toEqual([
        { level: "daily", through: "2026-11-03 00:00:00" },
        { level: "hourly", through: "2026-11-03 05:00:00" },
        { level: "places", through: "2026-11-03 05:00:00" },
      ]);
    }
  });

  const sources: Source[] = ["raw", "auto", "rollup"];

  /** Both answer alike: the same answer, or (a range the rollups cannot answer) the same error. */
  async function alike<T>(ask: (queries: AnalyticsQueries) => Promise<T>): Promise<T | undefined> {
    const expected = await ask(reference).catch((error: unknown) => error as Error);
    if (expected instanceof Error) {
      await expect(ask(sharded)).rejects.toThrow(expected.message);
      return undefined;
    }
    expect(await ask(sharded)).toEqual(expected);
    return expected;
  }

  it.each(RANGES.flatMap((range) => FILTERS.map((filters) => ({ ...range, ...filters }))))(
    "answers QoE summaries and rendition mixes as one server does: %j",
    async (query) => {
      for (const source of sources) {
        const asked = { ...query, source };
        const expected = await alike((queries) => queries.qoeSummary(asked));
        if (source !== "rollup") expect(expected?.data.requests).toBeGreaterThan(0);
        await alike((queries) => queries.renditionMix(asked));
      }
    },
  );

  it.each(
    RANGES.flatMap((range) =>
      (["course", "country", "edge"] as const).map((by) => ({ ...range, by })),
    ),
  )("answers QoE breakdowns as one server does: %j", async ({ by, ...range }) => {
    for (const source of sources) {
      for (const limit of [2, 100]) {
        const asked = { ...range, by, limit, source };
        const expected = await alike((queries) => queries.qoeBreakdown(asked));
        if (source !== "rollup") expect(expected?.data.length).toBeGreaterThan(0);
      }
    }
  });

  it("keeps the API's marks at the shard built least far, so its answers stay exact", async () => {
    const [first] = cluster.shards;
    // The first shard alone runs 20 hours later: it has built hours the second has not.
    await runQoeRollup(first.client, {
      database: localDatabase(database),
      now: new Date(NOW.getTime() + 20 * HOUR_MS),
    });
    const marks = await advanceQoeMarks(
      cluster.shards.map((shard) => shard.client),
      database,
      NOW,
    );
    expect(marks).toEqual({
      hourly: "2026-11-03 05:00:00",
      daily: "2026-11-03 00:00:00",
      places: "2026-11-03 05:00:00",
    });
    const ahead = await first.client.query({
      query: `SELECT toString(max(through)) AS through FROM ${localDatabase(database)}.qoe_rollup_state WHERE level = 'hourly'`,
      format: "JSONEachRow",
    });
    expect(await ahead.json()).toEqual([{ through: "2026-11-04 01:00:00" }]);
    const asked = {
      from: at("2026-11-02T00:00"),
      to: at("2026-11-03T06:00"),
      source: "auto" as const,
    };
    const answer = await alike((queries) => queries.qoeSummary(asked));
    expect(answer?.source).toBe("mixed");
    await alike((queries) => queries.qoeBreakdown({ ...asked, by: "course", limit: 100 }));
  });

  it("loads learning events once per shard by event id, and answers engagement as one server does", async () => {
    const types = [
      "enrolled",
      "lesson_started",
      "lesson_completed",
      "course_completed",
      "video_progress",
    ];
    const events = Array.from({ length: 120 }, (_, index) => ({
      event_id: `evt-${index}`,
      occurred_at: timestamp(START + index * 1_500_000),
      // 17 learners, each with events on both shards.
      user_token: `tok-${index % 17}`,
      course_id: COURSES[index % 3] ?? "",
      lesson_id: `l${index % 5}`,
      event_type: types[index % types.length] ?? "enrolled",
      watch_seconds: index % 5 === 4 ? 60 + index : 0,
    }));
    const staging = `${database}_lake_source`;
    const clients = [single, cluster.shards[0].client];
    for (const client of clients) {
      await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${staging}` });
      await client.command({
        query: `CREATE TABLE ${staging}.events (event_id String, occurred_at DateTime, user_token String,
  course_id String, lesson_id String, event_type String, watch_seconds Int32) ENGINE = Memory`,
      });
      await client.insert({ table: `${staging}.events`, values: events, format: "JSONEachRow" });
    }
    try {
      const days = ["2026-11-01", "2026-11-02", "2026-11-03"];
      for (const client of clients) {
        const loaded = [];
        // Every day twice: the second load adds nothing.
        for (const day of [...days, ...days]) {
          loaded.push(await loadDay(client, database, identifier(staging, "events"), day));
        }
        expect(loaded.reduce((sum, added) => sum + added, 0)).toBe(events.length);
        expect(loaded.slice(3)).toEqual([0, 0, 0]);
      }
      const perShard = [];
      for (const shard of cluster.shards) {
        perShard.push(
          await scalar(
            shard.client,
            `SELECT uniqExact(user_token) AS value FROM ${localDatabase(database)}.learning_events`,
          ),
        );
      }
      // Learners are on both shards: adding the shards' counts would count them twice.
      expect(perShard.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(17);
      for (const source of sources) {
        const asked = {
          from: at("2026-11-01T00:00"),
          to: at("2026-11-03T00:00"),
          source,
          limit: 10,
        };
        const summary = await alike((queries) => queries.engagementSummary(asked));
        if (source !== "raw") expect(summary?.source).not.toBe("raw");
        expect(summary?.data.activeLearners).toBe(17);
        await alike((queries) => queries.engagementByCourse(asked));
      }
    } finally {
      for (const client of clients) {
        await client.command({ query: `DROP DATABASE IF EXISTS ${staging}` });
      }
    }
  });
});
