import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_INTERFACE_ENDPOINTS } from "../components/network";
import { readStackFile, toCliConfig } from "../test/harness/stack-files";
import {
  ConfigError,
  configKey,
  decodeConfigValue,
  parseStackConfig,
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
      kubernetesVersion: "1.33",
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
    });
  });

  it("ignores keys of other namespaces such as pulumi:disable-default-providers", () => {
    const raw = mutated(set("pulumi:disable-default-providers", ["*"]), set("aws:profile", "sa"));
    expect(() => parseStackConfig("me-south-1", raw)).not.toThrow();
  });

  it("keeps pinned zones, explicit settings and the default geolocation record", () => {
    const raw = mutated(
      set("knowledgecity:primary", true),
      set("knowledgecity:logRetentionDays", 731),
      set("knowledgecity:tags", { CostCenter: "edu-sa" }),
      setField("knowledgecity:network", "azCount", 2),
      setField("knowledgecity:network", "availabilityZones", ["me-south-1a", "me-south-1c"]),
      setField("knowledgecity:dns", "geolocation", { default: true }),
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
  "jurisdiction, allowedRegions, primary, userStore, dns, network, logRetentionDays, tags, monolith, globalEdge, homeRegion, video, analytics, microservices, observability, compliance";

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
    allowed: 'expected "ec2" or "lambda"',
  },
  {
    name: "lambda mode without its layer and code",
    mutations: [set("knowledgecity:monolith", { mode: "lambda" })],
    key: "knowledgecity:monolith.lambda",
    value: "(missing)",
    allowed: "required when mode is lambda: phpLayerArn and codeKey",
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
    name: "DNS on without a hosted zone",
    mutations: [setField("knowledgecity:dns", "hostedZoneId", undefined)],
    key: "knowledgecity:dns.hostedZoneId",
    value: "(missing)",
    allowed: "required when dns.enabled is true",
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
    name: "an Aurora secondary region, even an allowed one",
    mutations: [
      set("knowledgecity:allowedRegions", ["me-south-1", "me-central-1"]),
      setField("knowledgecity:userStore", "replicaRegions", ["me-central-1"]),
    ],
    key: "knowledgecity:userStore.replicaRegions",
    value: '["me-central-1"]',
    allowed: "Aurora secondary clusters are not built yet",
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
    allowed: '"aurora-postgresql" or "aurora-mysql"',
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
      "unknown key; allowed keys are enabled, kubernetesVersion, publicAccessCidrs, adminRoleArns, systemNodes, nodePools, clickhouse, api, ingest, lake",
  },
  {
    name: "an unsupported Kubernetes version",
    mutations: [set("knowledgecity:analytics", { kubernetesVersion: "1.27" })],
    key: "knowledgecity:analytics.kubernetesVersion",
    value: '"1.27"',
    allowed: "expected one of 1.32, 1.33, 1.34",
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
    name: "an API image tagged latest",
    mutations: [set("knowledgecity:analytics", { api: { imageTag: "latest" } })],
    key: "knowledgecity:analytics.api.imageTag",
    value: '"latest"',
    allowed: 'expected an image tag such as 1.4.2 (never "latest")',
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
        "knowledgecity:userStore.replicaRegions",
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
