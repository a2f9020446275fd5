import { ClickHouseLogLevel } from "@clickhouse/client";
import { describe, expect, it } from "vitest";
import {
  ClickHouseSink,
  IDS_TABLE,
  REQUEST_TIMEOUT_MS,
  ROWS_TABLE,
  WRITTEN_COLUMNS,
  clickHouseClientOptions,
  createClickHouseConnection,
} from "./clickhouse-sink";
import { UnexpectedCountError } from "./errors";
import {
  CLICKHOUSE_DATABASE,
  CLICKHOUSE_URL,
  CLICKHOUSE_USER,
  FakeClickHouse,
  PASSWORD,
  rejection,
} from "./test-support";
import { parseLogLine } from "./parse";
import { CMCD_VALUES, EXPECTED_CMCD, EXPECTED_ROW, logLine, requestId } from "./fixtures/events";
import { PLAYBACK_CMCD_COLUMNS } from "../clickhouse/tables";

const FROM = "2020-10-14 03:38:20";
const TO = "2020-10-14 03:39:50";
const NOW = new Date("2020-10-14T03:40:01.250Z");
const TABLE = "`analytics`.`playback_requests`";
const COLUMNS = Object.keys(WRITTEN_COLUMNS)
  .map((name) => `\`${name}\``)
  .join(", ");
const STORED = (table: string) =>
  `SELECT request_id FROM ${TABLE} WHERE timestamp BETWEEN toDateTime('${FROM}') AND toDateTime('${TO}')` +
  ` AND request_id IN (SELECT request_id FROM \`${table}\`)`;

function sink(client: FakeClickHouse): ClickHouseSink {
  return new ClickHouseSink(client, CLICKHOUSE_DATABASE, { now: () => NOW });
}

describe("ClickHouseSink", () => {
  it("counts the stored ids, then inserts the rest in one INSERT ... SELECT, the rows as external data", async () => {
    const client = new FakeClickHouse();
    const rows = [EXPECTED_ROW, { ...EXPECTED_ROW, request_id: requestId(2), bytes: 7 }];
    expect(await sink(client).insertNew(rows, FROM, TO)).toEqual({ inserted: 2, duplicates: 0 });

    expect(client.queries).toEqual([
      `SELECT count() FROM (${STORED(IDS_TABLE)}) FORMAT TabSeparated`,
      `INSERT INTO ${TABLE} (${COLUMNS}) SELECT ${COLUMNS} FROM \`${ROWS_TABLE}\`` +
        ` WHERE request_id NOT IN (${STORED(ROWS_TABLE)})`,
    ]);
    const [count, insert] = client.statements;
    expect(count?.settings).toEqual({
      batch_ids_structure: "request_id String",
      batch_ids_format: "TabSeparated",
    });
    expect(count?.tables).toEqual({
      batch_ids: [{ request_id: EXPECTED_ROW.request_id }, { request_id: requestId(2) }],
    });
    expect(insert?.settings).toEqual({
      batch_rows_structure:
        "request_id String, timestamp DateTime, timestamp_ms UInt16, course_id String, video_id String, " +
        "rendition String, protocol String, edge_location String, country String, status UInt16, " +
        "ttfb_ms UInt32, time_taken_ms UInt32, bytes UInt64, result_type String, " +
        "detailed_result_type String, cache_hit UInt8, is_error UInt8, aborted UInt8, ingested_at DateTime, " +
        "cmcd UInt8, cmcd_encoded_bitrate_kbps Nullable(UInt32), cmcd_buffer_length_ms Nullable(UInt32), " +
        "cmcd_buffer_starvation Nullable(UInt8), cmcd_content_id Nullable(String), " +
        "cmcd_object_duration_ms Nullable(UInt32), cmcd_deadline_ms Nullable(UInt32), " +
        "cmcd_measured_throughput_kbps Nullable(UInt32), cmcd_object_type Nullable(String), " +
        "cmcd_requested_max_throughput_kbps Nullable(UInt32), cmcd_streaming_format Nullable(String), " +
        "cmcd_session_id Nullable(String), cmcd_stream_type Nullable(String), cmcd_startup Nullable(UInt8), " +
        "cmcd_top_bitrate_kbps Nullable(UInt32), cmcd_version Nullable(UInt32)",
      batch_rows_format: "TabSeparated",
    });
    expect(insert?.contentType).toMatch(/^multipart\/form-data; boundary=rtlog-[0-9a-f-]{36}$/);
    // Every column is sent, ingested_at as the write's time in UTC.
    expect(client.rows).toEqual(
      rows.map((row) => ({ ...row, ingested_at: "2020-10-14 03:40:01" })),
    );
  });

  it("sends every column where the external table's structure declares it", async () => {
    const client = new FakeClickHouse();
    // A distinct value in every column, and each flag set alone once: two columns swapped
    // would read back differently.
    const rows = (
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ] as const
    ).map(([cacheHit, isError, aborted], n) => ({
      request_id: `id-${n}`,
      timestamp: `2020-10-14 03:39:0${n}`,
      timestamp_ms: 100 + n,
      course_id: `course-${n}`,
      video_id: `video-${n}`,
      rendition: `rendition-${n}`,
      protocol: "dash" as const,
      edge_location: `edge-${n}`,
      country: `C${n}`,
      status: 200 + n,
      ttfb_ms: 300 + n,
      time_taken_ms: 400 + n,
      bytes: 500 + n,
      result_type: `result-${n}`,
      detailed_result_type: `detailed-${n}`,
      cache_hit: cacheHit,
      is_error: isError,
      aborted,
    }));
    await sink(client).insertNew(rows, FROM, TO);
    expect(client.rows).toEqual(
      rows.map((row) => ({ ...row, ingested_at: "2020-10-14 03:40:01" })),
    );
    const [line] = client.statements[1]?.body.split("\r\n\r\n")[1]?.split("\n") ?? [];
    expect(line?.split("\t")).toHaveLength(Object.keys(WRITTEN_COLUMNS).length);
  });

  it("writes a parsed row's CMCD values, flagging the row, and NULL for each key not sent", async () => {
    const parsed = parseLogLine(logLine(CMCD_VALUES));
    if (parsed.kind !== "row") throw new Error(parsed.reason);
    const client = new FakeClickHouse();
    const without = { ...EXPECTED_ROW, request_id: requestId(2) };
    const zeros = {
      ...EXPECTED_ROW,
      request_id: requestId(3),
      cmcd_buffer_length_ms: 0,
      cmcd_buffer_starvation: false,
    };
    await sink(client).insertNew([parsed.row, without, zeros], FROM, TO);
    const [sent, none, zero] = client.statements[1]?.tables.batch_rows ?? [];
    expect(sent).toMatchObject({
      cmcd: "1",
      cmcd_encoded_bitrate_kbps: "3000",
      cmcd_buffer_length_ms: "1200",
      cmcd_buffer_starvation: "1",
      cmcd_content_id: EXPECTED_CMCD.cmcd_content_id,
      cmcd_session_id: EXPECTED_CMCD.cmcd_session_id,
      cmcd_object_type: "v",
      cmcd_startup: "\\N",
      cmcd_version: "1",
    });
    expect(none).toMatchObject({ cmcd: "0", cmcd_buffer_length_ms: "\\N" });
    for (const column of PLAYBACK_CMCD_COLUMNS) expect(none?.[column]).toBe("\\N");
    // 0 and false are values the player sent, not absence.
    expect(zero).toMatchObject({
      cmcd: "1",
      cmcd_buffer_length_ms: "0",
      cmcd_buffer_starvation: "0",
      cmcd_session_id: "\\N",
    });
    expect(client.rows).toEqual(
      [parsed.row, without, zeros].map((row) => ({ ...row, ingested_at: "2020-10-14 03:40:01" })),
    );
    expect(client.rows[0]).toMatchObject({ ...EXPECTED_ROW, ...EXPECTED_CMCD });
    expect(client.rows[1]?.cmcd_buffer_starvation).toBeUndefined();
  });

  it("flags a row whose only CMCD value is a text that reads like NULL, and keeps that text", async () => {
    const client = new FakeClickHouse();
    const rows = [
      { ...EXPECTED_ROW, cmcd_content_id: "\\N" },
      { ...EXPECTED_ROW, request_id: requestId(2), cmcd_session_id: "" },
    ];
    await sink(client).insertNew(rows, FROM, TO);
    const columns = Object.keys(WRITTEN_COLUMNS);
    const text = client.statements[1]?.body.split("\r\n\r\n")[1]?.split("\r\n")[0] ?? "";
    const [backslash, empty] = text
      .split("\n")
      .map((line): Record<string, string> =>
        Object.fromEntries(line.split("\t").map((field, i) => [columns[i] ?? "", field])),
      );
    // The text `\N` travels escaped; only a value left out travels as NULL (`\N`).
    expect(backslash).toMatchObject({
      cmcd: "1",
      cmcd_content_id: "\\\\N",
      cmcd_session_id: "\\N",
    });
    expect(empty).toMatchObject({ cmcd: "1", cmcd_content_id: "\\N", cmcd_session_id: "" });
  });

  it("sends every row of a large batch once, in order, on its own line", async () => {
    const client = new FakeClickHouse();
    // Past two multiples of the rows the encoding joins at a time, CMCD on every third row.
    const rows = Array.from({ length: 600 }, (_, n) => ({
      ...EXPECTED_ROW,
      ...(n % 3 === 0 ? EXPECTED_CMCD : {}),
      request_id: requestId(n),
      bytes: n,
    }));
    await sink(client).insertNew(rows, FROM, TO);
    const text = client.statements[1]?.body.split("\r\n\r\n")[1]?.split("\r\n")[0] ?? "";
    const lines = text.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(600);
    for (const line of lines) {
      expect(line.split("\t")).toHaveLength(Object.keys(WRITTEN_COLUMNS).length);
    }
    expect(client.statements[1]?.tables.batch_rows?.map((row) => row.cmcd)).toEqual(
      rows.map((_, n) => (n % 3 === 0 ? "1" : "0")),
    );
    expect(client.rows).toEqual(
      rows.map((row) => ({ ...row, ingested_at: "2020-10-14 03:40:01" })),
    );
  });

  it("never writes a request id into the SQL", async () => {
    const client = new FakeClickHouse();
    const ids = [requestId(1), "it's", "x');DROP--", "tab\there"];
    await sink(client).insertNew(
      ids.map((id) => ({ ...EXPECTED_ROW, request_id: id })),
      FROM,
      TO,
    );
    expect(client.statements).toHaveLength(2);
    for (const statement of client.statements) {
      for (const id of ids) {
        expect(statement.query).not.toContain(id);
        expect(Object.values(statement.settings).join(" ")).not.toContain(id);
      }
      // The ids travel in the body instead.
      expect(Object.values(statement.tables)[0]?.map((record) => record.request_id)).toEqual(ids);
    }
  });

  it("inserts only the rows whose ids are not stored within the range", async () => {
    const client = new FakeClickHouse();
    client.rows.push(
      { ...EXPECTED_ROW, request_id: requestId(1), timestamp: FROM, ingested_at: FROM },
      // Outside the range: not a duplicate of this batch.
      {
        ...EXPECTED_ROW,
        request_id: requestId(3),
        timestamp: "2020-10-13 00:00:00",
        ingested_at: FROM,
      },
    );
    const rows = [1, 2, 3].map((n) => ({ ...EXPECTED_ROW, request_id: requestId(n) }));
    expect(await sink(client).insertNew(rows, FROM, TO)).toEqual({ inserted: 2, duplicates: 1 });
    expect(client.rows.map((row) => row.request_id)).toEqual([
      requestId(1),
      requestId(3),
      requestId(2),
      requestId(3),
    ]);
  });

  it("makes no insert when every id is stored, and no call for no rows", async () => {
    const client = new FakeClickHouse();
    client.rows.push({ ...EXPECTED_ROW, timestamp: FROM, ingested_at: FROM });
    expect(await sink(client).insertNew([EXPECTED_ROW], FROM, TO)).toEqual({
      inserted: 0,
      duplicates: 1,
    });
    expect(client.queries).toHaveLength(1);
    expect(await sink(client).insertNew([], FROM, TO)).toEqual({ inserted: 0, duplicates: 0 });
    expect(client.queries).toHaveLength(1);
  });

  it("sends values with tabs, newlines and backslashes escaped, so they read back as sent", async () => {
    const client = new FakeClickHouse();
    const row = {
      ...EXPECTED_ROW,
      request_id: "a\tb\nc\\d\re\0f",
      course_id: "\\t is not a tab",
      detailed_result_type: "é 😀",
    };
    await sink(client).insertNew([row], FROM, TO);
    expect(client.statements[1]?.body).toContain("a\\tb\\nc\\\\d\\re\\0f\t");
    expect(client.rows).toEqual([{ ...row, ingested_at: "2020-10-14 03:40:01" }]);
  });

  it("rejects a count that is not a number from 0 to the rows' count, inserting nothing", async () => {
    for (const answer of ["", "3\n", "-1\n", "1.5\n", "1\n2\n", '{"count":0}']) {
      const client = new FakeClickHouse();
      client.countAnswers.push(answer);
      const rows = [1, 2].map((n) => ({ ...EXPECTED_ROW, request_id: requestId(n) }));
      expect(await rejection(sink(client).insertNew(rows, FROM, TO))).toBeInstanceOf(
        UnexpectedCountError,
      );
      expect(client.queries).toHaveLength(1);
    }
  });

  it("lets the client's errors through", async () => {
    const failure = new Error("socket hang up");
    const counting = new FakeClickHouse();
    counting.queryFailures.push(failure);
    expect(await rejection(sink(counting).insertNew([EXPECTED_ROW], FROM, TO))).toBe(failure);
    const inserting = new FakeClickHouse();
    inserting.insertFailures.push(failure);
    expect(await rejection(sink(inserting).insertNew([EXPECTED_ROW], FROM, TO))).toBe(failure);
    expect(inserting.rows).toEqual([]);
  });

  it.each(["", "1analytics", "analytics; DROP", "a.b", "`x`", "a".repeat(65)])(
    "refuses the database name %j",
    (database) => {
      expect(() => new ClickHouseSink(new FakeClickHouse(), database)).toThrow(RangeError);
    },
  );
});

describe("clickHouseClientOptions", () => {
  it("disables keep-alive, times out after 10 s, compresses nothing and logs nothing", () => {
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
    expect(typeof client.exec).toBe("function");
    await client.close();
  });
});
