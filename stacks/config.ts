import { isIPv4 } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { countryHomeRegions, type HomeRegionGeolocation } from "../contracts/home-region";
import { REGION_CODE_PATTERN } from "../contracts/ids";
import { isPrivateIpv4Cidr, overlaps, parseCidr } from "../components/network/cidr";
import { GEOLOCATION_COUNTRY_CODES } from "../components/edge/geo-dns";
import { extraTagKeyProblem } from "../components/shared/tags";
import { LOG_RETENTION_DAYS } from "../components/shared/logs";
import {
  DEFAULT_KUBERNETES_VERSION,
  KUBERNETES_VERSIONS,
} from "../components/kubernetes/kubernetes-cluster";
import { DEFAULT_INTERFACE_ENDPOINTS } from "../components/network/network";
import { jurisdictionProblems } from "./jurisdictions";

/** The config namespace of this project: keys are written `knowledgecity:<key>` in stack files. */
export const CONFIG_NAMESPACE = "knowledgecity";

const awsRegion = z
  .string({ error: "expected an AWS region code such as me-south-1" })
  .regex(REGION_CODE_PATTERN, {
    error: "expected an AWS region code such as me-south-1",
  });

/** ISO 3166-1 alpha-2 codes: what Route 53 geolocation takes, and what a jurisdiction is. */
export const ISO_COUNTRY_CODES: ReadonlySet<string> = GEOLOCATION_COUNTRY_CODES;

const COUNTRY_ALLOWED = "expected an ISO 3166-1 alpha-2 country code in capitals, such as SA";

const countryCode = z.string({ error: COUNTRY_ALLOWED }).superRefine((value, ctx) => {
  if (ISO_COUNTRY_CODES.has(value)) {
    return;
  }
  const upper = value.toUpperCase();
  ctx.addIssue({
    code: "custom",
    input: value,
    message: ISO_COUNTRY_CODES.has(upper)
      ? `${COUNTRY_ALLOWED}; did you mean ${upper}?`
      : /^[A-Z]{2}$/.test(value)
        ? `not an assigned ISO 3166-1 alpha-2 country code; ${COUNTRY_ALLOWED}`
        : COUNTRY_ALLOWED,
  });
});

/**
 * An IPv4 CIDR whose address is an IPv4 address (checked by node:net) and is the network address
 * of its prefix, with a prefix from `minPrefix` to `maxPrefix`. `allowed` says what the key takes.
 */
export function ipv4Cidr(minPrefix: number, maxPrefix: number, allowed: string) {
  return z.string({ error: allowed }).superRefine((value, ctx) => {
    const problem = ipv4CidrProblem(value, minPrefix, maxPrefix);
    if (problem !== undefined) {
      ctx.addIssue({ code: "custom", input: value, message: `${problem}; ${allowed}` });
    }
  });
}

/** What is wrong with `value` as an IPv4 CIDR of a prefix in range, or undefined. */
export function ipv4CidrProblem(
  value: string,
  minPrefix: number,
  maxPrefix: number,
): string | undefined {
  const match = /^([^/]+)\/(0|[1-9]\d?)$/.exec(value);
  const address = match?.[1];
  if (match === null || address === undefined) {
    return "not of the form address/prefix";
  }
  // node:net refuses out-of-range octets and leading zeros (which some tools read as octal).
  if (!isIPv4(address)) {
    return `${address} is not an IPv4 address`;
  }
  const prefix = Number(match[2]);
  if (prefix < minPrefix || prefix > maxPrefix) {
    return `prefix /${prefix} is out of range`;
  }
  const octets = address.split(".").map(Number);
  const base = octets.reduce((acc, octet) => acc * 256 + octet, 0);
  const size = 2 ** (32 - prefix);
  const network = base - (base % size);
  if (network !== base) {
    const dotted = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join(".");
    return `host bits set: the network address of /${prefix} here is ${dotted}/${prefix}`;
  }
  return undefined;
}

const retentionDays = z.literal(LOG_RETENTION_DAYS, {
  error: `expected one of the CloudWatch Logs retention periods ${LOG_RETENTION_DAYS.join(", ")}`,
});

const regionList = z.array(awsRegion);

const userStoreSchema = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({
      /** Aurora global database: the Saudi stack's store. */
      kind: z.literal("aurora"),
      /**
       * Aurora engine: PostgreSQL only, because the token vault and its migration run through the
       * RDS Data API on PostgreSQL. @default "aurora-postgresql"
       */
      engine: z
        .literal("aurora-postgresql", {
          error:
            'expected "aurora-postgresql" (the token vault and its migration need PostgreSQL\'s Data API)',
        })
        .default("aurora-postgresql"),
      /** Engine version. @default 16.6 */
      engineVersion: z
        .string()
        .regex(/^[0-9][0-9a-z._-]*$/, { error: "expected an Aurora engine version such as 16.6" })
        .optional(),
      /** Instance class of the writer and the read replicas. @default "db.r7g.large" */
      instanceClass: z
        .string()
        .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, {
          error: "expected an RDS instance class such as db.r7g.large",
        })
        .optional(),
      /** Days of automated backups, 1 to 35. @default 35 */
      backupRetentionDays: z
        .number()
        .int({ error: "expected an integer from 1 to 35" })
        .min(1, { error: "expected an integer from 1 to 35" })
        .max(35, { error: "expected an integer from 1 to 35" })
        .optional(),
      /**
       * Regions of secondary clusters of the global database; each must be in allowedRegions and
       * have an entry in `secondaryCidrs`. @default []
       */
      replicaRegions: regionList.default([]),
      /**
       * CIDR of this stack's VPC in each secondary region (isolated subnets only): a private range
       * from /16 to /19 overlapping neither `network.cidr` nor another secondary's. @default {}
       */
      secondaryCidrs: z
        .record(
          awsRegion,
          z.lazy(() => networkSchema.shape.cidr),
        )
        .default({}),
    }),
    z.strictObject({
      /** DynamoDB global tables: the US stack's store. */
      kind: z.literal("dynamodb"),
      /** Regions of table replicas; each must be in allowedRegions. @default [] */
      replicaRegions: regionList.default([]),
    }),
  ],
  { error: 'expected kind "aurora" or "dynamodb"' },
);

/**
 * A hosted zone id as Route 53 assigns it: Z and upper-case letters and digits, at most 32
 * characters (HostedZone Id: https://docs.aws.amazon.com/Route53/latest/APIReference/API_HostedZone.html).
 */
const ZONE_ID_ALLOWED =
  "expected a Route 53 hosted zone id: Z and 4 to 31 upper-case letters and digits, such as Z0123456789ABCDEFGHIJ";

/** The viewers Route 53 geolocation sends to a stack, whose accounts its home region keeps. */
const geolocationSchema = z.strictObject({
  /** Countries routed to this stack. @default [] */
  countries: z.array(countryCode).default([]),
  /** Whether this stack holds the default record (`country: "*"`). @default false */
  default: z.boolean().default(false),
});

const dnsSchema = z.strictObject({
  /** The platform's apex domain, for example knowledgecity.com. */
  domain: z.string().regex(/^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
    error: "expected a lower-case DNS domain such as knowledgecity.com",
  }),
  /**
   * Whether the stack writes its DNS records (API hostnames, certificate validation, geolocation).
   * @default true
   */
  enabled: z.boolean({ error: "expected true or false" }).default(true),
  /**
   * Route 53 public hosted zone of the domain, shared by every stack. @default the public zone
   * named `domain`, looked up at deploy time
   */
  hostedZoneId: z
    .string({ error: ZONE_ID_ALLOWED })
    .superRefine((value, ctx) => {
      if (!/^Z[A-Z0-9]{4,31}$/.test(value)) {
        ctx.addIssue({
          code: "custom",
          input: value,
          message: value.startsWith("/hostedzone/")
            ? `${ZONE_ID_ALLOWED}; write the id without the /hostedzone/ prefix`
            : ZONE_ID_ALLOWED,
        });
      }
    })
    .optional(),
  /**
   * Label of the stack's explicit hostnames (`api.<label>.<domain>`), so the app can pin a user
   * to their home region. @default the jurisdiction in lower case
   */
  regionLabel: z
    .string()
    .regex(/^[a-z]{2,12}$/, { error: "expected 2 to 12 lower-case letters" })
    .optional(),
  /** Which viewers Route 53 geolocation sends to this stack. */
  geolocation: geolocationSchema,
});

const CIDR_ALLOWED =
  "expected a private (RFC 1918) IPv4 CIDR from /16 to /19 with no host bits set, such as 10.20.0.0/16";

const networkSchema = z.strictObject({
  /** IPv4 CIDR of the VPC: a private (RFC 1918) range from /16 to /19. */
  cidr: z.string({ error: CIDR_ALLOWED }).superRefine((value, ctx) => {
    const problem =
      ipv4CidrProblem(value, 16, 19) ??
      (isPrivateIpv4Cidr(value, 16, 19) ? undefined : "not a private (RFC 1918) range");
    if (problem !== undefined) {
      ctx.addIssue({ code: "custom", input: value, message: `${problem}; ${CIDR_ALLOWED}` });
    }
  }),
  /** Availability zones to span. @default 3 */
  azCount: z
    .number({ error: "expected an integer from 2 to 4" })
    .int({ error: "expected an integer from 2 to 4" })
    .min(2, { error: "expected an integer from 2 to 4" })
    .max(4, { error: "expected an integer from 2 to 4" })
    .default(3),
  /** Pin the zones by name; by default the first `azCount` available zones of the region. */
  availabilityZones: z
    .array(
      z.string().regex(/^[a-z0-9-]+[a-z]$/, { error: "expected a zone name such as me-south-1a" }),
    )
    .optional(),
  /** Interface endpoints (service suffixes such as `ecr.api`). */
  interfaceEndpoints: z
    .array(
      z.string().regex(/^[a-z0-9]+([.-][a-z0-9]+)*$/, {
        error: "expected a service suffix such as ecr.api",
      }),
    )
    .default([...DEFAULT_INTERFACE_ENDPOINTS]),
  /** Retention of VPC flow logs. @default 365 */
  flowLogRetentionDays: retentionDays.default(365),
});

const integer = (min: number, max: number) =>
  z
    .number({ error: `expected an integer from ${min} to ${max}` })
    .int({ error: `expected an integer from ${min} to ${max}` })
    .min(min, { error: `expected an integer from ${min} to ${max}` })
    .max(max, { error: `expected an integer from ${min} to ${max}` });

const monolithSchema = z
  .strictObject({
    /**
     * How the PHP app runs: instances behind an ALB and its WAF. The Lambda mode was removed: an
     * API Gateway HTTP API takes no WAF, and it had no VPC path to the user store. @default "ec2"
     */
    mode: z
      .literal("ec2", {
        error:
          'expected "ec2" (the Lambda mode was removed: an HTTP API takes no WAF and it had no path to the user store)',
      })
      .default("ec2"),
    /** Instance type (Graviton, to match the arm64 image). @default "m7g.large" */
    instanceType: z
      .string()
      .regex(/^[a-z][a-z0-9-]*g[a-z0-9-]*\.[a-z0-9]+$/, {
        error: "expected a Graviton (arm64) instance type such as m7g.large",
      })
      .default("m7g.large"),
    /** @default 2 */
    minSize: integer(1, 100).default(2),
    /** @default 6 */
    maxSize: integer(1, 100).default(6),
    /** @default minSize */
    desiredCapacity: integer(1, 100).optional(),
    /** Average CPU the group keeps, in percent. @default 60 */
    cpuTargetPercent: integer(10, 95).default(60),
    /** Average memory use the group keeps, in percent. @default 70 */
    memoryTargetPercent: integer(10, 95).default(70),
    /** @default "/health" */
    healthCheckPath: z
      .string()
      .regex(/^\/[A-Za-z0-9/_-]*$/, { error: "expected a path such as /health" })
      .default("/health"),
    /** Requests per five minutes one IP may send. @default 2000 */
    rateLimitPerFiveMinutes: integer(10, 2_000_000_000).default(2000),
    /** An existing ACM certificate for the API, required when dns.enabled is false. */
    certificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/, {
        error: "expected an ACM certificate ARN",
      })
      .optional(),
  })
  .prefault({});

const globalEdgeSchema = z
  .strictObject({
    /** Whether this stack hosts the global edge; only the primary may. @default primary */
    enabled: z.boolean({ error: "expected true or false" }).optional(),
    /** Requests per five minutes one IP may send to the SPA. @default 2000 */
    rateLimitPerFiveMinutes: integer(10, 2_000_000_000).optional(),
    /** Edge TTL of course content, tuned for course updates. @default 3600 */
    courseContentTtlSeconds: integer(0, 86400).optional(),
  })
  .default({});

const homeRegionSchema = z
  .strictObject({
    /**
     * Every region users can call home, with its explicit API hostname; the same map in every
     * stack. The primary replicates the home-region table to each of these regions.
     */
    hostnames: z.record(
      awsRegion,
      z.string().regex(/^api\.[a-z0-9.-]+$/, { error: "expected an api.* hostname" }),
    ),
    /**
     * Every home region's `dns.geolocation`, the same map in every stack file: a sign-up is kept
     * in the home region that lists the country it declares, else in the one holding the default.
     * The stack's own entry must be its dns.geolocation. Required (checked with the rest of the
     * map, so every problem of homeRegion is reported at once).
     */
    geolocation: z.record(awsRegion, geolocationSchema).optional(),
  })
  .optional();

const videoSchema = z
  .strictObject({
    /** Whether the stack runs the video pipeline. @default true */
    enabled: z.boolean({ error: "expected true or false" }).default(true),
    /**
     * Encoding ladder for lectures, lowest rung first; each rung `{ width, height, maxBitrateKbps,
     * qvbrQualityLevel? }`. @default the lecture ladder of functions/video/encode-submit
     */
    ladder: z
      .array(
        z.strictObject({
          width: integer(128, 3840),
          height: integer(72, 2160),
          maxBitrateKbps: integer(100, 20000),
          qvbrQualityLevel: integer(1, 10).optional(),
        }),
      )
      .min(1, { error: "expected 1 to 10 rungs" })
      .max(10, { error: "expected 1 to 10 rungs" })
      .optional(),
    /** Largest upload, in GiB (a presigned POST is one request; S3 takes at most 5 GiB). @default 5 */
    maxUploadGiB: integer(1, 5).default(5),
    /** Raw uploads once encoded: expired, or archived to Glacier Deep Archive. @default expire after 30 days */
    rawUploads: z
      .strictObject({
        afterEncode: z.enum(["expire", "archive"], { error: 'expected "expire" or "archive"' }),
        days: integer(1, 3650),
      })
      .default({ afterEncode: "expire", days: 30 }),
    /** Days before renditions move to Standard-IA (at least 30). @default 30 */
    infrequentAccessAfterDays: integer(30, 3650).default(30),
    /** Days before renditions move to Intelligent-Tiering. @default 90 */
    intelligentTieringAfterDays: integer(31, 3650).default(90),
    /** Percent of playback requests logged in real time. @default 100 */
    realtimeLogSamplingRate: integer(1, 100).default(100),
    /** Lifetime of playback cookies, in seconds. @default 3600 */
    playbackSessionSeconds: integer(60, 14400).default(3600),
    /** MediaConvert submissions in flight at most. @default 5 */
    maxConcurrentSubmissions: integer(2, 1000).default(5),
    /**
     * Container tasks run on Fargate after each completed encode (transcripts, sprites), each
     * `{ name, image, cpu?, memoryMb? }`. Off until listed. @default []
     */
    tasks: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, {
            error: "expected lower-case letters, digits and dashes",
          }),
          image: z
            .string()
            .regex(
              /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/[a-z0-9._/-]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/,
              {
                error: "expected an ECR image URI with a tag or digest",
              },
            ),
          cpu: z
            .union(
              [z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)],
              {
                error: "expected a Fargate CPU size: 256, 512, 1024, 2048 or 4096",
              },
            )
            .optional(),
          memoryMb: integer(512, 30720).optional(),
        }),
      )
      .default([]),
  })
  .prefault({});

const cron = z.string().regex(/^cron\(.+\)$/, {
  error: "expected an AWS cron expression such as cron(15 2 * * ? *)",
});

const nodePoolSchema = (cpu: number, memoryGiB: number) =>
  z
    .strictObject({
      /** Upper bound of the pool's vCPUs. */
      cpuLimit: integer(2, 10000).default(cpu),
      /** Upper bound of the pool's memory, GiB. */
      memoryLimitGiB: integer(4, 100000).default(memoryGiB),
    })
    .prefault({});

/** One problem of cluster access, as a config issue. */
interface AccessIssue {
  readonly path: (string | number)[];
  readonly input: unknown;
  readonly message: string;
}

/**
 * Combinations in which a deploy could not reach the Kubernetes API, or EKS would refuse an access
 * entry: a deploy from outside the VPC with a private-only endpoint; a second entry for a principal
 * that already has one (the deploy role is the cluster's creator; one principal, one entry).
 * https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html
 * https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
 */
function clusterAccessProblems(analytics: {
  readonly deployFrom: "vpc" | "cidrs";
  readonly publicAccessCidrs: readonly string[];
  readonly adminRoleArns: readonly string[];
  readonly deployRoleArn?: string | undefined;
  readonly previewRoleArn?: string | undefined;
}): AccessIssue[] {
  const { deployRoleArn, previewRoleArn } = analytics;
  return [
    ...(analytics.deployFrom === "cidrs" && analytics.publicAccessCidrs.length === 0
      ? [
          {
            path: ["analytics", "deployFrom"],
            input: "cidrs",
            message:
              'the deploy runs outside the VPC but the API endpoint is private only (analytics.publicAccessCidrs is empty): list the deploy runners\' egress CIDRs there, or deploy from a runner in the VPC ("vpc")',
          },
        ]
      : []),
    ...analytics.adminRoleArns.flatMap((arn, index) =>
      arn === deployRoleArn
        ? [
            {
              path: ["analytics", "adminRoleArns", index],
              input: arn,
              message:
                "the deploy role (analytics.deployRoleArn) is cluster-admin as the cluster's creator; a second access entry for it fails: remove it here",
            },
          ]
        : arn === previewRoleArn
          ? [
              {
                path: ["analytics", "adminRoleArns", index],
                input: arn,
                message:
                  "also analytics.previewRoleArn: a principal has one access entry; preview with a role that is not an admin",
              },
            ]
          : [],
    ),
    ...(previewRoleArn !== undefined && previewRoleArn === deployRoleArn
      ? [
          {
            path: ["analytics", "previewRoleArn"],
            input: previewRoleArn,
            message: "expected a role other than analytics.deployRoleArn: previews run read-only",
          },
        ]
      : []),
  ];
}

/**
 * Where the home-region map's geolocation disagrees with itself or with the stack: the regions it
 * names against `homeRegion.hostnames`, a country two regions list, not exactly one default
 * (contracts/home-region.ts), and the stack's own entry against its `dns.geolocation`, so the
 * countries a stack routes to itself are the ones whose sign-ups it keeps.
 */
function homeRegionGeolocationProblems(config: {
  readonly region: string;
  readonly dns: { readonly geolocation: HomeRegionGeolocation };
  readonly homeRegion?: {
    readonly hostnames: Readonly<Record<string, string>>;
    readonly geolocation?: Readonly<Record<string, HomeRegionGeolocation>> | undefined;
  };
}): AccessIssue[] {
  if (config.homeRegion === undefined) {
    return [];
  }
  const { hostnames, geolocation } = config.homeRegion;
  const path = ["homeRegion", "geolocation"];
  if (geolocation === undefined) {
    return [
      {
        path,
        input: undefined,
        message:
          "expected every home region's dns.geolocation (the same map in every stack file): it decides where each country's sign-ups are kept",
      },
    ];
  }
  const named = Object.keys(geolocation).sort();
  const expected = Object.keys(hostnames).sort();
  const issues: AccessIssue[] = [];
  if (named.join() !== expected.join()) {
    issues.push({
      path,
      input: geolocation,
      message: `expected one entry per home region of homeRegion.hostnames (${expected.join(", ")})`,
    });
  }
  const map = countryHomeRegions(geolocation);
  if ("problems" in map) {
    issues.push({ path, input: geolocation, message: map.problems.join("; ") });
  }
  const own = geolocation[config.region];
  const routed = config.dns.geolocation;
  const same = (a: readonly string[], b: readonly string[]) =>
    [...a].sort().join() === [...b].sort().join();
  // A country that is no ISO code is reported on its own, once.
  const known = routed.countries.every((country) => ISO_COUNTRY_CODES.has(country));
  if (
    own !== undefined &&
    known &&
    (!same(own.countries, routed.countries) || own.default !== routed.default)
  ) {
    issues.push({
      path: [...path, config.region],
      input: own,
      message: `expected the stack's own dns.geolocation (${JSON.stringify(routed)}): the countries routed here are the ones whose sign-ups are kept here`,
    });
  }
  return issues;
}

const iamRoleArn = z
  .string({ error: "expected an IAM role ARN such as arn:aws:iam::123456789012:role/name" })
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
    error: "expected an IAM role ARN such as arn:aws:iam::123456789012:role/name",
  });

const analyticsSchema = z
  .strictObject({
    /** Whether the stack runs the analytics cluster. @default true */
    enabled: z.boolean({ error: "expected true or false" }).default(true),
    /** EKS Kubernetes version, one in EKS standard support. @default DEFAULT_KUBERNETES_VERSION */
    kubernetesVersion: z
      .enum(KUBERNETES_VERSIONS, { error: `expected one of ${KUBERNETES_VERSIONS.join(", ")}` })
      .default(DEFAULT_KUBERNETES_VERSION),
    /**
     * Where `pulumi up` and `pulumi preview` run, which decides how they reach the Kubernetes API:
     * "vpc" (a runner in this stack's private subnets, through the private endpoint) or "cidrs"
     * (outside the VPC, through the public endpoint limited to publicAccessCidrs). @default "vpc"
     */
    deployFrom: z
      .enum(["vpc", "cidrs"], {
        error:
          'expected "vpc" (a runner in the private subnets) or "cidrs" (from publicAccessCidrs)',
      })
      .default("vpc"),
    /** CIDRs that may reach the public Kubernetes API endpoint; empty keeps it private. @default [] */
    publicAccessCidrs: z
      .array(ipv4Cidr(16, 32, "expected an IPv4 CIDR of /16 or narrower (never 0.0.0.0/0)"))
      .max(40, { error: "expected at most 40 CIDRs" })
      .default([]),
    /** IAM roles given cluster-admin (the platform team's). @default [] */
    adminRoleArns: z.array(iamRoleArn).default([]),
    /**
     * The role `pulumi up` runs as. It creates the cluster, and EKS gives the creator a
     * cluster-admin access entry (@pulumi/eks always asks for it), so it must not be listed again.
     */
    deployRoleArn: iamRoleArn.optional(),
    /** The role `pulumi preview` runs as: a read-only access entry (AmazonEKSViewPolicy). */
    previewRoleArn: iamRoleArn.optional(),
    /** The managed node group of the cluster's own controllers. */
    systemNodes: z
      .strictObject({
        instanceTypes: z
          .array(
            z.string().regex(/^[a-z][a-z0-9]*g[a-z0-9]*\.[a-z0-9]+$/, {
              error: "expected a Graviton (arm64) instance type such as m7g.large",
            }),
          )
          .min(1, { error: "expected at least one instance type" })
          .default(["m7g.large"]),
        minSize: integer(2, 10).default(2),
        maxSize: integer(2, 20).default(4),
      })
      .prefault({}),
    /** Karpenter's node pools and their limits. */
    nodePools: z
      .strictObject({
        clickhouse: nodePoolSchema(64, 512),
        batch: nodePoolSchema(128, 512),
        general: nodePoolSchema(32, 128),
      })
      .prefault({}),
    /** The ClickHouse installation. */
    clickhouse: z
      .strictObject({
        replicas: integer(2, 5).default(2),
        storageGiB: integer(20, 16384).default(200),
        cpu: integer(1, 64).default(2),
        memoryGiB: integer(4, 512).default(16),
        keeperReplicas: z
          .union([z.literal(3), z.literal(5)], { error: "expected 3 or 5" })
          .default(3),
        version: z
          .string()
          .regex(/^\d+\.\d+$/, { error: "expected a release line such as 25.8" })
          .default("25.8"),
        backupRetentionDays: integer(7, 3650).default(35),
        rawRetentionDays: integer(1, 3650).default(400),
      })
      .prefault({}),
    /** The analytics API. */
    api: z
      .strictObject({
        // No image setting: the deployment builds the image from this commit and pushes it.
        minReplicas: integer(2, 50).default(2),
        maxReplicas: integer(2, 200).default(10),
        cpuTargetPercent: integer(10, 95).default(70),
        internetFacing: z.boolean({ error: "expected true or false" }).default(false),
      })
      .prefault({}),
    /** The real-time-log ingest. */
    ingest: z
      .strictObject({
        batchSize: integer(1, 10000).default(1000),
        batchingWindowSeconds: integer(0, 300).default(5),
        parallelizationFactor: integer(1, 10).default(1),
        maximumRetryAttempts: integer(0, 10000).default(10),
      })
      .prefault({}),
    /** The Glue data lake's ETL job and crawler. */
    lake: z
      .strictObject({
        workerType: z
          .enum(["G.1X", "G.2X"], { error: 'expected "G.1X" or "G.2X"' })
          .default("G.1X"),
        workers: integer(2, 100).default(2),
        executionClass: z
          .enum(["FLEX", "STANDARD"], { error: 'expected "FLEX" or "STANDARD"' })
          .default("FLEX"),
        schedule: cron.default("cron(15 2 * * ? *)"),
        crawlerSchedule: cron.default("cron(15 4 * * ? *)"),
        timeoutMinutes: integer(10, 2880).default(120),
      })
      .prefault({}),
  })
  .prefault({});

const positive = (error: string) =>
  z.number({ error }).positive({ error }).max(1_000_000, { error });

const observabilitySchema = z
  .strictObject({
    /** Email addresses subscribed to the alert topics. @default [] */
    alertEmails: z
      .array(
        z.string().regex(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i, { error: "expected an email address" }),
      )
      .max(20, { error: "expected at most 20 addresses" })
      .default([]),
    /** Alarm thresholds; see components/operations/observability.ts for each signal. */
    thresholds: z
      .strictObject({
        alb5xxPerMinute: positive("expected a positive number").default(10),
        albP95LatencySeconds: positive("expected a positive number of seconds").default(2),
        queueOldestMessageSeconds: positive("expected a positive number of seconds").default(900),
        deadLetterMessages: integer(1, 1_000_000).default(1),
        lambdaErrors: positive("expected a positive number").default(5),
        lambdaThrottles: positive("expected a positive number").default(1),
        mediaConvertErrors: positive("expected a positive number").default(1),
        auroraCpuPercent: z
          .number({ error: "expected a percentage" })
          .min(1, { error: "expected a percentage from 1 to 100" })
          .max(100, { error: "expected a percentage from 1 to 100" })
          .default(80),
        auroraFreeableMemoryMiB: positive("expected a positive number of MiB").default(512),
        dynamoThrottledRequests: positive("expected a positive number").default(10),
        dynamoSystemErrors: positive("expected a positive number").default(1),
        cloudFront5xxRatePercent: z
          .number({ error: "expected a percentage" })
          .positive({ error: "expected a percentage above 0" })
          .max(100, { error: "expected a percentage up to 100" })
          .default(1),
      })
      .prefault({}),
    /** Prometheus on the analytics cluster. */
    prometheus: z
      .strictObject({
        retentionDays: integer(1, 90).default(15),
        storageGiB: integer(10, 4096).default(100),
      })
      .prefault({}),
  })
  .prefault({});

const SERVICE_NAME = /^[a-z][a-z0-9-]{1,30}$/;

const throttleSchema = z.strictObject({
  rateLimit: integer(1, 100_000),
  burstLimit: integer(1, 100_000),
});

const microservicesSchema = z
  .strictObject({
    /** Whether the stack runs the microservices platform (needs the analytics cluster). @default true */
    enabled: z.boolean({ error: "expected true or false" }).default(true),
    /** The JWT authorizer of the API: the identity provider's issuer and the API's audiences. */
    jwt: z
      .strictObject({
        issuer: z.string().regex(/^https:\/\/[^\s]+$/, { error: "expected an https issuer URL" }),
        audience: z
          .array(z.string().min(1, { error: "expected a non-empty audience" }))
          .min(1, { error: "expected at least one audience" }),
      })
      .optional(),
    /** Default throttling of every route. @default 100 requests/s, bursts of 200 */
    throttle: throttleSchema.default({ rateLimit: 100, burstLimit: 200 }),
    /** Quota of each API-key client. @default 100000 a day */
    quota: z
      .strictObject({
        limit: integer(1, 1_000_000_000),
        period: z.enum(["DAY", "WEEK", "MONTH"], { error: 'expected "DAY", "WEEK" or "MONTH"' }),
      })
      .default({ limit: 100_000, period: "DAY" }),
    /** The Consul servers. */
    consul: z
      .strictObject({
        serverReplicas: z
          .union([z.literal(3), z.literal(5)], { error: "expected 3 or 5" })
          .default(3),
        storageGiB: integer(5, 1024).default(20),
      })
      .prefault({}),
    /** The services: each gets a namespace, identity, ECR repository, mesh entry and routes. */
    services: z
      .array(
        z.strictObject({
          name: z.string().regex(SERVICE_NAME, { error: `expected ${SERVICE_NAME.source}` }),
          port: integer(1024, 65535),
          routes: z
            .array(
              z.strictObject({
                method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "ANY"], {
                  error: "expected GET, POST, PUT, PATCH, DELETE or ANY",
                }),
                path: z.string().regex(/^\/(?!.*\/\/)[A-Za-z0-9_{}+./-]*$/, {
                  error: 'expected a path starting with "/", such as /courses/{id}',
                }),
              }),
            )
            .min(1, { error: "expected at least one route" }),
          callers: z
            .array(z.string().regex(SERVICE_NAME, { error: `expected ${SERVICE_NAME.source}` }))
            .optional(),
          apiKeyClients: z
            .array(
              z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, {
                error: "expected a client name of lower-case letters, digits and dashes",
              }),
            )
            .optional(),
          throttle: throttleSchema.optional(),
        }),
      )
      .default([]),
  })
  .prefault({});

/** Whether the stack makes an account-level setting or uses the one the account already has. */
const accountSetting = z.enum(["create", "existing"], {
  error: 'expected "create" (this stack makes it) or "existing" (the account already has it)',
});

/**
 * Account-level settings, which exist once per account (IAM) or once per account and region. See
 * the README's "Adopting existing account-level settings" for what `existing` requires.
 */
const accountSetupSchema = z
  .strictObject({
    /** AWS Config recorder, delivery channel and recording status of the region. @default create */
    configRecorder: accountSetting.default("create"),
    /** AWS Backup's region settings (which resource types it protects). @default create */
    backupRegionSettings: accountSetting.default("create"),
    /**
     * The Auto Scaling and EC2 Spot service-linked roles (IAM: one stack per account creates
     * them). @default create in the primary stack, existing elsewhere
     */
    serviceLinkedRoles: accountSetting.optional(),
  })
  .prefault({});

const stackConfigSchema = z
  .strictObject({
    /** From `aws:region`: the region the stack deploys to. */
    region: awsRegion,
    /** ISO 3166-1 alpha-2 code of the jurisdiction whose law governs this stack's user data. */
    jurisdiction: countryCode,
    /** Regions where this stack may keep user data, replicas and backups. */
    allowedRegions: regionList.min(1, { error: "expected at least one region" }),
    /** Whether this stack hosts the global edge (SPA, CloudFront, global WAF). @default false */
    primary: z.boolean({ error: "expected true or false" }).default(false),
    /** The residency-bound user store. */
    userStore: userStoreSchema,
    /** DNS names and geolocation routing. */
    dns: dnsSchema,
    /** The regional VPC. */
    network: networkSchema,
    /** Default retention of log groups. @default 365 */
    logRetentionDays: retentionDays.default(365),
    /** Extra tags applied to every resource through the provider's default tags. @default {} */
    tags: z
      .record(
        z.string().regex(/^[A-Za-z0-9 _.:/=+@-]{1,128}$/, {
          error: "expected a tag key of 1 to 128 allowed characters",
        }),
        z.string().max(256, { error: "expected a tag value of at most 256 characters" }),
      )
      .superRefine((tags, ctx) => {
        // The provider's default tags would silently keep the program's value: refuse instead.
        for (const [key, value] of Object.entries(tags)) {
          const problem = extraTagKeyProblem(key);
          if (problem !== undefined) {
            ctx.addIssue({ code: "custom", path: [key], input: value, message: problem });
          }
        }
      })
      .default({}),
    monolith: monolithSchema,
    globalEdge: globalEdgeSchema,
    homeRegion: homeRegionSchema,
    video: videoSchema,
    analytics: analyticsSchema,
    microservices: microservicesSchema,
    observability: observabilitySchema,
    /** Account-level settings: made by this stack or the account's own. */
    accountSetup: accountSetupSchema,
    compliance: z
      .strictObject({
        /** Backups of the user store. */
        backup: z
          .strictObject({
            /** AWS Backup cron expression (UTC). @default "cron(0 2 * * ? *)" */
            schedule: z
              .string()
              .regex(/^cron\(.+\)$/, {
                error: "expected an AWS cron expression such as cron(0 2 * * ? *)",
              })
              .optional(),
            /** Days before recovery points move to cold storage. @default 30 */
            coldStorageAfterDays: z
              .number()
              .int()
              .min(1, { error: "expected at least 1 day" })
              .optional(),
            /** Days recovery points are kept; at least coldStorageAfterDays + 90. @default 365 */
            deleteAfterDays: z
              .number()
              .int()
              .min(91, { error: "expected at least 91 days" })
              .optional(),
          })
          .default({}),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    // Residency is the jurisdiction's, not the stack file's: its regions bound the stack's
    // (stacks/jurisdictions.ts). A jurisdiction that is no country is reported on its own.
    if (ISO_COUNTRY_CODES.has(config.jurisdiction)) {
      for (const problem of jurisdictionProblems(config)) {
        ctx.addIssue({ code: "custom", ...problem, path: [...problem.path] });
      }
    }
    const allowed = new Set(config.allowedRegions);
    // An empty allowedRegions is reported on its own; checking regions against it is noise.
    if (allowed.size > 0 && !allowed.has(config.region)) {
      ctx.addIssue({
        code: "custom",
        path: ["region"],
        input: config.region,
        message: `the stack's own region must be one of allowedRegions (${config.allowedRegions.join(", ")})`,
      });
    }
    config.userStore.replicaRegions.forEach((replica, index) => {
      if (allowed.size > 0 && !allowed.has(replica)) {
        ctx.addIssue({
          code: "custom",
          path: ["userStore", "replicaRegions", index],
          input: replica,
          message: `a replica of user data must stay in allowedRegions (${config.allowedRegions.join(", ")})`,
        });
      } else if (replica === config.region) {
        ctx.addIssue({
          code: "custom",
          path: ["userStore", "replicaRegions", index],
          input: replica,
          message: "a replica region must differ from the stack's own region",
        });
      }
    });
    if (config.userStore.kind === "aurora") {
      for (const problem of secondaryCidrProblems(config.userStore, config)) {
        ctx.addIssue({ code: "custom", ...problem, path: [...problem.path] });
      }
    }
    const monolith = config.monolith;
    if (monolith.minSize > monolith.maxSize) {
      ctx.addIssue({
        code: "custom",
        path: ["monolith", "maxSize"],
        input: monolith.maxSize,
        message: `expected at least minSize (${monolith.minSize})`,
      });
    }
    const desired = monolith.desiredCapacity;
    if (desired !== undefined && (desired < monolith.minSize || desired > monolith.maxSize)) {
      ctx.addIssue({
        code: "custom",
        path: ["monolith", "desiredCapacity"],
        input: desired,
        message: `expected a value from minSize to maxSize (${monolith.minSize} to ${monolith.maxSize})`,
      });
    }
    if (config.globalEdge.enabled === true && !config.primary) {
      ctx.addIssue({
        code: "custom",
        path: ["globalEdge", "enabled"],
        input: true,
        message:
          "only the primary stack hosts the global edge (a CloudFront hostname belongs to one distribution)",
      });
    }
    if (!config.dns.enabled && config.monolith.certificateArn === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["monolith", "certificateArn"],
        input: undefined,
        message:
          "required when dns.enabled is false: the API's certificate cannot be validated without DNS",
      });
    }
    if (!config.dns.enabled && (config.globalEdge.enabled ?? config.primary)) {
      ctx.addIssue({
        code: "custom",
        path: ["dns", "enabled"],
        input: false,
        message:
          "the global edge needs DNS for its certificate and records; enable DNS or disable globalEdge",
      });
    }
    if (config.video.enabled && !config.dns.enabled) {
      ctx.addIssue({
        code: "custom",
        path: ["video", "enabled"],
        input: true,
        message:
          "the video CDN needs DNS for its hostname and certificate; enable DNS or disable video",
      });
    }
    const analytics = config.analytics;
    if (analytics.enabled && !config.dns.enabled) {
      ctx.addIssue({
        code: "custom",
        path: ["analytics", "enabled"],
        input: true,
        message:
          "the analytics endpoints need DNS for their hostnames and certificates; enable DNS or disable analytics",
      });
    }
    const services = config.microservices;
    if (services.enabled && !analytics.enabled) {
      ctx.addIssue({
        code: "custom",
        path: ["microservices", "enabled"],
        input: true,
        message:
          "the services run on the analytics cluster; enable analytics or disable microservices",
      });
    }
    if (services.enabled && services.jwt === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["microservices", "jwt"],
        input: undefined,
        message:
          "required when microservices.enabled is true: { issuer, audience } of the identity provider",
      });
    }
    const names = services.services.map((service) => service.name);
    services.services.forEach((service, index) => {
      if (names.indexOf(service.name) !== index) {
        ctx.addIssue({
          code: "custom",
          path: ["microservices", "services", index, "name"],
          input: service.name,
          message: "expected a name no other service has",
        });
      }
      (service.callers ?? []).forEach((caller, callerIndex) => {
        if (!names.includes(caller)) {
          ctx.addIssue({
            code: "custom",
            path: ["microservices", "services", index, "callers", callerIndex],
            input: caller,
            message: `expected the names of services listed here (${names.join(", ")})`,
          });
        }
      });
    });
    if (analytics.api.maxReplicas < analytics.api.minReplicas) {
      ctx.addIssue({
        code: "custom",
        path: ["analytics", "api", "maxReplicas"],
        input: analytics.api.maxReplicas,
        message: `expected at least analytics.api.minReplicas (${analytics.api.minReplicas})`,
      });
    }
    if (analytics.enabled) {
      for (const issue of clusterAccessProblems(analytics)) {
        ctx.addIssue({ code: "custom", ...issue });
      }
    }
    if (analytics.systemNodes.maxSize < analytics.systemNodes.minSize) {
      ctx.addIssue({
        code: "custom",
        path: ["analytics", "systemNodes", "maxSize"],
        input: analytics.systemNodes.maxSize,
        message: `expected at least analytics.systemNodes.minSize (${analytics.systemNodes.minSize})`,
      });
    }
    if (config.video.intelligentTieringAfterDays <= config.video.infrequentAccessAfterDays) {
      ctx.addIssue({
        code: "custom",
        path: ["video", "intelligentTieringAfterDays"],
        input: config.video.intelligentTieringAfterDays,
        message: `expected more than infrequentAccessAfterDays (${config.video.infrequentAccessAfterDays})`,
      });
    }
    const rungs = config.video.ladder ?? [];
    rungs.forEach((rung, index) => {
      const previous = rungs[index - 1];
      if (previous !== undefined && rung.maxBitrateKbps <= previous.maxBitrateKbps) {
        ctx.addIssue({
          code: "custom",
          path: ["video", "ladder", index, "maxBitrateKbps"],
          input: rung.maxBitrateKbps,
          message: `expected more than the rung below (${previous.maxBitrateKbps}): rungs go up in bitrate`,
        });
      }
      if (rung.width % 2 !== 0 || rung.height % 2 !== 0) {
        ctx.addIssue({
          code: "custom",
          path: ["video", "ladder", index],
          input: rung,
          message: "expected an even width and height (H.264 4:2:0)",
        });
      }
    });
    const homeRegions = config.homeRegion?.hostnames;
    if (homeRegions !== undefined && homeRegions[config.region] === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["homeRegion", "hostnames"],
        input: homeRegions,
        message: `expected an entry for the stack's own region ${config.region}`,
      });
    }
    for (const issue of homeRegionGeolocationProblems(config)) {
      ctx.addIssue({ code: "custom", ...issue });
    }
    const backup = config.compliance.backup;
    const coldAfter = backup.coldStorageAfterDays ?? 30;
    if (backup.deleteAfterDays !== undefined && backup.deleteAfterDays < coldAfter + 90) {
      ctx.addIssue({
        code: "custom",
        path: ["compliance", "backup", "deleteAfterDays"],
        input: backup.deleteAfterDays,
        message: `expected at least coldStorageAfterDays + 90 (${coldAfter + 90}): cold storage keeps a backup for 90 days at least`,
      });
    }
    if (!config.dns.geolocation.default && config.dns.geolocation.countries.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["dns", "geolocation"],
        input: config.dns.geolocation,
        message: "expected at least one country or default: true, or no viewer is routed here",
      });
    }
    const zones = config.network.availabilityZones;
    if (zones !== undefined) {
      if (zones.length !== config.network.azCount) {
        ctx.addIssue({
          code: "custom",
          path: ["network", "availabilityZones"],
          input: zones,
          message: `expected exactly azCount (${config.network.azCount}) zones`,
        });
      }
      zones.forEach((zone, index) => {
        if (!zone.startsWith(config.region)) {
          ctx.addIssue({
            code: "custom",
            path: ["network", "availabilityZones", index],
            input: zone,
            message: `expected a zone of ${config.region}`,
          });
        }
      });
    }
  });

/** The validated configuration of one stack, with every default resolved. */
export type StackConfig = z.output<typeof stackConfigSchema>;

/**
 * Whether this stack makes the account's service-linked roles: as `accountSetup` says, else the
 * primary stack does and the others use them (IAM is global, so only one stack of an account may
 * create them).
 */
export function serviceLinkedRolesSource(
  config: Pick<StackConfig, "primary" | "accountSetup">,
): "create" | "existing" {
  return config.accountSetup.serviceLinkedRoles ?? (config.primary ? "create" : "existing");
}
/** What a stack file may contain, before defaults. */
export type StackConfigInput = z.input<typeof stackConfigSchema>;
export type UserStoreConfig = StackConfig["userStore"];

/**
 * What is wrong with the VPC CIDRs of an Aurora store's secondary regions: a replica region
 * without one, one for a region that is not a replica, or one overlapping the stack's VPC or
 * another secondary's (Aurora replicates over AWS's network, not the VPCs, but the platform's
 * VPCs must stay routable to each other, as between stacks).
 */
function secondaryCidrProblems(
  store: {
    readonly replicaRegions: readonly string[];
    readonly secondaryCidrs: Record<string, string>;
  },
  stack: {
    readonly region: string;
    readonly allowedRegions: readonly string[];
    readonly network: { readonly cidr: string };
  },
): { path: readonly (string | number)[]; input: unknown; message: string }[] {
  const problems: { path: readonly (string | number)[]; input: unknown; message: string }[] = [];
  const cidrs = store.secondaryCidrs;
  const stackCidr = stack.network.cidr;
  // A replica region refused on its own (outside allowedRegions, or the stack's) needs no CIDR.
  const missing = store.replicaRegions.filter(
    (region) =>
      cidrs[region] === undefined &&
      region !== stack.region &&
      (stack.allowedRegions.length === 0 || stack.allowedRegions.includes(region)),
  );
  if (missing.length > 0) {
    problems.push({
      path: ["userStore", "secondaryCidrs"],
      input: cidrs,
      message: `expected an entry for ${missing.join(", ")} (replicaRegions): the CIDR of this stack's isolated VPC for the Aurora secondary there, a private range from /16 to /19 that overlaps no other VPC of the platform`,
    });
  }
  const placed: { region: string; cidr: string }[] = [{ region: "network.cidr", cidr: stackCidr }];
  for (const [region, cidr] of Object.entries(cidrs)) {
    if (!store.replicaRegions.includes(region)) {
      problems.push({
        path: ["userStore", "secondaryCidrs", region],
        input: cidr,
        message: `${region} is not one of userStore.replicaRegions (${store.replicaRegions.join(", ") || "none"}); remove the entry or add the region`,
      });
      continue;
    }
    if (ipv4CidrProblem(cidr, 16, 19) !== undefined) {
      continue; // reported by the schema
    }
    const clash = placed.find(
      (other) =>
        ipv4CidrProblem(other.cidr, 16, 19) === undefined &&
        overlaps(parseCidr(cidr), parseCidr(other.cidr)),
    );
    if (clash !== undefined) {
      problems.push({
        path: ["userStore", "secondaryCidrs", region],
        input: cidr,
        message: `overlaps ${clash.region === "network.cidr" ? "network.cidr" : `secondaryCidrs.${clash.region}`} (${clash.cidr}); every VPC of the platform needs its own range`,
      });
    }
    placed.push({ region, cidr });
  }
  return problems;
}
export type NetworkConfig = StackConfig["network"];

/**
 * A stack configuration that cannot be used. It extends `RunError` so `pulumi up` prints the
 * message alone, without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
  /** Each problem on its own, already formatted as `key = value: what is allowed`. */
  public readonly problems: readonly string[];

  constructor(stack: string, problems: readonly string[]) {
    super(`Invalid config for stack ${stack}: ${problems.join("; ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Raw config as Pulumi holds it: full keys (`aws:region`, `knowledgecity:network`) to values. */
export type RawConfig = Readonly<Record<string, unknown>>;

/**
 * Validates a stack's raw config and resolves its defaults. Every problem is collected and
 * reported at once in a single `ConfigError`.
 */
export function parseStackConfig(stack: string, raw: RawConfig): StackConfig {
  const input: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith(prefix)) {
      input[key.slice(prefix.length)] = value;
    }
  }
  if ("region" in input) {
    throw new ConfigError(stack, [
      `${prefix}region: not a key of this project; set the region with aws:region`,
    ]);
  }
  input.region = raw["aws:region"];

  const providersProblem = defaultProvidersProblem(raw[DISABLE_DEFAULT_PROVIDERS]);
  const result = stackConfigSchema.safeParse(input, { reportInput: true });
  if (result.success && providersProblem === undefined) {
    return result.data;
  }
  throw new ConfigError(stack, [
    ...(providersProblem === undefined ? [] : [providersProblem]),
    ...(result.success ? [] : result.error.issues.map((issue) => describeIssue(issue, input))),
  ]);
}

/** The engine setting that turns default providers off (the CLI passes it to the program too). */
export const DISABLE_DEFAULT_PROVIDERS = "pulumi:disable-default-providers";

/**
 * Every Pulumi package whose resources the program registers. Each gets an explicit provider;
 * with its default provider disabled, a resource that forgot it fails at preview instead of
 * deploying through ambient credentials and region.
 */
export const PROGRAM_PACKAGES = [
  "aws",
  "docker-build",
  "eks",
  "kubernetes",
  "random",
  "tls",
] as const;

/**
 * What is wrong with the stack's `pulumi:disable-default-providers`, or undefined: it must
 * disable every package the program uses, as `["*"]` does
 * (https://www.pulumi.com/docs/iac/concepts/resources/providers/, "Disabling default providers";
 * the engine passes the whole stack config, this key included, to the program).
 */
export function defaultProvidersProblem(value: unknown): string | undefined {
  const allowed = `expected ["*"] (or every package the program uses: ${PROGRAM_PACKAGES.join(", ")}), so a resource without an explicit provider fails at preview`;
  if (value === undefined) {
    return `${DISABLE_DEFAULT_PROVIDERS} = (missing): required; ${allowed}`;
  }
  const packages = Array.isArray(value) ? value : undefined;
  if (packages === undefined || packages.some((entry) => typeof entry !== "string")) {
    return `${DISABLE_DEFAULT_PROVIDERS} = ${show(value)}: ${allowed}`;
  }
  if (packages.includes("*")) {
    return undefined;
  }
  const missing = PROGRAM_PACKAGES.filter((name) => !packages.includes(name));
  return missing.length === 0
    ? undefined
    : `${DISABLE_DEFAULT_PROVIDERS} = ${show(value)}: leaves the default providers of ${missing.join(", ")} on; ${allowed}`;
}

/**
 * Reads the running stack's config from the Pulumi runtime and validates it. Values that Pulumi
 * stores as JSON text (objects, lists, numbers, booleans) are decoded first.
 */
export function loadStackConfig(): StackConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    raw[key] = decodeConfigValue(value);
  }
  return parseStackConfig(pulumi.getStack(), raw);
}

/** Pulumi hands structured values to programs as JSON text and plain strings as they are. */
export function decodeConfigValue(value: string): unknown {
  const trimmed = value.trim();
  if (/^[[{"]|^-?\d|^(true|false|null)$/.test(trimmed)) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

/** The key a user writes in a stack file for a path inside the parsed object. */
export function configKey(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path;
  if (head === undefined) {
    return CONFIG_NAMESPACE;
  }
  const top = head === "region" ? "aws:region" : `${CONFIG_NAMESPACE}:${String(head)}`;
  return rest.reduce<string>(
    (key, part) => (typeof part === "number" ? `${key}[${part}]` : `${key}.${String(part)}`),
    top,
  );
}

function describeIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>): string {
  if (issue.code === "unrecognized_keys") {
    return issue.keys
      .map(
        (key) =>
          `${configKey([...issue.path, key])}: unknown key; allowed keys are ${allowedKeys(issue.path, input)}`,
      )
      .join("; ");
  }
  if (issue.code === "invalid_key") {
    // A record key that its key schema rejects: name the record, show the key.
    const reasons = issue.issues.map((inner) => inner.message).join(", ");
    return `${configKey(issue.path.slice(0, -1))} has key ${show(issue.input)}: ${reasons}`;
  }
  // Show the value as the user wrote it: an issue's own input can be the enclosing object (a
  // discriminated union reports the whole object against the path of its discriminator).
  if (valueAt(input, issue.path) === undefined) {
    return `${configKey(issue.path)} = (missing): required; ${issue.message}`;
  }
  return `${configKey(issue.path)} = ${show(valueAt(input, issue.path))}: ${issue.message}`;
}

function allowedKeys(path: readonly PropertyKey[], input: unknown): string {
  let schema: z.core.$ZodType = stackConfigSchema;
  for (let index = 0; index < path.length; index += 1) {
    const shape = objectShape(schema, valueAt(input, path.slice(0, index)));
    const next = shape?.[String(path[index])];
    if (next === undefined) {
      return "(see README)";
    }
    schema = next;
  }
  const shape = objectShape(schema, valueAt(input, path));
  if (shape === undefined) {
    return "(see README)";
  }
  const keys = Object.keys(shape).filter((key) => key !== "region");
  return keys.length === 0 ? "none yet" : keys.join(", ");
}

/** The object shape a schema carries; for a discriminated union, the option `value` selects. */
function objectShape(
  schema: z.core.$ZodType,
  value: unknown,
): Record<string, z.core.$ZodType> | undefined {
  let current: z.core.$ZodType = schema;
  // Unwrap defaults, optionals and refinements down to the object they carry.
  for (let depth = 0; depth < 8; depth += 1) {
    const def = current._zod.def;
    if (def.type === "object") {
      return (def as z.core.$ZodObjectDef).shape;
    }
    if (def.type === "union") {
      const union = def as z.core.$ZodDiscriminatedUnionDef;
      if (union.discriminator === undefined || value === null || typeof value !== "object") {
        return undefined;
      }
      const tag = (value as Record<string, unknown>)[union.discriminator];
      const option = union.options.find((candidate) => {
        const literal = objectShape(candidate, undefined)?.[union.discriminator]?._zod.def;
        return (
          literal?.type === "literal" &&
          (literal as z.core.$ZodLiteralDef<z.core.util.Literal>).values.some((v) => v === tag)
        );
      });
      if (option === undefined) {
        return undefined;
      }
      current = option;
      continue;
    }
    if (
      def.type === "default" ||
      def.type === "prefault" ||
      def.type === "optional" ||
      def.type === "pipe"
    ) {
      const inner =
        (def as { innerType?: z.core.$ZodType; in?: z.core.$ZodType }).innerType ??
        (def as { in?: z.core.$ZodType }).in;
      if (inner === undefined) {
        return undefined;
      }
      current = inner;
      continue;
    }
    return undefined;
  }
  return undefined;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const part of path) {
    if (current === null || typeof current !== "object") {
      return undefined;
    }
    current = (current as Record<string, unknown>)[String(part)];
  }
  return current;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
