/**
 * The analytics API process: reads its environment, connects to ClickHouse and serves HTTP until
 * SIGTERM, then stops taking connections and finishes the requests in flight.
 */
import { createServer } from "node:http";
import { createAnalyticsClient } from "../clickhouse/client";
import { describeError, log } from "../../shared/log";
import { readEnvironment } from "./environment";
import { AnalyticsQueries } from "./queries";
import { createApp } from "./server";

function main(): void {
  const env = readEnvironment(process.env);
  const client = createAnalyticsClient({
    url: env.CLICKHOUSE_URL,
    username: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD,
    database: env.CLICKHOUSE_DATABASE,
    application: "analytics-api",
  });
  const app = createApp({
    queries: new AnalyticsQueries(client, env.CLICKHOUSE_DATABASE),
    ping: async () => (await client.ping()).success,
    processMetrics: true,
  });
  const server = createServer(app);
  server.keepAliveTimeout = 65_000; // above the ALB's 60 s idle timeout
  server.listen(env.PORT, () => {
    log("info", "listening", { port: env.PORT });
  });
  process.once("SIGTERM", () => {
    log("info", "stopping");
    server.close(() => {
      void client.close().finally(() => process.exit(0));
    });
  });
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  log("error", "start failed", describeError(error));
  process.exit(1);
}
