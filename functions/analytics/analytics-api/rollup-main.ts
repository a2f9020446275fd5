/**
 * The QoE rollup job (an hourly CronJob of the API's chart, same image): builds the closed hours
 * and days of the QoE rollups (rollup-job.ts), then exits 0, or 1 with the reason.
 */
import { runJob } from "./job";
import { QOE_ROLLUP_APPLICATION, QOE_ROLLUP_REQUEST_TIMEOUT_MS, qoeRollupWork } from "./rollup-job";

runJob({
  application: QOE_ROLLUP_APPLICATION,
  requestTimeoutMs: QOE_ROLLUP_REQUEST_TIMEOUT_MS,
  failureMessage: "QoE rollup failed",
  work: async (client, env) => {
    await qoeRollupWork(client, env, process.env);
  },
});
