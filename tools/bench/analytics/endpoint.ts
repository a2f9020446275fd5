/** The ClickHouse server the analytics bench runs against: where it is, and a one-number query. */
import type { ClickHouseClient } from "@clickhouse/client";

/** Where the server is and as whom to connect, credentials taken from its URL. */
export interface Endpoint {
  readonly url: string;
  readonly host: string;
  readonly secure: boolean;
  readonly username: string;
  readonly password: string;
  readonly tcpPort: number | undefined;
}

/** The endpoint of the server at `serverUrl`, with its native port when known. */
export function endpoint(serverUrl: string, tcpPort: number | undefined): Endpoint {
  const url = new URL(serverUrl);
  return {
    url: `${url.protocol}//${url.host}`,
    host: url.hostname,
    secure: url.protocol === "https:",
    username: decodeURIComponent(url.username) || "default",
    password: decodeURIComponent(url.password),
    tcpPort,
  };
}

/** The `n` column of the first row `query` returns, as a number (NaN when there is none). */
export async function queryNumber(client: ClickHouseClient, query: string): Promise<number> {
  const result = await client.query({ query, format: "JSONEachRow" });
  const [row] = await result.json<{ n: unknown }>();
  return Number(row?.n ?? Number.NaN);
}
