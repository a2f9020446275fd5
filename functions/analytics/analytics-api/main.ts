/**
 * The analytics API process: reads its environment, connects to ClickHouse and serves HTTP until
 * SIGTERM, then stops taking connections and finishes the requests in flight. A failure inside
 * one request is logged and answered, never fatal; a failure to start is one line and exit 1.
 */
import { describeError, log } from "../../shared/log";
import { readApiSettings, readEnvironment } from "./environment";
import { createApiServer, listen } from "./serve";
import { createService } from "./service";

function fail(error: unknown): never {
  console.error(error instanceof Error ? error.message : String(error));
  log("error", "start failed", describeError(error));
  process.exit(1);
}

function main(): void {
  const env = readEnvironment(process.env);
  const settings = readApiSettings(process.env);
  const service = createService(
    {
      url: env.CLICKHOUSE_URL,
      username: env.CLICKHOUSE_USER,
      password: env.CLICKHOUSE_PASSWORD,
      database: env.CLICKHOUSE_DATABASE,
      application: "analytics-api",
    },
    settings,
    { processMetrics: true },
  );
  const server = createApiServer(service.app);
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
      void service.close().finally(() => process.exit(0));
    });
  });
}

try {
  main();
} catch (error) {
  fail(error);
}
