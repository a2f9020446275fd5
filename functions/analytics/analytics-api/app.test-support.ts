/**
 * Runs the API's request listener on a real listening server for tests, and a stand-in for
 * `AnalyticsQueries` whose every route runs one ClickHouse query through a given client.
 */
import type { ClickHouseClient } from "@clickhouse/client";
import { createApp, type AppDependencies, type QueryRunner } from "./server";
import { createApiServer, listen } from "./serve";

/** A running app: its base URL, and a way to stop it. */
export interface RunningApp {
  readonly base: string;
  readonly port: number;
  /** Requests the server has received and handed to the app so far. */
  readonly received: () => number;
  close(): Promise<void>;
}

/** Starts the app with `dependencies` on a free port of 127.0.0.1. */
export async function startApp(dependencies: AppDependencies): Promise<RunningApp> {
  const server = createApiServer(createApp(dependencies));
  let received = 0;
  // Registered after the app's listener, so it runs once the app has taken the request.
  server.on("request", () => {
    received++;
  });
  const { port } = await listen(server, 0, "127.0.0.1");
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    received: () => received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** Queries that each run `SELECT 1` through `client` and answer its rows. */
export function selectOneQueries(client: ClickHouseClient): QueryRunner {
  const run = async () => {
    const result = await client.query({ query: "SELECT 1 AS one", format: "JSONEachRow" });
    return { source: "raw" as const, data: await result.json() };
  };
  return {
    qoeSummary: run,
    qoeBreakdown: run,
    renditionMix: run,
    bufferSummary: run,
    bufferBreakdown: run,
    engagementSummary: run,
    engagementByCourse: run,
  };
}
