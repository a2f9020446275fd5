/**
 * The QoE rollup job on the installation's shards, as the analytics cluster composes them: the
 * API's chart gets every shard's servers, named as the Altinity operator names each host's
 * Service (`chi-<installation>-<cluster>-<shard>-<replica>`, pkg/model/chi/namer/patterns.go and
 * name.go at the operator's release-0.25.3), from the values the ClickHouse chart is given.
 */
import { describe, expect, it } from "vitest";
import { chartValuesValidator } from "../../charts/schema";
import { record, Recorded } from "../../tools/plan/engine";
import { releaseNamed, run, SETTINGS } from "./analytics-cluster-test-support";

/** The rollup job's `CLICKHOUSE_SHARD_URLS`, and the ClickHouse chart's values, for `shards`. */
async function composed(shards: number) {
  const recorded = Recorded.of(
    await run({ clickhouse: { ...SETTINGS.clickhouse, shards, replicas: 3 } }),
  );
  const api = record(releaseNamed(recorded, "analytics-api").inputs.values);
  const clickhouse = releaseNamed(recorded, "clickhouse");
  return {
    api,
    shardUrls: String(record(api.qoeRollup).shardUrls),
    clickhouse: {
      values: record(clickhouse.inputs.values),
      namespace: clickhouse.inputs.namespace,
    },
  };
}

describe("the QoE rollup job on the ClickHouse shards", () => {
  it("lists each of 2 shards with its 3 replicas, hosts the operator creates", async () => {
    const { api, shardUrls, clickhouse } = await composed(2);
    const shards = shardUrls.split(";").map((shard) => shard.split(","));
    expect(shards).toHaveLength(2);
    const installation = String(clickhouse.values.fullnameOverride);
    const cluster = String(clickhouse.values.clusterName);
    const namespace = String(clickhouse.namespace);
    for (const [shard, replicas] of shards.entries()) {
      expect(replicas).toEqual(
        [0, 1, 2].map(
          (replica) =>
            `http://chi-${installation}-${cluster}-${shard}-${replica}.${namespace}.svc.cluster.local:8123`,
        ),
      );
    }
    expect(chartValuesValidator("charts/analytics-api")(api).errors).toEqual([]);
  });

  it("lists the one shard by default: its tables are Distributed too", async () => {
    const { shardUrls } = await composed(1);
    expect(shardUrls.split(";")).toHaveLength(1);
    expect(shardUrls.split(",")).toHaveLength(3);
  });
});
