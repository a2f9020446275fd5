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
import {
  ANALYTICS_TABLES,
  PLAYBACK_CMCD_COLUMNS,
  sentCmcd,
  type PlaybackRow,
} from "../clickhouse/tables";
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
      tabSeparated: rows.map((row) => `${tabSeparatedField(row.request_id)}\n`).join(""),
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

/**
 * The rows as TabSeparated lines in `WRITTEN_COLUMNS` order, each with `ingestedAt`. Written out
 * field by field rather than looped over the column names: this runs for every row of every batch,
 * and the loop took twice as long (the tests check the order against `WRITTEN_COLUMNS`). A row
 * without CMCD (most players send none) ends with a constant text.
 */
function tabSeparatedRows(rows: readonly PlaybackRow[], ingestedAt: string): string {
  const f = tabSeparatedField;
  let text = "";
  for (const r of rows) {
    text +=
      `${f(r.request_id)}\t${f(r.timestamp)}\t${f(r.timestamp_ms)}\t${f(r.course_id)}\t` +
      `${f(r.video_id)}\t${f(r.rendition)}\t${f(r.protocol)}\t${f(r.edge_location)}\t` +
      `${f(r.country)}\t${f(r.status)}\t${f(r.ttfb_ms)}\t${f(r.time_taken_ms)}\t${f(r.bytes)}\t` +
      `${f(r.result_type)}\t${f(r.detailed_result_type)}\t${f(r.cache_hit)}\t${f(r.is_error)}\t` +
      `${f(r.aborted)}\t${ingestedAt}\t${sentCmcd(r) ? cmcdFields(r) : NO_CMCD_FIELDS}\n`;
  }
  return text;
}

/** TabSeparated NULL. */
const NULL = "\\N";

/** The `cmcd` flag and CMCD values of a row that has none: 0 and NULLs. */
const NO_CMCD_FIELDS = ["0", ...PLAYBACK_CMCD_COLUMNS.map(() => NULL)].join("\t");

/** A CMCD value as a TabSeparated field: `\N` when absent, 1 or 0 for a flag. */
function cmcdField(value: string | number | boolean | undefined): string {
  if (value === undefined) return NULL;
  if (typeof value === "boolean") return value ? "1" : "0";
  return tabSeparatedField(value);
}

/** The `cmcd` flag (1) and the CMCD values of a row that has some, in `WRITTEN_COLUMNS` order. */
function cmcdFields(r: PlaybackRow): string {
  return ["1", ...PLAYBACK_CMCD_COLUMNS.map((column) => cmcdField(r[column]))].join("\t");
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
