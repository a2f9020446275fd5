/**
 * The ClickHouse layout from config: N shards of M replicas reach the chart's values (and the
 * chart turns them into the installation's layout), the rollup job learns every shard's servers,
 * and a shard count the chart cannot take stops the load with one line naming the key.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { record, Recorded } from "../../tools/plan/engine";
import { chartValuesValidator } from "../../charts/schema";
import { templates } from "../../charts/charts.fixtures";
import { configErrorOf, mutated, set } from "../../stacks/config-test-support";
import {
  CLICKHOUSE_BOUNDS,
  CLICKHOUSE_CLUSTER,
  shardHostUrls,
  shardUrlsVariable,
} from "./clickhouse";
import { analyticsSettingsSchema } from "./settings";
import { releaseNamed, run, SETTINGS } from "./analytics-cluster-test-support";

describe("ClickHouse shards from config", () => {
  let recorded: Recorded;

  beforeAll(async () => {
    recorded = Recorded.of(
      await run({ clickhouse: { ...SETTINGS.clickhouse, shards: 2, replicas: 2 } }),
    );
  });

  it("gives the chart 2 shards of 2 replicas, values its schema accepts", () => {
    const values = record(releaseNamed(recorded, "clickhouse").inputs.values);
    expect(values).toMatchObject({ shards: 2, replicas: 2, clusterName: CLICKHOUSE_CLUSTER });
    expect(chartValuesValidator("charts/clickhouse")(values).errors).toEqual([]);
  });

  it("has the chart lay the installation out as shards x replicas", () => {
    const installation = templates("clickhouse").get("clickhouseinstallation.yaml") ?? "";
    expect(installation).toMatch(/shardsCount: \{\{ \.Values\.shards \}\}/);
    expect(installation).toMatch(/replicasCount: \{\{ \.Values\.replicas \}\}/);
  });

  it("keeps one shard by default", async () => {
    expect(analyticsSettingsSchema.parse(undefined).clickhouse.shards).toBe(1);
    const single = Recorded.of(await run());
    expect(record(releaseNamed(single, "clickhouse").inputs.values)).toMatchObject({
      shards: 1,
      replicas: 2,
    });
  });

  it("names one server of every shard and replica for the rollup job", () => {
    expect(shardHostUrls("clickhouse", "clickhouse", { shards: 2, replicas: 2 })).toEqual([
      [
        "http://chi-clickhouse-analytics-0-0.clickhouse.svc.cluster.local:8123",
        "http://chi-clickhouse-analytics-0-1.clickhouse.svc.cluster.local:8123",
      ],
      [
        "http://chi-clickhouse-analytics-1-0.clickhouse.svc.cluster.local:8123",
        "http://chi-clickhouse-analytics-1-1.clickhouse.svc.cluster.local:8123",
      ],
    ]);
  });

  it("passes them to the job as one variable: shards by ';', replicas by ','", () => {
    expect(
      shardUrlsVariable([
        ["http://a:8123", "http://b:8123"],
        ["http://c:8123", "http://d:8123"],
      ]),
    ).toBe("http://a:8123,http://b:8123;http://c:8123,http://d:8123");
  });

  it.each([0, 9, 1.5, "2"])("stops the load on shards = %j with one line", (shards) => {
    const error = configErrorOf(
      mutated(set("knowledgecity:analytics", { clickhouse: { shards } })),
    );
    expect(error.message).not.toMatch(/[\r\n]/);
    const { min, max } = CLICKHOUSE_BOUNDS.shards;
    expect(error.problems).toContainEqual(
      `knowledgecity:analytics.clickhouse.shards = ${JSON.stringify(shards)}: expected an integer from ${min} to ${max}`,
    );
  });

  it("refuses a shard count in the component too, for callers that skip the config", async () => {
    await expect(run({ clickhouse: { ...SETTINGS.clickhouse, shards: 0 } })).rejects.toThrow(
      "shards = 0: an integer from 1 to 8",
    );
  });
});
