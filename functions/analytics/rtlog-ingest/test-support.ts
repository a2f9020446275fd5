/**
 * Test support (not bundled: no handler imports it): in-memory fakes of the core's ports and of
 * the ClickHouse client, and the handler's environment. The log lines, Kinesis records and
 * events are in `./fixtures/events`.
 */
import type { PlaybackRow } from "../clickhouse/tables";
import type { ClickHouseConnection, ClickHouseConnectionOptions } from "./clickhouse-sink";
import { ENVIRONMENT, type EnvironmentVariable } from "./config";
import type { DeadLetter, DeadLetterStore, PlaybackSink } from "./core";
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
