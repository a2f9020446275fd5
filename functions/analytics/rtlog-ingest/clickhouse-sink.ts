/**
 * `PlaybackSink` over ClickHouse's HTTP interface (`@clickhouse/client`). A batch's rows travel as
 * external data (`./external-data`), never as SQL literals: a count of the batch's request ids
 * stored already, then one `INSERT ... SELECT` that writes the rows whose ids are not stored. Both
 * statements carry their own copy of the batch, so each is one request that any server behind the
 * load balancer can answer, on 18.16 and on current versions alike.
 */
import { Readable } from "node:stream";
import {
  ClickHouseLogLevel,
  createClient,
  type ClickHouseClientConfigOptions,
} from "@clickhouse/client";
import { formatDateTime, identifier, join, sql, type SqlFragment } from "../clickhouse/bind";
import { ANALYTICS_TABLES, PLAYBACK_CMCD_COLUMNS, type PlaybackRow } from "../clickhouse/tables";
import type { PlaybackSink, WriteCounts } from "./core";
import { externalDataRequest, tabSeparatedField, type ExternalTable } from "./external-data";
import { UnexpectedCountError } from "./errors";

/** The table rows go to, in the configured database. */
export const PLAYBACK_TABLE = ANALYTICS_TABLES.playbackRequests;

/** Request timeout, in milliseconds: a stuck call fails well within the function's timeout. */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The columns written, with their types in the external table, in the order sent. Every column of
 * the table is named, `ingested_at` and `cmcd` included: 18.16 fills a column a text format omits
 * with 0 rather than its DEFAULT. The CMCD values are `Nullable`: `\N` where the player sent no
 * such key (migration 7).
 */
export const WRITTEN_COLUMNS = {
  request_id: "String",
  timestamp: "DateTime",
  timestamp_ms: "UInt16",
  course_id: "String",
  video_id: "String",
  rendition: "String",
  protocol: "String",
  edge_location: "String",
  country: "String",
  status: "UInt16",
  ttfb_ms: "UInt32",
  time_taken_ms: "UInt32",
  bytes: "UInt64",
  result_type: "String",
  detailed_result_type: "String",
  cache_hit: "UInt8",
  is_error: "UInt8",
  aborted: "UInt8",
  ingested_at: "DateTime",
  cmcd: "UInt8",
  cmcd_encoded_bitrate_kbps: "Nullable(UInt32)",
  cmcd_buffer_length_ms: "Nullable(UInt32)",
  cmcd_buffer_starvation: "Nullable(UInt8)",
  cmcd_content_id: "Nullable(String)",
  cmcd_object_duration_ms: "Nullable(UInt32)",
  cmcd_deadline_ms: "Nullable(UInt32)",
  cmcd_measured_throughput_kbps: "Nullable(UInt32)",
  cmcd_object_type: "Nullable(String)",
  cmcd_requested_max_throughput_kbps: "Nullable(UInt32)",
  cmcd_streaming_format: "Nullable(String)",
  cmcd_session_id: "Nullable(String)",
  cmcd_stream_type: "Nullable(String)",
  cmcd_startup: "Nullable(UInt8)",
  cmcd_top_bitrate_kbps: "Nullable(UInt32)",
  cmcd_version: "Nullable(UInt32)",
} as const satisfies Record<keyof PlaybackRow | "ingested_at" | "cmcd", string>;

/** The external table of a write: the batch's rows. */
export const ROWS_TABLE = "batch_rows";
/** The external table of a count: the batch's request ids. */
export const IDS_TABLE = "batch_ids";

/** One statement sent with external data, in the shape `ClickHouseClient.exec` takes. */
export interface ExecParams {
  readonly query: string;
  readonly values: Readable;
  /** The external tables' `<name>_structure` and `<name>_format` URL parameters. */
  readonly clickhouse_settings: Record<string, string>;
  /** The multipart `Content-Type`. */
  readonly http_headers: Record<string, string>;
}

/** The part of the ClickHouse client the sink uses. */
export interface ClickHouseConnection {
  exec(params: ExecParams): Promise<{ readonly stream: Readable }>;
  close(): Promise<void>;
}

/** Database names are written into SQL as they are: only plain identifiers. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Options of `ClickHouseSink`. */
export interface ClickHouseSinkOptions {
  /** The clock of `ingested_at`. @default () => new Date() */
  readonly now?: () => Date;
}

/** Writes rows to `<database>.playback_requests`, each request id once. */
export class ClickHouseSink implements PlaybackSink {
  private readonly table: SqlFragment;
  private readonly now: () => Date;

  /**
   * @param client an open client (see `createClickHouseConnection`).
   * @param database the database holding `playback_requests`: a plain identifier.
   */
  constructor(
    private readonly client: ClickHouseConnection,
    database: string,
    options: ClickHouseSinkOptions = {},
  ) {
    if (!IDENTIFIER.test(database)) {
      throw new RangeError(
        `database ${JSON.stringify(database)} is not a plain identifier (letters, digits, _)`,
      );
    }
    this.table = identifier(database, PLAYBACK_TABLE);
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Counts the rows' ids stored with a timestamp in [from, to], then, unless all are, inserts the
   * rows whose ids are not stored in one `INSERT ... SELECT`: the write itself skips stored ids,
   * so a count made stale by another writer can misreport, never duplicate.
   */
  async insertNew(rows: readonly PlaybackRow[], from: string, to: string): Promise<WriteCounts> {
    if (rows.length === 0) return { inserted: 0, duplicates: 0 };
    // The bounds are `toDateTime(...)` calls, not bare strings: the sort key starts with
    // `toStartOfHour(timestamp)`, and older servers apply that function to a bare string bound
    // while analysing the key, which fails. The text is read in the server's time zone (UTC on
    // the platform's servers), as the rows' timestamps are.
    const stored = (table: string) =>
      sql`SELECT request_id FROM ${this.table} WHERE timestamp BETWEEN toDateTime(${from}) AND toDateTime(${to}) AND request_id IN (SELECT request_id FROM ${identifier(table)})`;

    const ids: ExternalTable = {
      name: IDS_TABLE,
      structure: "request_id String",
      tabSeparated: `${rows.map((row) => tabSeparatedField(row.request_id)).join("\n")}\n`,
    };
    const answer = await this.read(
      sql`SELECT count() FROM (${stored(IDS_TABLE)}) FORMAT TabSeparated`.text,
      ids,
    );
    const duplicates = /^\d+\n$/.test(answer) ? Number(answer) : Number.NaN;
    if (!(duplicates >= 0 && duplicates <= rows.length)) {
      throw new UnexpectedCountError(rows.length);
    }
    if (duplicates === rows.length) return { inserted: 0, duplicates };

    const columns = join(
      COLUMN_NAMES.map((name) => identifier(name)),
      ", ",
    );
    const write: ExternalTable = {
      name: ROWS_TABLE,
      structure: Object.entries(WRITTEN_COLUMNS)
        .map(([name, type]) => `${name} ${type}`)
        .join(", "),
      tabSeparated: tabSeparatedRows(rows, formatDateTime(this.now())),
    };
    await this.read(
      sql`INSERT INTO ${this.table} (${columns}) SELECT ${columns} FROM ${identifier(ROWS_TABLE)} WHERE request_id NOT IN (${stored(ROWS_TABLE)})`
        .text,
      write,
    );
    return { inserted: rows.length - duplicates, duplicates };
  }

  /** Runs `query` with `table` as external data; answers the response body. */
  private async read(query: string, table: ExternalTable): Promise<string> {
    const request = externalDataRequest([table]);
    const { stream } = await this.client.exec({
      query,
      // The client sends a body given as a stream as it is, the query going in the URL.
      values: Readable.from([request.body]),
      clickhouse_settings: { ...request.parameters },
      http_headers: { "Content-Type": request.contentType },
    });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks).toString();
  }
}

/** The columns in the order sent. */
const COLUMN_NAMES = Object.keys(WRITTEN_COLUMNS) as (keyof typeof WRITTEN_COLUMNS)[];

/** Rows joined into one piece of text at a time, in `tabSeparatedRows`. */
const ROWS_PER_PIECE = 256;

/**
 * The rows as TabSeparated lines in `WRITTEN_COLUMNS` order, each with `ingestedAt`. Written out
 * field by field rather than looped over the column names: this runs for every row of every batch,
 * and the loop took twice as long (the tests check the order against `WRITTEN_COLUMNS`). Each row
 * is joined into one flat string at once, and every `ROWS_PER_PIECE` rows into one piece: appended
 * with `+=`, the text was a tree holding every field of every row until the end, which the garbage
 * collector had to copy, and the encoding took twice as long with the CMCD values in `npm run bench`.
 */
function tabSeparatedRows(rows: readonly PlaybackRow[], ingestedAt: string): string {
  const f = tabSeparatedField;
  const pieces: string[] = [];
  let lines: string[] = [];
  for (const r of rows) {
    const cmcd = cmcdValues(r);
    lines.push(
      [
        f(r.request_id),
        f(r.timestamp),
        f(r.timestamp_ms),
        f(r.course_id),
        f(r.video_id),
        f(r.rendition),
        f(r.protocol),
        f(r.edge_location),
        f(r.country),
        f(r.status),
        f(r.ttfb_ms),
        f(r.time_taken_ms),
        f(r.bytes),
        f(r.result_type),
        f(r.detailed_result_type),
        f(r.cache_hit),
        f(r.is_error),
        f(r.aborted),
        ingestedAt,
        // A present value never reads `\N` (a string's backslash is escaped), so the values are
        // all NULL exactly when the row has none: the `cmcd` flag of `sentCmcd`.
        cmcd === NO_CMCD_VALUES ? "0" : "1",
        cmcd,
      ].join("\t"),
    );
    if (lines.length === ROWS_PER_PIECE) {
      pieces.push(`${lines.join("\n")}\n`);
      lines = [];
    }
  }
  if (lines.length > 0) pieces.push(`${lines.join("\n")}\n`);
  return pieces.join("");
}

/** TabSeparated NULL. */
const NULL = "\\N";

/** The CMCD values of a row that has none: all NULL. */
const NO_CMCD_VALUES = PLAYBACK_CMCD_COLUMNS.map(() => NULL).join("\t");

/** An optional CMCD number or string as a TabSeparated field: `\N` when absent. */
function optional(value: string | number | undefined): string {
  return value === undefined ? NULL : tabSeparatedField(value);
}

/** An optional CMCD flag as a TabSeparated field: `\N` when absent, else 1 or 0. */
function optionalFlag(value: boolean | undefined): string {
  return value === undefined ? NULL : value ? "1" : "0";
}

/**
 * A row's CMCD values in `PLAYBACK_CMCD_COLUMNS` order, written out as in `tabSeparatedRows`
 * rather than mapped over the column names.
 */
function cmcdValues(r: PlaybackRow): string {
  const o = optional;
  const b = optionalFlag;
  return [
    o(r.cmcd_encoded_bitrate_kbps),
    o(r.cmcd_buffer_length_ms),
    b(r.cmcd_buffer_starvation),
    o(r.cmcd_content_id),
    o(r.cmcd_object_duration_ms),
    o(r.cmcd_deadline_ms),
    o(r.cmcd_measured_throughput_kbps),
    o(r.cmcd_object_type),
    o(r.cmcd_requested_max_throughput_kbps),
    o(r.cmcd_streaming_format),
    o(r.cmcd_session_id),
    o(r.cmcd_stream_type),
    b(r.cmcd_startup),
    o(r.cmcd_top_bitrate_kbps),
    o(r.cmcd_version),
  ].join("\t");
}

/** Where and as whom to connect. */
export interface ClickHouseConnectionOptions {
  readonly url: string;
  readonly database: string;
  readonly username: string;
  readonly password: string;
}

/**
 * Client settings for Lambda: no keep-alive (a frozen container's idle sockets are reset by the
 * server, and the next call would fail with ECONNRESET), a 10 s request timeout, uncompressed
 * bodies (inside the VPC bandwidth is plenty and the function's CPU is not: gzip of a batch cost
 * more than it saved in `npm run bench`), and the client's own logging off (its messages can quote
 * queries and rows).
 */
export function clickHouseClientOptions(
  options: ClickHouseConnectionOptions,
): ClickHouseClientConfigOptions {
  return {
    url: options.url,
    database: options.database,
    username: options.username,
    password: options.password,
    application: "rtlog-ingest",
    request_timeout: REQUEST_TIMEOUT_MS,
    keep_alive: { enabled: false },
    compression: { request: false, response: false },
    log: { level: ClickHouseLogLevel.OFF },
  };
}

/** Opens a client with `clickHouseClientOptions`. */
export function createClickHouseConnection(
  options: ClickHouseConnectionOptions,
): ClickHouseConnection {
  return createClient(clickHouseClientOptions(options));
}
