import { describe, expect, it } from "vitest";
import {
  CLICKHOUSE_USER_ACCESS,
  CLICKHOUSE_USER_NAMES,
  clickHouseUserAccess,
} from "./clickhouse-users";

describe("clickHouseUserAccess", () => {
  it("scopes every database grant to the database it is given", () => {
    const access = clickHouseUserAccess("kc_test");
    for (const name of CLICKHOUSE_USER_NAMES) {
      for (const grant of access[name].grants) {
        expect(grant, `${name}: ${grant}`).toMatch(
          / ON (kc_test\.[a-z_*]+|system\.[a-z_]+|\*\.\*)$/,
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
  });

  it("lets the rollup job change rows only of the rollups, their staging tables and its state", () => {
    const grants = clickHouseUserAccess("kc_test").rollup.grants;
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
      "GRANT SELECT(timestamp, course_id, country, edge_location, rendition, is_error, aborted, cache_hit, bytes, ttfb_ms) ON kc_test.playback_requests",
    ]);
  });

  it("refuses a database name that is not a plain identifier", () => {
    expect(() => clickHouseUserAccess("analytics; DROP")).toThrow(
      'database "analytics; DROP": expected ^[a-z_][a-z0-9_]*$',
    );
  });
});
