/**
 * The QoE rollup job's work as the CronJob runs it: on one server (no `CLICKHOUSE_SHARD_URLS`,
 * as before migration 8) it builds the rollups in the database the API reads; with the variable
 * naming a cluster's shards (two servers on loopback) it builds each shard's rollups and the
 * API's marks, over the same requests, to the same totals.
 */
import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropDatabase, testClient, uniqueDatabase } from "../../../test/clickhouse/database";
import { localDatabase } from "../clickhouse/cluster-layout";
import { migrate } from "../clickhouse/migrate";
import { qoeDataSet } from "../clickhouse/qoe-rollup.fixtures";
import { SHARD_URLS_VARIABLE } from "../clickhouse/qoe-rollup-shards";
import {
  startTwoShards,
  TWO_SHARDS,
  type TwoShardCluster,
} from "../clickhouse/two-shards.test-support";
import type { Environment } from "./environment";
import { qoeRollupWork } from "./rollup-job";

const NOW = new Date("2026-12-03T06:05:00Z");
const rows = qoeDataSet();

/** The environment the chart gives the job, for `database` as `username`. */
function environment(database: string, username: string, password: string): Environment {
  return {
    CLICKHOUSE_URL: "http://unused.invalid:8123",
    CLICKHOUSE_DATABASE: database,
    CLICKHOUSE_USER: username,
    CLICKHOUSE_PASSWORD: password,
    PORT: 8080,
  };
}

async function requestsIn(client: ClickHouseClient, table: string): Promise<number> {
  const result = await client.query({
    query: `SELECT sum(requests) AS value FROM ${table}`,
    format: "JSONEachRow",
  });
  const [row] = await result.json<{ value: string | number }>();
  return Number(row?.value);
}

describe("the QoE rollup job's work", () => {
  const database = uniqueDatabase("rollup_job");
  let single: ClickHouseClient;
  let cluster: TwoShardCluster | undefined;

  beforeAll(async () => {
    single = testClient();
    const [started] = await Promise.all([startTwoShards(), migrate(single, { database })]);
    cluster = started;
    for (const shard of cluster.shards) {
      await migrate(shard.client, { database, cluster: TWO_SHARDS, replicated: false });
    }
    await single.insert({
      table: `${database}.playback_requests`,
      values: rows,
      format: "JSONEachRow",
    });
    // Through the Distributed table, as the ingest writes: each request to its shard.
    await cluster.shards[0].client.insert({
      table: `${database}.playback_requests`,
      values: rows,
      format: "JSONEachRow",
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    await dropDatabase(single, database);
  });

  it("builds on the one server it connects to when no shard is listed", async () => {
    const summary = await qoeRollupWork(single, environment(database, "unused", "unused"), {}, NOW);
    expect(summary).toMatchObject({ hourlyThrough: "2026-12-03 06:00:00" });
    expect(await requestsIn(single, `${database}.qoe_hourly`)).toBeGreaterThan(0);
  });

  it("builds every listed shard's rollups and the API's marks, to the one server's totals", async () => {
    if (cluster === undefined) throw new Error("no cluster");
    const [first, second] = cluster.shards;
    const variables = { [SHARD_URLS_VARIABLE]: `${first.url};${second.url}` };
    // The client the job was started with is not used for the shards.
    const summary = await qoeRollupWork(
      single,
      environment(database, "default", ""),
      variables,
      NOW,
    );
    expect(summary).toMatchObject({
      marks: { hourly: "2026-12-03 06:00:00" },
      shards: [{ hourlyThrough: "2026-12-03 06:00:00" }, { hourlyThrough: "2026-12-03 06:00:00" }],
    });
    const local = `${localDatabase(database)}.qoe_hourly`;
    const perShard = [
      await requestsIn(first.client, local),
      await requestsIn(second.client, local),
    ];
    expect(Math.min(...perShard)).toBeGreaterThan(0);
    const whole = await requestsIn(single, `${database}.qoe_hourly`);
    expect(perShard.reduce((sum, count) => sum + count, 0)).toBe(whole);
    expect(await requestsIn(second.client, `${database}.qoe_hourly`)).toBe(whole);
  });
});
