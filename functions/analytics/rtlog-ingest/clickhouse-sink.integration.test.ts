import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dropDatabase,
  serverOptions,
  testClient,
  uniqueDatabase,
} from "../../../test/clickhouse/database";
import { migrate } from "../clickhouse/migrate";
import type { PlaybackRow } from "../clickhouse/tables";
import {
  ClickHouseSink,
  MAX_IDS_PER_QUERY,
  createClickHouseConnection,
  type ClickHouseConnection,
} from "./clickhouse-sink";
import { ingestBatch } from "./core";
import { FakeDeadLetterStore } from "./test-support";
import { EXPECTED_ROW, kinesisRecord, lineRecord, requestId } from "./fixtures/events";

/** The row's columns (the table adds `ingested_at`). */
const COLUMNS = Object.keys(EXPECTED_ROW);

describe("ClickHouseSink on a real server, over the migrated playback_requests table", () => {
  const database = uniqueDatabase("rtlog");
  let admin: ClickHouseClient;
  let connection: ClickHouseConnection;
  let sink: ClickHouseSink;

  beforeAll(async () => {
    admin = testClient();
    await migrate(admin, { database });
    // The client exactly as the function opens it (keep-alive off, compressed inserts).
    const { url, username, password } = serverOptions();
    connection = createClickHouseConnection({ url, username, password, database });
    sink = new ClickHouseSink(connection, database);
  });

  afterAll(async () => {
    await connection.close();
    await dropDatabase(admin, database);
  });

  async function storedRows(): Promise<unknown[]> {
    const result = await admin.query({
      query: `SELECT ${COLUMNS.join(", ")} FROM ${database}.playback_requests ORDER BY request_id`,
      format: "JSONEachRow",
    });
    return result.json();
  }

  it("inserts rows that read back as written, and finds their ids within the time range only", async () => {
    const rows: PlaybackRow[] = [
      { ...EXPECTED_ROW, request_id: "it's\\odd" },
      { ...EXPECTED_ROW, request_id: "x');DROP--", timestamp: "2020-10-14 03:40:00" },
      { ...EXPECTED_ROW, request_id: requestId(3), bytes: Number.MAX_SAFE_INTEGER },
    ];
    await sink.insert(rows);
    const stored = await storedRows();
    // UInt64 comes back as text in JSON.
    expect(stored).toEqual(
      [...rows]
        .sort((a, b) => (a.request_id < b.request_id ? -1 : 1))
        .map((row) => ({ ...row, bytes: String(row.bytes) })),
    );

    const asked = ["it's\\odd", "x');DROP--", requestId(3), "missing"];
    expect(
      await sink.existingRequestIds(asked, "2020-10-14 03:38:58", "2020-10-14 03:40:00"),
    ).toEqual(new Set(["it's\\odd", "x');DROP--", requestId(3)]));
    expect(
      await sink.existingRequestIds(asked, "2020-10-14 03:39:00", "2020-10-14 03:40:00"),
    ).toEqual(new Set(["x');DROP--"]));
  });

  it("looks up more ids than one query holds", async () => {
    const ids = Array.from({ length: 2 * MAX_IDS_PER_QUERY + 1 }, (_, n) => `bulk-${n}`);
    await sink.insert(
      [ids[0], ids[MAX_IDS_PER_QUERY], ids[2 * MAX_IDS_PER_QUERY]].map((id) => ({
        ...EXPECTED_ROW,
        request_id: id ?? "",
      })),
    );
    expect(
      await sink.existingRequestIds(ids, "2020-10-14 00:00:00", "2020-10-14 23:59:59"),
    ).toEqual(new Set(["bulk-0", `bulk-${MAX_IDS_PER_QUERY}`, `bulk-${2 * MAX_IDS_PER_QUERY}`]));
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
    const result = await admin.query({
      query: `SELECT count() AS rows FROM ${database}.playback_requests WHERE request_id LIKE 'redelivered-%'`,
      format: "JSONEachRow",
    });
    expect(await result.json()).toEqual([{ rows: "2" }]);
  });

  it("ingests a real-format batch with malformed and duplicate records to exact counts, rollup included", async () => {
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

    const raw = await admin.query({
      query: `SELECT count() AS requests, uniqExact(request_id) AS distinct_ids, sum(is_error) AS errors,
  sum(aborted) AS aborted, sum(cache_hit) AS hits
FROM ${database}.playback_requests WHERE request_id LIKE 'exact-%'`,
      format: "JSONEachRow",
    });
    // Errors: indexes 0, 10, 20, 30. Aborted: 1, 9, 17, 25, 33. Misses: every 4th of 40 (10).
    expect(await raw.json()).toEqual([
      { requests: "45", distinct_ids: "45", errors: "4", aborted: "5", hits: "35" },
    ]);
    const rollup = await admin.query({
      query: `SELECT sumMerge(requests) AS requests, sumMerge(errors) AS errors,
  sumMerge(aborts) AS aborted, sumMerge(cache_hits) AS hits
FROM ${database}.playback_hourly`,
      format: "JSONEachRow",
    });
    // The rollup holds every row of this file's tests; the rows above are 45 of them.
    const [totals] = await rollup.json<{ requests: string }>();
    const all = await admin.query({
      query: `SELECT count() AS requests FROM ${database}.playback_requests`,
      format: "JSONEachRow",
    });
    expect(totals?.requests).toBe((await all.json<{ requests: string }>())[0]?.requests);
    // The retry rewrote the same dead-letter object rather than adding a second one.
    expect(deadLetters.puts).toHaveLength(2);
    expect([...deadLetters.objects.values()].map((records) => records.length)).toEqual([5]);
  });
});
