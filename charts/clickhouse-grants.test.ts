/**
 * The ClickHouse chart's user grants: every user must carry explicit GRANT statements (a users.xml
 * user without `<grants>` holds every privilege), the schema refuses statements that would widen
 * a user beyond its list, and the installation template renders them for the operator.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLICKHOUSE_USER_ACCESS, CLICKHOUSE_USER_NAMES } from "../contracts/clickhouse-users";
import { CHARTS_ROOT, chartValuesValidator, type Values } from "./schema";

const validate = chartValuesValidator("clickhouse");

/** A complete deployment whose one user has `grants` (or none, when undefined). */
function withGrants(grants: unknown): Values {
  return {
    storage: { storageClassName: "gp3-encrypted" },
    users: [
      {
        name: "backup",
        passwordSecret: { name: "clickhouse-users", key: "backup" },
        networks: ["127.0.0.1/32"],
        ...(grants === undefined ? {} : { grants }),
      },
    ],
    backup: {
      bucket: "knowledgecity-me-south-1-clickhouse-backups",
      region: "me-south-1",
      kmsKeyArn: "arn:aws:kms:me-south-1:123456789012:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
    },
  };
}

describe("charts/clickhouse user grants", () => {
  it("accept every statement the installation's users are given", () => {
    for (const name of CLICKHOUSE_USER_NAMES) {
      expect(validate(withGrants(CLICKHOUSE_USER_ACCESS[name].grants)).errors, name).toEqual([]);
    }
  });

  it("refuse a user without grants, which would hold every privilege", () => {
    expect(validate(withGrants(undefined)).errors).toEqual([
      "/users/0 must have required property 'grants'",
    ]);
    expect(validate(withGrants([])).errors).toEqual([
      "/users/0/grants must NOT have fewer than 1 items",
    ]);
  });

  it("refuse statements that widen a user: ALL, a grantee, GRANT OPTION, several targets", () => {
    for (const statement of [
      "GRANT ALL ON *.*",
      "GRANT ALL ON analytics.*",
      "GRANT SELECT ON analytics.* TO api",
      "GRANT SELECT ON analytics.* WITH GRANT OPTION",
      "GRANT SELECT ON system.parts, system.disks",
      "REVOKE SELECT ON analytics.*",
      "grant select on analytics.*",
      "GRANT TABLE ENGINE ON *",
      "GRANT TABLE ENGINE ON Distributed, URL",
      "GRANT SELECT ON Distributed",
    ]) {
      expect(validate(withGrants([statement])).errors, statement).toEqual([
        expect.stringMatching(/^\/users\/0\/grants\/0 must match pattern/),
      ]);
    }
  });

  it("render each user's grants as users.xml grants/query for the operator", () => {
    const chi = readFileSync(
      join(CHARTS_ROOT, "clickhouse", "templates", "clickhouseinstallation.yaml"),
      "utf8",
    );
    expect(chi).toMatch(
      /\{\{- range \.Values\.users \}\}[\s\S]*\{\{ \.name \}\}\/grants\/query:\s+\{\{- toYaml \.grants \| nindent 8 \}\}[\s\S]*?\{\{- end \}\}/,
    );
  });
});
