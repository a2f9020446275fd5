import { describe, expect, it } from "vitest";
import { firstAnswering, readShardUrls, SHARD_URLS_VARIABLE } from "./qoe-rollup-shards";

describe("readShardUrls", () => {
  it("reads each shard's servers, as the component writes them", () => {
    expect(
      readShardUrls({
        [SHARD_URLS_VARIABLE]:
          "http://chi-clickhouse-analytics-0-0.clickhouse.svc.cluster.local:8123,http://chi-clickhouse-analytics-0-1.clickhouse.svc.cluster.local:8123;http://chi-clickhouse-analytics-1-0.clickhouse.svc.cluster.local:8123",
      }),
    ).toEqual([
      [
        "http://chi-clickhouse-analytics-0-0.clickhouse.svc.cluster.local:8123",
        "http://chi-clickhouse-analytics-0-1.clickhouse.svc.cluster.local:8123",
      ],
      ["http://chi-clickhouse-analytics-1-0.clickhouse.svc.cluster.local:8123"],
    ]);
  });

  it("is undefined when unset: one server, the job as before", () => {
    expect(readShardUrls({})).toBeUndefined();
    expect(readShardUrls({ [SHARD_URLS_VARIABLE]: "" })).toBeUndefined();
  });

  it.each(["http://a:8123;;http://b:8123", "a:8123", "http://a:8123,ftp://b", "http://a b:1"])(
    "stops on %j with one line naming the variable",
    (value) => {
      expect(() => readShardUrls({ [SHARD_URLS_VARIABLE]: value })).toThrow(
        /^CLICKHOUSE_SHARD_URLS: expected http\(s\):\/\/host\[:port\] URLs/,
      );
    },
  );
});

describe("firstAnswering", () => {
  const closed: string[] = [];
  const connect = (url: string) => ({ url });
  const close = (client: { url: string }) => {
    closed.push(client.url);
    return Promise.resolve();
  };

  it("takes the first replica that answers, closing those that do not", async () => {
    const down = new Set(["r0"]);
    const client = await firstAnswering(
      ["r0", "r1", "r2"],
      connect,
      (candidate) =>
        down.has(candidate.url) ? Promise.reject(new Error("refused")) : Promise.resolve(true),
      close,
    );
    expect(client).toEqual({ url: "r1" });
    expect(closed).toEqual(["r0"]);
  });

  it("names the shard's servers when none answers", async () => {
    await expect(
      firstAnswering(["r0", "r1"], connect, () => Promise.resolve(false), close),
    ).rejects.toThrow("no server of the shard answers: r0, r1");
  });
});
