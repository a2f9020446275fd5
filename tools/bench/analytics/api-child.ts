/**
 * The analytics API as the bench loads it: the real request listener (`createApp`) over
 * `AnalyticsQueries`, wired by the service's own `createService` as the API process (main.ts) is
 * (bounded client with its own control client, the settings' deadline, limits, connection pool
 * and cache), in a process of its
 * own so the load generator does not share its event loop. Started by `api-load.ts` with the
 * database in the environment (the API settings' variables apply too: the bench sets
 * `CACHE_TTL_MS=0`); listens on a free loopback port, prints `API_PORT_LINE <port>` on standard
 * output, and stops on SIGTERM or when its standard input closes (the bench has gone).
 */
import { readApiSettings } from "../../../functions/analytics/analytics-api/environment";
import { createApiServer, listen } from "../../../functions/analytics/analytics-api/serve";
import { createService } from "../../../functions/analytics/analytics-api/service";

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
  const service = createService(
    {
      url: required(API_CHILD_ENVIRONMENT.url),
      username: required(API_CHILD_ENVIRONMENT.username),
      // The test server's default user has no password, which the API's environment refuses.
      password: process.env[API_CHILD_ENVIRONMENT.password] ?? "",
      database,
      application: "analytics-api-bench",
    },
    settings,
  );
  const server = createApiServer(service.app);
  const address = await listen(server, 0, "127.0.0.1");
  process.stdout.write(`${API_PORT_LINE} ${address.port}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    server.close(() => {
      void service.close().finally(() => process.exit(0));
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
