/**
 * The QoE rollup job (an hourly CronJob of the API's chart, same image): builds the closed hours
 * and days of the QoE rollups from the raw requests (../clickhouse/qoe-rollup.ts), logs what it
 * built, then exits 0, or 1 with the reason.
 */
import { randomUUID } from "node:crypto";
import { runQoeRollup } from "../clickhouse/qoe-rollup";
import { readQoeRollupEnvironment } from "../clickhouse/qoe-rollup-environment";
import { log } from "../../shared/log";
import { runJob } from "./job";

runJob({
  application: "analytics-qoe-rollup",
  // One statement builds a whole day (the first run, every day the raw table holds).
  requestTimeoutMs: 1_800_000,
  failureMessage: "QoE rollup failed",
  work: async (client, env) => {
    const settings = readQoeRollupEnvironment(process.env);
    const summary = await runQoeRollup(client, {
      database: env.CLICKHOUSE_DATABASE,
      now: new Date(),
      ...settings,
      // The staging tables are each server's own: the whole run stays on one server.
      sessionId: `qoe-rollup-${randomUUID()}`,
    });
    log("info", "QoE rollups built", { ...summary });
  },
});
