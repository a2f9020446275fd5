/**
 * One Kinesis batch of CloudFront real-time log records -> rows in `playback_requests` (pure over
 * the two ports below).
 *
 * Order: parse every record; keep the malformed ones in the dead-letter store (before anything is
 * inserted, so a record is never lost between a failed insert and a retry); drop repeated request
 * ids within the batch; hand the rest to the sink, which writes those whose ids the table does not
 * hold already (a batch delivered again is not counted twice) and says how many it wrote. When the
 * dead-letter store or the write fails, the whole batch is reported at its first sequence number
 * and Kinesis delivers it again; the dead-letter store writes the same object again then, and the
 * write skips what was stored.
 */
import type { KinesisStreamBatchItemFailure, KinesisStreamRecord } from "aws-lambda";
import type { PlaybackRow } from "../clickhouse/tables";
import { parseRecordData } from "./parse";

/** What a write did with a batch's rows. */
export interface WriteCounts {
  /** Rows written. */
  readonly inserted: number;
  /** Rows not written because their request id was stored already. */
  readonly duplicates: number;
}

/** Where rows go: the `playback_requests` table. */
export interface PlaybackSink {
  /**
   * Writes those of `rows` (distinct request ids) whose request id is not stored with a timestamp
   * in [from, to] (inclusive, `YYYY-MM-DD hh:mm:ss`, the rows' earliest and latest), and answers
   * how many it wrote and how many it skipped; `inserted + duplicates` is `rows.length`.
   */
  insertNew(rows: readonly PlaybackRow[], from: string, to: string): Promise<WriteCounts>;
}

/** A record that could not be parsed, kept with what it takes to find and replay it. */
export interface DeadLetter {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** The stream's ARN and the shard, `<stream ARN>/<shard id>` (the ARN alone if unknown). */
  readonly shardId: string;
  /** Which field is wrong (`sc-status: expected three digits`); never the value. */
  readonly reason: string;
  /** The record's data as delivered (base64). */
  readonly data: string;
  /** When Kinesis received the record, epoch seconds. */
  readonly approximateArrivalTimestamp: number;
}

/** Where malformed records are kept. */
export interface DeadLetterStore {
  /** Keeps malformed records (one object per batch), returns the object key. */
  put(records: readonly DeadLetter[]): Promise<string>;
}

/** The core's dependencies. */
export interface IngestDeps {
  readonly sink: PlaybackSink;
  readonly deadLetters: DeadLetterStore;
}

/** What happened to a batch's records. */
export interface IngestCounts {
  readonly received: number;
  /** Rows inserted; 0 when the batch is to be delivered again. */
  readonly inserted: number;
  /** Repeated request ids within the batch plus ids the table held already. */
  readonly duplicates: number;
  readonly malformed: number;
}

/** The step that failed, when the batch is to be delivered again. */
export type FailedStage = "dead_letter" | "write";

/** The outcome of one batch. */
export interface IngestResult {
  /** Empty on success; the first record's sequence number when the batch is to be retried. */
  readonly batchItemFailures: KinesisStreamBatchItemFailure[];
  readonly counts: IngestCounts;
  /** How many records were malformed for each reason. */
  readonly malformedReasons: Readonly<Record<string, number>>;
  /** The dead-letter object written, if any. */
  readonly deadLetterKey?: string;
  /** Why the batch is to be retried. */
  readonly failure?: { readonly stage: FailedStage; readonly error: unknown };
}

/** The shard a record comes from: `eventID` is `<shard id>:<sequence number>`. */
export function shardOf(record: KinesisStreamRecord): string {
  const separator = record.eventID.indexOf(":");
  const shard = separator > 0 ? record.eventID.slice(0, separator) : "";
  return shard === "" ? record.eventSourceARN : `${record.eventSourceARN}/${shard}`;
}

/** Ingests one batch. Never throws: port failures come back as `failure`. */
export async function ingestBatch(
  records: readonly KinesisStreamRecord[],
  deps: IngestDeps,
): Promise<IngestResult> {
  const first = records[0];
  if (first === undefined) {
    return {
      batchItemFailures: [],
      counts: { received: 0, inserted: 0, duplicates: 0, malformed: 0 },
      malformedReasons: {},
    };
  }
  const retryAll: KinesisStreamBatchItemFailure[] = [
    { itemIdentifier: first.kinesis.sequenceNumber },
  ];

  const rows: PlaybackRow[] = [];
  const deadLetters: DeadLetter[] = [];
  const malformedReasons: Record<string, number> = {};
  for (const record of records) {
    const result = parseRecordData(record.kinesis.data);
    if (result.kind === "row") {
      rows.push(result.row);
      continue;
    }
    malformedReasons[result.reason] = (malformedReasons[result.reason] ?? 0) + 1;
    deadLetters.push({
      sequenceNumber: record.kinesis.sequenceNumber,
      partitionKey: record.kinesis.partitionKey,
      shardId: shardOf(record),
      reason: result.reason,
      data: record.kinesis.data,
      approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
    });
  }

  const base = { received: records.length, malformed: deadLetters.length };
  let deadLetterKey: string | undefined;
  if (deadLetters.length > 0) {
    try {
      deadLetterKey = await deps.deadLetters.put(deadLetters);
    } catch (error) {
      return {
        batchItemFailures: retryAll,
        counts: { ...base, inserted: 0, duplicates: 0 },
        malformedReasons,
        failure: { stage: "dead_letter", error },
      };
    }
  }
  const kept = deadLetterKey === undefined ? {} : { deadLetterKey };

  const unique = new Map<string, PlaybackRow>();
  for (const row of rows) {
    if (!unique.has(row.request_id)) unique.set(row.request_id, row);
  }
  const inBatchDuplicates = rows.length - unique.size;
  if (unique.size === 0) {
    return {
      batchItemFailures: [],
      counts: { ...base, inserted: 0, duplicates: inBatchDuplicates },
      malformedReasons,
      ...kept,
    };
  }

  let written: WriteCounts;
  try {
    const { from, to } = timeRange(unique.values());
    written = await deps.sink.insertNew([...unique.values()], from, to);
  } catch (error) {
    return {
      batchItemFailures: retryAll,
      counts: { ...base, inserted: 0, duplicates: inBatchDuplicates },
      malformedReasons,
      ...kept,
      failure: { stage: "write", error },
    };
  }
  return {
    batchItemFailures: [],
    counts: {
      ...base,
      inserted: written.inserted,
      duplicates: inBatchDuplicates + written.duplicates,
    },
    malformedReasons,
    ...kept,
  };
}

/** Earliest and latest timestamps (the fixed-width format sorts as text). */
function timeRange(rows: Iterable<PlaybackRow>): { from: string; to: string } {
  let from: string | undefined;
  let to: string | undefined;
  for (const { timestamp } of rows) {
    if (from === undefined || timestamp < from) from = timestamp;
    if (to === undefined || timestamp > to) to = timestamp;
  }
  return { from: from ?? "", to: to ?? "" };
}
