/**
 * The analytics API process: reads its environment, connects to ClickHouse and serves HTTP until
 * SIGTERM, then stops taking connections and finishes the requests in flight. A failure inside
 * one request is logged and answered, never fatal; a failure to start is one line and exit 1.
 */
import { createAnalyticsClient } from "../clickhouse/client";
import { describeError, log } from "../../shared/log";
import { boundedClient } from "./bounded-client";
import { readApiSettings, readEnvironment } from "./environment";
import { AnalyticsQueries } from "./queries";
import { createApp } from "./server";
import { createApiServer, listen } from "./serve";

/** How long the readiness probe waits for ClickHouse: below the probe's 2 s timeout. */
const PING_TIMEOUT_MS = 1_500;

function fail(error: unknown): never {
  console.error(error instanceof Error ? error.message : String(error));
  log("error", "start failed", describeError(error));
  process.exit(1);
}

function main(): void {
  const env = readEnvironment(process.env);
  const settings = readApiSettings(process.env);
  const connection = {
    url: env.CLICKHOUSE_URL,
    username: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD,
    database: env.CLICKHOUSE_DATABASE,
  };
  const client = createAnalyticsClient({
    ...connection,
    application: "analytics-api",
    // The request deadline governs; the client's own timeout is only a backstop behind it.
    requestTimeoutMs: settings.REQUEST_TIMEOUT_MS + 1_000,
    maxOpenConnections: settings.CLICKHOUSE_MAX_CONNECTIONS,
  });
  // Probes and KILL QUERY use connections of their own, so they never queue behind queries.
  const control = createAnalyticsClient({
    ...connection,
    application: "analytics-api-control",
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
    queries: new AnalyticsQueries(queries, env.CLICKHOUSE_DATABASE),
    ping: async () =>
      (await control.ping({ select: false, abort_signal: AbortSignal.timeout(PING_TIMEOUT_MS) }))
        .success,
    pingTimeoutMs: PING_TIMEOUT_MS,
    processMetrics: true,
    requestTimeoutMs: settings.REQUEST_TIMEOUT_MS,
    cache: {
      ttlMs: settings.CACHE_TTL_MS,
      maxEntries: settings.CACHE_MAX_ENTRIES,
      maxBytes: settings.CACHE_MAX_BYTES,
    },
  });
  const server = createApiServer(app);
  // The last resort: whatever escapes a request is logged and the process keeps serving.
  process.on("uncaughtException", (error) => {
    log("error", "uncaught exception", describeError(error));
  });
  process.on("unhandledRejection", (reason) => {
    log("error", "unhandled rejection", describeError(reason));
  });
  listen(server, env.PORT).then(() => {
    log("info", "listening", { port: env.PORT });
  }, fail);
  process.once("SIGTERM", () => {
    log("info", "stopping");
    server.close(() => {
      void Promise.allSettled([client.close(), control.close()]).finally(() => process.exit(0));
    });
  });
}

try {
  main();
} catch (error) {
  fail(error);
}
