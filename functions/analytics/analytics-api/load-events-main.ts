/**
 * The nightly lake loader (a CronJob of the API's chart, same image): loads the curated learning
 * events of the last few days from the data lake into ClickHouse, each day at most once per
 * event, then exits 0, or 1 with the reason.
 */
import { daysToLoad, lakeSource, loadDay } from "../clickhouse/lake-load";
import { log } from "../../shared/log";
import { readLakeEnvironment } from "./environment";
import { runJob } from "./job";

runJob({
  application: "analytics-lake-load",
  requestTimeoutMs: 600_000,
  failureMessage: "lake load failed",
  work: async (client, env) => {
    const lake = readLakeEnvironment(process.env);
    for (const day of daysToLoad(new Date(), lake.LOAD_DAYS_BACK)) {
      const source = lakeSource(
        { bucket: lake.LAKE_BUCKET, region: lake.LAKE_REGION, prefix: lake.LAKE_PREFIX },
        day,
      );
      const added = await loadDay(client, env.CLICKHOUSE_DATABASE, source, day);
      log("info", "day loaded", { day, added });
    }
  },
});
