/**
 * Test support (not bundled: no handler imports it): in-memory fakes of the core's ports and of
 * the ClickHouse client, and the handler's environment. The log lines, Kinesis records and
 * events are in `./fixtures/events`.
 */
import { Readable } from "node:stream";
import type { PlaybackCmcdColumns, PlaybackRow } from "../clickhouse/tables";
import type {
  ClickHouseConnection,
  ClickHouseConnectionOptions,
  ExecParams,
} from "./clickhouse-sink";
import { ENVIRONMENT, type EnvironmentVariable } from "./config";
import type { DeadLetter, DeadLetterStore, PlaybackSink, WriteCounts } from "./core";
import { deadLetterKey } from "./s3-dead-letters";
import { setEnvironment } from "../../shared/test-support";
import { ACCOUNT, REGION } from "./fixtures/events";
export { captureLogs, rejection } from "../../shared/test-support";

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

/** The table: request ids with their timestamps; a write skips ids stored within its range. */
export class FakeSink implements PlaybackSink {
  readonly stored = new Map<string, string>();
  readonly writes: { rows: readonly PlaybackRow[]; from: string; to: string }[] = [];
  /** Errors to throw, in order, before writing. */
  readonly failures: Error[] = [];

  insertNew(rows: readonly PlaybackRow[], from: string, to: string): Promise<WriteCounts> {
    this.writes.push({ rows: [...rows], from, to });
    const failure = this.failures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    let inserted = 0;
    for (const row of rows) {
      const timestamp = this.stored.get(row.request_id);
      if (timestamp !== undefined && timestamp >= from && timestamp <= to) continue;
      this.stored.set(row.request_id, row.timestamp);
      inserted += 1;
    }
    return Promise.resolve({ inserted, duplicates: rows.length - inserted });
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

/** A row as the table stores it. */
export type StoredRow = PlaybackRow & { readonly ingested_at: string };

/** One statement the fake received: its SQL, URL parameters and external tables. */
export interface ReceivedStatement {
  readonly query: string;
  readonly settings: Readonly<Record<string, string>>;
  readonly contentType: string;
  /** The raw body. */
  readonly body: string;
  /** Each external table's rows, as records of its columns (TabSeparated unescaped). */
  readonly tables: Readonly<Record<string, readonly Record<string, string>[]>>;
}

const TSV_UNESCAPES: Readonly<Record<string, string>> = { t: "\t", n: "\n", r: "\r", "0": "\0" };

/** The external tables of a multipart body, read with their declared structure. */
function externalTables(
  body: string,
  contentType: string,
  settings: Readonly<Record<string, string>>,
): Record<string, Record<string, string>[]> {
  const boundary = /boundary=(.+)$/.exec(contentType)?.[1];
  if (boundary === undefined) throw new Error(`no multipart boundary in ${contentType}`);
  const tables: Record<string, Record<string, string>[]> = {};
  for (const part of body.split(`--${boundary}`).slice(1, -1)) {
    const [head = "", data = ""] = part.replace(/^\r\n/, "").replace(/\r\n$/, "").split("\r\n\r\n");
    const name = /name="([^"]+)"/.exec(head)?.[1] ?? "";
    if (settings[`${name}_format`] !== "TabSeparated") throw new Error(`${name}: not TabSeparated`);
    const columns = (settings[`${name}_structure`] ?? "").split(", ").map((c) => c.split(" ")[0]);
    tables[name] = data
      .split("\n")
      .filter((line) => line !== "")
      .map((line) =>
        Object.fromEntries(
          line.split("\t").map((field, index) => [
            columns[index] ?? `c${index}`,
            // `\N` (NULL) stays as it is: unescaped it would read as the text "N".
            field === NULL_FIELD
              ? field
              : field.replace(/\\(.)/g, (_, char: string) => TSV_UNESCAPES[char] ?? char),
          ]),
        ),
      );
  }
  return tables;
}

/** TabSeparated NULL. */
const NULL_FIELD = "\\N";

/** The CMCD values of a stored row: absent for NULL, flags `1`/`0` as booleans. */
function storedCmcd(record: Readonly<Record<string, string>>): PlaybackCmcdColumns {
  const value = (name: keyof PlaybackCmcdColumns) => {
    const field = record[name];
    return field === undefined || field === NULL_FIELD ? undefined : field;
  };
  const number = (name: keyof PlaybackCmcdColumns) => {
    const field = value(name);
    return field === undefined ? undefined : Number(field);
  };
  const flag = (name: keyof PlaybackCmcdColumns) => {
    const field = value(name);
    return field === undefined ? undefined : field === "1";
  };
  return {
    cmcd_encoded_bitrate_kbps: number("cmcd_encoded_bitrate_kbps"),
    cmcd_buffer_length_ms: number("cmcd_buffer_length_ms"),
    cmcd_buffer_starvation: flag("cmcd_buffer_starvation"),
    cmcd_content_id: value("cmcd_content_id"),
    cmcd_object_duration_ms: number("cmcd_object_duration_ms"),
    cmcd_deadline_ms: number("cmcd_deadline_ms"),
    cmcd_measured_throughput_kbps: number("cmcd_measured_throughput_kbps"),
    cmcd_object_type: value("cmcd_object_type"),
    cmcd_requested_max_throughput_kbps: number("cmcd_requested_max_throughput_kbps"),
    cmcd_streaming_format: value("cmcd_streaming_format"),
    cmcd_session_id: value("cmcd_session_id"),
    cmcd_stream_type: value("cmcd_stream_type"),
    cmcd_startup: flag("cmcd_startup"),
    cmcd_top_bitrate_kbps: number("cmcd_top_bitrate_kbps"),
    cmcd_version: number("cmcd_version"),
  };
}

/** A stored row from an external table's record of every written column. */
function storedRow(record: Readonly<Record<string, string>>): StoredRow {
  const number = (name: string) => Number(record[name]);
  const text = (name: string) => record[name] ?? "";
  const flag = (name: string) => (number(name) === 1 ? 1 : 0);
  return {
    request_id: text("request_id"),
    timestamp: text("timestamp"),
    timestamp_ms: number("timestamp_ms"),
    course_id: text("course_id"),
    video_id: text("video_id"),
    rendition: text("rendition"),
    protocol: text("protocol") as PlaybackRow["protocol"],
    edge_location: text("edge_location"),
    country: text("country"),
    status: number("status"),
    ttfb_ms: number("ttfb_ms"),
    time_taken_ms: number("time_taken_ms"),
    bytes: number("bytes"),
    result_type: text("result_type"),
    detailed_result_type: text("detailed_result_type"),
    cache_hit: flag("cache_hit"),
    is_error: flag("is_error"),
    aborted: flag("aborted"),
    ingested_at: text("ingested_at"),
    ...storedCmcd(record),
  };
}

/**
 * The ClickHouse client: answers the sink's two statements as the server would, from the literals
 * of their SQL (`BETWEEN toDateTime('<from>') AND toDateTime('<to>')`) and their external tables:
 * `SELECT count() ...` counts the external ids stored within the range, `INSERT INTO ...` stores
 * the external rows whose ids are not.
 */
export class FakeClickHouse implements ClickHouseConnection {
  readonly statements: ReceivedStatement[] = [];
  /** Errors to throw, in order, before answering a SELECT. */
  readonly queryFailures: Error[] = [];
  /** Errors to throw, in order, before an INSERT. */
  readonly insertFailures: Error[] = [];
  /** Overrides the count's answer, in order. */
  readonly countAnswers: string[] = [];
  closed = false;

  /**
   * @param options what the client was opened with.
   * @param rows the table; clients opened one after another can share it, as a server would.
   */
  constructor(
    readonly options?: ClickHouseConnectionOptions,
    readonly rows: StoredRow[] = [],
  ) {}

  /** The SQL of every statement received. */
  get queries(): string[] {
    return this.statements.map((statement) => statement.query);
  }

  async exec(params: ExecParams): Promise<{ readonly stream: Readable }> {
    const chunks: Buffer[] = [];
    for await (const chunk of params.values) chunks.push(Buffer.from(chunk as Uint8Array));
    const body = Buffer.concat(chunks).toString();
    const contentType = params.http_headers["Content-Type"] ?? "";
    const statement: ReceivedStatement = {
      query: params.query,
      settings: { ...params.clickhouse_settings },
      contentType,
      body,
      tables: externalTables(body, contentType, params.clickhouse_settings),
    };
    this.statements.push(statement);
    const isInsert = params.query.startsWith("INSERT INTO ");
    const failure = (isInsert ? this.insertFailures : this.queryFailures).shift();
    if (failure !== undefined) throw failure;
    const [from = "", to = ""] = stringLiterals(params.query);
    const records = Object.values(statement.tables)[0] ?? [];
    const isStored = (id: string) =>
      this.rows.some(
        (row) => row.request_id === id && row.timestamp >= from && row.timestamp <= to,
      );
    if (isInsert) {
      this.rows.push(
        ...records.filter((record) => !isStored(record.request_id ?? "")).map(storedRow),
      );
      return { stream: Readable.from([]) };
    }
    const count = records.filter((record) => isStored(record.request_id ?? "")).length;
    return { stream: Readable.from([Buffer.from(this.countAnswers.shift() ?? `${count}\n`)]) };
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
