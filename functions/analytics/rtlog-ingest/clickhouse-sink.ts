/**
 * `PlaybackSink` over ClickHouse's HTTP interface (`@clickhouse/client`). The servers this runs
 * against include 18.16, which has no server-side query parameters: the lookup's values are
 * written into the SQL as literals by the query renderer the sink is given.
 */
import {
  ClickHouseLogLevel,
  createClient,
  type ClickHouseClientConfigOptions,
} from "@clickhouse/client";
import { identifier, sql } from "../clickhouse/bind";
import { ANALYTICS_TABLES, type PlaybackRow } from "../clickhouse/tables";
import type { PlaybackSink } from "./core";
import { UnexpectedResultError } from "./errors";

/** The table rows go to, in the configured database. */
export const PLAYBACK_TABLE = ANALYTICS_TABLES.playbackRequests;

/**
 * Most request ids per lookup query: a whole Kinesis batch (at most 10,000 records), so a batch
 * costs one lookup. Each id is at most 128 characters (plus quotes and a separator), so the query
 * can reach ~1.3 MB, above ClickHouse's default `max_query_size` (256 KiB): the lookup raises
 * that limit for itself to `LOOKUP_QUERY_BYTES`.
 */
export const MAX_IDS_PER_QUERY = 10_000;

/** The `max_query_size` of a lookup: room for `MAX_IDS_PER_QUERY` ids of the longest kind. */
export const LOOKUP_QUERY_BYTES = 2 * 1024 * 1024;

/** Request timeout, in milliseconds: a stuck call fails well within the function's timeout. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** The part of the ClickHouse client the sink uses. */
export interface ClickHouseConnection {
  insert(params: {
    readonly table: string;
    readonly values: PlaybackRow[];
    readonly format: "JSONEachRow";
  }): Promise<unknown>;
  query(params: {
    readonly query: string;
    readonly format: "JSONEachRow";
    readonly clickhouse_settings?: { readonly max_query_size?: string };
  }): Promise<{ json(): Promise<unknown> }>;
  close(): Promise<void>;
}

/**
 * The SQL of one lookup: `SELECT request_id FROM <db>.playback_requests WHERE timestamp BETWEEN
 * <from> AND <to> AND request_id IN (<ids>)`, every value a literal. `from` and `to` are
 * `YYYY-MM-DD hh:mm:ss`, the text the rows' timestamps were inserted as.
 */
export type RenderExistingIdsQuery = (from: string, to: string, ids: readonly string[]) => string;

/** Database names are written into SQL as they are: only plain identifiers. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * The renderer used when none is given, through the platform's one binder. The bounds are
 * `toDateTime(...)` calls, not bare strings: the table's sort key starts with
 * `toStartOfHour(timestamp)`, and older servers apply that function to a bare string bound while
 * analysing the key, which fails. Without a time zone argument the text is read as the inserted
 * rows' text is, in the server's time zone (UTC on the platform's servers).
 */
function defaultRenderQuery(database: string): RenderExistingIdsQuery {
  const table = identifier(database, PLAYBACK_TABLE);
  return (from, to, ids) =>
    sql`SELECT request_id FROM ${table} WHERE timestamp BETWEEN toDateTime(${from}) AND toDateTime(${to}) AND request_id IN ${ids}`
      .text;
}

/** Writes rows to `<database>.playback_requests` and looks up stored request ids. */
export class ClickHouseSink implements PlaybackSink {
  private readonly table: string;
  private readonly renderQuery: RenderExistingIdsQuery;

  /**
   * @param client an open client (see `createClickHouseConnection`).
   * @param database the database holding `playback_requests`: a plain identifier.
   * @param renderQuery writes the lookup's SQL with its values as literals; the binding is
   *   injected so that every query of the platform can share one escaping function.
   */
  constructor(
    private readonly client: ClickHouseConnection,
    database: string,
    renderQuery?: RenderExistingIdsQuery,
  ) {
    if (!IDENTIFIER.test(database)) {
      throw new RangeError(
        `database ${JSON.stringify(database)} is not a plain identifier (letters, digits, _)`,
      );
    }
    this.table = `${database}.${PLAYBACK_TABLE}`;
    this.renderQuery = renderQuery ?? defaultRenderQuery(database);
  }

  async existingRequestIds(
    ids: readonly string[],
    from: string,
    to: string,
  ): Promise<ReadonlySet<string>> {
    const found = new Set<string>();
    for (let start = 0; start < ids.length; start += MAX_IDS_PER_QUERY) {
      const chunk = ids.slice(start, start + MAX_IDS_PER_QUERY);
      const result = await this.client.query({
        query: this.renderQuery(from, to, chunk),
        format: "JSONEachRow",
        // One lookup for a whole Kinesis batch: its ids take up to ~1.3 MB of SQL text.
        clickhouse_settings: { max_query_size: String(LOOKUP_QUERY_BYTES) },
      });
      const rows = await result.json();
      if (!Array.isArray(rows)) throw new UnexpectedResultError();
      for (const row of rows as unknown[]) {
        const id =
          typeof row === "object" && row !== null
            ? (row as { request_id?: unknown }).request_id
            : undefined;
        if (typeof id !== "string") throw new UnexpectedResultError();
        found.add(id);
      }
    }
    return found;
  }

  async insert(rows: readonly PlaybackRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({ table: this.table, values: [...rows], format: "JSONEachRow" });
  }
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
