/**
 * Migration 8 as rendered for the installation's cluster (any N shards x M replicas: the layout
 * comes from the operator's `remote_servers` and `{shard}`/`{replica}` macros, not from the SQL,
 * so one rendering serves 2 x 2 as well as 1 x 2), for a cluster without Keeper (the two-shard
 * test's), and for one server.
 */
import { describe, expect, it } from "vitest";
import { parseServerVersion, serverFeatures } from "./features";
import {
  alterTableStatements,
  distributedLayoutStatements,
  ledgerReadTable,
  localDatabase,
  renameTarget,
  tablesOf,
} from "./cluster-layout";
import { ledgerStatements, renderMigrations } from "./migrations";

const CURRENT = serverFeatures(parseServerVersion("25.8.2.29"));
const OLD = serverFeatures(parseServerVersion("18.16.1"));
const CLUSTER = { database: "analytics", features: CURRENT, cluster: "analytics" } as const;

function migration8(context: Parameters<typeof renderMigrations>[0]): readonly string[] {
  return renderMigrations(context).find((migration) => migration.version === 8)?.statements ?? [];
}

describe("migration 8 on a replicated cluster (2 shards x 2 replicas)", () => {
  const statements = migration8(CLUSTER);

  it("runs every statement on the whole cluster", () => {
    expect(statements.length).toBeGreaterThan(20);
    for (const statement of statements) {
      expect(statement).toMatch(/ ON CLUSTER 'analytics'(\s|$)/);
    }
  });

  it("moves every table the ingest, the job and the API use into the shard's database", () => {
    const renames = statements.filter((statement) => statement.startsWith("RENAME TABLE"));
    expect(renames.map((statement) => renameTarget(statement)?.name)).toEqual([
      "playback_requests",
      "learning_events",
      "engagement_daily",
      "qoe_hourly",
      "qoe_hourly_by_country",
      "qoe_hourly_by_edge",
      "qoe_slices_hourly",
      "qoe_slices_daily",
      "qoe_hourly_staging",
      "qoe_hourly_by_country_staging",
      "qoe_hourly_by_edge_staging",
      "qoe_slices_hourly_staging",
      "qoe_slices_daily_staging",
      "qoe_rollup_state",
    ]);
    for (const rename of renames) {
      expect(rename).toMatch(
        /^RENAME TABLE analytics\.(\w+) TO analytics_local\.\1 ON CLUSTER 'analytics'$/,
      );
      expect(renameTarget(rename)?.database).toBe("analytics_local");
    }
    expect(statements[0]).toBe(
      "CREATE DATABASE IF NOT EXISTS analytics_local ON CLUSTER 'analytics'",
    );
  });

  it("shards raw requests by request id and learning events by event id", () => {
    expect(statements).toContain(
      `CREATE TABLE IF NOT EXISTS analytics.playback_requests ON CLUSTER 'analytics' AS analytics_local.playback_requests
ENGINE = Distributed('analytics', 'analytics_local', 'playback_requests', cityHash64(request_id))`,
    );
    expect(statements).toContain(
      `CREATE TABLE IF NOT EXISTS analytics.learning_events ON CLUSTER 'analytics' AS analytics_local.learning_events
ENGINE = Distributed('analytics', 'analytics_local', 'learning_events', cityHash64(event_id))`,
    );
  });

  it("reads the rollups through Distributed tables without a sharding key (no writes through them)", () => {
    for (const rollup of [
      "engagement_daily",
      "qoe_hourly",
      "qoe_hourly_by_country",
      "qoe_hourly_by_edge",
      "qoe_slices_hourly",
      "qoe_slices_daily",
    ]) {
      expect(statements).toContain(
        `CREATE TABLE IF NOT EXISTS analytics.${rollup} ON CLUSTER 'analytics' AS analytics_local.${rollup}
ENGINE = Distributed('analytics', 'analytics_local', '${rollup}')`,
      );
    }
    expect(statements.filter((statement) => statement.includes("_staging\nENGINE"))).toEqual([]);
  });

  it("gives the API's marks a replicated table with a replication path of its own", () => {
    expect(statements[statements.length - 1]).toBe(
      `CREATE TABLE IF NOT EXISTS analytics.qoe_rollup_state ON CLUSTER 'analytics' AS analytics_local.qoe_rollup_state
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/analytics/qoe_rollup_marks', '{replica}', built_at)
ORDER BY level`,
    );
    // The moved state keeps the path migration 5 gave it: no two tables share one.
    const replicated = renderMigrations(CLUSTER)
      .flatMap((migration) => migration.statements)
      .flatMap((statement) => [
        ...statement.matchAll(
          /Replicated\w+\('(\/clickhouse\/tables\/\{shard\}\/[^']+)', '\{replica\}'/g,
        ),
      ])
      .map((match) => match[1]);
    expect(new Set(replicated).size).toBe(replicated.length);
  });

  it("makes the engagement view again over the shard's own tables, after dropping the old one", () => {
    const drop = statements.indexOf(
      "DROP TABLE IF EXISTS analytics.engagement_daily_mv ON CLUSTER 'analytics'",
    );
    const view = statements.findIndex((statement) =>
      statement.startsWith(
        "CREATE MATERIALIZED VIEW IF NOT EXISTS analytics_local.engagement_daily_mv ON CLUSTER 'analytics'\nTO analytics_local.engagement_daily\n",
      ),
    );
    const moved = statements.indexOf(
      "RENAME TABLE analytics.learning_events TO analytics_local.learning_events ON CLUSTER 'analytics'",
    );
    expect(drop).toBeGreaterThan(0);
    expect(drop).toBeLessThan(moved);
    expect(view).toBeGreaterThan(moved);
    expect(statements[view]).toContain("FROM analytics_local.learning_events\n");
  });

  it("keeps the earlier migrations' replicated tables with {shard}/{replica} paths", () => {
    const first = renderMigrations(CLUSTER)[0]?.statements[0] ?? "";
    expect(first).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/analytics/playback_requests', '{replica}', ingested_at)",
    );
  });

  it("reads the ledger of every shard", () => {
    expect(ledgerStatements(CLUSTER)).toContain(
      `CREATE TABLE IF NOT EXISTS analytics.schema_migrations_all ON CLUSTER 'analytics' AS analytics.schema_migrations
ENGINE = Distributed('analytics', 'analytics', 'schema_migrations')`,
    );
    expect(ledgerReadTable(CLUSTER)).toBe("analytics.schema_migrations_all");
  });
});

describe("migration 8 on a cluster without Keeper", () => {
  const context = { database: "kc", features: OLD, cluster: "two-shards", replicated: false };

  it("renders the same layout with plain engines and no ON CLUSTER, for each server to run", () => {
    const statements = migration8(context);
    for (const statement of statements) {
      expect(statement).not.toContain("ON CLUSTER");
      expect(statement).not.toContain("Replicated");
    }
    expect(statements).toContain(
      `CREATE TABLE IF NOT EXISTS kc.playback_requests AS kc_local.playback_requests
ENGINE = Distributed('two-shards', 'kc_local', 'playback_requests', cityHash64(request_id))`,
    );
    expect(statements[statements.length - 1]).toContain("ENGINE = ReplacingMergeTree(built_at)");
    expect(ledgerStatements(context).join("\n")).not.toContain("Distributed");
    expect(ledgerReadTable(context)).toBe("kc.schema_migrations");
  });
});

describe("migration 8 on one server", () => {
  it("renders nothing: the tables stay as migrations 1 to 7 made them", () => {
    expect(distributedLayoutStatements({ database: "analytics", features: CURRENT })).toEqual([]);
    expect(migration8({ database: "analytics", features: OLD })).toEqual([]);
  });
});

describe("changing a table's columns after migration 8", () => {
  const add = "ADD COLUMN IF NOT EXISTS x UInt8";

  it("alters the shard's table first, then the Distributed table over it", () => {
    expect(alterTableStatements(CLUSTER, "playback_requests", add)).toEqual([
      `ALTER TABLE analytics_local.playback_requests ON CLUSTER 'analytics' ${add}`,
      `ALTER TABLE analytics.playback_requests ON CLUSTER 'analytics' ${add}`,
    ]);
    expect(alterTableStatements(CLUSTER, "qoe_hourly_staging", add)).toEqual([
      `ALTER TABLE analytics_local.qoe_hourly_staging ON CLUSTER 'analytics' ${add}`,
    ]);
    expect(tablesOf(CLUSTER, "qoe_rollup_state")).toEqual([
      "analytics_local.qoe_rollup_state",
      "analytics.qoe_rollup_state",
    ]);
  });

  it("alters the one table on one server", () => {
    const single = { database: "analytics", features: CURRENT };
    expect(alterTableStatements(single, "qoe_hourly", add)).toEqual([
      `ALTER TABLE analytics.qoe_hourly ${add}`,
    ]);
    expect(localDatabase("analytics")).toBe("analytics_local");
  });
});

describe("renameTarget", () => {
  it("reads the target of a rendered RENAME and nothing else", () => {
    expect(renameTarget("RENAME TABLE a.b TO a_local.b ON CLUSTER 'c'")).toEqual({
      database: "a_local",
      name: "b",
    });
    expect(renameTarget("RENAME TABLE a.b TO a_local.b")).toEqual({
      database: "a_local",
      name: "b",
    });
    expect(renameTarget("CREATE TABLE IF NOT EXISTS a.b AS a_local.b")).toBeUndefined();
    expect(renameTarget("RENAME TABLE a.b TO x'; DROP")).toBeUndefined();
  });
});
