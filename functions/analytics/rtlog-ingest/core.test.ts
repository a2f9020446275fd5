import { describe, expect, it } from "vitest";
import { ingestBatch, shardOf, type DeadLetter, type IngestDeps } from "./core";
import { DEAD_LETTER_PREFIX, FakeDeadLetterStore, FakeSink, awsError } from "./test-support";
import {
  ARRIVAL,
  CMCD_VALUES,
  EXPECTED_CMCD,
  EXPECTED_ROW,
  SHARD,
  STREAM_ARN,
  encode,
  kinesisRecord,
  lineRecord,
  requestId,
  sequenceNumber,
} from "./fixtures/events";

function fakes(): IngestDeps & { sink: FakeSink; deadLetters: FakeDeadLetterStore } {
  return { sink: new FakeSink(), deadLetters: new FakeDeadLetterStore() };
}

/** A batch of three good lines, one malformed status, one repeat of the first request, one bad base64. */
function mixedBatch() {
  return [
    lineRecord(1, { "x-edge-request-id": requestId(1), "sc-bytes": "100" }),
    lineRecord(2, { "x-edge-request-id": requestId(2), timestamp: "1602646790.001" }),
    lineRecord(3, { "x-edge-request-id": requestId(3), "sc-status": "2O0" }),
    lineRecord(4, { "x-edge-request-id": requestId(1), "sc-bytes": "999" }),
    kinesisRecord("not base64!", 5),
    lineRecord(6, { "x-edge-request-id": requestId(6), timestamp: "1602646700.500" }),
  ];
}

describe("ingestBatch", () => {
  it("hands every row of a clean batch to one write, with its time range", async () => {
    const deps = fakes();
    const records = [
      lineRecord(1, { "x-edge-request-id": requestId(1), timestamp: "1602646738.145" }),
      lineRecord(2, { "x-edge-request-id": requestId(2), timestamp: "1602646701.000" }),
      lineRecord(3, { "x-edge-request-id": requestId(3), timestamp: "1602646799.999" }),
    ];
    const result = await ingestBatch(records, deps);
    expect(result).toEqual({
      batchItemFailures: [],
      counts: { received: 3, inserted: 3, duplicates: 0, malformed: 0 },
      malformedReasons: {},
    });
    expect(deps.deadLetters.puts).toEqual([]);
    expect(deps.sink.writes).toHaveLength(1);
    expect(deps.sink.writes[0]?.from).toBe("2020-10-14 03:38:21");
    expect(deps.sink.writes[0]?.to).toBe("2020-10-14 03:39:59");
    expect(deps.sink.writes[0]?.rows.map((row) => row.request_id)).toEqual([
      requestId(1),
      requestId(2),
      requestId(3),
    ]);
    expect(deps.sink.writes[0]?.rows[0]).toEqual({ ...EXPECTED_ROW, request_id: requestId(1) });
  });

  it("counts malformed records, repeats within the batch and ids stored already exactly", async () => {
    const deps = fakes();
    // Stored by an earlier delivery, within the batch's time range.
    deps.sink.stored.set(requestId(6), "2020-10-14 03:38:20");
    const result = await ingestBatch(mixedBatch(), deps);
    expect(result.counts).toEqual({ received: 6, inserted: 2, duplicates: 2, malformed: 2 });
    expect(result.batchItemFailures).toEqual([]);
    expect(result.malformedReasons).toEqual({
      "sc-status: expected three digits": 1,
      "data: not base64": 1,
    });
    // The write covers the earliest to the latest row, and gets each request id once: the first
    // of two records with one request id wins.
    expect(deps.sink.writes).toEqual([
      {
        rows: [
          expect.objectContaining({ request_id: requestId(1), bytes: 100 }),
          expect.objectContaining({ request_id: requestId(2), timestamp_ms: 1 }),
          expect.objectContaining({ request_id: requestId(6) }),
        ],
        from: "2020-10-14 03:38:20",
        to: "2020-10-14 03:39:50",
      },
    ]);
    expect([...deps.sink.stored.keys()]).toEqual([requestId(6), requestId(1), requestId(2)]);
  });

  it("keeps each malformed record with its shard, sequence, partition key, reason and data", async () => {
    const deps = fakes();
    const records = mixedBatch();
    const result = await ingestBatch(records, deps);
    const expected: DeadLetter[] = [
      {
        sequenceNumber: sequenceNumber(3),
        partitionKey: "partition-3",
        shardId: `${STREAM_ARN}/${SHARD}`,
        reason: "sc-status: expected three digits",
        data: records[2]?.kinesis.data ?? "",
        approximateArrivalTimestamp: ARRIVAL,
      },
      {
        sequenceNumber: sequenceNumber(5),
        partitionKey: "partition-5",
        shardId: `${STREAM_ARN}/${SHARD}`,
        reason: "data: not base64",
        data: "not base64!",
        approximateArrivalTimestamp: ARRIVAL,
      },
    ];
    expect(deps.deadLetters.puts).toEqual([expected]);
    expect(result.deadLetterKey).toBe(
      `${DEAD_LETTER_PREFIX}2020/10/14/${SHARD}-${sequenceNumber(3)}-${sequenceNumber(5)}.jsonl`,
    );
  });

  it("keeps a line with a bad CMCD value as a dead letter naming the field, and writes CMCD rows", async () => {
    const deps = fakes();
    const records = [
      lineRecord(1, { ...CMCD_VALUES, "x-edge-request-id": requestId(1) }),
      lineRecord(2, {
        ...CMCD_VALUES,
        "x-edge-request-id": requestId(2),
        "cmcd-buffer-length": "1.5",
      }),
      lineRecord(3, { "x-edge-request-id": requestId(3) }),
    ];
    const result = await ingestBatch(records, deps);
    const reason = "cmcd-buffer-length: expected - or an integer from 0 to 4294967295";
    expect(result.counts).toEqual({ received: 3, inserted: 2, duplicates: 0, malformed: 1 });
    expect(result.malformedReasons).toEqual({ [reason]: 1 });
    expect(deps.deadLetters.puts).toEqual([
      [expect.objectContaining({ sequenceNumber: sequenceNumber(2), reason })],
    ]);
    expect(deps.sink.writes[0]?.rows).toEqual([
      { ...EXPECTED_ROW, ...EXPECTED_CMCD, cmcd_startup: undefined, request_id: requestId(1) },
      expect.objectContaining({ request_id: requestId(3), cmcd_session_id: undefined }),
    ]);
  });

  it("writes dead letters before touching the table", async () => {
    const deps = fakes();
    const order: string[] = [];
    const result = await ingestBatch(mixedBatch(), {
      deadLetters: {
        put: (records) => {
          order.push(`put ${records.length}`);
          return deps.deadLetters.put(records);
        },
      },
      sink: {
        insertNew: (rows, from, to) => {
          order.push(`write ${rows.length}`);
          return deps.sink.insertNew(rows, from, to);
        },
      },
    });
    expect(order).toEqual(["put 2", "write 3"]);
    expect(result.counts.inserted).toBe(3);
  });

  it("fails the whole batch at its first sequence number and inserts nothing when dead letters cannot be kept", async () => {
    const deps = fakes();
    const failure = awsError("ServiceUnavailable", 503);
    deps.deadLetters.failures.push(failure);
    const result = await ingestBatch(mixedBatch(), deps);
    expect(result).toEqual({
      batchItemFailures: [{ itemIdentifier: sequenceNumber(1) }],
      counts: { received: 6, inserted: 0, duplicates: 0, malformed: 2 },
      malformedReasons: { "sc-status: expected three digits": 1, "data: not base64": 1 },
      failure: { stage: "dead_letter", error: failure },
    });
    expect(deps.sink.writes).toEqual([]);
  });

  it("reports the first record even when it is the malformed one", async () => {
    const deps = fakes();
    deps.deadLetters.failures.push(new Error("down"));
    const result = await ingestBatch([kinesisRecord("", 7), lineRecord(8)], deps);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumber(7) }]);
  });

  it("fails the batch at its first sequence number when the write fails; the retry stores it once", async () => {
    const deps = fakes();
    const failure = new Error("Timeout error.");
    deps.sink.failures.push(failure);
    const first = await ingestBatch(mixedBatch(), deps);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumber(1) }]);
    expect(first.failure).toEqual({ stage: "write", error: failure });
    expect(first.deadLetterKey).toBeDefined();
    expect(deps.sink.stored.size).toBe(0);
    expect(first.counts).toEqual({ received: 6, inserted: 0, duplicates: 1, malformed: 2 });

    // Kinesis delivers the same batch again: the same dead-letter object, the rows once.
    const retry = await ingestBatch(mixedBatch(), deps);
    expect(retry.batchItemFailures).toEqual([]);
    expect(retry.counts).toEqual({ received: 6, inserted: 3, duplicates: 1, malformed: 2 });
    expect(retry.deadLetterKey).toBe(first.deadLetterKey);
    expect(deps.deadLetters.puts).toHaveLength(2);
    expect(deps.deadLetters.objects.size).toBe(1);
    expect([...deps.sink.stored.keys()]).toEqual([requestId(1), requestId(2), requestId(6)]);
  });

  it("counts the duplicates the sink reports beside those within the batch", async () => {
    const deps = fakes();
    const result = await ingestBatch(mixedBatch(), {
      ...deps,
      sink: { insertNew: () => Promise.resolve({ inserted: 1, duplicates: 2 }) },
    });
    expect(result.counts).toEqual({ received: 6, inserted: 1, duplicates: 3, malformed: 2 });
  });

  it("counts a batch delivered again after it was stored as duplicates, and inserts nothing", async () => {
    const deps = fakes();
    await ingestBatch(mixedBatch(), deps);
    const again = await ingestBatch(mixedBatch(), deps);
    expect(again).toEqual({
      batchItemFailures: [],
      counts: { received: 6, inserted: 0, duplicates: 4, malformed: 2 },
      malformedReasons: { "sc-status: expected three digits": 1, "data: not base64": 1 },
      deadLetterKey: expect.any(String) as unknown,
    });
    expect(deps.sink.stored.size).toBe(3);
  });

  it("inserts only the first of records repeating one request id", async () => {
    const deps = fakes();
    const result = await ingestBatch(
      [lineRecord(1, { "sc-bytes": "1" }), lineRecord(2, { "sc-bytes": "2" }), lineRecord(3)],
      deps,
    );
    expect(result.counts).toEqual({ received: 3, inserted: 1, duplicates: 2, malformed: 0 });
    expect(deps.sink.writes.map((write) => write.rows)).toEqual([[{ ...EXPECTED_ROW, bytes: 1 }]]);
  });

  it("makes no call for an empty batch", async () => {
    const deps = fakes();
    expect(await ingestBatch([], deps)).toEqual({
      batchItemFailures: [],
      counts: { received: 0, inserted: 0, duplicates: 0, malformed: 0 },
      malformedReasons: {},
    });
    expect(deps.deadLetters.puts).toEqual([]);
    expect(deps.sink.writes).toEqual([]);
  });

  it("does not touch the table when every record is malformed", async () => {
    const deps = fakes();
    const result = await ingestBatch(
      [kinesisRecord(encode("garbage\n"), 1), kinesisRecord("", 2)],
      deps,
    );
    expect(result.counts).toEqual({ received: 2, inserted: 0, duplicates: 0, malformed: 2 });
    expect(result.batchItemFailures).toEqual([]);
    expect(deps.deadLetters.puts).toHaveLength(1);
    expect(deps.sink.writes).toEqual([]);
  });

  it("counts a row stored already as a duplicate", async () => {
    const deps = fakes();
    deps.sink.stored.set(EXPECTED_ROW.request_id, EXPECTED_ROW.timestamp);
    const result = await ingestBatch([lineRecord(1)], deps);
    expect(result.counts).toEqual({ received: 1, inserted: 0, duplicates: 1, malformed: 0 });
    expect(deps.sink.stored.size).toBe(1);
  });
});

describe("shardOf", () => {
  it("is the stream ARN and the shard id from the event id", () => {
    expect(shardOf(lineRecord(1))).toBe(`${STREAM_ARN}/${SHARD}`);
  });

  it("is the stream ARN alone when the event id names no shard", () => {
    expect(shardOf(kinesisRecord("", 1, { eventID: "" }))).toBe(STREAM_ARN);
    expect(shardOf(kinesisRecord("", 1, { eventID: ":123" }))).toBe(STREAM_ARN);
    expect(shardOf(kinesisRecord("", 1, { eventID: "shardId-000000000001" }))).toBe(STREAM_ARN);
  });
});
