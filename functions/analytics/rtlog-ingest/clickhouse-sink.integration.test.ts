import { Readable } from "node:stream";
import type { ClickHouseClient } from "@clickhouse/client";
import type { KinesisStreamRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dropDatabase,
  serverOptions,
  testClient,
  uniqueDatabase,
} from "../../../test/clickhouse/database";
import { formatDateTime } from "../clickhouse/bind";
import { migrate } from "../clickhouse/migrate";
import { PLAYBACK_CMCD_COLUMNS, type PlaybackRow } from "../clickhouse/tables";
import {
  ClickHouseSink,
  createClickHouseConnection,
  type ClickHouseConnection,
  type ExecParams,
} from "./clickhouse-sink";
import { ingestBatch, type IngestDeps } from "./core";
import { FakeDeadLetterStore } from "./test-support";
import {
  CMCD_VALUES,
  EXPECTED_CMCD,
  EXPECTED_ROW,
  kinesisRecord,
  lineRecord,
  requestId,
} from "./fixtures/events";

/** The row's columns (the table adds `ingested_at`). */
const COLUMNS = Object.keys(EXPECTED_ROW);

/** The connection as the function opens it, recording what it sends, optionally failing after. */
class RecordingConnection implements ClickHouseConnection {
  readonly sent: { query: string; settings: Record<string, string>; body: string }[] = [];
  /** When set, a statement whose SQL starts with this fails after the server has run it. */
  failAfter?: string;

  constructor(private readonly inner: ClickHouseConnection) {}

  async exec(params: ExecParams): Promise<{ readonly stream: Readable }> {
    const chunks: Buffer[] = [];
    for await (const chunk of params.values) chunks.push(Buffer.from(chunk as Uint8Array));
    const body = Buffer.concat(chunks);
    this.sent.push({
      query: params.query,
      settings: { ...params.clickhouse_settings },
      body: body.toString(),
    });
    const result = await this.inner.exec({ ...params, values: Readable.from([body]) });
    if (this.failAfter !== undefined && params.query.startsWith(this.failAfter)) {
      this.failAfter = undefined;
      // The answer is lost on the way back, as when the function times out mid-request.
      result.stream.destroy();
      throw new Error("Timeout error.");
    }
    return result;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

describe("ClickHouseSink on a real server, over the migrated playback_requests table", () => {
  const database = uniqueDatabase("rtlog");
  let admin: ClickHouseClient;
  let connection: RecordingConnection;
  let sink: ClickHouseSink;

  beforeAll(async () => {
    admin = testClient();
    await migrate(admin, { database });
    // The client exactly as the function opens it (keep-alive off, uncompressed).
    const { url, username, password } = serverOptions();
    connection = new RecordingConnection(
      createClickHouseConnection({ url, username, password, database }),
    );
    sink = new ClickHouseSink(connection, database);
  });

  afterAll(async () => {
    await connection.close();
    await dropDatabase(admin, database);
  });

  async function json<T>(query: string): Promise<T[]> {
    const result = await admin.query({ query, format: "JSONEachRow" });
    return result.json<T>();
  }

  async function storedRows(prefix: string): Promise<unknown[]> {
    return json(
      `SELECT ${COLUMNS.join(", ")} FROM ${database}.playback_requests WHERE startsWith(request_id, '${prefix}') ORDER BY request_id`,
    );
  }

  /** Rows and distinct ids stored under `prefix`. */
  async function tally(prefix: string): Promise<{ rows: string; ids: string }> {
    const [row] = await json<{ rows: string; ids: string }>(
      `SELECT count() AS rows, uniqExact(request_id) AS ids FROM ${database}.playback_requests WHERE startsWith(request_id, '${prefix}')`,
    );
    return row ?? { rows: "", ids: "" };
  }

  it("writes rows that read back as sent, odd characters included, with ingested_at the write's time", async () => {
    const rows: PlaybackRow[] = [
      { ...EXPECTED_ROW, request_id: "odd-it's\\odd" },
      { ...EXPECTED_ROW, request_id: "odd-x');DROP--", timestamp: "2020-10-14 03:40:00" },
      { ...EXPECTED_ROW, request_id: "odd-tab\tnew\nline\rcr", course_id: "\\t é 😀" },
      { ...EXPECTED_ROW, request_id: "odd-max", bytes: Number.MAX_SAFE_INTEGER },
    ];
    const before = formatDateTime(new Date(Date.now() - 1000));
    expect(await sink.insertNew(rows, "2020-10-14 03:38:58", "2020-10-14 03:40:00")).toEqual({
      inserted: 4,
      duplicates: 0,
    });
    const after = formatDateTime(new Date(Date.now() + 1000));
    // UInt64 comes back as text in JSON.
    expect(await storedRows("odd-")).toEqual(
      [...rows]
        .sort((a, b) => (a.request_id < b.request_id ? -1 : 1))
        .map((row) => ({ ...row, bytes: String(row.bytes) })),
    );
    const stamps = await json<{ ingested_at: string }>(
      `SELECT DISTINCT toString(ingested_at, 'UTC') AS ingested_at FROM ${database}.playback_requests WHERE startsWith(request_id, 'odd-')`,
    );
    // One time for the write, within it (18.16 would store 0000-00-00 00:00:00 for an omitted one).
    expect(stamps).toHaveLength(1);
    const stamp = stamps[0]?.ingested_at ?? "";
    expect(stamp >= before && stamp <= after, `${before} <= ${stamp} <= ${after}`).toBe(true);
  });

  it("skips the ids stored within the range only", async () => {
    const rows = ["a", "b"].map((id, index) => ({
      ...EXPECTED_ROW,
      request_id: `range-${id}`,
      timestamp: `2020-10-14 03:4${index}:00`,
    }));
    await sink.insertNew(rows, "2020-10-14 03:40:00", "2020-10-14 03:41:00");
    // range-a is stored at 03:40:00, outside this range: written again (another request).
    expect(await sink.insertNew(rows, "2020-10-14 03:40:01", "2020-10-14 03:41:00")).toEqual({
      inserted: 1,
      duplicates: 1,
    });
    expect(await tally("range-")).toEqual({ rows: "3", ids: "2" });
  });

  it("stores a batch delivered twice once", async () => {
    const batch = [
      lineRecord(1, { "x-edge-request-id": "redelivered-1" }),
      lineRecord(2, { "x-edge-request-id": "redelivered-2" }),
      kinesisRecord("not base64!", 3),
    ];
    const deps = { sink, deadLetters: new FakeDeadLetterStore() };
    expect((await ingestBatch(batch, deps)).counts).toEqual({
      received: 3,
      inserted: 2,
      duplicates: 0,
      malformed: 1,
    });
    expect((await ingestBatch(batch, deps)).counts).toEqual({
      received: 3,
      inserted: 0,
      duplicates: 2,
      malformed: 1,
    });
    expect(await tally("redelivered-")).toEqual({ rows: "2", ids: "2" });
  });

  it("stores records recomposed into overlapping, reordered batches once each, with exact counts", async () => {
    // 30 requests over two minutes, as the stream would carry them.
    const record = (n: number, sequence = n) =>
      lineRecord(sequence, {
        "x-edge-request-id": `recomposed-${n}`,
        timestamp: `${1602646700 + n * 4}.${String(n).padStart(3, "0")}`,
      });
    const range = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, index) => from + index);
    const deps: IngestDeps = { sink, deadLetters: new FakeDeadLetterStore() };
    const ingest = async (records: KinesisStreamRecord[]) =>
      (await ingestBatch(records, deps)).counts;

    expect(await ingest(range(1, 20).map((n) => record(n)))).toEqual({
      received: 20,
      inserted: 20,
      duplicates: 0,
      malformed: 0,
    });
    // Overlapping the first by ten, reversed, one request twice.
    expect(
      await ingest([...range(11, 30).reverse(), 25].map((n, i) => record(n, 100 + i))),
    ).toEqual({
      received: 21,
      inserted: 10,
      duplicates: 11,
      malformed: 0,
    });
    // Everything again, interleaved, with one new request in the middle.
    const mixed = [
      ...range(1, 30).filter((n) => n % 2 === 0),
      31,
      ...range(1, 30).filter((n) => n % 2 === 1),
    ];
    expect(await ingest(mixed.map((n, i) => record(n, 200 + i)))).toEqual({
      received: 31,
      inserted: 1,
      duplicates: 30,
      malformed: 0,
    });
    expect(await tally("recomposed-")).toEqual({ rows: "31", ids: "31" });
  });

  it("stores a batch once when the answer to its insert was lost and it is delivered again", async () => {
    const batch = [1, 2, 3].map((n) => lineRecord(n, { "x-edge-request-id": `lost-${n}` }));
    const deps = { sink, deadLetters: new FakeDeadLetterStore() };
    connection.failAfter = "INSERT INTO";
    const first = await ingestBatch(batch, deps);
    expect(first.failure?.stage).toBe("write");
    expect(first.counts).toEqual({ received: 3, inserted: 0, duplicates: 0, malformed: 0 });
    expect(await tally("lost-")).toEqual({ rows: "3", ids: "3" });
    // Kinesis delivers it again: the rows the server kept are recognised.
    const retry = await ingestBatch(batch, deps);
    expect(retry.failure).toBeUndefined();
    expect(retry.counts).toEqual({ received: 3, inserted: 0, duplicates: 3, malformed: 0 });
    expect(await tally("lost-")).toEqual({ rows: "3", ids: "3" });
  });

  it("sends no request id in the text of any query: the ids travel as external data", async () => {
    const ids = ["textless-1", "textless-it's", "textless-3"];
    const batch = ids.map((id, n) => lineRecord(n, { "x-edge-request-id": id }));
    const sentBefore = connection.sent.length;
    await ingestBatch(batch, { sink, deadLetters: new FakeDeadLetterStore() });
    const sent = connection.sent.slice(sentBefore);
    expect(sent.map((statement) => statement.query.split(" ")[0])).toEqual(["SELECT", "INSERT"]);
    for (const statement of sent) {
      for (const id of ids) {
        expect(statement.query).not.toContain(id);
        expect(Object.values(statement.settings).join("\n")).not.toContain(id);
        expect(statement.body).toContain(id);
      }
    }
    expect(await tally("textless-")).toEqual({ rows: "3", ids: "3" });
  });

  it("ingests a real-format batch with malformed and duplicate records to exact counts", async () => {
    // 40 distinct requests: every 10th a 503, every 4th a cache miss, every 8th aborted (000).
    const valid = Array.from({ length: 40 }, (_, index) => {
      const n = 1000 + index;
      return lineRecord(n, {
        "x-edge-request-id": `exact-${n}`,
        "sc-status": index % 10 === 0 ? "503" : index % 8 === 1 ? "000" : "200",
        "x-edge-result-type": index % 4 === 0 ? "Miss" : "Hit",
        "x-edge-response-result-type": index % 4 === 0 ? "Miss" : "Hit",
      });
    });
    // The first three requests again, later in the same batch.
    const duplicates = valid.slice(0, 3).map((record, index) => ({
      ...record,
      kinesis: { ...record.kinesis, sequenceNumber: `${record.kinesis.sequenceNumber}${index}` },
    }));
    const malformed = [
      kinesisRecord("@@not-base64@@", 2001),
      lineRecord(2002, { "sc-status": "2xx" }),
      lineRecord(2003, { timestamp: "yesterday" }),
      lineRecord(2004, { "x-edge-request-id": "-" }),
      kinesisRecord(Buffer.from("only\tthree\tfields\n").toString("base64"), 2005),
    ];
    const deadLetters = new FakeDeadLetterStore();
    const first = await ingestBatch([...valid, ...duplicates, ...malformed], { sink, deadLetters });
    expect(first.counts).toEqual({ received: 48, inserted: 40, duplicates: 3, malformed: 5 });
    expect(first.batchItemFailures).toEqual([]);

    // The batch comes again (a retry after a timeout), with 5 new requests behind it.
    const fresh = Array.from({ length: 5 }, (_, index) =>
      lineRecord(3000 + index, { "x-edge-request-id": `exact-fresh-${index}` }),
    );
    const second = await ingestBatch([...valid, ...malformed, ...fresh], { sink, deadLetters });
    expect(second.counts).toEqual({ received: 50, inserted: 5, duplicates: 40, malformed: 5 });

    // Errors: indexes 0, 10, 20, 30. Aborted: 1, 9, 17, 25, 33. Misses: every 4th of 40 (10).
    expect(
      await json(`SELECT count() AS requests, uniqExact(request_id) AS distinct_ids, sum(is_error) AS errors,
  sum(aborted) AS aborted, sum(cache_hit) AS hits
FROM ${database}.playback_requests WHERE request_id LIKE 'exact-%'`),
    ).toEqual([{ requests: "45", distinct_ids: "45", errors: "4", aborted: "5", hits: "35" }]);
    // The retry rewrote the same dead-letter object rather than adding a second one.
    expect(deadLetters.puts).toHaveLength(2);
    expect([...deadLetters.objects.values()].map((records) => records.length)).toEqual([5]);
  });

  it("stores a real-format line's CMCD values, NULL for each key the player left out", async () => {
    const deps: IngestDeps = { sink, deadLetters: new FakeDeadLetterStore() };
    const withCmcd = lineRecord(900, {
      ...CMCD_VALUES,
      "x-edge-request-id": requestId(900),
      "cmcd-buffer-length": "0",
      "cmcd-startup": "true",
    });
    const without = lineRecord(901, { "x-edge-request-id": requestId(901) });
    expect((await ingestBatch([withCmcd, without], deps)).counts).toMatchObject({ inserted: 2 });
    const result = await admin.query({
      query: `SELECT request_id, cmcd, cmcd_encoded_bitrate_kbps, cmcd_buffer_length_ms,
        cmcd_buffer_starvation, cmcd_content_id, cmcd_object_duration_ms, cmcd_deadline_ms,
        cmcd_measured_throughput_kbps, cmcd_object_type, cmcd_requested_max_throughput_kbps,
        cmcd_streaming_format, cmcd_session_id, cmcd_stream_type, cmcd_startup,
        cmcd_top_bitrate_kbps, cmcd_version
        FROM ${database}.playback_requests WHERE request_id IN ('${requestId(900)}', '${requestId(901)}')
        ORDER BY request_id`,
      format: "JSONEachRow",
    });
    const [sent, none] = await result.json<Record<string, unknown>>();
    expect(sent).toEqual({
      request_id: requestId(900),
      cmcd: 1,
      cmcd_encoded_bitrate_kbps: 3000,
      cmcd_buffer_length_ms: 0,
      cmcd_buffer_starvation: 1,
      cmcd_content_id: EXPECTED_CMCD.cmcd_content_id,
      cmcd_object_duration_ms: 4004,
      cmcd_deadline_ms: 1000,
      cmcd_measured_throughput_kbps: 18700,
      cmcd_object_type: "v",
      cmcd_requested_max_throughput_kbps: 15000,
      cmcd_streaming_format: "h",
      cmcd_session_id: EXPECTED_CMCD.cmcd_session_id,
      cmcd_stream_type: "v",
      cmcd_startup: 1,
      cmcd_top_bitrate_kbps: 6000,
      cmcd_version: 1,
    });
    expect(none).toMatchObject({ request_id: requestId(901), cmcd: 0 });
    for (const column of PLAYBACK_CMCD_COLUMNS) expect(none?.[column]).toBeNull();
  });
});
