/**
 * How the image's batch jobs (the schema migration, the lake loader, the QoE rollup) run: one
 * ClickHouse client for the job's work, closed afterwards; exit 0 on success, or 1 with the reason
 * on stderr and in the structured log.
 */
import type { ClickHouseClient } from "@clickhouse/client";
import { createAnalyticsClient } from "../clickhouse/client";
import { describeError, log } from "../../shared/log";
import { readEnvironment, type Environment } from "./environment";

/** One batch job of the image. */
export interface Job {
  /** The client's application name, as ClickHouse's query log shows it. */
  readonly application: string;
  /** How long one request of the job may take. */
  readonly requestTimeoutMs: number;
  /** The log message when the job fails. */
  readonly failureMessage: string;
  /** The job's work, with the client and the environment. */
  readonly work: (client: ClickHouseClient, env: Environment) => Promise<void>;
}

/** Runs `job` and exits the process with its outcome. */
export function runJob(job: Job): void {
  const run = async (): Promise<void> => {
    const env = readEnvironment(process.env);
    const client = createAnalyticsClient({
      url: env.CLICKHOUSE_URL,
      username: env.CLICKHOUSE_USER,
      password: env.CLICKHOUSE_PASSWORD,
      application: job.application,
      requestTimeoutMs: job.requestTimeoutMs,
    });
    try {
      await job.work(client, env);
    } finally {
      await client.close();
    }
  };
  run().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    log("error", job.failureMessage, describeError(error));
    process.exit(1);
  });
}
