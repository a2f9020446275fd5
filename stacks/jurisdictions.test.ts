import { describe, expect, it } from "vitest";
import { listStacks, readStackFile } from "./stack-files";
import { ConfigError } from "./config-errors";
import { decodeConfigValue, parseStackConfig } from "./config";
import { JURISDICTIONS, jurisdictionProblems, jurisdictionRegions } from "./jurisdictions";

/** A real stack file, decoded as the program decodes it, with some keys replaced. */
function raw(
  stack: string,
  changes: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(readStackFile(stack).config)) {
    config[key] = decodeConfigValue(value);
  }
  return { ...config, ...changes };
}

function problemsOf(stack: string, changes: Readonly<Record<string, unknown>>): readonly string[] {
  try {
    parseStackConfig(stack, raw(stack, changes));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected the config to be refused");
}

describe("the regions of each jurisdiction", () => {
  it("hold every real stack: its region and allowed regions are its jurisdiction's", () => {
    for (const stack of listStacks()) {
      const config = parseStackConfig(stack, raw(stack));
      const regions = JURISDICTIONS[config.jurisdiction]?.regions ?? [];
      expect([config.region, ...config.allowedRegions].every((r) => regions.includes(r))).toBe(
        true,
      );
    }
  });

  it("name Saudi Arabia's own region and mark Bahrain as outside the Kingdom", () => {
    expect(JURISDICTIONS.SA?.regions).toEqual(["me-south-1", "me-west-1"]);
    expect(JURISDICTIONS.SA?.outsideTerritory).toEqual(["me-south-1"]);
    expect(JURISDICTIONS.US?.regions.every((region) => region.startsWith("us-"))).toBe(true);
  });
});

describe("config load", () => {
  it("refuses a Saudi stack whose allowed regions gain eu-west-1, with user tables replicated there", () => {
    expect(
      problemsOf("me-south-1", {
        "knowledgecity:allowedRegions": ["me-south-1", "eu-west-1"],
      }),
    ).toEqual([
      'knowledgecity:allowedRegions[1] = "eu-west-1": outside the regions of jurisdiction SA (knowledgecity:jurisdiction); SA allows me-south-1, me-west-1',
    ]);
    const replicated = problemsOf("us-east-1", {
      "knowledgecity:allowedRegions": ["us-east-1", "eu-west-1"],
      "knowledgecity:userStore": { kind: "dynamodb", replicaRegions: ["eu-west-1"] },
    });
    expect(replicated).toEqual([
      'knowledgecity:allowedRegions[1] = "eu-west-1": outside the regions of jurisdiction US (knowledgecity:jurisdiction); US allows us-east-1, us-east-2, us-west-1, us-west-2',
    ]);
  });

  it("refuses me-south-1 declaring jurisdiction US, in one line naming the key and what is allowed", () => {
    expect(problemsOf("me-south-1", { "knowledgecity:jurisdiction": "US" })).toEqual([
      'knowledgecity:jurisdiction = "US": the stack deploys to me-south-1 (aws:region), which is not a region of US; US allows us-east-1, us-east-2, us-west-1, us-west-2, and me-south-1 belongs to SA',
    ]);
  });

  it("refuses a country with no regions defined, and leaves a malformed code to its own check", () => {
    expect(problemsOf("me-south-1", { "knowledgecity:jurisdiction": "AE" })).toEqual([
      'knowledgecity:jurisdiction = "AE": no residency regions are defined for this jurisdiction; defined: SA, US (add it to stacks/jurisdictions.ts with its legal source)',
    ]);
    const malformed = problemsOf("me-south-1", { "knowledgecity:jurisdiction": "sa" });
    expect(malformed).toHaveLength(1);
    expect(malformed[0]).toMatch(/^knowledgecity:jurisdiction = "sa": .*did you mean SA\?/);
  });

  it("accepts the Saudi region beside Bahrain", () => {
    expect(
      jurisdictionProblems({
        region: "me-south-1",
        jurisdiction: "SA",
        allowedRegions: ["me-south-1", "me-west-1"],
      }),
    ).toEqual([]);
  });
});

describe("jurisdictionRegions", () => {
  it("maps every jurisdiction to its regions", () => {
    expect(jurisdictionRegions()).toEqual({
      SA: ["me-south-1", "me-west-1"],
      US: ["us-east-1", "us-east-2", "us-west-1", "us-west-2"],
    });
  });
});
