import { describe, expect, it } from "vitest";
import { parseServerVersion, serverFeatures } from "./features";
import { ledgerStatements, MIGRATIONS, renderMigrations, type Migration } from "./migrations";

const OLD = serverFeatures(parseServerVersion("18.16.1"));
const CURRENT = serverFeatures(parseServerVersion("25.8.2.29"));

function allStatements(...args: Parameters<typeof renderMigrations>): string {
  return renderMigrations(...args)
    .flatMap((migration) => migration.statements)
    .join("\n");
}

describe("server features", () => {
  it("gates LowCardinality, codecs and TTL on 20.3", () => {
    expect(OLD).toEqual({ lowCardinality: false, codecs: false, ttl: false });
    expect(serverFeatures(parseServerVersion("20.2.1"))).toEqual(OLD);
    expect(serverFeatures(parseServerVersion("20.3.1"))).toEqual(CURRENT);
    expect(CURRENT).toEqual({ lowCardinality: true, codecs: true, ttl: true });
  });

  it("refuses a version it cannot read", () => {
    expect(() => parseServerVersion("latest")).toThrow('unrecognised ClickHouse version "latest"');
  });
});

describe("rendered migrations", () => {
  it("are numbered in increasing order, every statement idempotent", () => {
    const rendered = renderMigrations({ database: "analytics", features: CURRENT });
    expect(rendered.map((migration) => migration.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const statement of rendered.flatMap((migration) => migration.statements)) {
      // Setting a column's type again is a no-op: the one ALTER is idempotent as it stands.
      expect(statement).toMatch(
        /^((CREATE|DROP) (TABLE|MATERIALIZED VIEW|DATABASE) IF (NOT )?EXISTS |ALTER TABLE analytics\.qoe_rollup_state MODIFY COLUMN level |ALTER TABLE analytics\.\w+\n {2}ADD COLUMN IF NOT EXISTS )/,
      );
    }
  });

  it("use the plain schema on an old server", () => {
    const text = allStatements({ database: "analytics", features: OLD });
    expect(text).not.toContain("LowCardinality");
    expect(text).not.toContain("CODEC");
    expect(text).not.toContain("TTL");
  });

  it("use LowCardinality, codecs and a TTL with the configured retention on a current server", () => {
    const text = allStatements({ database: "analytics", features: CURRENT, rawRetentionDays: 90 });
    expect(text).toContain("course_id LowCardinality(String)");
    expect(text).toContain("timestamp DateTime CODEC(Delta, ZSTD)");
    expect(text).toContain("TTL timestamp + INTERVAL 90 DAY");
  });

  it("replicate every table across the cluster's replicas", () => {
    const context = { database: "analytics", features: CURRENT, cluster: "analytics" };
    const statements = [
      ...ledgerStatements(context),
      ...renderMigrations(context).flatMap((migration) => migration.statements),
    ];
    for (const statement of statements) {
      expect(statement).toContain(" ON CLUSTER 'analytics'");
      // The rollup job's staging tables are each server's own: the swap replicates through the
      // target. Distributed tables (migration 8, cluster-layout.test.ts) hold no rows.
      if (
        statement.includes("ENGINE =") &&
        !statement.includes("ENGINE = Distributed(") &&
        !/^CREATE TABLE IF NOT EXISTS \S+_staging /.test(statement)
      ) {
        expect(statement).toMatch(
          /ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}\/analytics\/\w+', '\{replica\}'/,
        );
      }
    }
    const staging = statements.filter((statement) =>
      /^CREATE TABLE IF NOT EXISTS \S+_staging ON CLUSTER/.test(statement),
    );
    expect(staging).toHaveLength(5);
    for (const statement of staging) {
      expect(statement).toContain("ENGINE = SummingMergeTree()");
    }
  });

  it("give each QoE rollup a staging twin of the same columns, partition and order", () => {
    const [qoe] = renderMigrations({ database: "analytics", features: CURRENT }).filter(
      (migration) => migration.version === 5,
    );
    const statements = qoe?.statements ?? [];
    expect(statements.slice(0, 2)).toEqual([
      "DROP TABLE IF EXISTS analytics.playback_hourly_mv",
      "DROP TABLE IF EXISTS analytics.playback_hourly",
    ]);
    for (const rollup of ["qoe_hourly", "qoe_slices_hourly", "qoe_slices_daily"]) {
      const target = statements.find((statement) =>
        statement.startsWith(`CREATE TABLE IF NOT EXISTS analytics.${rollup} (`),
      );
      const staging = statements.find((statement) =>
        statement.startsWith(`CREATE TABLE IF NOT EXISTS analytics.${rollup}_staging (`),
      );
      expect(target).toContain("ttfbMap Nested(bucket UInt32, requests UInt64)");
      expect(staging?.replace(`${rollup}_staging`, rollup)).toBe(target);
    }
  });

  it("copy the hourly cube ordered by place, leaving migration 5's rollup levels as released", () => {
    const rendered = renderMigrations({ database: "analytics", features: CURRENT });
    const statements = (version: number): readonly string[] =>
      rendered.find((migration) => migration.version === version)?.statements ?? [];
    const cube = statements(5).find((statement) =>
      statement.startsWith("CREATE TABLE IF NOT EXISTS analytics.qoe_hourly ("),
    );
    expect(statements(5).join("\n")).toContain("level Enum8('hourly' = 1, 'daily' = 2),\n");
    const copies = [
      ["qoe_hourly_by_country", "country, hour, edge_location, course_id, rendition"],
      ["qoe_hourly_by_edge", "edge_location, hour, country, course_id, rendition"],
    ];
    for (const [copy, order] of copies) {
      const target = statements(6).find((statement) =>
        statement.startsWith(`CREATE TABLE IF NOT EXISTS analytics.${copy} (`),
      );
      const staging = statements(6).find((statement) =>
        statement.startsWith(`CREATE TABLE IF NOT EXISTS analytics.${copy}_staging (`),
      );
      // The cube's columns, partitions and granularity; only the sort key differs.
      expect(target?.replace(copy ?? "", "qoe_hourly").replace(`ORDER BY (${order})`, "")).toBe(
        cube?.replace("ORDER BY (course_id, hour, country, edge_location, rendition)", ""),
      );
      expect(staging?.replace(`${copy}_staging`, copy ?? "")).toBe(target);
    }
    expect(statements(6)).toContain(
      "ALTER TABLE analytics.qoe_rollup_state MODIFY COLUMN level Enum8('hourly' = 1, 'daily' = 2, 'places' = 3)",
    );
  });

  it("refuse a bad database, cluster or retention", () => {
    expect(() => renderMigrations({ database: "a; DROP", features: OLD })).toThrow(
      'database "a; DROP"',
    );
    expect(() => renderMigrations({ database: "a", features: OLD, cluster: "X" })).toThrow(
      'cluster "X"',
    );
    expect(() => renderMigrations({ database: "a", features: OLD, rawRetentionDays: 0 })).toThrow(
      "rawRetentionDays 0",
    );
  });

  it("refuse versions out of order", () => {
    const swapped: Migration[] = [...MIGRATIONS].reverse();
    expect(() => renderMigrations({ database: "a", features: OLD }, swapped)).toThrow(
      "is out of order",
    );
  });
});
