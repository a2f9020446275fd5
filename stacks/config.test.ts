import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_INTERFACE_ENDPOINTS } from "../components/network/network";
import { serviceLinkedRolesSource } from "../components/security/settings";
import { ipv4CidrProblem, ISO_COUNTRY_CODES } from "../components/shared/settings";
import { defaultTags } from "../components/shared/tags";
import {
  decodeConfigValue,
  defaultProvidersProblem,
  parseStackConfig,
  PROGRAM_PACKAGES,
} from "./config";
import {
  baseConfig,
  block,
  configErrorOf,
  mutated,
  remove,
  set,
  setField,
  type Mutation,
} from "./config-test-support";
import { PROJECT_ROOT, readStackFile, toCliConfig } from "./stack-files";

/** The Saudi store back to one shard (the file's two need the home-region directory). */
const oneShard: Mutation = (raw) => {
  delete block(raw, "knowledgecity:userStore").shards;
};

describe("parseStackConfig with a valid config", () => {
  it("parses the real me-south-1 file and resolves every default", () => {
    const config = parseStackConfig("me-south-1", baseConfig());
    expect(config.region).toBe("me-south-1");
    expect(config.jurisdiction).toBe("SA");
    expect(config.allowedRegions).toEqual(["me-south-1"]);
    expect(config.userStore).toEqual({
      kind: "aurora",
      engine: "aurora-postgresql",
      replicaRegions: [],
      secondaryCidrs: {},
      // The Saudi stack file splits the store into two shards (README: user-store shards).
      shards: [
        { id: "s1", weight: 1 },
        { id: "s2", weight: 1 },
      ],
    });
    expect(config.dns.geolocation).toEqual({
      countries: ["SA", "AE", "BH", "KW", "OM", "QA"],
      default: false,
    });
    expect(config.network.cidr).toBe("10.20.0.0/16");
    expect(config.network.azCount).toBe(3);
    expect(config.network.availabilityZones).toBeUndefined();
    expect(config.network.interfaceEndpoints).toEqual([...DEFAULT_INTERFACE_ENDPOINTS]);
    expect(config.network.flowLogRetentionDays).toBe(365);
    expect(config.logRetentionDays).toBe(365);
    expect(config.tags).toEqual({});
    expect(config.monolith).toEqual({
      mode: "ec2",
      instanceType: "m7g.large",
      minSize: 2,
      maxSize: 6,
      cpuTargetPercent: 60,
      memoryTargetPercent: 70,
      healthCheckPath: "/health",
      rateLimitPerFiveMinutes: 2000,
    });
    expect(config.globalEdge).toEqual({});
    expect(config.dns.enabled).toBe(true);
    expect(config.video).toMatchObject({
      enabled: true,
      maxUploadGiB: 5,
      infrequentAccessAfterDays: 30,
    });
    expect(config.analytics).toMatchObject({
      enabled: true,
      kubernetesVersion: "1.35",
      deployFrom: "vpc",
      publicAccessCidrs: [],
      clickhouse: { replicas: 2, keeperReplicas: 3, version: "25.8" },
      api: { minReplicas: 2, internetFacing: false },
      lake: { executionClass: "FLEX", workers: 2 },
    });
    expect(config.microservices).toMatchObject({
      enabled: true,
      jwt: { issuer: "https://auth.knowledgecity.com/", audience: ["api.knowledgecity.com"] },
      throttle: { rateLimit: 100, burstLimit: 200 },
      consul: { serverReplicas: 3 },
      services: [],
    });
    expect(config.observability).toMatchObject({
      alertEmails: [],
      thresholds: { alb5xxPerMinute: 10, deadLetterMessages: 1, cloudFront5xxRatePercent: 1 },
      prometheus: { retentionDays: 15, storageGiB: 100 },
    });
    // Backups of the user store take their defaults in the component.
    expect(config.compliance).toEqual({ backup: {} });
  });

  it("defaults azCount to 3, primary to false and the aurora engine when they are omitted", () => {
    const raw = mutated(remove("knowledgecity:primary"), (r) => {
      delete block(r, "knowledgecity:network").azCount;
      delete block(r, "knowledgecity:userStore").engine;
      delete block(r, "knowledgecity:userStore").replicaRegions;
      delete block(r, "knowledgecity:userStore").shards;
    });
    const config = parseStackConfig("me-south-1", raw);
    expect(config.primary).toBe(false);
    expect(config.network.azCount).toBe(3);
    expect(config.userStore).toEqual({
      kind: "aurora",
      engine: "aurora-postgresql",
      replicaRegions: [],
      secondaryCidrs: {},
      // One shard, open for new accounts: the store as it was before shards existed.
      shards: [{ id: "s1", weight: 1 }],
    });
  });

  it("ignores keys of other namespaces such as aws:profile", () => {
    const raw = mutated(set("pulumi:disable-default-providers", ["*"]), set("aws:profile", "sa"));
    expect(() => parseStackConfig("me-south-1", raw)).not.toThrow();
  });

  it("leaves the hosted zone to the lookup by domain when no id is set, and keeps a real-format id", () => {
    expect(baseConfig()["knowledgecity:dns"]).not.toHaveProperty("hostedZoneId");
    expect(parseStackConfig("me-south-1", baseConfig()).dns.hostedZoneId).toBeUndefined();
    // A current zone id (21 characters) and an older one (13), both as Route 53 assigns them.
    for (const id of ["Z0123456789ABCDEFGHIJ", "Z2FHTT7JQMUOV"]) {
      const raw = mutated(setField("knowledgecity:dns", "hostedZoneId", id));
      expect(parseStackConfig("me-south-1", raw).dns.hostedZoneId).toBe(id);
    }
  });

  it("accepts default providers disabled by name when every package the program uses is listed", () => {
    const raw = mutated(set("pulumi:disable-default-providers", [...PROGRAM_PACKAGES].reverse()));
    expect(() => parseStackConfig("me-south-1", raw)).not.toThrow();
    expect(defaultProvidersProblem(["*"])).toBeUndefined();
  });

  it("knows every Pulumi package the program depends on", () => {
    const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    // @pulumi/pulumi is the SDK and @pulumi/policy the policy pack's: neither has a provider.
    const packages = Object.keys(manifest.dependencies)
      .filter((name) => name.startsWith("@pulumi/"))
      .map((name) => name.slice("@pulumi/".length))
      .filter((name) => name !== "pulumi" && name !== "policy");
    expect([...PROGRAM_PACKAGES].sort()).toEqual(packages.sort());
  });

  it("accepts every ISO 3166-1 alpha-2 code as a geolocation country, and no other two letters", () => {
    expect(ISO_COUNTRY_CODES.size).toBeGreaterThanOrEqual(249);
    expect(ISO_COUNTRY_CODES.has("UA")).toBe(true);
    const raw = mutated(
      setField("knowledgecity:dns", "geolocation", { countries: [...ISO_COUNTRY_CODES] }),
      // The home-region map would keep those sign-ups elsewhere: this is about the codes alone.
      // Without the directory the store keeps one shard (two need it to record each account's).
      remove("knowledgecity:homeRegion"),
      oneShard,
    );
    expect(parseStackConfig("me-south-1", raw).dns.geolocation.countries).toHaveLength(
      ISO_COUNTRY_CODES.size,
    );
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z]{2}$/).filter((code) => !ISO_COUNTRY_CODES.has(code)),
        (code) => {
          const error = configErrorOf(
            mutated(setField("knowledgecity:dns", "geolocation", { countries: [code] })),
          );
          expect(error.problems).toEqual([
            `knowledgecity:dns.geolocation.countries[0] = "${code}": not an assigned ISO 3166-1 alpha-2 country code; expected an ISO 3166-1 alpha-2 country code in capitals, such as SA`,
          ]);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("accepts a CIDR exactly when its address is the network address of its prefix", () => {
    const octet = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(
        fc.tuple(octet, octet, octet, octet),
        fc.integer({ min: 0, max: 32 }),
        (octets, prefix) => {
          const address = octets.join(".");
          const value = octets.reduce((acc, part) => acc * 256 + part, 0);
          const size = 2 ** (32 - prefix);
          const network = value - (value % size);
          const problem = ipv4CidrProblem(`${address}/${prefix}`, 0, 32);
          if (network === value) {
            expect(problem).toBeUndefined();
          } else {
            const dotted = [24, 16, 8, 0]
              .map((shift) => Math.floor(network / 2 ** shift) % 256)
              .join(".");
            expect(problem).toBe(
              `host bits set: the network address of /${prefix} here is ${dotted}/${prefix}`,
            );
          }
        },
      ),
    );
    expect(ipv4CidrProblem("256.0.0.0/8", 0, 32)).toBe("256.0.0.0 is not an IPv4 address");
    expect(ipv4CidrProblem("10.0.0.0/33", 0, 32)).toBe("prefix /33 is out of range");
    expect(ipv4CidrProblem("10.0.0.0", 0, 32)).toBe("not of the form address/prefix");
    expect(ipv4CidrProblem("10.0.0.0/8", 16, 32)).toBe("prefix /8 is out of range");
  });

  it("keeps extra tags whose keys only resemble the reserved ones", () => {
    const tags = { Projects: "lms", StackOwner: "platform", "team:aws": "edu" };
    const raw = mutated(set("knowledgecity:tags", tags));
    expect(parseStackConfig("me-south-1", raw).tags).toEqual(tags);
  });

  it("keeps pinned zones, explicit settings and the default geolocation record", () => {
    const raw = mutated(
      set("knowledgecity:primary", true),
      set("knowledgecity:logRetentionDays", 731),
      set("knowledgecity:tags", { CostCenter: "edu-sa" }),
      setField("knowledgecity:network", "azCount", 2),
      setField("knowledgecity:network", "availabilityZones", ["me-south-1a", "me-south-1c"]),
      setField("knowledgecity:dns", "geolocation", { default: true }),
      remove("knowledgecity:homeRegion"),
      oneShard,
    );
    const config = parseStackConfig("me-south-1", raw);
    expect(config.primary).toBe(true);
    expect(config.logRetentionDays).toBe(731);
    expect(config.tags).toEqual({ CostCenter: "edu-sa" });
    expect(config.network.availabilityZones).toEqual(["me-south-1a", "me-south-1c"]);
    expect(config.dns.geolocation).toEqual({ countries: [], default: true });
  });
});

describe("where the analytics cluster's API is reached from", () => {
  it("accepts a deploy from listed CIDRs, and the deploy and preview roles", () => {
    const raw = mutated(
      set("knowledgecity:analytics", {
        deployFrom: "cidrs",
        publicAccessCidrs: ["203.0.113.0/24"],
        adminRoleArns: ["arn:aws:iam::111122223333:role/platform-admin"],
        deployRoleArn: "arn:aws:iam::111122223333:role/deploy",
        previewRoleArn: "arn:aws:iam::111122223333:role/preview",
      }),
    );
    expect(parseStackConfig("me-south-1", raw).analytics).toMatchObject({
      deployFrom: "cidrs",
      publicAccessCidrs: ["203.0.113.0/24"],
      deployRoleArn: "arn:aws:iam::111122223333:role/deploy",
      previewRoleArn: "arn:aws:iam::111122223333:role/preview",
    });
  });

  it("does not ask where deploys reach an API the stack does not build", () => {
    const raw = mutated(
      set("knowledgecity:analytics", { enabled: false, deployFrom: "cidrs" }),
      set("knowledgecity:microservices", { enabled: false }),
    );
    expect(() => parseStackConfig("me-south-1", raw)).not.toThrow();
  });
});

describe("knowledgecity:accountSetup", () => {
  it("creates the regional singletons by default, and the service-linked roles in the primary only", () => {
    const saudi = parseStackConfig("me-south-1", baseConfig());
    expect(saudi.primary).toBe(false);
    expect(saudi.accountSetup).toEqual({
      configRecorder: "create",
      backupRegionSettings: "create",
    });
    expect(serviceLinkedRolesSource(saudi)).toBe("existing");
    expect(serviceLinkedRolesSource({ ...saudi, primary: true })).toBe("create");
    expect(
      serviceLinkedRolesSource({
        ...saudi,
        accountSetup: { ...saudi.accountSetup, serviceLinkedRoles: "create" },
      }),
    ).toBe("create");
  });

  it("adopts what a landing zone already made", () => {
    const adopted = parseStackConfig(
      "me-south-1",
      mutated(
        set("knowledgecity:accountSetup", {
          configRecorder: "existing",
          backupRegionSettings: "existing",
          serviceLinkedRoles: "existing",
        }),
        set("knowledgecity:primary", true),
      ),
    );
    expect(adopted.accountSetup).toEqual({
      configRecorder: "existing",
      backupRegionSettings: "existing",
      serviceLinkedRoles: "existing",
    });
    expect(serviceLinkedRolesSource(adopted)).toBe("existing");
  });

  it("refuses any other value and unknown keys, one line each, naming the key", () => {
    const error = configErrorOf(
      mutated(
        set("knowledgecity:accountSetup", { configRecorder: "adopt", serviceLinkedRole: "create" }),
      ),
    );
    expect(error.problems).toEqual([
      'knowledgecity:accountSetup.configRecorder = "adopt": expected "create" (this stack makes it) or "existing" (the account already has it)',
      "knowledgecity:accountSetup.serviceLinkedRole: unknown key; allowed keys are configRecorder, backupRegionSettings, serviceLinkedRoles",
    ]);
    expect(
      configErrorOf(mutated(set("knowledgecity:accountSetup", { backupRegionSettings: true })))
        .problems,
    ).toEqual([
      'knowledgecity:accountSetup.backupRegionSettings = true: expected "create" (this stack makes it) or "existing" (the account already has it)',
    ]);
  });
});

describe("decodeConfigValue", () => {
  it.each<[string, unknown]>([
    ['{"kind":"aurora","replicaRegions":[]}', { kind: "aurora", replicaRegions: [] }],
    ['["me-south-1","us-east-1"]', ["me-south-1", "us-east-1"]],
    ["[]", []],
    ["true", true],
    ["false", false],
    ["3", 3],
    ["365", 365],
    ["-1", -1],
    ["2.5", 2.5],
    ["null", null],
  ])("decodes the JSON text %s", (text, expected) => {
    expect(decodeConfigValue(text)).toEqual(expected);
  });

  it.each([
    "us-east-1",
    "me-south-1",
    "SA",
    "US",
    "10.20.0.0/16",
    "knowledgecity.com",
    "aurora-postgresql",
    "[secret]",
    "{not json",
    "",
  ])("keeps the plain string %j as a string", (text) => {
    expect(decodeConfigValue(text)).toBe(text);
  });

  it("round-trips every value of the real stack files as the CLI passes them", () => {
    for (const stack of ["me-south-1", "us-east-1"]) {
      const file = readStackFile(stack);
      for (const [key, text] of Object.entries(file.config)) {
        const decoded = decodeConfigValue(text);
        expect(toCliConfig({ [key]: decoded }).config[key], `${stack} ${key}`).toBe(text);
      }
    }
    const me = baseConfig();
    expect(me["aws:region"]).toBe("me-south-1");
    expect(me["knowledgecity:jurisdiction"]).toBe("SA");
    expect(me["knowledgecity:primary"]).toBe(false);
    expect(me["knowledgecity:allowedRegions"]).toEqual(["me-south-1"]);
    expect(block(me, "knowledgecity:network")).toEqual({ cidr: "10.20.0.0/16", azCount: 3 });
  });

  it("round-trips any JSON object or array", () => {
    const structured = fc.oneof(
      fc.dictionary(fc.string(), fc.jsonValue()),
      fc.array(fc.jsonValue()),
    );
    fc.assert(
      fc.property(structured, (value) => {
        const text = toCliConfig({ key: value }).config.key ?? "";
        // JSON has no -0; compare with what JSON itself keeps.
        expect(decodeConfigValue(text)).toEqual(JSON.parse(text));
        expect(toCliConfig({ key: decodeConfigValue(text) }).config.key).toBe(text);
      }),
    );
  });

  it("keeps region codes, country codes and CIDRs as strings", () => {
    const plain = fc.oneof(
      fc
        .constantFrom("us", "me", "eu", "ap", "af")
        .chain((area) =>
          fc
            .tuple(
              fc.constantFrom("east", "west", "south", "central"),
              fc.integer({ min: 1, max: 9 }),
            )
            .map(([dir, n]) => `${area}-${dir}-${n}`),
        ),
      fc.stringMatching(/^[A-Z]{2}$/),
      fc
        .tuple(
          fc.integer({ min: 0, max: 255 }),
          fc.integer({ min: 0, max: 255 }),
          fc.integer({ min: 8, max: 28 }),
        )
        .map(([a, b, prefix]) => `10.${a}.${b}.0/${prefix}`),
    );
    fc.assert(
      fc.property(plain, (text) => {
        expect(decodeConfigValue(text)).toBe(text);
      }),
    );
  });
});

describe("defaultTags", () => {
  it("puts Project, Stack and Jurisdiction beside the extra tags", () => {
    expect(
      defaultTags({
        project: "knowledgecity",
        stack: "me-south-1",
        jurisdiction: "SA",
        extra: { CostCenter: "edu" },
      }),
    ).toEqual({
      CostCenter: "edu",
      Project: "knowledgecity",
      Stack: "me-south-1",
      Jurisdiction: "SA",
    });
  });

  it("refuses an extra tag that would override a reserved one, instead of dropping it", () => {
    expect(() =>
      defaultTags({
        project: "knowledgecity",
        stack: "me-south-1",
        jurisdiction: "SA",
        extra: { project: "other", "aws:owner": "me" },
      }),
    ).toThrow(
      /^extra tag "project": Project is set by the program on every resource \(reserved: Project, Stack, Jurisdiction, DataClass\); choose another key; extra tag "aws:owner": the aws: prefix is reserved/,
    );
  });
});
