/**
 * The schema migration job (a Helm hook before each install and upgrade of the API): applies
 * every migration the database lacks, then exits 0, or exits 1 with the reason.
 */
import { createAnalyticsClient } from "../clickhouse/client";
import { migrate } from "../clickhouse/migrate";
import { describeError, log } from "../../shared/log";
import { readEnvironment } from "./environment";

async function main(): Promise<void> {
  const env = readEnvironment(process.env);
  const client = createAnalyticsClient({
    url: env.CLICKHOUSE_URL,
    username: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD,
    application: "analytics-migrate",
    requestTimeoutMs: 300_000,
  });
  try {
    const result = await migrate(client, {
      database: env.CLICKHOUSE_DATABASE,
      ...(env.CLICKHOUSE_CLUSTER === undefined ? {} : { cluster: env.CLICKHOUSE_CLUSTER }),
      ...(env.RAW_RETENTION_DAYS === undefined ? {} : { rawRetentionDays: env.RAW_RETENTION_DAYS }),
    });
    log("info", "schema up to date", {
      serverVersion: `${result.serverVersion.major}.${result.serverVersion.minor}`,
      features: result.features,
      applied: result.applied,
      alreadyApplied: result.alreadyApplied,
    });
  } finally {
    await client.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  log("error", "migration failed", describeError(error));
  process.exit(1);
});
