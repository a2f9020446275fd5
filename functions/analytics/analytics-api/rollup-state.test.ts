import type { ClickHouseClient } from "@clickhouse/client";
import { describe, expect, it } from "vitest";
import { ROLLUP_STATE_CACHE_MS, RollupState } from "./rollup-state";

/** A client whose queries answer the next of `answers` (rows, or an error to throw). */
function fakeClient(answers: (object[] | Error)[]): {
  client: ClickHouseClient;
  queries: string[];
} {
  const queries: string[] = [];
  const client = {
    query: ({ query }: { query: string }) => {
      queries.push(query);
      const answer = answers.shift();
      if (answer === undefined) return Promise.reject(new Error("no more answers"));
      if (answer instanceof Error) return Promise.reject(answer);
      return Promise.resolve({ json: () => Promise.resolve(answer) });
    },
  };
  return { client: client as unknown as ClickHouseClient, queries };
}

const HOURLY = { level: "hourly", through: "1793527200" }; // 2026-11-01T10:00:00Z
const DAILY = { level: "daily", through: 1793491200 }; // 2026-11-01T00:00:00Z
const PLACES = { level: "places", through: "1793523600" }; // 2026-11-01T09:00:00Z

describe("RollupState", () => {
  it("reads each level's mark, and none for a level never built", async () => {
    const { client, queries } = fakeClient([[HOURLY, DAILY, PLACES], [HOURLY]]);
    expect(await new RollupState(client, "analytics", 0).marks()).toEqual({
      hourlyThrough: new Date("2026-11-01T10:00:00Z"),
      dailyThrough: new Date("2026-11-01T00:00:00Z"),
      placesThrough: new Date("2026-11-01T09:00:00Z"),
    });
    expect(await new RollupState(client, "analytics", 0).marks()).toEqual({
      hourlyThrough: new Date("2026-11-01T10:00:00Z"),
    });
    expect(queries[0]).toContain("FROM `analytics`.`qoe_rollup_state` GROUP BY level");
  });

  it("reuses a read for the cache time, shared by concurrent callers, then reads again", async () => {
    const { client, queries } = fakeClient([[HOURLY], [HOURLY, DAILY]]);
    const state = new RollupState(client, "analytics", 5_000);
    const [first, second] = await Promise.all([state.marks(1_000), state.marks(1_000)]);
    expect(second).toBe(first);
    expect(await state.marks(5_999)).toBe(first);
    expect(queries).toHaveLength(1);
    expect(await state.marks(6_000)).toHaveProperty("dailyThrough");
    expect(queries).toHaveLength(2);
  });

  it("keeps a read for a minute by default: the job moves the marks once an hour", async () => {
    expect(ROLLUP_STATE_CACHE_MS).toBe(60_000);
    const { client, queries } = fakeClient([[HOURLY], [HOURLY]]);
    const state = new RollupState(client, "analytics");
    await state.marks(0);
    await state.marks(59_999);
    expect(queries).toHaveLength(1);
    await state.marks(60_000);
    expect(queries).toHaveLength(2);
  });

  it("does not keep a failed read", async () => {
    const { client, queries } = fakeClient([new Error("connection reset"), [DAILY]]);
    const state = new RollupState(client, "analytics", 5_000);
    await expect(state.marks(1_000)).rejects.toThrow("connection reset");
    expect(await state.marks(1_001)).toEqual({ dailyThrough: new Date("2026-11-01T00:00:00Z") });
    expect(queries).toHaveLength(2);
  });
});
