import { describe, expect, it } from "vitest";
import {
  CLICKHOUSE_USER_ACCESS,
  CLICKHOUSE_USER_NAMES,
  clickHouseUserAccess,
  shardDatabase,
} from "./clickhouse-users";

describe("clickHouseUserAccess", () => {
  it("scopes every database grant to the database it is given", () => {
    const access = clickHouseUserAccess("kc_test");
    for (const name of CLICKHOUSE_USER_NAMES) {
      for (const grant of access[name].grants) {
        expect(grant, `${name}: ${grant}`).toMatch(
          / ON (kc_test(_local)?\.[a-z_*]+|system\.[a-z_]+|\*\.\*|Distributed)$/,
        );
      }
    }
    expect(access.api.grants).toContain("GRANT SELECT ON kc_test.playback_requests");
  });

  it("gives rows on every database to nobody: server-wide grants are capabilities only", () => {
    for (const name of CLICKHOUSE_USER_NAMES) {
      for (const grant of CLICKHOUSE_USER_ACCESS[name].grants.filter((g) =>
        g.endsWith(" ON *.*"),
      )) {
        expect(grant).not.toMatch(/\b(SELECT|INSERT|ALTER|DROP|CREATE TABLE|ALL)\b/);
      }
    }
    // The one engine grant: the migrator's, for migration 8's Distributed tables.
    const engines = CLICKHOUSE_USER_NAMES.flatMap((name) =>
      CLICKHOUSE_USER_ACCESS[name].grants
        .filter((grant) => grant.startsWith("GRANT TABLE ENGINE"))
        .map((grant) => `${name}: ${grant}`),
    );
    expect(engines).toEqual(["migrator: GRANT TABLE ENGINE ON Distributed"]);
  });

  it("lets the rollup job change rows only of the rollups, their staging tables and its state", () => {
    const all = clickHouseUserAccess("kc_test").rollup.grants;
    // In the database, and the same again in each shard's (checked below).
    const grants = all.filter((grant) => !grant.includes(" ON kc_test_local."));
    expect(all.filter((grant) => grant.includes(" ON kc_test_local."))).toEqual(
      grants.map((grant) => grant.replace(" ON kc_test.", " ON kc_test_local.")),
    );
    const writes = grants.filter((grant) => /\b(INSERT|ALTER)\b/.test(grant));
    expect(writes.map((grant) => grant.replace(/^.* ON kc_test\./, "")).sort()).toEqual([
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
    ]);
    // REPLACE PARTITION needs SELECT on the source, ALTER DELETE and INSERT on the target.
    for (const rollup of [
      "qoe_hourly",
      "qoe_hourly_by_country",
      "qoe_hourly_by_edge",
      "qoe_slices_hourly",
      "qoe_slices_daily",
    ]) {
      expect(grants).toContainEqual(
        expect.stringMatching(new RegExp(`INSERT, ALTER DELETE ON kc_test\\.${rollup}$`)),
      );
      expect(grants).toContain(`GRANT SELECT, INSERT, ALTER DELETE ON kc_test.${rollup}_staging`);
    }
    expect(grants.join("\n")).not.toMatch(/\b(DROP|CREATE|TRUNCATE|ALTER UPDATE|ALTER TABLE)\b/);
    expect(grants.filter((grant) => grant.includes("playback_requests"))).toEqual([
      "GRANT SELECT(timestamp, course_id, country, edge_location, rendition, is_error, aborted, cache_hit, bytes, ttfb_ms, " +
        "cmcd, cmcd_buffer_starvation, cmcd_startup, cmcd_buffer_length_ms, cmcd_measured_throughput_kbps, cmcd_session_id) ON kc_test.playback_requests",
    ]);
  });

  it("reaches rows of the shard's tables as of the Distributed ones over them, and no more", () => {
    const access = clickHouseUserAccess("kc_test");
    const onShard = (name: (typeof CLICKHOUSE_USER_NAMES)[number]) =>
      access[name].grants.filter((grant) => grant.includes(" ON kc_test_local."));
    expect(shardDatabase("kc_test")).toBe("kc_test_local");
    expect(onShard("ingest")).toEqual([
      "GRANT INSERT ON kc_test_local.playback_requests",
      "GRANT SELECT(request_id, timestamp, course_id, country, edge_location, rendition, is_error, aborted, cache_hit, bytes, ttfb_ms) ON kc_test_local.playback_requests",
    ]);
    // The API reads; the shard's rollup state is the job's progress, which it never reads.
    expect(onShard("api")).toEqual(
      [
        "playback_requests",
        "qoe_hourly",
        "qoe_hourly_by_country",
        "qoe_hourly_by_edge",
        "qoe_slices_hourly",
        "qoe_slices_daily",
        "learning_events",
        "engagement_daily",
      ].map((name) => `GRANT SELECT ON kc_test_local.${name}`),
    );
    // The migrator may do in the shard's database what it may in its own (RENAME moves tables).
    expect(onShard("migrator")).toEqual(
      access.migrator.grants
        .filter((grant) => grant.includes(" ON kc_test.*"))
        .map((grant) => grant.replace(" ON kc_test.*", " ON kc_test_local.*")),
    );
    expect(onShard("backup")).toEqual([
      "GRANT SHOW DATABASES, SHOW TABLES, SHOW COLUMNS ON kc_test_local.*",
      "GRANT ALTER FREEZE PARTITION ON kc_test_local.*",
    ]);
  });

  it("refuses a database name that is not a plain identifier", () => {
    expect(() => clickHouseUserAccess("analytics; DROP")).toThrow(
      'database "analytics; DROP": expected ^[a-z_][a-z0-9_]*$',
    );
  });
});
