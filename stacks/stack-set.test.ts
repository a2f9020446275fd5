import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { listStacks, PROJECT_ROOT, readStackFile } from "./stack-files";
import { decodeConfigValue, parseStackConfig } from "./config";
import { stackSetFailures } from "../tools/plan/cli";
import { checkStackSet, crossStackProblems, type StackFileConfig } from "./stack-set";

type Config = Record<string, unknown>;

/**
 * A copy of the project's Pulumi.yaml and stack files in a temporary folder, each stack file's
 * config changed by `edit` (stack name -> config, changed in place), so a fault can be planted
 * without touching the real files.
 */
function plantedRoot(edit: (stack: string, config: Config) => void): string {
  const root = mkdtempSync(join(tmpdir(), "stack-set-"));
  copyFileSync(join(PROJECT_ROOT, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
  for (const stack of listStacks()) {
    const file = `Pulumi.${stack}.yaml`;
    const document = parse(readFileSync(join(PROJECT_ROOT, file), "utf8")) as { config: Config };
    edit(stack, document.config);
    writeFileSync(join(root, file), stringify(document));
  }
  return root;
}

function nested(config: Config, key: string): Config {
  return config[key] as Config;
}

/**
 * Routes `routed`'s viewers by `geolocation` as seen from the file of `stack`: its own
 * dns.geolocation when it is that stack's file, and its entry in the home-region map when the map
 * carries each region's geolocation, so each file stays valid on its own.
 */
function route(stack: string, config: Config, routed: string, geolocation: Config): void {
  if (stack === routed) {
    nested(config, "knowledgecity:dns").geolocation = geolocation;
  }
  const map = nested(config, "knowledgecity:homeRegion").geolocation as Config | undefined;
  if (map !== undefined) {
    map[routed] = geolocation;
  }
}

describe("the cross-stack rules", () => {
  it("pass on the real stack files", () => {
    expect(checkStackSet()).toEqual({ invalid: [], problems: [] });
    expect(stackSetFailures()).toEqual([]);
  });

  it.each<[string, (stack: string, config: Config) => void, string[]]>([
    [
      "a second primary",
      (_stack, config) => {
        config["knowledgecity:primary"] = true;
      },
      [
        "plan failed: stack files: knowledgecity:primary: Pulumi.me-south-1.yaml, Pulumi.us-east-1.yaml all set true; exactly one stack hosts the global edge",
      ],
    ],
    [
      "no primary",
      (_stack, config) => {
        config["knowledgecity:primary"] = false;
      },
      [
        "plan failed: stack files: knowledgecity:primary: no stack file sets true; exactly one stack hosts the global edge (stack files: Pulumi.me-south-1.yaml, Pulumi.us-east-1.yaml)",
      ],
    ],
    [
      "overlapping VPC ranges",
      (stack, config) => {
        if (stack === "us-east-1") {
          nested(config, "knowledgecity:network").cidr = "10.20.128.0/17";
        }
      },
      [
        "plan failed: stack files: knowledgecity:network.cidr: Pulumi.me-south-1.yaml 10.20.0.0/16 overlaps Pulumi.us-east-1.yaml 10.20.128.0/17; every stack's VPC needs its own range",
      ],
    ],
    [
      "a Saudi secondary's VPC overlapping the US stack's",
      (stack, config) => {
        if (stack === "me-south-1") {
          config["knowledgecity:allowedRegions"] = ["me-south-1", "me-west-1"];
          const store = nested(config, "knowledgecity:userStore");
          store.replicaRegions = ["me-west-1"];
          store.secondaryCidrs = { "me-west-1": "10.10.64.0/18" };
        }
      },
      [
        "plan failed: stack files: knowledgecity:userStore.secondaryCidrs.me-west-1, knowledgecity:network.cidr: Pulumi.me-south-1.yaml 10.10.64.0/18 overlaps Pulumi.us-east-1.yaml 10.10.0.0/16; every stack's VPC needs its own range",
      ],
    ],
    [
      "a home-region map that differs between files",
      (stack, config) => {
        if (stack === "us-east-1") {
          nested(nested(config, "knowledgecity:homeRegion"), "hostnames")["me-south-1"] =
            "api.gcc.knowledgecity.com";
        }
      },
      ["knowledgecity:homeRegion: Pulumi.us-east-1.yaml differ from Pulumi.me-south-1.yaml ("],
    ],
    [
      "a home region that has no stack file",
      (stack, config) => {
        nested(nested(config, "knowledgecity:homeRegion"), "hostnames")["us-west-2"] =
          "api.usw.knowledgecity.com";
        if (nested(config, "knowledgecity:homeRegion").geolocation !== undefined) {
          route(stack, config, "us-west-2", { countries: ["CA"] });
        }
      },
      [
        "plan failed: stack files: knowledgecity:homeRegion.hostnames: us-west-2 has no stack file (stack regions: me-south-1, us-east-1); a home region is a stack's region",
      ],
    ],
  ])("fail the plan on %s, naming the files and the key", (_name, edit, expected) => {
    const lines = stackSetFailures(plantedRoot(edit));
    if (expected.length === 1 && !expected[0]?.startsWith("plan failed:")) {
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(expected[0]);
    } else {
      expect(lines).toEqual(expected);
    }
  });

  it.each<[string, string, Config]>([
    ["a second geolocation default", "me-south-1", { countries: ["SA"], default: true }],
    ["a country routed to two stacks", "us-east-1", { countries: ["QA"], default: true }],
  ])("fail the plan on %s, naming the key, per file or across files", (_name, routed, geo) => {
    const lines = stackSetFailures(
      plantedRoot((stack, config) => {
        route(stack, config, routed, geo);
      }),
    );
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatch(
        /^plan failed: (me-south-1|us-east-1|stack files): .*knowledgecity:(dns|homeRegion)\.geolocation/,
      );
    }
  });

  it("find a second default and a country routed twice among parsed configs", () => {
    const real = new Map(
      listStacks().map((stack) => {
        const raw: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(readStackFile(stack).config)) {
          raw[key] = decodeConfigValue(value);
        }
        return [stack, parseStackConfig(stack, raw)] as const;
      }),
    );
    const set = (geolocation: { countries: string[]; default: boolean }): StackFileConfig[] =>
      [...real].map(([stack, config]) => ({
        file: `Pulumi.${stack}.yaml`,
        stack,
        config:
          stack === "me-south-1" ? { ...config, dns: { ...config.dns, geolocation } } : config,
      }));
    expect(crossStackProblems(set({ countries: ["SA"], default: true }))).toEqual([
      "knowledgecity:dns.geolocation.default: Pulumi.me-south-1.yaml, Pulumi.us-east-1.yaml all set true; Route 53 takes one default record per name",
    ]);
    const noDefault = set({ countries: ["SA"], default: false }).map((entry) => ({
      ...entry,
      config: {
        ...entry.config,
        dns: {
          ...entry.config.dns,
          geolocation: { ...entry.config.dns.geolocation, default: false },
        },
      },
    }));
    expect(crossStackProblems(noDefault)).toEqual([
      "knowledgecity:dns.geolocation.default: no stack file sets true; exactly one stack takes the viewers of unlisted countries (stack files: Pulumi.me-south-1.yaml, Pulumi.us-east-1.yaml)",
    ]);
    const twice = [...set({ countries: ["SA", "QA"], default: false })].map((entry) =>
      entry.stack === "us-east-1"
        ? {
            ...entry,
            config: {
              ...entry.config,
              dns: { ...entry.config.dns, geolocation: { countries: ["QA"], default: true } },
            },
          }
        : entry,
    );
    expect(crossStackProblems(twice)).toEqual([
      "knowledgecity:dns.geolocation.countries: QA is routed by Pulumi.me-south-1.yaml, Pulumi.us-east-1.yaml; a country goes to one stack",
    ]);
  });

  it("report a stack file's own config error instead, in the plan's failure form", () => {
    const root = plantedRoot((stack, config) => {
      if (stack === "me-south-1") {
        config["knowledgecity:jurisdiction"] = "US";
        // A fault the cross-stack rules would also see: not reported while a file is invalid.
        config["knowledgecity:primary"] = true;
      }
    });
    expect(stackSetFailures(root)).toEqual([
      'plan failed: me-south-1: Invalid config for stack me-south-1: knowledgecity:jurisdiction = "US": the stack deploys to me-south-1 (aws:region), which is not a region of US; US allows us-east-1, us-east-2, us-west-1, us-west-2, and me-south-1 belongs to SA',
    ]);
  });
});
