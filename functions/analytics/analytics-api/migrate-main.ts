/**
 * The schema migration job (a Helm hook before each install and upgrade of the API): applies
 * every migration the database lacks, then exits 0, or exits 1 with the reason.
 */
import { migrate } from "../clickhouse/migrate";
import { log } from "../../shared/log";
import { runJob } from "./job";

runJob({
  application: "analytics-migrate",
  requestTimeoutMs: 300_000,
  failureMessage: "migration failed",
  work: async (client, env) => {
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
  },
});
