import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-errors";
import { parseStackConfig } from "./config";
import { videoCases } from "./config-cases/video";
import { appCases } from "./config-cases/app";
import { edgeCases } from "./config-cases/edge";
import { platformCases } from "./config-cases/platform";
import { networkCases } from "./config-cases/network";
import { analyticsCases } from "./config-cases/analytics";
import { dataCases } from "./config-cases/data";
import { securityCases } from "./config-cases/security";
import { servicesCases } from "./config-cases/services";
import { operationsCases } from "./config-cases/operations";
import {
  baseConfig,
  block,
  configErrorOf,
  mutated,
  remove,
  set,
  setField,
  type BadCase,
  type Mutation,
} from "./config-test-support";

/** Every bad configuration, one table per domain (stacks/config-cases/). */
const badCases: readonly BadCase[] = [
  ...videoCases,
  ...appCases,
  ...edgeCases,
  ...platformCases,
  ...networkCases,
  ...analyticsCases,
  ...dataCases,
  ...securityCases,
  ...servicesCases,
  ...operationsCases,
];

describe("parseStackConfig with a bad config", () => {
  it("covers many distinct bad configurations", () => {
    expect(new Set(badCases.map((c) => c.name)).size).toBe(badCases.length);
    expect(badCases.length).toBeGreaterThanOrEqual(14);
  });

  it.each(badCases)("$name: one line naming $key", ({ mutations, key, value, allowed }) => {
    const error = configErrorOf(mutated(...mutations));
    expect(error.name).toBe("ConfigError");
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.message.startsWith("Invalid config for stack me-south-1: ")).toBe(true);
    expect(error.message).toContain(key);
    expect(error.message).toContain(allowed);
    if (value !== undefined) {
      expect(error.message).toContain(`${key} = ${value}`);
    }
    // One problem carries the key and what is allowed together, and the message is those problems.
    const problem = error.problems.find((p) => p.startsWith(key) && p.includes(allowed));
    expect(problem, `no problem names ${key} with "${allowed}": ${error.message}`).toBeDefined();
    expect(error.message).toBe(`Invalid config for stack me-south-1: ${error.problems.join("; ")}`);
  });

  it.each<[string, readonly Mutation[], readonly string[]]>([
    [
      "field problems of every kind",
      [
        remove("aws:region"),
        set("knowledgecity:jurisdiction", "sa"),
        set("knowledgecity:logRetentionDays", 42),
        set("knowledgecity:primary", "no"),
        setField("knowledgecity:network", "azCount", 9),
        setField("knowledgecity:network", "cidr", "8.8.0.0/16"),
        setField("knowledgecity:dns", "geolocation", { countries: ["sa"] }),
        set("knowledgecity:netwrok", {}),
      ],
      [
        "aws:region",
        "knowledgecity:jurisdiction",
        "knowledgecity:logRetentionDays",
        "knowledgecity:primary",
        "knowledgecity:network.azCount",
        "knowledgecity:network.cidr",
        "knowledgecity:dns.geolocation.countries[0]",
        "knowledgecity:netwrok",
      ],
    ],
    [
      "malformed values together with the residency and zone rules",
      [
        set("knowledgecity:jurisdiction", "sa"),
        setField("knowledgecity:network", "cidr", "10.20.1.0/16"),
        setField("knowledgecity:network", "availabilityZones", ["me-south-1a", "eu-west-1b"]),
        setField("knowledgecity:userStore", "replicaRegions", ["eu-west-1", "me-south-1"]),
      ],
      [
        "knowledgecity:jurisdiction",
        "knowledgecity:network.cidr",
        "knowledgecity:network.availabilityZones",
        "knowledgecity:network.availabilityZones[1]",
        "knowledgecity:userStore.replicaRegions[0]",
        "knowledgecity:userStore.replicaRegions[1]",
      ],
    ],
  ])("reports every problem at once in one error: %s", (_name, mutations, keys) => {
    const error = configErrorOf(mutated(...mutations));
    expect(error.problems.length).toBeGreaterThan(1);
    expect(error.problems).toHaveLength(keys.length);
    expect(error.message).not.toMatch(/[\r\n]/);
    for (const key of keys) {
      expect(error.message).toContain(key);
      expect(
        error.problems.some(
          (problem) => problem.startsWith(`${key} `) || problem.startsWith(`${key}:`),
        ),
      ).toBe(true);
    }
  });

  it("does not add residency noise when allowedRegions is itself empty", () => {
    const error = configErrorOf(mutated(set("knowledgecity:allowedRegions", [])));
    expect(error.problems).toEqual([
      "knowledgecity:allowedRegions = []: expected at least one region",
    ]);
  });

  it("throws only ConfigErrors with one-line messages, whatever value replaces a key", () => {
    const base = baseConfig();
    const paths: readonly (readonly [string, string | undefined])[] = [
      ["aws:region", undefined],
      ...Object.keys(base)
        .filter((key) => key.startsWith("knowledgecity:"))
        .map((key): readonly [string, string | undefined] => [key, undefined]),
      ["knowledgecity:network", "cidr"],
      ["knowledgecity:network", "azCount"],
      ["knowledgecity:network", "availabilityZones"],
      ["knowledgecity:userStore", "kind"],
      ["knowledgecity:userStore", "replicaRegions"],
      ["knowledgecity:dns", "geolocation"],
      ["knowledgecity:monolith", undefined],
      ["knowledgecity:tags", undefined],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), ([key, field], value) => {
        const raw = structuredClone(base);
        if (field === undefined) {
          raw[key] = value;
        } else {
          block(raw, key)[field] = value;
        }
        try {
          parseStackConfig("me-south-1", raw);
        } catch (error) {
          if (!(error instanceof ConfigError)) {
            throw error;
          }
          expect(error.message).not.toMatch(/[\r\n]/);
          expect(error.problems.length).toBeGreaterThan(0);
        }
      }),
      // A region named like an Object.prototype member once reached a TypeError.
      { numRuns: 300, examples: [[["aws:region", undefined], "toString"]] },
    );
  });
});
