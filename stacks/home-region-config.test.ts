import { describe, expect, it } from "vitest";
import { countryHomeRegions, homeRegionOfCountry } from "../contracts/home-region";
import { listStacks, readStackFile } from "./stack-files";
import { ConfigError } from "./config-errors";
import { decodeConfigValue, parseStackConfig, type StackConfig } from "./config";

// `homeRegion.geolocation`: where each country's sign-ups are kept, which must agree with the
// geolocation each stack routes to itself.

type Raw = Record<string, unknown>;

function raw(stack: string): Raw {
  const result: Raw = {};
  for (const [key, value] of Object.entries(readStackFile(stack).config)) {
    result[key] = decodeConfigValue(value);
  }
  return result;
}

/** The Saudi stack file with its home-region geolocation replaced. */
function saudiWith(geolocation: unknown): Raw {
  const config = structuredClone(raw("me-south-1"));
  const homeRegion = config["knowledgecity:homeRegion"] as Record<string, unknown>;
  homeRegion.geolocation = geolocation;
  return config;
}

function problemsOf(config: Raw): readonly string[] {
  try {
    parseStackConfig("me-south-1", config);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const GCC = ["SA", "AE", "BH", "KW", "OM", "QA"];
const KEY = "knowledgecity:homeRegion.geolocation";

describe("homeRegion.geolocation in the real stack files", () => {
  const configs = new Map<string, StackConfig>(
    listStacks().map((stack) => [stack, parseStackConfig(stack, raw(stack))] as const),
  );

  it.each([...configs.keys()])("%s lists its own dns.geolocation as its home region's", (stack) => {
    const config = configs.get(stack);
    expect(config?.homeRegion?.geolocation?.[stack]).toEqual(config?.dns.geolocation);
  });

  it("hold one map (Pulumi.yaml's), whose entry for each stack is that stack's dns.geolocation", () => {
    for (const [stack, config] of configs) {
      for (const [region, other] of configs) {
        expect(config.homeRegion?.geolocation?.[region], `${stack} on ${region}`).toEqual(
          other.dns.geolocation,
        );
      }
      expect(Object.keys(config.homeRegion?.geolocation ?? {}).sort()).toEqual(
        [...configs.keys()].sort(),
      );
    }
  });

  it("keeps GCC sign-ups in me-south-1 and every other country's in us-east-1, in every stack", () => {
    for (const [stack, config] of configs) {
      const map = countryHomeRegions(config.homeRegion?.geolocation ?? {});
      expect("map" in map, stack).toBe(true);
      if (!("map" in map)) continue;
      for (const country of GCC) {
        expect(homeRegionOfCountry(map.map, country), `${stack} ${country}`).toBe("me-south-1");
      }
      for (const country of ["US", "FR", "EG", "IN"]) {
        expect(homeRegionOfCountry(map.map, country), `${stack} ${country}`).toBe("us-east-1");
      }
    }
  });
});

describe("homeRegion.geolocation refused", () => {
  const us = { countries: [], default: true };

  it("when the stack's own entry differs from its dns.geolocation", () => {
    const problems = problemsOf(
      saudiWith({ "me-south-1": { countries: ["SA", "AE"] }, "us-east-1": us }),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^knowledgecity:homeRegion\.geolocation\.me-south-1 = .*: expected the stack's own dns\.geolocation \(.*"countries":\["SA","AE","BH","KW","OM","QA"\].*\): the countries routed here are the ones whose sign-ups are kept here$/,
      ),
    ]);
  });

  it("when a country is kept in two regions", () => {
    expect(
      problemsOf(
        saudiWith({
          "me-south-1": { countries: GCC },
          "us-east-1": { countries: ["QA"], default: true },
        }),
      ),
    ).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${KEY.replace(/\./g, "\\.")} = .*: QA is listed by both me-south-1 and us-east-1: one home region each$`,
        ),
      ),
    ]);
  });

  it("when no region keeps the other countries", () => {
    expect(
      problemsOf(
        saudiWith({ "me-south-1": { countries: GCC }, "us-east-1": { countries: ["US"] } }),
      ),
    ).toEqual([expect.stringContaining("no home region holds the default")]);
  });

  it("when a home region of homeRegion.hostnames has no entry", () => {
    expect(problemsOf(saudiWith({ "me-south-1": { countries: GCC } }))).toEqual([
      expect.stringContaining(
        "expected one entry per home region of homeRegion.hostnames (me-south-1, us-east-1)",
      ),
      expect.stringContaining("no home region holds the default"),
    ]);
  });

  it("when it is missing, naming the key", () => {
    const config = structuredClone(raw("me-south-1"));
    Reflect.deleteProperty(config["knowledgecity:homeRegion"] as object, "geolocation");
    expect(problemsOf(config)).toEqual([
      expect.stringMatching(/^knowledgecity:homeRegion\.geolocation = \(missing\): required/),
    ]);
  });

  it("when a country is not an ISO code", () => {
    expect(
      problemsOf(saudiWith({ "me-south-1": { countries: [...GCC, "Qatar"] }, "us-east-1": us })),
    ).toContainEqual(
      expect.stringContaining("knowledgecity:homeRegion.geolocation.me-south-1.countries[6]"),
    );
  });
});
