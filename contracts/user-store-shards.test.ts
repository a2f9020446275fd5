import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { shardHostVariable } from "./monolith";
import {
  assignShard,
  SHARD_ID_PATTERN,
  fnv1a32,
  shardListProblems,
  SINGLE_SHARD,
  type StoreShard,
} from "./user-store-shards";

/** Record keys as the directory writes them: `hr_` and 43 base64url characters. */
const recordKeys = fc
  .array(
    fc.constantFrom(
      ...Array.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
    ),
    {
      minLength: 43,
      maxLength: 43,
    },
  )
  .map((chars) => `hr_${chars.join("")}`);

describe("fnv1a32", () => {
  it("matches the published FNV-1a 32-bit test vectors", () => {
    // Test vectors of the FNV reference (empty string, "a", "foobar").
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
  });
});

describe("assignShard", () => {
  const two: readonly StoreShard[] = [
    { id: "s1", weight: 1 },
    { id: "s2", weight: 1 },
  ];

  it("puts every account on the only shard of a one-shard store", () => {
    fc.assert(fc.property(recordKeys, (key) => assignShard(key, SINGLE_SHARD) === "s1"));
  });

  it("is deterministic: the same record key always gets the same shard", () => {
    fc.assert(
      fc.property(recordKeys, (key) => assignShard(key, two) === assignShard(key, [...two])),
    );
  });

  it("never assigns a shard closed to new accounts (weight 0)", () => {
    const closedFirst: readonly StoreShard[] = [
      { id: "s1", weight: 0 },
      { id: "s2", weight: 3 },
      { id: "s3", weight: 2 },
    ];
    fc.assert(fc.property(recordKeys, (key) => assignShard(key, closedFirst) !== "s1"));
  });

  it("spreads new accounts in proportion to the weights", () => {
    const weighted: readonly StoreShard[] = [
      { id: "a", weight: 1 },
      { id: "b", weight: 3 },
    ];
    const counts = { a: 0, b: 0 };
    for (let index = 0; index < 4000; index += 1) {
      counts[assignShard(`hr_account-${index}`, weighted) as "a" | "b"] += 1;
    }
    // 1 : 3 of 4000 is 1000 : 3000; allow a few percent of hash noise.
    expect(counts.a).toBeGreaterThan(850);
    expect(counts.a).toBeLessThan(1150);
    expect(counts.a + counts.b).toBe(4000);
  });

  it("follows the rule: the hash modulo the open weights, over the open shards in order", () => {
    const shards: readonly StoreShard[] = [
      { id: "a", weight: 2 },
      { id: "z", weight: 0 },
      { id: "b", weight: 5 },
    ];
    fc.assert(
      fc.property(recordKeys, (key) => {
        const point = fnv1a32(key) % 7;
        return assignShard(key, shards) === (point < 2 ? "a" : "b");
      }),
    );
  });

  it("refuses a list with a problem rather than guess", () => {
    expect(() => assignShard("hr_x", [{ id: "s1", weight: 0 }])).toThrow(
      "cannot assign a shard: every shard has weight 0",
    );
  });
});

describe("shardListProblems", () => {
  it("accepts the default and a two-shard list", () => {
    expect(shardListProblems(SINGLE_SHARD)).toEqual([]);
    expect(
      shardListProblems([
        { id: "s1", weight: 0 },
        { id: "s2", weight: 1 },
      ]),
    ).toEqual([]);
  });

  it.each<[string, readonly StoreShard[], string]>([
    ["no shard", [], "no shard: expected at least one"],
    [
      "an id with capitals",
      [{ id: "S1", weight: 1 }],
      'shard id "S1": expected 1-8 lower-case letters and digits, starting with a letter',
    ],
    [
      "an id too long",
      [{ id: "shard0001", weight: 1 }],
      'shard id "shard0001": expected 1-8 lower-case letters and digits',
    ],
    [
      "an id used twice",
      [
        { id: "s1", weight: 1 },
        { id: "s1", weight: 2 },
      ],
      'shard id "s1" is used twice: ids must be unique',
    ],
    [
      "a fractional weight",
      [{ id: "s1", weight: 0.5 }],
      "shard s1 has weight 0.5: expected a whole number from 0 to 100",
    ],
    [
      "a weight above the maximum",
      [{ id: "s1", weight: 101 }],
      "shard s1 has weight 101: expected a whole number from 0 to 100",
    ],
    [
      "every shard closed",
      [
        { id: "s1", weight: 0 },
        { id: "s2", weight: 0 },
      ],
      "every shard has weight 0: new accounts would have nowhere to go",
    ],
  ])("names %s", (_name, shards, expected) => {
    const problems = shardListProblems(shards);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });
});

describe("shardHostVariable", () => {
  it("names each valid shard's host variable as the monolith's boot script accepts (KC_ and capitals)", () => {
    const ids = fc.stringMatching(SHARD_ID_PATTERN);
    fc.assert(
      fc.property(ids, (id) => /^KC_DB_HOST_[A-Z][A-Z0-9]{0,7}$/.test(shardHostVariable(id))),
    );
    expect(shardHostVariable("s2")).toBe("KC_DB_HOST_S2");
  });
});
