/**
 * The nightly lake loader (a CronJob of the API's chart, same image): loads the curated learning
 * events of the last few days from the data lake into ClickHouse, each day at most once per
 * event, then exits 0, or 1 with the reason.
 */
import { createAnalyticsClient } from "../clickhouse/client";
import { daysToLoad, lakeSource, loadDay } from "../clickhouse/lake-load";
import { describeError, log } from "../../shared/log";
import { readEnvironment, readLakeEnvironment } from "./environment";

async function main(): Promise<void> {
  const env = readEnvironment(process.env);
  const lake = readLakeEnvironment(process.env);
  const client = createAnalyticsClient({
    url: env.CLICKHOUSE_URL,
    username: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD,
    application: "analytics-lake-load",
    requestTimeoutMs: 600_000,
  });
  try {
    for (const day of daysToLoad(new Date(), lake.LOAD_DAYS_BACK)) {
      const source = lakeSource(
        { bucket: lake.LAKE_BUCKET, region: lake.LAKE_REGION, prefix: lake.LAKE_PREFIX },
        day,
      );
      const added = await loadDay(client, env.CLICKHOUSE_DATABASE, source, day);
      log("info", "day loaded", { day, added });
    }
  } finally {
    await client.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  log("error", "lake load failed", describeError(error));
  process.exit(1);
});
