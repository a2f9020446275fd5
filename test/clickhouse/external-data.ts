/**
 * External data for chDB. The ingest sink sends a batch as tables in the HTTP body of its request
 * (external data); chDB, the engine in the test process, takes no HTTP body. So here a statement
 * that reads sent tables runs against stand-in tables of the same names in the analytics
 * database, filled from the body first. The stand-ins are test scaffolding: the user under test
 * gets its own grants plus `standInGrants`, which reach nothing but the stand-ins, so every access
 * to the real tables is still checked against the user's real grants.
 */
import { Readable } from "node:stream";
import type { ClickHouseClient } from "@clickhouse/client";
import {
  IDS_TABLE,
  ROWS_TABLE,
  WRITTEN_COLUMNS,
  type ClickHouseConnection,
  type ExecParams,
} from "../../functions/analytics/rtlog-ingest/clickhouse-sink";

const STAND_INS: Readonly<Record<string, string>> = {
  [ROWS_TABLE]: Object.entries(WRITTEN_COLUMNS)
    .map(([name, type]) => `${name} ${type}`)
    .join(", "),
  [IDS_TABLE]: "request_id String",
};

/** The statements that create the stand-ins (run by a user that may create tables). */
export function standInStatements(database: string): string[] {
  return Object.entries(STAND_INS).map(
    ([name, structure]) =>
      `CREATE TABLE IF NOT EXISTS ${database}.${name} (${structure}) ENGINE = Memory`,
  );
}

/** What the user under test needs on the stand-ins, and nothing else. */
export function standInGrants(database: string): string[] {
  return Object.keys(STAND_INS).map(
    (name) => `GRANT SELECT, INSERT, TRUNCATE ON ${database}.${name}`,
  );
}

/** The tables of a `multipart/form-data` body: part name -> content. */
function parts(body: string, contentType: string): Map<string, string> {
  const boundary = /boundary=(.+)$/.exec(contentType)?.[1];
  if (boundary === undefined) throw new Error(`no multipart boundary in ${contentType}`);
  const tables = new Map<string, string>();
  for (const part of body.split(`--${boundary}`)) {
    const name = /name="([^"]+)"/.exec(part)?.[1];
    const start = part.indexOf("\r\n\r\n");
    if (name === undefined || start === -1) continue;
    tables.set(name, part.slice(start + 4, part.lastIndexOf("\r\n")));
  }
  return tables;
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString();
}

/** A sink connection over `client` that runs each statement against the filled stand-ins. */
export function standInConnection(
  client: ClickHouseClient,
  database: string,
): ClickHouseConnection {
  return {
    async exec(params: ExecParams) {
      const tables = parts(await text(params.values), params.http_headers["Content-Type"] ?? "");
      let query = params.query;
      for (const [name, content] of tables) {
        if (!(name in STAND_INS)) throw new Error(`no stand-in for external table ${name}`);
        await client.command({ query: `TRUNCATE TABLE ${database}.${name}` });
        if (content !== "") {
          await client.exec({
            query: `INSERT INTO ${database}.${name} FORMAT TabSeparated\n`,
            values: Readable.from([content]),
          });
        }
        query = query.replaceAll(`\`${name}\``, `${database}.${name}`);
      }
      return client.exec({ query });
    },
    close: () => Promise.resolve(),
  };
}
