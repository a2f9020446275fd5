import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_INTERFACE_ENDPOINTS } from "../components/network/network";
import { defaultTags } from "../components/shared/tags";
import { PROJECT_ROOT, readStackFile, toCliConfig } from "./stack-files";
import {
  ConfigError,
  configKey,
  decodeConfigValue,
  defaultProvidersProblem,
  ipv4CidrProblem,
  ISO_COUNTRY_CODES,
  parseStackConfig,
  PROGRAM_PACKAGES,
  serviceLinkedRolesSource,
  type RawConfig,
} from "./config";

type Raw = Record<string, unknown>;
type Mutation = (raw: Raw) => void;

/** The real me-south-1 stack file, decoded the way the program decodes what the CLI passes. */
function baseConfig(): Raw {
  const raw: Raw = {};
  for (const [key, value] of Object.entries(readStackFile("me-south-1").config)) {
    raw[key] = decodeConfigValue(value);
  }
  return raw;
}

/** The nested object at a full key, so a mutation can change one field of it. */
function block(raw: Raw, key: string): Raw {
  const value = raw[key];
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`${key} is not an object in the base config`);
  }
  return value as Raw;
}

function set(key: string, value: unknown): Mutation {
  return (raw) => {
    raw[key] = value;
  };
}

function setField(key: string, field: string, value: unknown): Mutation {
  return (raw) => {
    block(raw, key)[field] = value;
  };
}

function remove(key: string): Mutation {
  return (raw) => {
    Reflect.deleteProperty(raw, key);
  };
}

function mutated(...mutations: Mutation[]): Raw {
  const raw = structuredClone(baseConfig());
  for (const mutate of mutations) {
    mutate(raw);
  }
  return raw;
}

/** Runs parseStackConfig expecting a ConfigError, and returns it. */
function configErrorOf(raw: RawConfig, stack = "me-south-1"): ConfigError {
  try {
    parseStackConfig(stack, raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected parseStackConfig to throw a ConfigError, but it returned");
}

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
    });
    const config = parseStackConfig("me-south-1", raw);
    expect(config.primary).toBe(false);
    expect(config.network.azCount).toBe(3);
    expect(config.userStore).toEqual({
      kind: "aurora",
      engine: "aurora-postgresql",
      replicaRegions: [],
      secondaryCidrs: {},
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
      remove("knowledgecity:homeRegion"),
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
    );
    const config = parseStackConfig("me-south-1", raw);
    expect(config.primary).toBe(true);
    expect(config.logRetentionDays).toBe(731);
    expect(config.tags).toEqual({ CostCenter: "edu-sa" });
    expect(config.network.availabilityZones).toEqual(["me-south-1a", "me-south-1c"]);
    expect(config.dns.geolocation).toEqual({ countries: [], default: true });
  });
});

interface BadCase {
  /** What is wrong, for the test name. */
  readonly name: string;
  readonly mutations: readonly Mutation[];
  /** The key exactly as the user writes it in a stack file. */
  readonly key: string;
  /** The bad value as the message shows it (JSON), or undefined when the key itself is the problem. */
  readonly value: string | undefined;
  /** A distinctive fragment of the text that says what is allowed. */
  readonly allowed: string;
}

const ALL_TOP_LEVEL_KEYS =
  "jurisdiction, allowedRegions, primary, userStore, dns, network, logRetentionDays, tags, monolith, globalEdge, homeRegion, video, analytics, microservices, observability, accountSetup, compliance";

const badCases: readonly BadCase[] = [
  {
    name: "a video task whose image is not in ECR",
    mutations: [
      set("knowledgecity:video", {
        tasks: [{ name: "transcripts", image: "docker.io/whisper:latest" }],
      }),
    ],
    key: "knowledgecity:video.tasks[0].image",
    value: '"docker.io/whisper:latest"',
    allowed: "expected an ECR image URI with a tag or digest",
  },
  {
    name: "an upload limit above what one POST can carry",
    mutations: [set("knowledgecity:video", { maxUploadGiB: 10 })],
    key: "knowledgecity:video.maxUploadGiB",
    value: "10",
    allowed: "expected an integer from 1 to 5",
  },
  {
    name: "a ladder whose bitrates go down",
    mutations: [
      set("knowledgecity:video", {
        ladder: [
          { width: 1280, height: 720, maxBitrateKbps: 2500 },
          { width: 640, height: 360, maxBitrateKbps: 400 },
        ],
      }),
    ],
    key: "knowledgecity:video.ladder[1].maxBitrateKbps",
    value: "400",
    allowed: "expected more than the rung below (2500)",
  },
  {
    name: "a monolith whose minimum is larger than its maximum",
    mutations: [set("knowledgecity:monolith", { minSize: 8, maxSize: 4 })],
    key: "knowledgecity:monolith.maxSize",
    value: "4",
    allowed: "expected at least minSize (8)",
  },
  {
    name: "a desired capacity outside the group's bounds",
    mutations: [set("knowledgecity:monolith", { minSize: 2, maxSize: 4, desiredCapacity: 9 })],
    key: "knowledgecity:monolith.desiredCapacity",
    value: "9",
    allowed: "expected a value from minSize to maxSize (2 to 4)",
  },
  {
    name: "an unknown monolith mode",
    mutations: [set("knowledgecity:monolith", { mode: "kubernetes" })],
    key: "knowledgecity:monolith.mode",
    value: '"kubernetes"',
    allowed:
      'expected "ec2" (the Lambda mode was removed: an HTTP API takes no WAF and it had no path to the user store)',
  },
  {
    name: "the removed Lambda mode",
    mutations: [set("knowledgecity:monolith", { mode: "lambda" })],
    key: "knowledgecity:monolith.mode",
    value: '"lambda"',
    allowed:
      'expected "ec2" (the Lambda mode was removed: an HTTP API takes no WAF and it had no path to the user store)',
  },
  {
    name: "the removed Lambda mode's settings",
    mutations: [set("knowledgecity:monolith", { lambda: { codeKey: "app.zip" } })],
    key: "knowledgecity:monolith.lambda",
    value: undefined,
    allowed: "unknown key; allowed keys are mode, instanceType",
  },
  {
    name: "an x86 instance type for the arm64 image",
    mutations: [set("knowledgecity:monolith", { instanceType: "m7i.large" })],
    key: "knowledgecity:monolith.instanceType",
    value: '"m7i.large"',
    allowed: "expected a Graviton (arm64) instance type",
  },
  {
    name: "a regional stack asking for the global edge",
    mutations: [set("knowledgecity:globalEdge", { enabled: true })],
    key: "knowledgecity:globalEdge.enabled",
    value: "true",
    allowed: "only the primary stack hosts the global edge",
  },
  {
    name: "a hosted zone id in lower case",
    mutations: [setField("knowledgecity:dns", "hostedZoneId", "z0123456789abcdefghij")],
    key: "knowledgecity:dns.hostedZoneId",
    value: '"z0123456789abcdefghij"',
    allowed: "expected a Route 53 hosted zone id: Z and 4 to 31 upper-case letters and digits",
  },
  {
    name: "a hosted zone id with the API's /hostedzone/ prefix",
    mutations: [setField("knowledgecity:dns", "hostedZoneId", "/hostedzone/Z0123456789ABCDEFGHIJ")],
    key: "knowledgecity:dns.hostedZoneId",
    value: '"/hostedzone/Z0123456789ABCDEFGHIJ"',
    allowed: "write the id without the /hostedzone/ prefix",
  },
  {
    name: "a hosted zone id longer than Route 53's 32 characters",
    mutations: [setField("knowledgecity:dns", "hostedZoneId", `Z${"A".repeat(32)}`)],
    key: "knowledgecity:dns.hostedZoneId",
    value: `"Z${"A".repeat(32)}"`,
    allowed: "expected a Route 53 hosted zone id",
  },
  {
    name: "a placeholder zone id with a dash",
    mutations: [setField("knowledgecity:dns", "hostedZoneId", "Z0-REPLACE-ME")],
    key: "knowledgecity:dns.hostedZoneId",
    value: '"Z0-REPLACE-ME"',
    allowed: "expected a Route 53 hosted zone id",
  },
  {
    name: "a country code that ISO 3166-1 never assigned",
    mutations: [setField("knowledgecity:dns", "geolocation", { countries: ["SA", "XX"] })],
    key: "knowledgecity:dns.geolocation.countries[1]",
    value: '"XX"',
    allowed: "not an assigned ISO 3166-1 alpha-2 country code",
  },
  {
    name: "the user-assigned code XK in geolocation",
    mutations: [setField("knowledgecity:dns", "geolocation", { countries: ["XK"] })],
    key: "knowledgecity:dns.geolocation.countries[0]",
    value: '"XK"',
    allowed: "not an assigned ISO 3166-1 alpha-2 country code",
  },
  {
    name: "a Route 53 wildcard written as a country",
    mutations: [setField("knowledgecity:dns", "geolocation", { countries: ["*"] })],
    key: "knowledgecity:dns.geolocation.countries[0]",
    value: '"*"',
    allowed: "ISO 3166-1 alpha-2 country code in capitals",
  },
  {
    name: "a jurisdiction that is no country",
    mutations: [set("knowledgecity:jurisdiction", "XX")],
    key: "knowledgecity:jurisdiction",
    value: '"XX"',
    allowed: "not an assigned ISO 3166-1 alpha-2 country code",
  },
  {
    name: "a VPC CIDR whose address is not an address",
    mutations: [setField("knowledgecity:network", "cidr", "999.1.1.1/16")],
    key: "knowledgecity:network.cidr",
    value: '"999.1.1.1/16"',
    allowed: "999.1.1.1 is not an IPv4 address; expected a private (RFC 1918) IPv4 CIDR",
  },
  {
    name: "a VPC CIDR with a leading zero",
    mutations: [setField("knowledgecity:network", "cidr", "10.020.0.0/16")],
    key: "knowledgecity:network.cidr",
    value: '"10.020.0.0/16"',
    allowed: "10.020.0.0 is not an IPv4 address",
  },
  {
    name: "a Kubernetes API CIDR whose address is not an address",
    mutations: [set("knowledgecity:analytics", { publicAccessCidrs: ["999.1.1.1/16"] })],
    key: "knowledgecity:analytics.publicAccessCidrs[0]",
    value: '"999.1.1.1/16"',
    allowed: "999.1.1.1 is not an IPv4 address; expected an IPv4 CIDR of /16 or narrower",
  },
  {
    name: "a Kubernetes API CIDR that is a host inside its prefix",
    mutations: [set("knowledgecity:analytics", { publicAccessCidrs: ["203.0.113.7/24"] })],
    key: "knowledgecity:analytics.publicAccessCidrs[0]",
    value: '"203.0.113.7/24"',
    allowed: "host bits set: the network address of /24 here is 203.0.113.0/24",
  },
  {
    name: "a tag that would override Project",
    mutations: [set("knowledgecity:tags", { Project: "other" })],
    key: "knowledgecity:tags.Project",
    value: '"other"',
    allowed: "Project is set by the program on every resource",
  },
  {
    name: "a tag that would override Stack, in lower case",
    mutations: [set("knowledgecity:tags", { CostCenter: "edu", stack: "prod" })],
    key: "knowledgecity:tags.stack",
    value: '"prod"',
    allowed: "Stack is set by the program on every resource",
  },
  {
    name: "a tag that would override Jurisdiction, in capitals",
    mutations: [set("knowledgecity:tags", { JURISDICTION: "EU" })],
    key: "knowledgecity:tags.JURISDICTION",
    value: '"EU"',
    allowed: "Jurisdiction is set by the program on every resource",
  },
  {
    name: "a tag that would give every resource a data class",
    mutations: [set("knowledgecity:tags", { DataClass: "none" })],
    key: "knowledgecity:tags.DataClass",
    value: '"none"',
    allowed: "DataClass is set by the program on every resource",
  },
  {
    name: "a tag in AWS's own aws: namespace",
    mutations: [set("knowledgecity:tags", { "AWS:team": "edu" })],
    key: "knowledgecity:tags.AWS:team",
    value: '"edu"',
    allowed: "the aws: prefix is reserved for AWS's own tags",
  },
  {
    name: "a stack file that leaves default providers on",
    mutations: [remove("pulumi:disable-default-providers")],
    key: "pulumi:disable-default-providers",
    value: "(missing)",
    allowed: 'required; expected ["*"]',
  },
  {
    name: "a stack file that disables the AWS default provider only",
    mutations: [set("pulumi:disable-default-providers", ["aws"])],
    key: "pulumi:disable-default-providers",
    value: '["aws"]',
    allowed: "leaves the default providers of docker-build, eks, kubernetes, random, tls on",
  },
  {
    name: "default providers disabled with a string instead of a list",
    mutations: [set("pulumi:disable-default-providers", "*")],
    key: "pulumi:disable-default-providers",
    value: '"*"',
    allowed: 'expected ["*"]',
  },
  {
    name: "DNS off without a certificate for the API",
    mutations: [setField("knowledgecity:dns", "enabled", false)],
    key: "knowledgecity:monolith.certificateArn",
    value: "(missing)",
    allowed: "required when dns.enabled is false",
  },
  {
    name: "home regions that leave out the stack's own",
    mutations: [
      set("knowledgecity:homeRegion", { hostnames: { "us-east-1": "api.us.knowledgecity.com" } }),
    ],
    key: "knowledgecity:homeRegion.hostnames",
    value: '{"us-east-1":"api.us.knowledgecity.com"}',
    allowed: "expected an entry for the stack's own region me-south-1",
  },
  {
    name: "an Aurora secondary region without the CIDR of its VPC",
    mutations: [
      set("knowledgecity:allowedRegions", ["me-south-1", "me-west-1"]),
      setField("knowledgecity:userStore", "replicaRegions", ["me-west-1"]),
    ],
    key: "knowledgecity:userStore.secondaryCidrs",
    value: "(missing)",
    allowed: "expected an entry for me-west-1 (replicaRegions)",
  },
  {
    name: "an Aurora secondary outside allowedRegions, though in the jurisdiction",
    mutations: [
      setField("knowledgecity:userStore", "replicaRegions", ["me-west-1"]),
      setField("knowledgecity:userStore", "secondaryCidrs", { "me-west-1": "10.21.0.0/16" }),
    ],
    key: "knowledgecity:userStore.replicaRegions[0]",
    value: '"me-west-1"',
    allowed: "a replica of user data must stay in allowedRegions (me-south-1)",
  },
  {
    name: "an Aurora secondary whose VPC overlaps the stack's",
    mutations: [
      set("knowledgecity:allowedRegions", ["me-south-1", "me-west-1"]),
      setField("knowledgecity:userStore", "replicaRegions", ["me-west-1"]),
      setField("knowledgecity:userStore", "secondaryCidrs", { "me-west-1": "10.20.64.0/18" }),
    ],
    key: "knowledgecity:userStore.secondaryCidrs.me-west-1",
    value: '"10.20.64.0/18"',
    allowed: "overlaps network.cidr (10.20.0.0/16)",
  },
  {
    name: "a secondary VPC for a region that is no replica",
    mutations: [
      setField("knowledgecity:userStore", "secondaryCidrs", { "me-west-1": "10.21.0.0/16" }),
    ],
    key: "knowledgecity:userStore.secondaryCidrs.me-west-1",
    value: '"10.21.0.0/16"',
    allowed: "me-west-1 is not one of userStore.replicaRegions (none)",
  },
  {
    name: "a secondary VPC CIDR that is public",
    mutations: [
      set("knowledgecity:allowedRegions", ["me-south-1", "me-west-1"]),
      setField("knowledgecity:userStore", "replicaRegions", ["me-west-1"]),
      setField("knowledgecity:userStore", "secondaryCidrs", { "me-west-1": "8.8.0.0/16" }),
    ],
    key: "knowledgecity:userStore.secondaryCidrs.me-west-1",
    value: '"8.8.0.0/16"',
    allowed: "not a private (RFC 1918) range",
  },
  {
    name: "an RDS instance class that is not one",
    mutations: [setField("knowledgecity:userStore", "instanceClass", "r7g.large")],
    key: "knowledgecity:userStore.instanceClass",
    value: '"r7g.large"',
    allowed: "expected an RDS instance class such as db.r7g.large",
  },
  {
    name: "Aurora backups kept longer than 35 days",
    mutations: [setField("knowledgecity:userStore", "backupRetentionDays", 90)],
    key: "knowledgecity:userStore.backupRetentionDays",
    value: "90",
    allowed: "expected an integer from 1 to 35",
  },
  {
    name: "a backup schedule that is not a cron expression",
    mutations: [set("knowledgecity:compliance", { backup: { schedule: "daily" } })],
    key: "knowledgecity:compliance.backup.schedule",
    value: '"daily"',
    allowed: "expected an AWS cron expression",
  },
  {
    name: "backups deleted before the cold-storage minimum",
    mutations: [set("knowledgecity:compliance", { backup: { deleteAfterDays: 30 } })],
    key: "knowledgecity:compliance.backup.deleteAfterDays",
    value: "30",
    allowed: "expected at least 91 days",
  },
  {
    name: "backups deleted before they have spent 90 days in cold storage",
    mutations: [
      set("knowledgecity:compliance", {
        backup: { coldStorageAfterDays: 60, deleteAfterDays: 120 },
      }),
    ],
    key: "knowledgecity:compliance.backup.deleteAfterDays",
    value: "120",
    allowed: "expected at least coldStorageAfterDays + 90 (150)",
  },
  {
    name: "missing aws:region",
    mutations: [remove("aws:region")],
    key: "aws:region",
    value: "(missing)",
    allowed: "required; expected an AWS region code such as me-south-1",
  },
  {
    name: "malformed region",
    mutations: [set("aws:region", "Bahrain")],
    key: "aws:region",
    value: '"Bahrain"',
    allowed: "expected an AWS region code such as me-south-1",
  },
  {
    name: "stack region not in allowedRegions",
    mutations: [set("aws:region", "eu-west-1")],
    key: "aws:region",
    value: '"eu-west-1"',
    allowed: "the stack's own region must be one of allowedRegions (me-south-1)",
  },
  {
    name: "empty allowedRegions",
    mutations: [set("knowledgecity:allowedRegions", [])],
    key: "knowledgecity:allowedRegions",
    value: "[]",
    allowed: "expected at least one region",
  },
  {
    name: "an allowed region that is not a region code",
    mutations: [set("knowledgecity:allowedRegions", ["me-south-1", "Bahrain"])],
    key: "knowledgecity:allowedRegions[1]",
    value: '"Bahrain"',
    allowed: "expected an AWS region code",
  },
  {
    name: "lowercase jurisdiction",
    mutations: [set("knowledgecity:jurisdiction", "sa")],
    key: "knowledgecity:jurisdiction",
    value: '"sa"',
    allowed: "ISO 3166-1 alpha-2 country code in capitals",
  },
  {
    name: "three-letter jurisdiction",
    mutations: [set("knowledgecity:jurisdiction", "SAU")],
    key: "knowledgecity:jurisdiction",
    value: '"SAU"',
    allowed: "ISO 3166-1 alpha-2 country code in capitals",
  },
  {
    name: "unknown userStore kind",
    mutations: [setField("knowledgecity:userStore", "kind", "postgres")],
    key: "knowledgecity:userStore.kind",
    value: '"postgres"',
    allowed: 'expected kind "aurora" or "dynamodb"',
  },
  {
    name: "missing userStore kind",
    mutations: [set("knowledgecity:userStore", { replicaRegions: [] })],
    key: "knowledgecity:userStore.kind",
    value: "(missing)",
    allowed: 'expected kind "aurora" or "dynamodb"',
  },
  {
    name: "unknown aurora engine",
    mutations: [setField("knowledgecity:userStore", "engine", "mysql")],
    key: "knowledgecity:userStore.engine",
    value: '"mysql"',
    allowed:
      'expected "aurora-postgresql" (the token vault and its migration need PostgreSQL\'s Data API)',
  },
  {
    name: "aurora mysql, on which the vault cannot run",
    mutations: [setField("knowledgecity:userStore", "engine", "aurora-mysql")],
    key: "knowledgecity:userStore.engine",
    value: '"aurora-mysql"',
    allowed:
      'expected "aurora-postgresql" (the token vault and its migration need PostgreSQL\'s Data API)',
  },
  {
    name: "a me-south-1 stack replicating user data to eu-west-1 (residency)",
    mutations: [setField("knowledgecity:userStore", "replicaRegions", ["eu-west-1"])],
    key: "knowledgecity:userStore.replicaRegions[0]",
    value: '"eu-west-1"',
    allowed: "a replica of user data must stay in allowedRegions (me-south-1)",
  },
  {
    name: "replica equal to the stack's own region",
    mutations: [setField("knowledgecity:userStore", "replicaRegions", ["me-south-1"])],
    key: "knowledgecity:userStore.replicaRegions[0]",
    value: '"me-south-1"',
    allowed: "must differ from the stack's own region",
  },
  {
    name: "azCount 1",
    mutations: [setField("knowledgecity:network", "azCount", 1)],
    key: "knowledgecity:network.azCount",
    value: "1",
    allowed: "expected an integer from 2 to 4",
  },
  {
    name: "azCount 7",
    mutations: [setField("knowledgecity:network", "azCount", 7)],
    key: "knowledgecity:network.azCount",
    value: "7",
    allowed: "expected an integer from 2 to 4",
  },
  {
    name: "azCount 2.5",
    mutations: [setField("knowledgecity:network", "azCount", 2.5)],
    key: "knowledgecity:network.azCount",
    value: "2.5",
    allowed: "expected an integer from 2 to 4",
  },
  {
    name: "azCount as a string",
    mutations: [setField("knowledgecity:network", "azCount", "three")],
    key: "knowledgecity:network.azCount",
    value: '"three"',
    allowed: "expected an integer from 2 to 4",
  },
  {
    name: "public (non-RFC 1918) CIDR",
    mutations: [setField("knowledgecity:network", "cidr", "8.8.0.0/16")],
    key: "knowledgecity:network.cidr",
    value: '"8.8.0.0/16"',
    allowed: "private (RFC 1918) IPv4 CIDR",
  },
  {
    name: "CIDR with host bits set",
    mutations: [setField("knowledgecity:network", "cidr", "10.20.1.0/16")],
    key: "knowledgecity:network.cidr",
    value: '"10.20.1.0/16"',
    allowed: "no host bits set",
  },
  {
    name: "CIDR /24, too small",
    mutations: [setField("knowledgecity:network", "cidr", "10.20.0.0/24")],
    key: "knowledgecity:network.cidr",
    value: '"10.20.0.0/24"',
    allowed: "from /16 to /19",
  },
  {
    name: "missing CIDR",
    mutations: [(raw) => delete block(raw, "knowledgecity:network").cidr],
    key: "knowledgecity:network.cidr",
    value: "(missing)",
    allowed: "required; expected a private (RFC 1918) IPv4 CIDR",
  },
  {
    name: "unknown top-level key (typo knowledgecity:netwrok)",
    mutations: [set("knowledgecity:netwrok", { cidr: "10.20.0.0/16" })],
    key: "knowledgecity:netwrok",
    value: undefined,
    allowed: `unknown key; allowed keys are ${ALL_TOP_LEVEL_KEYS}`,
  },
  {
    name: "unknown nested key (azcount in lower case)",
    mutations: [setField("knowledgecity:network", "azcount", 3)],
    key: "knowledgecity:network.azcount",
    value: undefined,
    allowed:
      "unknown key; allowed keys are cidr, azCount, availabilityZones, interfaceEndpoints, flowLogRetentionDays",
  },
  {
    name: "an aurora-only key in a dynamodb store",
    mutations: [set("knowledgecity:userStore", { kind: "dynamodb", engine: "aurora-postgresql" })],
    key: "knowledgecity:userStore.engine",
    value: undefined,
    allowed: "unknown key; allowed keys are kind, replicaRegions",
  },
  {
    name: "a microservices setting that does not exist",
    mutations: [set("knowledgecity:microservices", { replicas: 3 })],
    key: "knowledgecity:microservices.replicas",
    value: undefined,
    allowed: "unknown key; allowed keys are enabled, jwt, throttle, quota, consul, services",
  },
  {
    name: "microservices without the identity provider's issuer",
    mutations: [set("knowledgecity:microservices", {})],
    key: "knowledgecity:microservices.jwt",
    value: undefined,
    allowed:
      "required when microservices.enabled is true: { issuer, audience } of the identity provider",
  },
  {
    name: "a JWT issuer over plain HTTP",
    mutations: [
      set("knowledgecity:microservices", {
        jwt: { issuer: "http://auth.example.com/", audience: ["api"] },
      }),
    ],
    key: "knowledgecity:microservices.jwt.issuer",
    value: '"http://auth.example.com/"',
    allowed: "expected an https issuer URL",
  },
  {
    name: "a service called by a service that does not exist",
    mutations: [
      set("knowledgecity:microservices", {
        jwt: { issuer: "https://auth.example.com/", audience: ["api"] },
        services: [
          {
            name: "catalog",
            port: 8080,
            routes: [{ method: "GET", path: "/" }],
            callers: ["ghost"],
          },
        ],
      }),
    ],
    key: "knowledgecity:microservices.services[0].callers[0]",
    value: '"ghost"',
    allowed: "expected the names of services listed here (catalog)",
  },
  {
    name: "an alarm threshold of zero",
    mutations: [set("knowledgecity:observability", { thresholds: { alb5xxPerMinute: 0 } })],
    key: "knowledgecity:observability.thresholds.alb5xxPerMinute",
    value: "0",
    allowed: "expected a positive number",
  },
  {
    name: "Prometheus kept longer than 90 days",
    mutations: [set("knowledgecity:observability", { prometheus: { retentionDays: 365 } })],
    key: "knowledgecity:observability.prometheus.retentionDays",
    value: "365",
    allowed: "expected an integer from 1 to 90",
  },
  {
    name: "an analytics setting that does not exist",
    mutations: [set("knowledgecity:analytics", { replicas: 3 })],
    key: "knowledgecity:analytics.replicas",
    value: undefined,
    allowed:
      "unknown key; allowed keys are enabled, kubernetesVersion, deployFrom, publicAccessCidrs, adminRoleArns, deployRoleArn, previewRoleArn, systemNodes, nodePools, clickhouse, api, ingest, lake",
  },
  {
    name: "an unsupported Kubernetes version",
    mutations: [set("knowledgecity:analytics", { kubernetesVersion: "1.27" })],
    key: "knowledgecity:analytics.kubernetesVersion",
    value: '"1.27"',
    allowed: "expected one of 1.35, 1.36",
  },
  {
    // 1.34 left EKS standard support on 2026-12-02.
    name: "a Kubernetes version past EKS standard support",
    mutations: [set("knowledgecity:analytics", { kubernetesVersion: "1.34" })],
    key: "knowledgecity:analytics.kubernetesVersion",
    value: '"1.34"',
    allowed: "expected one of 1.35, 1.36",
  },
  {
    name: "a deploy from outside the VPC with a private-only API endpoint",
    mutations: [set("knowledgecity:analytics", { deployFrom: "cidrs" })],
    key: "knowledgecity:analytics.deployFrom",
    value: '"cidrs"',
    allowed:
      "the deploy runs outside the VPC but the API endpoint is private only (analytics.publicAccessCidrs is empty)",
  },
  {
    name: "a deploy location that is neither the VPC nor listed CIDRs",
    mutations: [set("knowledgecity:analytics", { deployFrom: "laptop" })],
    key: "knowledgecity:analytics.deployFrom",
    value: '"laptop"',
    allowed: 'expected "vpc" (a runner in the private subnets) or "cidrs" (from publicAccessCidrs)',
  },
  {
    name: "a deploy role that is not an IAM role ARN",
    mutations: [
      set("knowledgecity:analytics", {
        deployRoleArn: "arn:aws:iam::111122223333:user/deployer",
      }),
    ],
    key: "knowledgecity:analytics.deployRoleArn",
    value: '"arn:aws:iam::111122223333:user/deployer"',
    allowed: "expected an IAM role ARN such as arn:aws:iam::123456789012:role/name",
  },
  {
    name: "a preview role that is an assumed-role session, not a role",
    mutations: [
      set("knowledgecity:analytics", {
        previewRoleArn: "arn:aws:sts::111122223333:assumed-role/preview/session",
      }),
    ],
    key: "knowledgecity:analytics.previewRoleArn",
    value: '"arn:aws:sts::111122223333:assumed-role/preview/session"',
    allowed: "expected an IAM role ARN such as arn:aws:iam::123456789012:role/name",
  },
  {
    name: "the deploy role listed again as an admin",
    mutations: [
      set("knowledgecity:analytics", {
        deployRoleArn: "arn:aws:iam::111122223333:role/deploy",
        adminRoleArns: ["arn:aws:iam::111122223333:role/deploy"],
      }),
    ],
    key: "knowledgecity:analytics.adminRoleArns[0]",
    value: '"arn:aws:iam::111122223333:role/deploy"',
    allowed: "the deploy role (analytics.deployRoleArn) is cluster-admin as the cluster's creator",
  },
  {
    name: "the deploy role used for previews",
    mutations: [
      set("knowledgecity:analytics", {
        deployRoleArn: "arn:aws:iam::111122223333:role/deploy",
        previewRoleArn: "arn:aws:iam::111122223333:role/deploy",
      }),
    ],
    key: "knowledgecity:analytics.previewRoleArn",
    value: '"arn:aws:iam::111122223333:role/deploy"',
    allowed: "expected a role other than analytics.deployRoleArn: previews run read-only",
  },
  {
    name: "a single ClickHouse replica",
    mutations: [set("knowledgecity:analytics", { clickhouse: { replicas: 1 } })],
    key: "knowledgecity:analytics.clickhouse.replicas",
    value: "1",
    allowed: "expected an integer from 2 to 5",
  },
  {
    name: "a Kubernetes API open to the internet",
    mutations: [set("knowledgecity:analytics", { publicAccessCidrs: ["0.0.0.0/0"] })],
    key: "knowledgecity:analytics.publicAccessCidrs[0]",
    value: '"0.0.0.0/0"',
    allowed: "expected an IPv4 CIDR of /16 or narrower (never 0.0.0.0/0)",
  },
  {
    name: "an x86 system node type",
    mutations: [set("knowledgecity:analytics", { systemNodes: { instanceTypes: ["m7i.large"] } })],
    key: "knowledgecity:analytics.systemNodes.instanceTypes[0]",
    value: '"m7i.large"',
    allowed: "expected a Graviton (arm64) instance type such as m7g.large",
  },
  {
    name: "an API image tag (the deployment builds and pushes the image itself)",
    mutations: [set("knowledgecity:analytics", { api: { imageTag: "1.4.2" } })],
    key: "knowledgecity:analytics.api.imageTag",
    value: undefined,
    allowed:
      "unknown key; allowed keys are minReplicas, maxReplicas, cpuTargetPercent, internetFacing",
  },
  {
    name: "fewer API replicas allowed at most than at least",
    mutations: [set("knowledgecity:analytics", { api: { minReplicas: 4, maxReplicas: 3 } })],
    key: "knowledgecity:analytics.api.maxReplicas",
    value: "3",
    allowed: "expected at least analytics.api.minReplicas (4)",
  },
  {
    name: "a Glue job on an unknown capacity class",
    mutations: [set("knowledgecity:analytics", { lake: { executionClass: "SPOT" } })],
    key: "knowledgecity:analytics.lake.executionClass",
    value: '"SPOT"',
    allowed: 'expected "FLEX" or "STANDARD"',
  },
  {
    name: "geolocation with neither countries nor default",
    mutations: [setField("knowledgecity:dns", "geolocation", {})],
    key: "knowledgecity:dns.geolocation",
    value: "{}",
    allowed: "expected at least one country or default: true",
  },
  {
    name: "bad country code",
    mutations: [setField("knowledgecity:dns", "geolocation", { countries: ["SA", "Saudi"] })],
    key: "knowledgecity:dns.geolocation.countries[1]",
    value: '"Saudi"',
    allowed: "ISO 3166-1 alpha-2 country code",
  },
  {
    name: "upper-case domain",
    mutations: [setField("knowledgecity:dns", "domain", "KnowledgeCity.com")],
    key: "knowledgecity:dns.domain",
    value: '"KnowledgeCity.com"',
    allowed: "lower-case DNS domain",
  },
  {
    name: "log retention 42",
    mutations: [set("knowledgecity:logRetentionDays", 42)],
    key: "knowledgecity:logRetentionDays",
    value: "42",
    allowed: "CloudWatch Logs retention periods 1, 3, 5, 7",
  },
  {
    name: "flow-log retention 0 (forever)",
    mutations: [setField("knowledgecity:network", "flowLogRetentionDays", 0)],
    key: "knowledgecity:network.flowLogRetentionDays",
    value: "0",
    allowed: "365, 400, 545",
  },
  {
    name: "knowledgecity:region instead of aws:region",
    mutations: [set("knowledgecity:region", "me-south-1")],
    key: "knowledgecity:region",
    value: undefined,
    allowed: "set the region with aws:region",
  },
  {
    name: "pinned zones fewer than azCount",
    mutations: [
      setField("knowledgecity:network", "availabilityZones", ["me-south-1a", "me-south-1b"]),
    ],
    key: "knowledgecity:network.availabilityZones",
    value: '["me-south-1a","me-south-1b"]',
    allowed: "expected exactly azCount (3) zones",
  },
  {
    name: "a pinned zone of another region",
    mutations: [
      setField("knowledgecity:network", "availabilityZones", [
        "me-south-1a",
        "me-south-1b",
        "eu-west-1a",
      ]),
    ],
    key: "knowledgecity:network.availabilityZones[2]",
    value: '"eu-west-1a"',
    allowed: "expected a zone of me-south-1",
  },
  {
    name: "a pinned zone that is not a zone name",
    mutations: [
      setField("knowledgecity:network", "availabilityZones", [
        "me-south-1a",
        "me-south-1b",
        "ME_SOUTH_1C",
      ]),
    ],
    key: "knowledgecity:network.availabilityZones[2]",
    value: '"ME_SOUTH_1C"',
    allowed: "expected a zone name such as me-south-1a",
  },
  {
    name: "non-boolean primary",
    mutations: [set("knowledgecity:primary", "yes")],
    key: "knowledgecity:primary",
    value: '"yes"',
    allowed: "expected true or false",
  },
  {
    name: "an interface endpoint that is not a service suffix",
    mutations: [
      setField("knowledgecity:network", "interfaceEndpoints", [
        "com.amazonaws.me-south-1.sts",
        "ECR API",
      ]),
    ],
    key: "knowledgecity:network.interfaceEndpoints[1]",
    value: '"ECR API"',
    allowed: "expected a service suffix such as ecr.api",
  },
  {
    name: "a tag key with a forbidden character",
    mutations: [set("knowledgecity:tags", { "cost#center": "edu" })],
    key: "knowledgecity:tags",
    value: undefined,
    allowed: 'has key "cost#center": expected a tag key of 1 to 128 allowed characters',
  },
];

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
      { numRuns: 300 },
    );
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

describe("configKey", () => {
  it("writes keys the way a stack file does", () => {
    expect(configKey(["region"])).toBe("aws:region");
    expect(configKey(["network", "azCount"])).toBe("knowledgecity:network.azCount");
    expect(configKey(["userStore", "replicaRegions", 0])).toBe(
      "knowledgecity:userStore.replicaRegions[0]",
    );
    expect(configKey(["dns", "geolocation", "countries", 2])).toBe(
      "knowledgecity:dns.geolocation.countries[2]",
    );
    expect(configKey([])).toBe("knowledgecity");
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
