/**
 * The QoE rollup job's work (rollup-main.ts runs it as a batch job): builds the closed hours and
 * days of the QoE rollups from the raw requests (../clickhouse/qoe-rollup.ts), on the server of
 * `client` or, with `CLICKHOUSE_SHARD_URLS` set, on every shard of the cluster
 * (../clickhouse/qoe-rollup-shards.ts), and logs what it built.
 */
import type { ClickHouseClient } from "@clickhouse/client";
import { runConfiguredQoeRollup } from "../clickhouse/qoe-rollup-shards";
import { readQoeRollupEnvironment } from "../clickhouse/qoe-rollup-environment";
import type { QoeRollupSummary } from "../clickhouse/qoe-rollup";
import type { ShardedQoeRollupSummary } from "../clickhouse/qoe-rollup-shards";
import { log } from "../../shared/log";
import type { Environment } from "./environment";

/** The job's name in ClickHouse's query log. */
export const QOE_ROLLUP_APPLICATION = "analytics-qoe-rollup";
/** One statement builds a whole day (the first run, every day the raw table holds). */
export const QOE_ROLLUP_REQUEST_TIMEOUT_MS = 1_800_000;

/**
 * One run of the job: `env` is the validated environment, `variables` the process's (the job's
 * settings and `CLICKHOUSE_SHARD_URLS`). Each shard's servers are reached as `client`'s user.
 */
export async function qoeRollupWork(
  client: ClickHouseClient,
  env: Environment,
  variables: NodeJS.ProcessEnv,
  now: Date = new Date(),
): Promise<QoeRollupSummary | ShardedQoeRollupSummary> {
  const settings = readQoeRollupEnvironment(variables);
  const summary = await runConfiguredQoeRollup(
    client,
    {
      username: env.CLICKHOUSE_USER,
      password: env.CLICKHOUSE_PASSWORD,
      requestTimeoutMs: QOE_ROLLUP_REQUEST_TIMEOUT_MS,
      application: QOE_ROLLUP_APPLICATION,
    },
    variables,
    { database: env.CLICKHOUSE_DATABASE, now, ...settings },
  );
  log("info", "QoE rollups built", { ...summary });
  return summary;
}
