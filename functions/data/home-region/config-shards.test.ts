import { describe, expect, it } from "vitest";
import { loadConfiguration, parseStoreShards } from "./config";
import { ConfigurationError } from "../../shared/errors";
import { HANDLER_ENV, thrown } from "./test-support";

// STORE_SHARDS: this region's user-store shards, set by the stack when it has more than one.

const TWO = '[{"id":"s1","weight":1},{"id":"s2","weight":3}]';

describe("STORE_SHARDS", () => {
  it("is optional: without it the region has one shard and nothing is recorded", () => {
    expect(loadConfiguration(HANDLER_ENV).shards).toBeUndefined();
  });

  it("reads the shards in order", () => {
    expect(loadConfiguration({ ...HANDLER_ENV, STORE_SHARDS: TWO }).shards).toEqual([
      { id: "s1", weight: 1 },
      { id: "s2", weight: 3 },
    ]);
  });

  it.each([
    ["not JSON", "s1,s2", 'STORE_SHARDS must be a JSON list of {"id": shard id, "weight": 0-100}'],
    [
      "an entry without a weight",
      '[{"id":"s1"}]',
      'STORE_SHARDS must be a JSON list of {"id": shard id, "weight": 0-100}, got {"id":"s1"}',
    ],
    [
      "an entry with another field",
      '[{"id":"s1","weight":1,"host":"x"}]',
      "STORE_SHARDS must be a JSON list",
    ],
    [
      "a repeated id",
      '[{"id":"s1","weight":1},{"id":"s1","weight":1}]',
      'shard id "s1" is used twice',
    ],
    ["every shard closed", '[{"id":"s1","weight":0}]', "STORE_SHARDS: every shard has weight 0"],
    ["no shard", "[]", "STORE_SHARDS: no shard: expected at least one"],
  ])("refuses %s, failing the cold start with the variable named", (_name, value, expected) => {
    expect(parseStoreShards(value)).toEqual({
      problems: [expect.stringContaining(expected)],
    });
    const error = thrown(() => loadConfiguration({ ...HANDLER_ENV, STORE_SHARDS: value }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual([expect.stringContaining(expected)]);
  });
});
