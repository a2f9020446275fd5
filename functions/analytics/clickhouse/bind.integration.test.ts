import type { ClickHouseClient } from "@clickhouse/client";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testClient } from "../../../test/clickhouse/database";
import { sql } from "./bind";

describe("bound values on a real server", () => {
  let client: ClickHouseClient;
  beforeAll(() => {
    client = testClient();
  });
  afterAll(async () => {
    await client.close();
  });

  async function roundTrip(value: string): Promise<string> {
    const result = await client.query({
      query: sql`SELECT ${value} AS value`.text,
      format: "JSONEachRow",
    });
    const [row] = await result.json<{ value: string }>();
    return row?.value ?? "";
  }

  it.each([
    "'; DROP DATABASE default; --",
    "\\'; SELECT 1; --",
    "\\\\' OR 1=1 --",
    "a\u0000b",
    "line\nbreak\ttab\r",
    "\u007f",
    "ع' UNION SELECT name FROM system.tables --",
  ])("reads back %j unchanged, as one string", async (value) => {
    expect(await roundTrip(value)).toBe(value);
  });

  it("reads back any string unchanged (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 40 }), async (value) => {
        expect(await roundTrip(value)).toBe(value);
      }),
      { numRuns: 200 },
    );
  });

  it("binds lists and dates the server reads as intended", async () => {
    const result = await client.query({
      query:
        sql`SELECT ${"b"} IN ${["a", "b"]} AS found, toString(${new Date("2026-05-06T07:08:09Z")}) AS at`
          .text,
      format: "JSONEachRow",
    });
    expect(await result.json()).toEqual([{ found: 1, at: "2026-05-06 07:08:09" }]);
  });
});
