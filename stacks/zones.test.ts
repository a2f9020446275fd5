import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { NetworkSettings } from "../components/network/settings";
import { ConfigError } from "./config-errors";
import { decodeConfigValue, parseStackConfig } from "./config";
import { readStackFile } from "./stack-files";
import { chooseZones } from "./zones";

/** A network block as parseStackConfig resolves it, from the real me-south-1 file plus overrides. */
function network(overrides: Record<string, unknown> = {}): NetworkSettings {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(readStackFile("me-south-1").config)) {
    raw[key] = decodeConfigValue(value);
  }
  raw["knowledgecity:network"] = { cidr: "10.20.0.0/16", ...overrides };
  return parseStackConfig("me-south-1", raw).network;
}

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("chooseZones", () => {
  it("picks the first azCount zones by sorted name, whatever order the region lists them in", () => {
    const offered = ["me-south-1c", "me-south-1a", "me-south-1b"];
    expect(chooseZones("me-south-1", "me-south-1", network(), offered)).toEqual([
      "me-south-1a",
      "me-south-1b",
      "me-south-1c",
    ]);
    expect(chooseZones("me-south-1", "me-south-1", network({ azCount: 2 }), offered)).toEqual([
      "me-south-1a",
      "me-south-1b",
    ]);
    const us = ["us-east-1f", "us-east-1d", "us-east-1a", "us-east-1e", "us-east-1c", "us-east-1b"];
    expect(chooseZones("us-east-1", "us-east-1", network({ azCount: 4 }), us)).toEqual([
      "us-east-1a",
      "us-east-1b",
      "us-east-1c",
      "us-east-1d",
    ]);
  });

  it("does not reorder the caller's list", () => {
    const offered = ["me-south-1c", "me-south-1a", "me-south-1b"];
    chooseZones("me-south-1", "me-south-1", network(), offered);
    expect(offered).toEqual(["me-south-1c", "me-south-1a", "me-south-1b"]);
  });

  it("honours pinned zones, in the order pinned", () => {
    const pinned = network({ azCount: 2, availabilityZones: ["me-south-1c", "me-south-1a"] });
    expect(
      chooseZones("me-south-1", "me-south-1", pinned, [
        "me-south-1a",
        "me-south-1b",
        "me-south-1c",
      ]),
    ).toEqual(["me-south-1c", "me-south-1a"]);
  });

  it("throws a ConfigError naming knowledgecity:network.azCount when the region offers too few zones", () => {
    const error = configErrorOf(() =>
      chooseZones("me-south-1", "me-south-1", network({ azCount: 4 }), [
        "me-south-1a",
        "me-south-1b",
        "me-south-1c",
      ]),
    );
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain("knowledgecity:network.azCount = 4");
    expect(error.message).toContain(
      "me-south-1 offers only 3 zones (me-south-1a, me-south-1b, me-south-1c)",
    );
  });

  it("throws a ConfigError naming knowledgecity:network.availabilityZones when a pinned zone is not offered", () => {
    const pinned = network({ azCount: 2, availabilityZones: ["me-south-1a", "me-south-1d"] });
    const error = configErrorOf(() =>
      chooseZones("me-south-1", "me-south-1", pinned, [
        "me-south-1b",
        "me-south-1a",
        "me-south-1c",
      ]),
    );
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain('knowledgecity:network.availabilityZones = ["me-south-1d"]');
    expect(error.message).toContain(
      "not available in me-south-1; available zones are me-south-1a, me-south-1b, me-south-1c",
    );
  });

  it("returns azCount distinct offered zones, the smallest names first, for any region", () => {
    const zones = fc
      .uniqueArray(fc.constantFrom(..."abcdefgh".split("")), { minLength: 1, maxLength: 8 })
      .map((letters) => letters.map((l) => `eu-west-3${l}`));
    fc.assert(
      fc.property(zones, fc.integer({ min: 2, max: 4 }), (offered, azCount) => {
        const net = network({ azCount });
        if (offered.length < azCount) {
          expect(() => chooseZones("s", "eu-west-3", net, offered)).toThrow(ConfigError);
          return;
        }
        const chosen = chooseZones("s", "eu-west-3", net, offered);
        expect(chosen).toHaveLength(azCount);
        expect(new Set(chosen).size).toBe(azCount);
        const sorted = [...offered].sort();
        expect(chosen).toEqual(sorted.slice(0, azCount));
        for (const zone of sorted.slice(azCount)) {
          expect(chosen.every((c) => c < zone)).toBe(true);
        }
      }),
    );
  });
});
