import { ClickHouseLogLevel } from "@clickhouse/client";
import { describe, expect, it } from "vitest";
import {
  ClickHouseSink,
  LOOKUP_QUERY_BYTES,
  MAX_IDS_PER_QUERY,
  REQUEST_TIMEOUT_MS,
  clickHouseClientOptions,
  createClickHouseConnection,
} from "./clickhouse-sink";
import { UnexpectedResultError } from "./errors";
import {
  CLICKHOUSE_DATABASE,
  CLICKHOUSE_URL,
  CLICKHOUSE_USER,
  FakeClickHouse,
  PASSWORD,
  rejection,
} from "./test-support";
import { EXPECTED_ROW, requestId } from "./fixtures/events";

const FROM = "2020-10-14 03:38:20";
const TO = "2020-10-14 03:39:50";

describe("ClickHouseSink", () => {
  it("inserts rows into <database>.playback_requests as JSONEachRow, in one call", async () => {
    const client = new FakeClickHouse();
    const rows = [EXPECTED_ROW, { ...EXPECTED_ROW, request_id: requestId(2) }];
    await new ClickHouseSink(client, CLICKHOUSE_DATABASE).insert(rows);
    expect(client.inserts).toEqual([
      { table: "analytics.playback_requests", values: rows, format: "JSONEachRow" },
    ]);
  });

  it("makes no call to insert nothing", async () => {
    const client = new FakeClickHouse();
    await new ClickHouseSink(client, CLICKHOUSE_DATABASE).insert([]);
    expect(client.inserts).toEqual([]);
  });

  it("looks ids up within the time range, with every value a SQL literal", async () => {
    const client = new FakeClickHouse();
    const sink = new ClickHouseSink(client, CLICKHOUSE_DATABASE);
    expect(await sink.existingRequestIds([requestId(1), requestId(2)], FROM, TO)).toEqual(
      new Set(),
    );
    expect(client.queries).toEqual([
      "SELECT request_id FROM `analytics`.`playback_requests`" +
        ` WHERE timestamp BETWEEN toDateTime('${FROM}') AND toDateTime('${TO}')` +
        ` AND request_id IN ('${requestId(1)}', '${requestId(2)}')`,
    ]);
  });

  it("escapes quotes and backslashes in the literals", async () => {
    const client = new FakeClickHouse();
    await new ClickHouseSink(client, CLICKHOUSE_DATABASE).existingRequestIds(
      ["it's", "back\\slash", "x');DROP--"],
      FROM,
      TO,
    );
    expect(client.queries[0]).toBe(
      "SELECT request_id FROM `analytics`.`playback_requests`" +
        ` WHERE timestamp BETWEEN toDateTime('${FROM}') AND toDateTime('${TO}')` +
        " AND request_id IN ('it\\'s', 'back\\\\slash', 'x\\');DROP--')",
    );
  });

  it("answers the stored ids among those asked", async () => {
    const client = new FakeClickHouse();
    client.rows.push(
      { ...EXPECTED_ROW, request_id: "it's", timestamp: FROM },
      { ...EXPECTED_ROW, request_id: requestId(2), timestamp: TO },
      // Outside the range: not a duplicate of this batch.
      { ...EXPECTED_ROW, request_id: requestId(3), timestamp: "2020-10-13 00:00:00" },
    );
    const sink = new ClickHouseSink(client, CLICKHOUSE_DATABASE);
    expect(
      await sink.existingRequestIds(["it's", requestId(2), requestId(3), requestId(4)], FROM, TO),
    ).toEqual(new Set(["it's", requestId(2)]));
  });

  it(`asks at most ${MAX_IDS_PER_QUERY} ids per query`, async () => {
    const client = new FakeClickHouse();
    const ids = Array.from({ length: 2 * MAX_IDS_PER_QUERY + 500 }, (_, n) => requestId(n));
    client.rows.push(
      { ...EXPECTED_ROW, request_id: requestId(5), timestamp: FROM },
      { ...EXPECTED_ROW, request_id: requestId(2400), timestamp: FROM },
    );
    const sink = new ClickHouseSink(client, CLICKHOUSE_DATABASE);
    expect(await sink.existingRequestIds(ids, FROM, TO)).toEqual(
      new Set([requestId(5), requestId(2400)]),
    );
    expect(client.queries.map((query) => query.split("', '").length)).toEqual([
      MAX_IDS_PER_QUERY,
      MAX_IDS_PER_QUERY,
      500,
    ]);
    // A full batch of ids of the longest length accepted stays below the limit the lookup sets.
    const longest = Array.from({ length: MAX_IDS_PER_QUERY }, () => "x".repeat(128));
    await sink.existingRequestIds(longest, FROM, TO);
    expect(Buffer.byteLength(client.queries.at(-1) ?? "")).toBeLessThan(LOOKUP_QUERY_BYTES);
  });

  it("uses the query renderer it is given", async () => {
    const client = new FakeClickHouse();
    const calls: unknown[] = [];
    const sink = new ClickHouseSink(client, CLICKHOUSE_DATABASE, (from, to, ids) => {
      calls.push({ from, to, ids });
      return `rendered ${ids.length}`;
    });
    await sink.existingRequestIds([requestId(1)], FROM, TO);
    expect(calls).toEqual([{ from: FROM, to: TO, ids: [requestId(1)] }]);
    expect(client.queries).toEqual(["rendered 1"]);
  });

  it("rejects an answer that is not request_id rows", async () => {
    for (const answer of [{ data: [] }, [{ id: "x" }], [null], [{ request_id: 7 }]]) {
      const sink = new ClickHouseSink(
        {
          query: () => Promise.resolve({ json: () => Promise.resolve(answer) }),
          insert: () => Promise.resolve(),
          close: () => Promise.resolve(),
        },
        CLICKHOUSE_DATABASE,
      );
      expect(await rejection(sink.existingRequestIds(["a"], FROM, TO))).toBeInstanceOf(
        UnexpectedResultError,
      );
    }
  });

  it("lets the client's errors through", async () => {
    const client = new FakeClickHouse();
    const failure = new Error("socket hang up");
    client.queryFailures.push(failure);
    client.insertFailures.push(failure);
    const sink = new ClickHouseSink(client, CLICKHOUSE_DATABASE);
    expect(await rejection(sink.existingRequestIds(["a"], FROM, TO))).toBe(failure);
    expect(await rejection(sink.insert([EXPECTED_ROW]))).toBe(failure);
  });

  it.each(["", "1analytics", "analytics; DROP", "a.b", "`x`", "a".repeat(65)])(
    "refuses the database name %j",
    (database) => {
      expect(() => new ClickHouseSink(new FakeClickHouse(), database)).toThrow(RangeError);
    },
  );
});

describe("clickHouseClientOptions", () => {
  it("disables keep-alive, times out after 10 s, compresses inserts and logs nothing", () => {
    expect(
      clickHouseClientOptions({
        url: CLICKHOUSE_URL,
        database: CLICKHOUSE_DATABASE,
        username: CLICKHOUSE_USER,
        password: PASSWORD,
      }),
    ).toEqual({
      url: CLICKHOUSE_URL,
      database: CLICKHOUSE_DATABASE,
      username: CLICKHOUSE_USER,
      password: PASSWORD,
      application: "rtlog-ingest",
      request_timeout: 10_000,
      keep_alive: { enabled: false },
      compression: { request: false, response: false },
      log: { level: ClickHouseLogLevel.OFF },
    });
    expect(REQUEST_TIMEOUT_MS).toBe(10_000);
  });

  it("opens a client without connecting", async () => {
    const client = createClickHouseConnection({
      url: CLICKHOUSE_URL,
      database: CLICKHOUSE_DATABASE,
      username: CLICKHOUSE_USER,
      password: PASSWORD,
    });
    expect(typeof client.insert).toBe("function");
    await client.close();
  });
});
