import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropDatabase, testClient, uniqueDatabase } from "../../../test/clickhouse/database";
import { serverFeatures } from "./features";
import { migrate, readServerVersion } from "./migrate";
import { MIGRATIONS, type Migration } from "./migrations";

/** Every table's and view's definition, and every column, in the database. */
async function schemaOf(client: ClickHouseClient, database: string): Promise<unknown> {
  const tables = await client.query({
    query: `SELECT name, engine, create_table_query FROM system.tables WHERE database = '${database}' ORDER BY name`,
    format: "JSONEachRow",
  });
  const columns = await client.query({
    query: `SELECT table, name, type, default_kind, default_expression FROM system.columns WHERE database = '${database}'`,
    format: "JSONEachRow",
  });
  return { tables: await tables.json(), columns: await columns.json() };
}

async function ledger(client: ClickHouseClient, database: string): Promise<unknown[]> {
  const result = await client.query({
    query: `SELECT version, name FROM ${database}.schema_migrations ORDER BY version`,
    format: "JSONEachRow",
  });
  return result.json();
}

describe("migrations on a real server", () => {
  const database = uniqueDatabase("migrate");
  let client: ClickHouseClient;

  beforeAll(() => {
    client = testClient();
  });
  afterAll(async () => {
    await dropDatabase(client, database);
  });

  it("apply every version once, then change nothing on a second run", async () => {
    const first = await migrate(client, { database });
    expect(first.applied).toEqual(MIGRATIONS.map((migration) => migration.version));
    expect(first.alreadyApplied).toEqual([]);
    const schema = await schemaOf(client, database);
    const recorded = await ledger(client, database);

    const second = await migrate(client, { database });
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(MIGRATIONS.map((migration) => migration.version));
    expect(await schemaOf(client, database)).toEqual(schema);
    expect(await ledger(client, database)).toEqual(recorded);
  });

  it("creates the tables, rollups and views the ingest, the rollup job and the API use", async () => {
    const result = await client.query({
      query: `SELECT name, engine FROM system.tables WHERE database = '${database}' ORDER BY name`,
      format: "JSONEachRow",
    });
    expect(await result.json()).toEqual([
      { name: "engagement_daily", engine: "AggregatingMergeTree" },
      { name: "engagement_daily_mv", engine: "MaterializedView" },
      { name: "learning_events", engine: "ReplacingMergeTree" },
      { name: "playback_requests", engine: "ReplacingMergeTree" },
      { name: "qoe_hourly", engine: "SummingMergeTree" },
      { name: "qoe_hourly_by_country", engine: "SummingMergeTree" },
      { name: "qoe_hourly_by_country_staging", engine: "SummingMergeTree" },
      { name: "qoe_hourly_by_edge", engine: "SummingMergeTree" },
      { name: "qoe_hourly_by_edge_staging", engine: "SummingMergeTree" },
      { name: "qoe_hourly_staging", engine: "SummingMergeTree" },
      { name: "qoe_rollup_state", engine: "ReplacingMergeTree" },
      { name: "qoe_slices_daily", engine: "SummingMergeTree" },
      { name: "qoe_slices_daily_staging", engine: "SummingMergeTree" },
      { name: "qoe_slices_hourly", engine: "SummingMergeTree" },
      { name: "qoe_slices_hourly_staging", engine: "SummingMergeTree" },
      { name: "schema_migrations", engine: "ReplacingMergeTree" },
    ]);
  });

  it("uses the plain schema on a server older than 20.3 (no LowCardinality, codecs or TTL)", async () => {
    const version = await readServerVersion(client);
    const result = await client.query({
      query: `SELECT create_table_query FROM system.tables WHERE database = '${database}' AND name = 'playback_requests'`,
      format: "JSONEachRow",
    });
    const [row] = await result.json<{ create_table_query: string }>();
    if (version.major > 20 || (version.major === 20 && version.minor >= 3)) {
      expect(row?.create_table_query).toContain("LowCardinality(String)");
      expect(row?.create_table_query).toContain("TTL");
    } else {
      expect(row?.create_table_query).not.toContain("LowCardinality");
      expect(row?.create_table_query).not.toContain("CODEC");
      expect(row?.create_table_query).not.toContain("TTL");
    }
  });

  it("applies a new version alone, and refuses a released version that was renamed", async () => {
    const extra: Migration = {
      version: 99,
      name: "probe",
      statements: (context) => [
        `CREATE TABLE IF NOT EXISTS ${context.database}.probe (x UInt8) ENGINE = MergeTree ORDER BY x`,
      ],
    };
    const result = await migrate(client, { database, migrations: [...MIGRATIONS, extra] });
    expect(result.applied).toEqual([99]);

    const renamed = MIGRATIONS.map((migration) =>
      migration.version === 2 ? { ...migration, name: "renamed" } : migration,
    );
    await expect(migrate(client, { database, migrations: renamed })).rejects.toThrow(
      'schema_migrations holds version 2 as "playback_hourly", but this release calls it "renamed"',
    );
  });

  it("re-runs a migration that stopped half-way (its statements are idempotent)", async () => {
    const partial = uniqueDatabase("partial");
    const first = MIGRATIONS.find((migration) => migration.version === 2);
    if (first === undefined) {
      throw new Error("migration 2 is missing");
    }
    // Version 1 and the first statement of version 2 ran; the ledger has only version 1.
    await migrate(client, { database: partial, migrations: MIGRATIONS.slice(0, 1) });
    const [table] = first.statements({
      database: partial,
      features: { lowCardinality: false, codecs: false, ttl: false },
    });
    await client.command({ query: table ?? "" });

    const result = await migrate(client, { database: partial });
    expect(result.applied).toEqual(MIGRATIONS.slice(1).map((migration) => migration.version));
    // Migration 6 run again in full (its ALTER sets the type it already set) changes nothing.
    const schema = await schemaOf(client, partial);
    const sixth = MIGRATIONS.find((migration) => migration.version === 6);
    const features = await readServerVersion(client).then(serverFeatures);
    for (const statement of sixth?.statements({ database: partial, features }) ?? []) {
      await client.command({ query: statement });
    }
    expect(await schemaOf(client, partial)).toEqual(schema);
    await client.command({ query: `DROP DATABASE IF EXISTS ${partial}` });
  });
});
