import { describe, expect, it } from "vitest";
import { parseServerVersion, serverFeatures } from "./features";
import { MIGRATIONS, QOE_CMCD_ROLLUP_COLUMNS, renderMigrations } from "./migrations";
import { PLAYBACK_CMCD_COLUMNS } from "./tables";

const OLD = serverFeatures(parseServerVersion("18.16.1"));
const CURRENT = serverFeatures(parseServerVersion("25.8.2.29"));

const ROLLUPS = [
  "qoe_hourly",
  "qoe_hourly_by_country",
  "qoe_hourly_by_edge",
  "qoe_slices_hourly",
  "qoe_slices_daily",
];

function cmcdStatements(context: Parameters<typeof renderMigrations>[0]): readonly string[] {
  return renderMigrations(context).find((migration) => migration.version === 7)?.statements ?? [];
}

/** The columns an ALTER adds (one `ADD COLUMN` a line), without `IF NOT EXISTS`. */
function added(statement: string | undefined): string[] {
  return (statement ?? "")
    .split("\n")
    .slice(1)
    .map((line) => line.replace(/^ {2}ADD COLUMN (IF NOT EXISTS )?/, "").replace(/,$/, ""));
}

describe("migration 7 (CMCD)", () => {
  it("is called playback_cmcd and comes after the QoE copies by place", () => {
    const seventh = MIGRATIONS.find((migration) => migration.version === 7);
    expect(seventh?.name).toBe("playback_cmcd");
    expect(MIGRATIONS.findIndex((migration) => migration.version === 7)).toBeGreaterThan(
      MIGRATIONS.findIndex((migration) => migration.version === 6),
    );
  });

  it("adds the sent flag and every CMCD column to the raw table, each Nullable", () => {
    const [raw] = cmcdStatements({ database: "analytics", features: OLD });
    expect(raw).toMatch(/^ALTER TABLE analytics\.playback_requests\n/);
    const columns = added(raw);
    expect(columns[0]).toBe("cmcd UInt8 DEFAULT 0");
    expect(columns.slice(1).map((column) => column.split(" ")[0])).toEqual([
      ...PLAYBACK_CMCD_COLUMNS,
    ]);
    for (const column of columns.slice(1))
      expect(column).toMatch(/ Nullable\((UInt8|UInt32|String)\)$/);
    expect(raw).toContain("cmcd_buffer_starvation Nullable(UInt8)");
    expect(raw).toContain("cmcd_session_id Nullable(String)");
  });

  it("gives every QoE rollup and its staging twin the same CMCD figures, in the same order", () => {
    const statements = cmcdStatements({ database: "analytics", features: CURRENT });
    const targets = statements.map(
      (statement) => /^ALTER TABLE analytics\.(\w+)/.exec(statement)?.[1],
    );
    expect(targets).toEqual([
      "playback_requests",
      ...ROLLUPS.flatMap((rollup) => [rollup, `${rollup}_staging`]),
    ]);
    for (const statement of statements.slice(1)) {
      expect(added(statement)).toEqual([...QOE_CMCD_ROLLUP_COLUMNS]);
    }
    expect(QOE_CMCD_ROLLUP_COLUMNS).toContain("sessions AggregateFunction(uniqExact, String)");
    expect(QOE_CMCD_ROLLUP_COLUMNS).toContain(
      "starved_sessions AggregateFunction(uniqExact, String)",
    );
  });

  it("is idempotent where the server allows it, and plain on 18.16, one ALTER per table", () => {
    for (const statement of cmcdStatements({ database: "analytics", features: CURRENT })) {
      expect(statement.match(/ADD COLUMN /g)?.length).toBe(
        statement.match(/ADD COLUMN IF NOT EXISTS /g)?.length,
      );
    }
    const [currentRaw] = cmcdStatements({ database: "analytics", features: CURRENT });
    expect(currentRaw).toContain("cmcd_object_type LowCardinality(Nullable(String))");
    const old = cmcdStatements({ database: "analytics", features: OLD }).join("\n");
    expect(old).not.toContain("IF NOT EXISTS");
    expect(old).not.toContain("LowCardinality");
  });

  it("runs on the cluster", () => {
    const statements = cmcdStatements({ database: "analytics", features: CURRENT, cluster: "kc" });
    for (const statement of statements)
      expect(statement).toMatch(/^ALTER TABLE analytics\.\w+ ON CLUSTER 'kc'\n/);
  });
});
