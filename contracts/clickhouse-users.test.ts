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

  it("refuses a database name that is not a plain identifier", () => {
    expect(() => clickHouseUserAccess("analytics; DROP")).toThrow(
      'database "analytics; DROP": expected ^[a-z_][a-z0-9_]*$',
    );
  });
});
