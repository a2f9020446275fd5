/**
 * The analytics API as the bench loads it: the real request listener (`createApp`) over
 * `AnalyticsQueries`, wired as the API process (main.ts) wires it (bounded client with its own
 * control client, the settings' deadline, limits, connection pool and cache), in a process of its
 * own so the load generator does not share its event loop. Started by `api-load.ts` with the
 * database in the environment (the API settings' variables apply too: the bench sets
 * `CACHE_TTL_MS=0`); listens on a free loopback port, prints `API_PORT_LINE <port>` on standard
 * output, and stops on SIGTERM or when its standard input closes (the bench has gone).
 */
import { readApiSettings } from "../../../functions/analytics/analytics-api/environment";
import { boundedClient } from "../../../functions/analytics/analytics-api/bounded-client";
import { AnalyticsQueries } from "../../../functions/analytics/analytics-api/queries";
import { createApp } from "../../../functions/analytics/analytics-api/server";
import { createApiServer, listen } from "../../../functions/analytics/analytics-api/serve";
import { createAnalyticsClient } from "../../../functions/analytics/clickhouse/client";

/** The line that tells the parent which port to load. */
export const API_PORT_LINE = "bench-api-port";

/** The environment the parent sets. */
export const API_CHILD_ENVIRONMENT = {
  url: "BENCH_API_CLICKHOUSE_URL",
  username: "BENCH_API_CLICKHOUSE_USER",
  password: "BENCH_API_CLICKHOUSE_PASSWORD",
  database: "BENCH_API_DATABASE",
} as const;

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const settings = readApiSettings(process.env);
  const database = required(API_CHILD_ENVIRONMENT.database);
  const connection = {
    url: required(API_CHILD_ENVIRONMENT.url),
    username: required(API_CHILD_ENVIRONMENT.username),
    // The test server's default user has no password, which the API's environment refuses.
    password: process.env[API_CHILD_ENVIRONMENT.password] ?? "",
    database,
  };
  const client = createAnalyticsClient({
    ...connection,
    application: "analytics-api-bench",
    requestTimeoutMs: settings.REQUEST_TIMEOUT_MS + 1_000,
    maxOpenConnections: settings.CLICKHOUSE_MAX_CONNECTIONS,
  });
  const control = createAnalyticsClient({
    ...connection,
    application: "analytics-api-bench-control",
    requestTimeoutMs: 5_000,
    maxOpenConnections: 2,
  });
  const queries = boundedClient(client, {
    killClient: control,
    limits: {
      maxExecutionSeconds: Math.ceil(settings.REQUEST_TIMEOUT_MS / 1000),
      maxResultRows: settings.QUERY_MAX_RESULT_ROWS,
      maxResultBytes: settings.QUERY_MAX_RESULT_BYTES,
      maxMemoryBytes: settings.QUERY_MAX_MEMORY_BYTES,
    },
  });
  const app = createApp({
    queries: new AnalyticsQueries(queries, database),
    ping: async () => (await control.ping()).success,
    requestTimeoutMs: settings.REQUEST_TIMEOUT_MS,
    cache: {
      ttlMs: settings.CACHE_TTL_MS,
      maxEntries: settings.CACHE_MAX_ENTRIES,
      maxBytes: settings.CACHE_MAX_BYTES,
    },
  });
  const server = createApiServer(app);
  const address = await listen(server, 0, "127.0.0.1");
  process.stdout.write(`${API_PORT_LINE} ${address.port}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    server.close(() => {
      void Promise.allSettled([client.close(), control.close()]).finally(() => process.exit(0));
    });
  };
  process.once("SIGTERM", stop);
  // The parent holds standard input open: when it goes, however it went, this process goes too.
  process.stdin.once("end", stop);
  process.stdin.resume();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
