import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { overlaps, parseCidr } from "../components/network/cidr";
import { ISO_COUNTRY_CODES } from "../components/shared/settings";
import { listStacks, readProjectFile, readStackFile } from "./stack-files";
import {
  decodeConfigValue,
  defaultProvidersProblem,
  parseStackConfig,
  type StackConfig,
} from "./config";

function load(stack: string): StackConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(readStackFile(stack).config)) {
    raw[key] = decodeConfigValue(value);
  }
  return parseStackConfig(stack, raw);
}

const stacks = listStacks();
const configs = new Map(stacks.map((stack) => [stack, load(stack)] as const));

function configOf(stack: string): StackConfig {
  const config = configs.get(stack);
  if (config === undefined) {
    throw new Error(`no stack file for ${stack}`);
  }
  return config;
}

describe("the real stack files", () => {
  it("include us-east-1 and me-south-1", () => {
    expect(stacks).toEqual(expect.arrayContaining(["me-south-1", "us-east-1"]));
  });

  it.each(stacks)("%s is named after the region it deploys to", (stack) => {
    expect(configOf(stack).region).toBe(stack);
  });

  it("have exactly one primary stack, us-east-1", () => {
    expect(stacks.filter((stack) => configOf(stack).primary)).toEqual(["us-east-1"]);
  });

  it.each(stacks)("%s disables the default provider of every package", (stack) => {
    const disabled = decodeConfigValue(
      readStackFile(stack).config["pulumi:disable-default-providers"] ?? "",
    );
    expect(disabled).toEqual(["*"]);
    expect(defaultProvidersProblem(disabled)).toBeUndefined();
  });

  it("set what every stack shares once, in Pulumi.yaml, and in no stack file", () => {
    const project = readProjectFile().config;
    const shared = [
      "pulumi:disable-default-providers",
      "knowledgecity:domain",
      "knowledgecity:homeRegion",
      "knowledgecity:identityProvider",
    ];
    for (const key of shared) {
      expect(project[key]?.value, key).toBeDefined();
    }
    expect(project["pulumi:disable-default-providers"]?.value).toEqual(["*"]);
    for (const stack of stacks) {
      const text = readFileSync(readStackFile(stack).path, "utf8");
      for (const key of shared) {
        expect(text, `${stack} sets ${key}`).not.toContain(`${key}:`);
      }
      expect(readStackFile(stack).projectKeys).toEqual(expect.arrayContaining(shared));
    }
  });

  it.each(stacks)(
    "%s names no hosted zone: the program looks the public zone up by its domain",
    (stack) => {
      expect(configOf(stack).dns.hostedZoneId).toBeUndefined();
      expect(readFileSync(readStackFile(stack).path, "utf8")).not.toMatch(/hostedZoneId:/);
    },
  );

  it.each(stacks)("%s routes only countries Route 53 geolocation knows", (stack) => {
    for (const country of configOf(stack).dns.geolocation.countries) {
      expect(ISO_COUNTRY_CODES.has(country), country).toBe(true);
    }
    expect(ISO_COUNTRY_CODES.has(configOf(stack).jurisdiction)).toBe(true);
  });

  it("share one hosted zone for one domain", () => {
    const zones = new Set(
      stacks.map(
        (stack) => `${configOf(stack).dns.domain} ${configOf(stack).dns.hostedZoneId ?? ""}`,
      ),
    );
    expect(zones).toEqual(new Set(["knowledgecity.com "]));
  });

  it("map every stack, and only the stacks, to a home region whose hostname is its regional API hostname", () => {
    const map = configOf(stacks[0] ?? "").homeRegion?.hostnames ?? {};
    expect(Object.keys(map).sort()).toEqual([...stacks].sort());
    for (const stack of stacks) {
      const config = configOf(stack);
      const label = config.dns.regionLabel ?? config.jurisdiction.toLowerCase();
      expect(config.homeRegion?.hostnames[stack]).toBe(`api.${label}.${config.dns.domain}`);
    }
  });

  it("have exactly one stack holding the geolocation default", () => {
    expect(stacks.filter((stack) => configOf(stack).dns.geolocation.default)).toHaveLength(1);
  });

  it("route no country to two stacks", () => {
    const routed = new Map<string, string>();
    for (const stack of stacks) {
      for (const country of configOf(stack).dns.geolocation.countries) {
        const other = routed.get(country);
        expect(other, `${country} is routed to both ${other ?? ""} and ${stack}`).toBeUndefined();
        routed.set(country, stack);
      }
    }
  });

  it("give every stack a VPC CIDR that overlaps no other stack's", () => {
    for (const [i, a] of stacks.entries()) {
      for (const b of stacks.slice(i + 1)) {
        const cidrA = configOf(a).network.cidr;
        const cidrB = configOf(b).network.cidr;
        expect(
          overlaps(parseCidr(cidrA), parseCidr(cidrB)),
          `${a} ${cidrA} overlaps ${b} ${cidrB}`,
        ).toBe(false);
      }
    }
  });

  it("keep Saudi user data in Aurora in me-south-1 only", () => {
    const sa = configOf("me-south-1");
    expect(sa.jurisdiction).toBe("SA");
    expect(sa.userStore.kind).toBe("aurora");
    expect(sa.allowedRegions).toEqual(["me-south-1"]);
    expect(sa.userStore.replicaRegions).toEqual([]);
  });

  it("keep US user data in DynamoDB in US regions only", () => {
    const us = configOf("us-east-1");
    expect(us.jurisdiction).toBe("US");
    expect(us.userStore.kind).toBe("dynamodb");
    for (const region of [...us.userStore.replicaRegions, ...us.allowedRegions]) {
      expect(region.startsWith("us-"), region).toBe(true);
    }
  });
});
