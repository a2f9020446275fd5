import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANALYTICS_DATABASE } from "../../../contracts/analytics";
import { CLICKHOUSE_USER_ACCESS, shardDatabase } from "../../../contracts/clickhouse-users";
import { engineDataFolder } from "../../../test/clickhouse/engine";
import {
  standInConnection,
  standInGrants,
  standInStatements,
} from "../../../test/clickhouse/external-data";
import { AnalyticsQueries } from "../analytics-api/queries";
import { ClickHouseSink } from "../rtlog-ingest/clickhouse-sink";
import { ingestBatch } from "../rtlog-ingest/core";
import { COURSE_ID, lineRecord } from "../rtlog-ingest/fixtures/events";
import { FakeDeadLetterStore } from "../rtlog-ingest/test-support";
import { formatDateTime, identifier, sql } from "./bind";
import { expectDenied, phase, rows } from "./grants.test-support";
import { loadDay } from "./lake-load";
import { migrate } from "./migrate";
import { MIGRATIONS } from "./migrations";
import { expectedLevels, qoeDataSet, readLevels, type RawFigures } from "./qoe-rollup.fixtures";
import { runQoeRollup, type QoeRollupSummary } from "./qoe-rollup";

/**
 * Each ClickHouse user holds exactly the grants the installation gives it (`CLICKHOUSE_USER_ACCESS`,
 * the statements the chart puts in users.xml), and the code that connects as it runs under them on
 * a current ClickHouse engine (chDB: the Debian server the other integration tests use predates
 * SQL access control). What a user's code needs succeeds; what it must not do fails with
 * ACCESS_DENIED. The phases run in order on one data folder, as the installation's life does:
 * the migrator creates everything from nothing, then ingest writes, the rollup job builds the QoE
 * rollups, the API reads, backup freezes.
 */

const database = ANALYTICS_DATABASE;
/**
 * The hour the test's requests fall in: recent, because the raw table keeps rows for a retention
 * period (TTL) and drops older ones as they arrive.
 */
const HOUR_MS = 3_600_000;
const hour = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 24 * HOUR_MS);
/** CloudFront's `timestamp` field (epoch seconds with milliseconds), two minutes into that hour. */
const requestTime = `${hour.getTime() / 1000 + 120}.145`;
const access = CLICKHOUSE_USER_ACCESS;
let dataPath: string;
/** What the rollup phase's run built, for the API phase to check. */
let built: QoeRollupSummary | undefined;

beforeAll(async () => {
  dataPath = await engineDataFolder("grants");
});

afterAll(async () => {
  await rm(dataPath, { recursive: true, force: true });
});

const setting = { dataPath: () => dataPath, access };

describe("the migrator (schema job and lake loader)", () => {
  const { client } = phase(setting, "migrator");

  it("creates its database and applies every migration, with no administrator", async () => {
    const first = await migrate(client(), { database });
    expect(first.applied).toEqual(MIGRATIONS.map((migration) => migration.version));
    const again = await migrate(client(), { database });
    expect(again).toMatchObject({
      applied: [],
      alreadyApplied: MIGRATIONS.map((migration) => migration.version),
    });
    const tables = await rows(client(), `SHOW TABLES FROM ${database}`);
    expect(tables.map((row) => row.name)).toEqual([
      "engagement_daily",
      "engagement_daily_mv",
      "learning_events",
      "playback_requests",
      "qoe_hourly",
      "qoe_hourly_by_country",
      "qoe_hourly_by_country_staging",
      "qoe_hourly_by_edge",
      "qoe_hourly_by_edge_staging",
      "qoe_hourly_staging",
      "qoe_rollup_state",
      "qoe_slices_daily",
      "qoe_slices_daily_staging",
      "qoe_slices_hourly",
      "qoe_slices_hourly_staging",
      "schema_migrations",
    ]);
    // The ingest phase's stand-ins for the external tables chDB cannot take (see external-data).
    for (const statement of standInStatements(database)) {
      await client().command({ query: statement });
    }
  });

  it("loads a day of lake events once, feeding the engagement rollup", async () => {
    // The loader's statement over a staging table: the engine here reaches no S3.
    await client().command({
      query: `CREATE TABLE ${database}.lake_staging (event_id String, occurred_at DateTime,
  user_token String, course_id String, lesson_id String, event_type String, watch_seconds Int32)
ENGINE = Memory`,
    });
    await client().insert({
      table: `${database}.lake_staging`,
      values: ["a", "b"].map((id) => ({
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
    expect(await loadDay(client(), database, source, "2026-11-01")).toBe(2);
    expect(await loadDay(client(), database, source, "2026-11-01")).toBe(0);
    await client().command({ query: `DROP TABLE ${database}.lake_staging` });
    const [rollup] = await rows(
      client(),
      `SELECT sumMerge(lessons_started) AS started FROM ${database}.engagement_daily`,
    );
    expect(Number(rollup?.started)).toBe(2);
  });

  it("may read the lake through s3(), and no other external source", async () => {
    // DESCRIBE with an explicit structure checks access and builds the source without a request.
    const s3 = sql`s3(${"http://127.0.0.1:9/kc-curated-lake/curated/learning-events/*.parquet"}, 'Parquet', 'event_id String')`;
    expect(await rows(client(), `DESCRIBE TABLE ${s3.text}`)).toMatchObject([{ name: "event_id" }]);
    await expectDenied(client(), "DESCRIBE TABLE url('http://127.0.0.1:9/x', CSV, 'a String')");
    await expectDenied(client(), "DESCRIBE TABLE file('x.csv', CSV, 'a String')");
  });

  it("touches no other database, user or system state", async () => {
    // One server: migration 8 changes nothing, and the grants on the shard's database, which does
    // not exist, were accepted with the rest and reach nothing.
    const databases = await rows(client(), "SHOW DATABASES");
    expect(databases.map((row) => row.name)).toContain(database);
    expect(databases.map((row) => row.name)).not.toContain(shardDatabase(database));
    await expectDenied(client(), "CREATE DATABASE other");
    await expectDenied(client(), "CREATE TABLE default.t (a UInt8) ENGINE = Memory");
    await expectDenied(client(), `DROP DATABASE ${database}`);
    await expectDenied(client(), "CREATE USER intruder");
    await expectDenied(client(), "SELECT name FROM system.users");
    await expectDenied(client(), "SYSTEM SHUTDOWN");
  });
});

describe("ingest (the real-time-log Lambda)", () => {
  const { client } = phase(setting, "ingest", standInGrants(database));

  it("inserts a batch, and recognises it when delivered again", async () => {
    const sink = new ClickHouseSink(standInConnection(client(), database), database);
    const batch = [1, 2, 3].map((n) =>
      lineRecord(n, { "x-edge-request-id": `grants-${n}`, timestamp: requestTime }),
    );
    const deps = { sink, deadLetters: new FakeDeadLetterStore() };
    expect((await ingestBatch(batch, deps)).counts).toEqual({
      received: 3,
      inserted: 3,
      duplicates: 0,
      malformed: 0,
    });
    expect((await ingestBatch(batch, deps)).counts).toEqual({
      received: 3,
      inserted: 0,
      duplicates: 3,
      malformed: 0,
    });
  });

  it("reads only the columns of its grant, and no other table", async () => {
    const table = `${database}.playback_requests`;
    for (const column of ["video_id", "status", "time_taken_ms", "detailed_result_type"]) {
      await expectDenied(client(), `SELECT ${column} FROM ${table}`);
    }
    await expectDenied(client(), `SELECT * FROM ${table}`);
    for (const other of [
      "qoe_hourly",
      "qoe_hourly_by_country",
      "qoe_slices_daily",
      "qoe_rollup_state",
      "learning_events",
      "engagement_daily",
      "schema_migrations",
    ]) {
      await expectDenied(client(), `SELECT count() FROM ${database}.${other}`);
    }
  });

  it("changes no schema and deletes nothing", async () => {
    const table = `${database}.playback_requests`;
    await expectDenied(client(), `INSERT INTO ${database}.learning_events (event_id) VALUES ('x')`);
    for (const rollup of ["qoe_hourly", "qoe_hourly_staging", "engagement_daily"]) {
      await expectDenied(client(), `INSERT INTO ${database}.${rollup} (course_id) VALUES ('x')`);
    }
    await expectDenied(client(), `DROP TABLE ${table}`);
    await expectDenied(client(), `TRUNCATE TABLE ${table}`);
    await expectDenied(client(), `ALTER TABLE ${table} DELETE WHERE 1`);
    await expectDenied(client(), `ALTER TABLE ${table} ADD COLUMN extra UInt8`);
    await expectDenied(client(), `CREATE TABLE ${database}.t (a UInt8) ENGINE = Memory`);
  });
});

describe("ingest, for the rollup job's phase", () => {
  const { client } = phase(setting, "ingest");

  it("inserts the rollup tests' data set, days before the batch above", async () => {
    await client().insert({
      table: `${database}.playback_requests`,
      values: qoeDataSet(),
      format: "JSONEachRow",
    });
  });
});

describe("rollup (the QoE rollup job)", () => {
  const { client } = phase(setting, "rollup");
  const now = new Date();

  it("builds every level, the data set's days and the last hours, under its grants", async () => {
    built = await runQoeRollup(client(), { database, now });
    expect(built.daysRebuilt).toEqual(expect.arrayContaining([20261128, 20261202]));
    expect(built.monthsRebuilt).toEqual(expect.arrayContaining([202611, 202612]));
    // The ingest batch's hour, a day ago, is closed.
    expect(built.hourlyThrough > formatDateTime(hour)).toBe(true);
    expect(built.rowsWritten.qoeSlicesDaily).toBeGreaterThan(0);
    const again = await runQoeRollup(client(), { database, now });
    expect(again).toMatchObject({
      hourlyThrough: built.hourlyThrough,
      dailyThrough: built.dailyThrough,
    });
  });

  it("writes no raw row, reads no other column or table, and changes no schema", async () => {
    const table = `${database}.playback_requests`;
    await expectDenied(client(), `INSERT INTO ${table} (request_id) VALUES ('x')`);
    for (const column of ["request_id", "video_id", "status"]) {
      await expectDenied(client(), `SELECT ${column} FROM ${table}`);
    }
    await expectDenied(client(), `ALTER TABLE ${table} DELETE WHERE 1`);
    await expectDenied(client(), `ALTER TABLE ${table} DROP PARTITION 202611`);
    await expectDenied(client(), `TRUNCATE TABLE ${table}`);
    await expectDenied(client(), `SELECT count() FROM ${database}.learning_events`);
    await expectDenied(
      client(),
      `INSERT INTO ${database}.engagement_daily (course_id) VALUES ('x')`,
    );
    await expectDenied(client(), `SELECT count() FROM ${database}.qoe_hourly`);
    await expectDenied(client(), `SELECT count() FROM ${database}.qoe_hourly_by_edge`);
    await expectDenied(client(), `TRUNCATE TABLE ${database}.qoe_hourly`);
    await expectDenied(client(), `TRUNCATE TABLE ${database}.qoe_hourly_by_country`);
    await expectDenied(client(), `DROP TABLE ${database}.qoe_slices_daily`);
    await expectDenied(client(), `ALTER TABLE ${database}.qoe_hourly ADD COLUMN extra UInt8`);
    await expectDenied(client(), `CREATE TABLE ${database}.t (a UInt8) ENGINE = Memory`);
    await expectDenied(client(), "SELECT name FROM system.users");
  });
});

describe("api (the analytics API)", () => {
  const { client } = phase(setting, "api");

  it("reads rollup levels equal to the raw rows, as the rollup job built them", async () => {
    if (built === undefined) throw new Error("the rollup phase built nothing");
    const raw = await rows(
      client(),
      `SELECT toString(timestamp) AS timestamp, course_id, country, edge_location, rendition,
  is_error, aborted, cache_hit, bytes, ttfb_ms FROM ${database}.playback_requests`,
    );
    // Summed by the fixtures from the raw rows, not by the job's SQL.
    const figures = raw.map((row) => ({ ...row, bytes: Number(row.bytes) }) as RawFigures);
    const expected = expectedLevels(figures, built.hourlyThrough, built.dailyThrough);
    expect(Object.keys(expected.slicesDaily)).toContain("2026-12-01|all|");
    expect(await readLevels(client(), database)).toEqual(expected);
  });

  const from = hour;
  const to = new Date(hour.getTime() + HOUR_MS);
  const day = { from: new Date("2026-11-01T00:00:00Z"), to: new Date("2026-11-02T00:00:00Z") };

  it("answers every query from the raw rows and from the rollups", async () => {
    const queries = new AnalyticsQueries(client(), database);
    for (const source of ["raw", "rollup"] as const) {
      const summary = await queries.qoeSummary({ from, to, source });
      expect(summary).toMatchObject({ source, data: { requests: 3, cacheHits: 3 } });
      const byCourse = await queries.qoeBreakdown({ from, to, source, by: "course", limit: 10 });
      expect(byCourse.data).toMatchObject([{ key: COURSE_ID, requests: 3 }]);
      const mix = await queries.renditionMix({ from, to, source });
      expect(mix.data).toMatchObject([{ rendition: "720p_3000k", requests: 3, share: 1 }]);
      // Filtered by a place alone with another dimension: the copies ordered by place answer.
      const [place] = await rows(
        client(),
        `SELECT any(country) AS country, any(edge_location) AS edge FROM ${database}.playback_requests
  WHERE timestamp >= '${formatDateTime(from)}' AND timestamp < '${formatDateTime(to)}'`,
      );
      const country = await queries.renditionMix({
        from,
        to,
        source,
        country: String(place?.country),
      });
      expect(country.data).toMatchObject([{ rendition: "720p_3000k", requests: 3, share: 1 }]);
      const edge = await queries.qoeBreakdown({
        from,
        to,
        source,
        edge: String(place?.edge),
        by: "course",
        limit: 10,
      });
      expect(edge.data).toMatchObject([{ key: COURSE_ID, requests: 3 }]);
      if (source === "rollup") {
        expect(country.parts.map((part) => part.table)).toEqual(["qoe_hourly_by_country"]);
        expect(edge.parts.map((part) => part.table)).toEqual(["qoe_hourly_by_edge"]);
      }
      const engagement = await queries.engagementSummary({ ...day, source, limit: 10 });
      expect(engagement.data).toMatchObject({ activeLearners: 2, lessonsStarted: 2 });
      const courses = await queries.engagementByCourse({ ...day, source, limit: 10 });
      expect(courses.data).toMatchObject([{ courseId: "fin-101", activeLearners: 2 }]);
    }
  });

  it("writes, deletes and changes nothing", async () => {
    const table = `${database}.playback_requests`;
    await expectDenied(client(), `INSERT INTO ${table} (request_id) VALUES ('x')`);
    await expectDenied(client(), `DROP TABLE ${table}`);
    await expectDenied(client(), `TRUNCATE TABLE ${table}`);
    await expectDenied(client(), `ALTER TABLE ${table} DELETE WHERE 1`);
    await expectDenied(client(), `CREATE TABLE ${database}.t (a UInt8) ENGINE = Memory`);
    await expectDenied(client(), `SELECT count() FROM ${database}.schema_migrations`);
    await expectDenied(client(), "SELECT name FROM system.users");
  });
});

describe("backup (the clickhouse-backup sidecar)", () => {
  const { client } = phase(setting, "backup");
  const table = `${database}.playback_requests`;

  it("runs the queries clickhouse-backup makes to create a backup", async () => {
    // As pkg/clickhouse/clickhouse.go (v2.6.41) writes them.
    expect(
      await rows(
        client(),
        "SELECT value FROM `system`.`build_options` WHERE name='VERSION_INTEGER'",
      ),
    ).toHaveLength(1);
    await rows(
      client(),
      "SELECT d.path AS path, any(d.name) AS name, any(d.type) AS type, min(d.free_space) AS free_space, " +
        "groupUniqArray(s.policy_name) AS storage_policies FROM system.disks AS d " +
        "LEFT JOIN (SELECT policy_name, arrayJoin(disks) AS disk FROM system.storage_policies) AS s ON s.disk = d.name GROUP BY d.path",
    );
    const tables = await rows(
      client(),
      "SELECT database, name, engine, data_paths, uuid, create_table_query, coalesce(total_bytes, 0) AS total_bytes " +
        "FROM system.tables WHERE is_temporary = 0 AND database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema')",
    );
    expect(tables.map((row) => row.name)).toContain("playback_requests");
    expect(await rows(client(), `SHOW CREATE TABLE ${table}`)).toHaveLength(1);
    for (const query of [
      `SELECT sum(bytes_on_disk) AS size FROM system.parts WHERE active AND database='${database}' AND table='playback_requests'`,
      "SELECT macro, substitution FROM system.macros",
      "SELECT name, create_query FROM system.functions WHERE create_query != ''",
      `SELECT mutation_id, command FROM system.mutations WHERE is_done = 0 AND database='${database}'`,
      "SELECT name FROM system.user_directories",
    ]) {
      await rows(client(), query);
    }
    await client().command({ query: `ALTER TABLE ${table} FREEZE WITH NAME 'kc_grants_test'` });
    await client().command({ query: `ALTER TABLE ${table} UNFREEZE WITH NAME 'kc_grants_test'` });
  });

  it("reads and writes no rows and changes no schema", async () => {
    await expectDenied(client(), `SELECT request_id FROM ${table}`);
    await expectDenied(client(), `INSERT INTO ${table} (request_id) VALUES ('x')`);
    await expectDenied(client(), `DROP TABLE ${table}`);
    await expectDenied(client(), `TRUNCATE TABLE ${table}`);
    await expectDenied(client(), `ALTER TABLE ${table} DELETE WHERE 1`);
    await expectDenied(client(), "SELECT name FROM system.users");
  });
});
