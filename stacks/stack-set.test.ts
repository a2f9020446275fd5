import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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
 * config changed by `edit` (stack name -> config, changed in place) and Pulumi.yaml's by
 * `editProject`, so a fault can be planted without touching the real files.
 */
function plantedRoot(
  edit: (stack: string, config: Config) => void,
  editProject: (config: Config) => void = () => undefined,
): string {
  const root = mkdtempSync(join(tmpdir(), "stack-set-"));
  const project = parse(readFileSync(join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as {
    config: Config;
  };
  editProject(project.config);
  writeFileSync(join(root, "Pulumi.yaml"), stringify(project));
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

/** The home-region map Pulumi.yaml sets for every stack. */
function homeRegionMap(project: Config): Config {
  return nested(nested(project, "knowledgecity:homeRegion"), "value");
}

/**
 * A copy of the project routing `routed`'s viewers by `geolocation`: that stack's own
 * dns.geolocation and its entry in the home-region map, so each file stays valid on its own.
 */
function routedRoot(routed: string, geolocation: Config): string {
  return plantedRoot(
    (stack, config) => {
      if (stack === routed) {
        nested(config, "knowledgecity:dns").geolocation = geolocation;
      }
    },
    (project) => {
      nested(homeRegionMap(project), "geolocation")[routed] = geolocation;
    },
  );
}

describe("the cross-stack rules", () => {
  it("pass on the real stack files", () => {
    expect(checkStackSet()).toEqual({ invalid: [], problems: [] });
    expect(stackSetFailures()).toEqual([]);
  });

  it.each<
    [string, (stack: string, config: Config) => void, string[], ((project: Config) => void)?]
  >([
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
      "a home region that has no stack file",
      () => undefined,
      [
        "plan failed: stack files: knowledgecity:homeRegion.hostnames: us-west-2 has no stack file (stack regions: me-south-1, us-east-1); a home region is a stack's region",
      ],
      (project) => {
        const map = homeRegionMap(project);
        nested(map, "hostnames")["us-west-2"] = "api.usw.knowledgecity.com";
        nested(map, "geolocation")["us-west-2"] = { countries: ["CA"] };
      },
    ],
  ])("fail the plan on %s, naming the files and the key", (_name, edit, expected, project) => {
    expect(stackSetFailures(plantedRoot(edit, project))).toEqual(expected);
  });

  it.each<[string, string, Config]>([
    ["a second geolocation default", "me-south-1", { countries: ["SA"], default: true }],
    ["a country routed to two stacks", "us-east-1", { countries: ["QA"], default: true }],
  ])("fail the plan on %s, naming the key, per file or across files", (_name, routed, geo) => {
    const lines = stackSetFailures(routedRoot(routed, geo));
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

  it.each<[string, (stack: string, config: Config) => void, (project: Config) => void, string[]]>([
    [
      "a stack file that sets the domain Pulumi.yaml sets for every stack",
      (stack, config) => {
        if (stack === "us-east-1") {
          config["knowledgecity:domain"] = "knowledgecity.com";
        }
      },
      () => undefined,
      [
        'plan failed: us-east-1: Pulumi.us-east-1.yaml: knowledgecity:domain: set once for every stack in Pulumi.yaml (its value: "knowledgecity.com"); remove it from the stack file',
      ],
    ],
    [
      "a stack file that turns a default provider back on",
      (stack, config) => {
        if (stack === "me-south-1") {
          config["pulumi:disable-default-providers"] = ["aws"];
        }
      },
      () => undefined,
      [
        'plan failed: me-south-1: Pulumi.me-south-1.yaml: pulumi:disable-default-providers: set once for every stack in Pulumi.yaml (its value: ["*"]); remove it from the stack file',
      ],
    ],
    [
      "a stack file without a key Pulumi.yaml declares with no default",
      (stack, config) => {
        if (stack === "me-south-1") {
          Reflect.deleteProperty(config, "knowledgecity:network");
        }
      },
      () => undefined,
      [
        "plan failed: me-south-1: Stack 'me-south-1' is missing configuration value 'knowledgecity:network': set it in Pulumi.me-south-1.yaml (Pulumi.yaml declares it with no default)",
      ],
    ],
    [
      "a stack file value of the wrong type for a typed key",
      (stack, config) => {
        if (stack === "us-east-1") {
          config["knowledgecity:primary"] = "yes";
        }
      },
      () => undefined,
      [
        "plan failed: us-east-1: Stack 'us-east-1' with configuration key 'knowledgecity:primary' must be of type 'boolean' (Pulumi.us-east-1.yaml has \"yes\")",
      ],
    ],
    [
      "an encrypted value for a key the program reads as plain config",
      (stack, config) => {
        if (stack === "me-south-1") {
          config["knowledgecity:tags"] = { secure: "v1:AAAA:BBBB" };
        }
      },
      () => undefined,
      [
        "plan failed: me-south-1: Pulumi.me-south-1.yaml: knowledgecity:tags is encrypted (secure:), but the program reads it as plain config and would keep it in clear text; secret keys: none (SECRET_CONFIG_KEYS in stacks/config.ts, read with readSecretConfig)",
      ],
    ],
    [
      "a type Pulumi cannot declare, in Pulumi.yaml",
      () => undefined,
      (project) => {
        nested(project, "knowledgecity:network").type = "object";
      },
      [
        'plan failed: me-south-1: Pulumi.yaml: config: knowledgecity:network: type "object" is not a type Pulumi declares; expected string, integer, boolean, array (objects cannot be typed)',
        'plan failed: us-east-1: Pulumi.yaml: config: knowledgecity:network: type "object" is not a type Pulumi declares; expected string, integer, boolean, array (objects cannot be typed)',
      ],
    ],
  ])("fail the plan on %s, in one line naming the key", (_name, edit, project, expected) => {
    expect(stackSetFailures(plantedRoot(edit, project))).toEqual(expected);
  });

  it("take a project default a stack file leaves out, and the stack file's value over it", () => {
    const root = plantedRoot(
      (stack, config) => {
        if (stack === "me-south-1") {
          Reflect.deleteProperty(config, "knowledgecity:primary");
        } else {
          config["knowledgecity:logRetentionDays"] = 90;
        }
      },
      (project) => {
        nested(project, "knowledgecity:logRetentionDays").default = 30;
      },
    );
    const sa = readStackFile("me-south-1", root);
    const us = readStackFile("us-east-1", root);
    expect(sa.config["knowledgecity:primary"]).toBe("false");
    expect(sa.config["knowledgecity:logRetentionDays"]).toBe("30");
    expect(sa.projectKeys).toContain("knowledgecity:logRetentionDays");
    expect(us.config["knowledgecity:logRetentionDays"]).toBe("90");
    expect(us.projectKeys).not.toContain("knowledgecity:logRetentionDays");
    expect(stackSetFailures(root)).toEqual([]);
  });
});
