/**
 * Test support (not bundled: no handler imports it). Real-format CloudFront real-time log lines
 * built from the stack's field list, Kinesis records and events around them, in-memory fakes of
 * the core's ports and of the ClickHouse client, and the handler's environment.
 */
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { PLAYBACK_LOG_FIELDS, type PlaybackLogField } from "../../../contracts/playback-logs";
import type { PlaybackRow } from "../clickhouse/tables";
import type { ClickHouseConnection, ClickHouseConnectionOptions } from "./clickhouse-sink";
import { ENVIRONMENT, type EnvironmentVariable } from "./config";
import type { DeadLetter, DeadLetterStore, PlaybackSink } from "./core";
import { deadLetterKey } from "./s3-dead-letters";
import { setEnvironment } from "../../shared/test-support";
export { captureLogs, rejection } from "../../shared/test-support";

export const REGION = "me-south-1";
export const ACCOUNT = "111122223333";
export const STREAM_ARN = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/kc-video-rtlog`;
export const SHARD = "shardId-000000000003";
export const COURSE_ID = "intro-to-finance";
export const VIDEO_ID = "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b";
/** A request id as CloudFront writes them (56 characters of base64). */
export const REQUEST_ID = "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==";
/** 2020-10-14T03:38:58.145Z, as the log writes it. */
export const TIMESTAMP = "1602646738.145";
/** When the default records reached Kinesis, epoch seconds (2020-10-14T03:38:59.5Z). */
export const ARRIVAL = 1602646739.5;

export const CLICKHOUSE_URL = "https://clickhouse.analytics.internal:8443";
export const CLICKHOUSE_DATABASE = "analytics";
export const CLICKHOUSE_USER = "rtlog_ingest";
export const PASSWORD_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:kc-analytics/clickhouse/rtlog-ingest-AbCdEf`;
export const PASSWORD = "s3cr3t-Pa55word";
export const DEAD_LETTER_BUCKET = "kc-analytics-dead-letters-me-south-1";
export const DEAD_LETTER_PREFIX = "dead-letter/rtlog/";
export const DEAD_LETTER_KMS_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f1e2d3c-4b5a-4697-8877-665544332211`;
export const FUNCTION_NAME = "kc-analytics-rtlog-ingest";

/** The handler's environment, as the stack sets it (and Lambda, for the function name). */
export const HANDLER_ENV: Readonly<Record<EnvironmentVariable, string>> = {
  CLICKHOUSE_URL,
  CLICKHOUSE_DATABASE,
  CLICKHOUSE_USER,
  CLICKHOUSE_PASSWORD_SECRET_ARN: PASSWORD_SECRET_ARN,
  DEAD_LETTER_BUCKET,
  DEAD_LETTER_PREFIX,
  DEAD_LETTER_KMS_KEY_ARN,
  AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
};

/** Sets exactly the given handler variables (the others are removed); returns the restorer. */
export function setHandlerEnvironment(
  values: Partial<Record<EnvironmentVariable, string>>,
): () => void {
  return setEnvironment(ENVIRONMENT, values);
}

/** A segment request of the default video, served from the edge's cache. */
export const LINE_VALUES: Readonly<Record<PlaybackLogField, string>> = {
  timestamp: TIMESTAMP,
  "time-to-first-byte": "0.002",
  "sc-status": "200",
  "sc-bytes": "1130467",
  "cs-method": "GET",
  "cs-protocol": "https",
  "cs-host": "media.knowledgecity.com",
  "cs-uri-stem": `/courses/${COURSE_ID}/${VIDEO_ID}/cmaf/index_720p_3000k_00007.cmfv`,
  "x-edge-location": "DXB52-P1",
  "x-edge-request-id": REQUEST_ID,
  "time-taken": "0.011",
  "cs-protocol-version": "HTTP/2.0",
  "x-edge-response-result-type": "Hit",
  "x-edge-result-type": "Hit",
  "sc-content-type": "video/mp4",
  "sc-content-len": "1130019",
  "sc-range-start": "-",
  "sc-range-end": "-",
  "x-edge-detailed-result-type": "Hit",
  "c-country": "AE",
  "cache-behavior-path-pattern": "/courses/*",
};

/** The row `LINE_VALUES` gives. */
export const EXPECTED_ROW: PlaybackRow = {
  request_id: REQUEST_ID,
  timestamp: "2020-10-14 03:38:58",
  timestamp_ms: 145,
  course_id: COURSE_ID,
  video_id: VIDEO_ID,
  rendition: "720p_3000k",
  protocol: "other",
  edge_location: "DXB52-P1",
  country: "AE",
  status: 200,
  ttfb_ms: 2,
  time_taken_ms: 11,
  bytes: 1130467,
  result_type: "Hit",
  detailed_result_type: "Hit",
  cache_hit: 1,
  is_error: 0,
  aborted: 0,
};

/** A log line in CloudFront's format: the default values with `overrides`, tab-separated. */
export function logLine(
  overrides: Partial<Record<PlaybackLogField, string>> = {},
  ending = "\n",
): string {
  const values = { ...LINE_VALUES, ...overrides };
  return PLAYBACK_LOG_FIELDS.map((field) => values[field]).join("\t") + ending;
}

/** Base64 of UTF-8 text, as Kinesis hands record data to Lambda. */
export function encode(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

/** A Kinesis sequence number (56 digits) ending in `n`. */
export function sequenceNumber(n: number): string {
  return `49590338271490256608559692538361571095921575989136${String(n).padStart(6, "0")}`;
}

/** A record of the default shard carrying `data` (base64) at sequence `n`. */
export function kinesisRecord(
  data: string,
  n: number,
  options: { readonly arrival?: number; readonly eventID?: string } = {},
): KinesisStreamRecord {
  const sequence = sequenceNumber(n);
  return {
    kinesis: {
      kinesisSchemaVersion: "1.0",
      partitionKey: `partition-${n}`,
      sequenceNumber: sequence,
      data,
      approximateArrivalTimestamp: options.arrival ?? ARRIVAL,
    },
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: options.eventID ?? `${SHARD}:${sequence}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/kc-analytics-rtlog-ingest`,
    awsRegion: REGION,
    eventSourceARN: STREAM_ARN,
  };
}

/** A record whose line has the default values with `overrides`. */
export function lineRecord(
  n: number,
  overrides: Partial<Record<PlaybackLogField, string>> = {},
): KinesisStreamRecord {
  return kinesisRecord(encode(logLine(overrides)), n);
}

/** A request id unique to `n`, in CloudFront's shape. */
export function requestId(n: number): string {
  return `${String(n).padStart(6, "0")}${REQUEST_ID.slice(6)}`;
}

/** A Kinesis event of `records`. */
export function kinesisEvent(records: KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: records };
}

/** The table: request ids with their timestamps; the lookup honours the time range. */
export class FakeSink implements PlaybackSink {
  readonly stored = new Map<string, string>();
  readonly lookups: { ids: readonly string[]; from: string; to: string }[] = [];
  readonly inserts: (readonly PlaybackRow[])[] = [];
  /** Errors to throw, in order, before answering a lookup. */
  readonly lookupFailures: Error[] = [];
  /** Errors to throw, in order, before inserting. */
  readonly insertFailures: Error[] = [];

  existingRequestIds(
    ids: readonly string[],
    from: string,
    to: string,
  ): Promise<ReadonlySet<string>> {
    this.lookups.push({ ids: [...ids], from, to });
    const failure = this.lookupFailures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    return Promise.resolve(
      new Set(
        ids.filter((id) => {
          const timestamp = this.stored.get(id);
          return timestamp !== undefined && timestamp >= from && timestamp <= to;
        }),
      ),
    );
  }

  insert(rows: readonly PlaybackRow[]): Promise<void> {
    this.inserts.push([...rows]);
    const failure = this.insertFailures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    for (const row of rows) this.stored.set(row.request_id, row.timestamp);
    return Promise.resolve();
  }
}

/** The dead-letter bucket: objects by the key S3 would get. */
export class FakeDeadLetterStore implements DeadLetterStore {
  readonly objects = new Map<string, readonly DeadLetter[]>();
  readonly puts: (readonly DeadLetter[])[] = [];
  /** Errors to throw, in order, before writing. */
  readonly failures: Error[] = [];

  put(records: readonly DeadLetter[]): Promise<string> {
    this.puts.push([...records]);
    const failure = this.failures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    const key = deadLetterKey(DEAD_LETTER_PREFIX, records);
    this.objects.set(key, [...records]);
    return Promise.resolve(key);
  }
}

/** Reads ClickHouse string literals (`'it\'s'`) out of SQL text. */
function stringLiterals(sql: string): string[] {
  return [...sql.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((match) =>
    (match[1] ?? "").replace(/\\(.)/g, "$1"),
  );
}

/**
 * The ClickHouse client: keeps inserted rows, and answers the request-id lookup from the literals
 * of its SQL (`BETWEEN toDateTime('<from>') AND toDateTime('<to>') AND request_id IN ('<id>',
 * ...)`) as the server would.
 */
export class FakeClickHouse implements ClickHouseConnection {
  readonly queries: string[] = [];
  readonly inserts: { table: string; values: PlaybackRow[]; format: string }[] = [];
  /** Errors to throw, in order, before answering a query. */
  readonly queryFailures: Error[] = [];
  /** Errors to throw, in order, before inserting. */
  readonly insertFailures: Error[] = [];
  closed = false;

  /**
   * @param options what the client was opened with.
   * @param rows the table; clients opened one after another can share it, as a server would.
   */
  constructor(
    readonly options?: ClickHouseConnectionOptions,
    readonly rows: PlaybackRow[] = [],
  ) {}

  insert(params: {
    table: string;
    values: PlaybackRow[];
    format: "JSONEachRow";
  }): Promise<unknown> {
    this.inserts.push({ ...params, values: [...params.values] });
    const failure = this.insertFailures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    this.rows.push(...params.values);
    return Promise.resolve({ executed: true, query_id: `insert-${this.inserts.length}` });
  }

  query(params: { query: string; format: "JSONEachRow" }): Promise<{ json(): Promise<unknown> }> {
    this.queries.push(params.query);
    const failure = this.queryFailures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    const [from = "", to = "", ...ids] = stringLiterals(params.query);
    const found = this.rows
      .filter((row) => ids.includes(row.request_id))
      .filter((row) => row.timestamp >= from && row.timestamp <= to)
      .map((row) => ({ request_id: row.request_id }));
    return Promise.resolve({ json: () => Promise.resolve(found) });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** An error shaped like the AWS SDK's service exceptions. */
export function awsError(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error(`${name}: simulated, with a message that must not be logged`), {
    name,
    $fault: httpStatusCode >= 500 ? "server" : "client",
    $metadata: { httpStatusCode, requestId: `req-${name}` },
  });
}
