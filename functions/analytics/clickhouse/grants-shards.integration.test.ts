import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANALYTICS_DATABASE } from "../../../contracts/analytics";
import { CLICKHOUSE_USER_ACCESS } from "../../../contracts/clickhouse-users";
import { engineDataFolder } from "../../../test/clickhouse/engine";
import {
  standInConnection,
  standInGrants,
  standInStatements,
} from "../../../test/clickhouse/external-data";
import { AnalyticsQueries } from "../analytics-api/queries";
import { ClickHouseSink } from "../rtlog-ingest/clickhouse-sink";
import { ingestBatch } from "../rtlog-ingest/core";
import { lineRecord } from "../rtlog-ingest/fixtures/events";
import { FakeDeadLetterStore } from "../rtlog-ingest/test-support";
import { identifier } from "./bind";
import { localDatabase } from "./cluster-layout";
import { expectDenied, phase, rows } from "./grants.test-support";
import { loadDay } from "./lake-load";
import { migrate } from "./migrate";
import { MIGRATIONS } from "./migrations";
import { expectedLevels, qoeDataSet, readLevels, type RawFigures } from "./qoe-rollup.fixtures";
import { runShardedQoeRollup, type ShardedQoeRollupSummary } from "./qoe-rollup-shards";

/**
 * The users' grants on a cluster (migration 8): the rows are in each shard's database under
 * `Distributed` tables, and a query through one runs on the shard as the user who sent it. The
 * engine here is a cluster of one shard, itself (`EngineUser.cluster`), so every read and write
 * through a `Distributed` table is checked against the user's grants on the shard's tables too.
 * The phases run in order on one data folder, as in grants.integration.test.ts: the migrator
 * converts from nothing, ingest writes through the `Distributed` table, the rollup job builds the
 * shard's rollups and the API's marks, the API reads through the `Distributed` tables, backup
 * freezes the shard's tables. What each needs succeeds; the rest fails with ACCESS_DENIED.
 */

const database = ANALYTICS_DATABASE;
const local = localDatabase(database);
const HOUR_MS = 3_600_000;
/** The hour of the ingest phase's requests: recent, inside the raw table's retention. */
const hour = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 24 * HOUR_MS);
const requestTime = `${hour.getTime() / 1000 + 120}.145`;
let dataPath: string;
const setting = {
  dataPath: () => dataPath,
  access: CLICKHOUSE_USER_ACCESS,
  cluster: "analytics",
};
let built: ShardedQoeRollupSummary | undefined;

beforeAll(async () => {
  dataPath = await engineDataFolder("grants-shards");
});

afterAll(async () => {
  await rm(dataPath, { recursive: true, force: true });
});

describe("the migrator, on a cluster", () => {
  const { client } = phase(setting, "migrator");

  it("moves every table into the shard's database under Distributed tables", async () => {
    const first = await migrate(client(), {
      database,
      cluster: setting.cluster,
      replicated: false,
    });
    expect(first.applied).toEqual(MIGRATIONS.map((migration) => migration.version));
    const tables = await rows(
      client(),
      `SELECT database, name, engine FROM system.tables WHERE database IN ('${database}', '${local}') AND name IN ('playback_requests', 'qoe_hourly', 'qoe_hourly_staging', 'learning_events') ORDER BY database, name`,
    );
    expect(tables).toEqual([
      { database, name: "learning_events", engine: "Distributed" },
      { database, name: "playback_requests", engine: "Distributed" },
      { database, name: "qoe_hourly", engine: "Distributed" },
      { database: local, name: "learning_events", engine: "ReplacingMergeTree" },
      { database: local, name: "playback_requests", engine: "ReplacingMergeTree" },
      { database: local, name: "qoe_hourly", engine: "SummingMergeTree" },
      { database: local, name: "qoe_hourly_staging", engine: "SummingMergeTree" },
    ]);
    for (const statement of standInStatements(database)) {
      await client().command({ query: statement });
    }
  });

  it("loads the lake through the Distributed table, once, feeding the shard's engagement rollup", async () => {
    await client().command({
      query: `CREATE TABLE ${database}.lake_staging (event_id String, occurred_at DateTime,
  user_token String, course_id String, lesson_id String, event_type String, watch_seconds Int32)
ENGINE = Memory`,
    });
    await client().insert({
      table: `${database}.lake_staging`,
      values: ["a", "b", "c"].map((id) => ({
        event_id: id,
        occurred_at: "2026-11-01 08:00:00",
        user_token: `tok-${id}`,
        course_id: "fin-101",
        lesson_id: "l1",
        event_type: "lesson_started",
        watch_seconds: 0,
      })),
      format: "JSONEachRow",
    });
    const source = identifier(database, "lake_staging");
    expect(await loadDay(client(), database, source, "2026-11-01")).toBe(3);
    expect(await loadDay(client(), database, source, "2026-11-01")).toBe(0);
    await client().command({ query: `DROP TABLE ${database}.lake_staging` });
    const [stored] = await rows(client(), `SELECT count() AS n FROM ${local}.learning_events`);
    expect(Number(stored?.n)).toBe(3);
  });

  it("creates no other database", async () => {
    await expectDenied(client(), "CREATE DATABASE other_local");
    await expectDenied(client(), `CREATE TABLE default.t (a UInt8) ENGINE = Memory`);
  });
});

describe("ingest, through the Distributed table", () => {
  const { client } = phase(setting, "ingest", standInGrants(database));

  it("inserts a batch onto the shard, and recognises it when delivered again", async () => {
    const sink = new ClickHouseSink(standInConnection(client(), database), database);
    const batch = [1, 2, 3].map((n) =>
      lineRecord(n, { "x-edge-request-id": `shards-${n}`, timestamp: requestTime }),
    );
    const deps = { sink, deadLetters: new FakeDeadLetterStore() };
    expect((await ingestBatch(batch, deps)).counts).toMatchObject({ inserted: 3, duplicates: 0 });
    expect((await ingestBatch(batch, deps)).counts).toMatchObject({ inserted: 0, duplicates: 3 });
    const [stored] = await rows(
      client(),
      `SELECT count() AS n FROM ${local}.playback_requests WHERE request_id LIKE 'shards-%'`,
    );
    expect(Number(stored?.n)).toBe(3);
  });

  it("reads no other column and writes no other table of the shard", async () => {
    await expectDenied(client(), `SELECT video_id FROM ${local}.playback_requests`);
    await expectDenied(client(), `SELECT video_id FROM ${database}.playback_requests`);
    await expectDenied(client(), `SELECT count() FROM ${local}.qoe_hourly`);
    await expectDenied(client(), `INSERT INTO ${local}.learning_events (event_id) VALUES ('x')`);
    await expectDenied(client(), `INSERT INTO ${local}.qoe_hourly (course_id) VALUES ('x')`);
    await expectDenied(client(), `ALTER TABLE ${local}.playback_requests DELETE WHERE 1`);
    await expectDenied(client(), `DROP TABLE ${local}.playback_requests`);
  });

  it("inserts the rollup tests' data set through the Distributed table", async () => {
    await client().insert({
      table: `${database}.playback_requests`,
      values: qoeDataSet(),
      format: "JSONEachRow",
    });
  });
});

describe("rollup, on the shard", () => {
  const { client } = phase(setting, "rollup");
  const now = new Date();

  it("builds the shard's rollups and the API's marks under its grants", async () => {
    built = await runShardedQoeRollup([client()], { database, now });
    const [shard] = built.shards;
    expect(shard?.daysRebuilt).toEqual(expect.arrayContaining([20261128, 20261202]));
    expect(built.marks.hourly).toBe(shard?.hourlyThrough);
    expect(built.marks.daily).toBe(shard?.dailyThrough);
  });

  it("writes no raw row and changes no schema on the shard", async () => {
    await expectDenied(
      client(),
      `INSERT INTO ${local}.playback_requests (request_id) VALUES ('x')`,
    );
    await expectDenied(client(), `SELECT request_id FROM ${local}.playback_requests`);
    await expectDenied(client(), `SELECT count() FROM ${local}.learning_events`);
    await expectDenied(client(), `TRUNCATE TABLE ${local}.qoe_hourly`);
    await expectDenied(client(), `DROP TABLE ${local}.qoe_slices_daily`);
    await expectDenied(client(), `ALTER TABLE ${local}.qoe_hourly ADD COLUMN extra UInt8`);
  });
});

describe("api, through the Distributed tables", () => {
  const { client } = phase(setting, "api");

  it("reads the shard's rollups, equal to its raw rows", async () => {
    const [shard] = built?.shards ?? [];
    if (shard === undefined) throw new Error("the rollup phase built nothing");
    const raw = await rows(
      client(),
      `SELECT toString(timestamp) AS timestamp, course_id, country, edge_location, rendition,
  is_error, aborted, cache_hit, bytes, ttfb_ms FROM ${database}.playback_requests`,
    );
    const figures = raw.map((row) => ({ ...row, bytes: Number(row.bytes) }) as RawFigures);
    const expected = expectedLevels(figures, shard.hourlyThrough, shard.dailyThrough);
    expect(Object.keys(expected.slicesDaily)).toContain("2026-12-01|all|");
    expect(await readLevels(client(), database)).toEqual(expected);
  });

  it("answers from the raw rows and from the rollups alike", async () => {
    const queries = new AnalyticsQueries(client(), database, { rollupStateCacheMs: 0 });
    const range = { from: new Date("2026-11-28T00:00:00Z"), to: new Date("2026-12-02T00:00:00Z") };
    const raw = await queries.qoeSummary({ ...range, source: "raw" });
    const rollup = await queries.qoeSummary({ ...range, source: "rollup" });
    expect(raw.data.requests).toBeGreaterThan(0);
    // Counts exactly; latency percentiles come from the rollups' histogram buckets.
    const { requests, errors, cacheHits, errorRate } = raw.data;
    expect(rollup.data).toMatchObject({ requests, errors, cacheHits, errorRate });
    const day = { from: new Date("2026-11-01T00:00:00Z"), to: new Date("2026-11-02T00:00:00Z") };
    const engagement = await queries.engagementSummary({ ...day, source: "rollup", limit: 10 });
    expect(engagement.data).toMatchObject({ activeLearners: 3, lessonsStarted: 3 });
  });

  it("writes nothing, and reads neither the shard's progress nor the ledger", async () => {
    await expectDenied(
      client(),
      `INSERT INTO ${local}.playback_requests (request_id) VALUES ('x')`,
    );
    await expectDenied(
      client(),
      `INSERT INTO ${database}.playback_requests (request_id) VALUES ('x')`,
    );
    await expectDenied(client(), `ALTER TABLE ${local}.playback_requests DELETE WHERE 1`);
    await expectDenied(client(), `DROP TABLE ${local}.qoe_hourly`);
    await expectDenied(client(), `SELECT count() FROM ${local}.qoe_rollup_state`);
    await expectDenied(client(), `SELECT count() FROM ${local}.qoe_hourly_staging`);
    await expectDenied(client(), `SELECT count() FROM ${database}.schema_migrations`);
  });
});

describe("backup, on the shard's tables", () => {
  const { client } = phase(setting, "backup");

  it("sees and freezes the shard's tables, and reads no row", async () => {
    const tables = await rows(
      client(),
      `SELECT name FROM system.tables WHERE database = '${local}' AND name = 'playback_requests'`,
    );
    expect(tables).toEqual([{ name: "playback_requests" }]);
    expect(await rows(client(), `SHOW CREATE TABLE ${local}.playback_requests`)).toHaveLength(1);
    const table = `${local}.playback_requests`;
    await client().command({ query: `ALTER TABLE ${table} FREEZE WITH NAME 'kc_shards_test'` });
    await client().command({ query: `ALTER TABLE ${table} UNFREEZE WITH NAME 'kc_shards_test'` });
    await expectDenied(client(), `SELECT request_id FROM ${table}`);
    await expectDenied(client(), `INSERT INTO ${table} (request_id) VALUES ('x')`);
    await expectDenied(client(), `DROP TABLE ${table}`);
  });
});
