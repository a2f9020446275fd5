/**
 * ClickHouse "external data" over HTTP: tables sent in the body of one request, as
 * `multipart/form-data` parts, that the request's query reads like temporary tables
 * (https://clickhouse.com/docs/engines/table-engines/special/external-data). The values never
 * enter the SQL text, so the server does not parse them as literals, and the tables live exactly
 * as long as the request: no session, no CREATE or DROP, and nothing that depends on the next
 * request reaching the same server behind the load balancer. Every server this runs against
 * (18.16 onwards) reads them.
 */
import { randomUUID } from "node:crypto";

/** One table of a request: its rows as TabSeparated text, one `\n`-terminated line each. */
export interface ExternalTable {
  /** A plain identifier: the query reads the table by this name. */
  readonly name: string;
  /** Column names and types, `request_id String, timestamp DateTime`. */
  readonly structure: string;
  readonly tabSeparated: string;
}

/** What a request with external tables sends besides its query. */
export interface ExternalDataRequest {
  /** The multipart body, one part per table. */
  readonly body: Buffer;
  /** `Content-Type` with the body's boundary. */
  readonly contentType: string;
  /** The URL parameters declaring each table: `<name>_structure` and `<name>_format`. */
  readonly parameters: Readonly<Record<string, string>>;
}

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The body and URL parameters that send `tables` with a query. */
export function externalDataRequest(tables: readonly ExternalTable[]): ExternalDataRequest {
  // Random, so no value can contain it: a part ends only where the body says.
  const boundary = `rtlog-${randomUUID()}`;
  const parts: string[] = [];
  const parameters: Record<string, string> = {};
  for (const table of tables) {
    if (!TABLE_NAME.test(table.name)) {
      throw new RangeError(
        `external table name ${JSON.stringify(table.name)} is not a plain identifier`,
      );
    }
    parameters[`${table.name}_structure`] = table.structure;
    parameters[`${table.name}_format`] = "TabSeparated";
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="${table.name}"; filename="${table.name}.tsv"\r\n` +
        `Content-Type: text/tab-separated-values\r\n\r\n${table.tabSeparated}\r\n`,
    );
  }
  return {
    body: Buffer.from(`${parts.join("")}--${boundary}--\r\n`),
    contentType: `multipart/form-data; boundary=${boundary}`,
    parameters,
  };
}

/** The characters TabSeparated escapes in a string, and their escapes. */
const ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
  "\0": "\\0",
};
const NEEDS_ESCAPE = /[\\\t\n\r\0]/g;
/** The same class without the global flag: a test with no state between calls. */
const HAS_ESCAPE = /[\\\t\n\r\0]/;

/** One TabSeparated field: strings escaped as the format requires, numbers as written. */
export function tabSeparatedField(value: string | number): string {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`expected a non-negative integer, got ${value}`);
    }
    return String(value);
  }
  // Nearly every value needs no escape: testing first is cheaper than replacing with a callback.
  return HAS_ESCAPE.test(value)
    ? value.replace(NEEDS_ESCAPE, (char) => ESCAPES[char] ?? char)
    : value;
}
