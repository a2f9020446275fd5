/**
 * An Aurora secondary is one entry in `knowledgecity:userStore` (the region and its VPC's CIDR):
 * accepted in an allowed region of the stack's jurisdiction, refused anywhere else in one line
 * naming the key.
 */
import { describe, expect, it } from "vitest";
import { readStackFile } from "./stack-files";
import { ConfigError } from "./config-errors";
import { decodeConfigValue, parseStackConfig, type RawConfig } from "./config";

function saudiStack(changes: Readonly<Record<string, unknown>>): RawConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(readStackFile("me-south-1").config)) {
    raw[key] = decodeConfigValue(value);
  }
  return { ...raw, ...changes };
}

const secondaryIn = (region: string, cidr = "10.21.0.0/16") => ({
  kind: "aurora",
  engine: "aurora-postgresql",
  replicaRegions: [region],
  secondaryCidrs: { [region]: cidr },
});

function problemsOf(raw: RawConfig): readonly string[] {
  try {
    parseStackConfig("me-south-1", raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected the config to be refused");
}

describe("an Aurora secondary region in knowledgecity:userStore", () => {
  it("is accepted in an allowed region of the stack's jurisdiction, with its VPC's CIDR", () => {
    const config = parseStackConfig(
      "me-south-1",
      saudiStack({
        "knowledgecity:allowedRegions": ["me-south-1", "me-west-1"],
        "knowledgecity:userStore": secondaryIn("me-west-1"),
      }),
    );
    expect(config.userStore).toEqual({
      kind: "aurora",
      engine: "aurora-postgresql",
      replicaRegions: ["me-west-1"],
      secondaryCidrs: { "me-west-1": "10.21.0.0/16" },
      shards: [{ id: "s1", weight: 1 }],
    });
  });

  it("is refused outside allowedRegions, in one problem naming the key", () => {
    const problems = problemsOf(
      saudiStack({ "knowledgecity:userStore": secondaryIn("me-west-1") }),
    );
    expect(problems).toEqual([
      'knowledgecity:userStore.replicaRegions[0] = "me-west-1": a replica of user data must stay in allowedRegions (me-south-1)',
    ]);
  });

  it("is refused in a region of another jurisdiction, even one listed in allowedRegions", () => {
    const problems = problemsOf(
      saudiStack({
        "knowledgecity:allowedRegions": ["me-south-1", "eu-west-1"],
        "knowledgecity:userStore": secondaryIn("eu-west-1"),
      }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^knowledgecity:allowedRegions\[1\] = "eu-west-1": /);
    expect(problems[0]).toContain("me-south-1, me-west-1");
  });

  it("is refused without its VPC's CIDR, naming the key to add", () => {
    const problems = problemsOf(
      saudiStack({
        "knowledgecity:allowedRegions": ["me-south-1", "me-west-1"],
        "knowledgecity:userStore": { kind: "aurora", replicaRegions: ["me-west-1"] },
      }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^knowledgecity:userStore\.secondaryCidrs = .*expected an entry for me-west-1 \(replicaRegions\)/,
    );
  });

  it("is refused with a VPC CIDR that overlaps the stack's network", () => {
    const problems = problemsOf(
      saudiStack({
        "knowledgecity:allowedRegions": ["me-south-1", "me-west-1"],
        "knowledgecity:userStore": secondaryIn("me-west-1", "10.20.0.0/17"),
      }),
    );
    expect(problems).toEqual([
      'knowledgecity:userStore.secondaryCidrs.me-west-1 = "10.20.0.0/17": overlaps network.cidr (10.20.0.0/16); every VPC of the platform needs its own range',
    ]);
  });

  it("is not a key of the DynamoDB store", () => {
    const problems = problemsOf(
      saudiStack({
        "knowledgecity:userStore": { kind: "dynamodb", secondaryCidrs: {} },
      }),
    );
    expect(problems.some((p) => p.startsWith("knowledgecity:userStore.secondaryCidrs"))).toBe(true);
  });
});
