import { z } from "zod";
import {
  DEFAULT_DEPLOY_FROM,
  DEFAULT_KUBERNETES_VERSION,
  KUBERNETES_VERSIONS,
  MIN_SYSTEM_NODES,
  SYSTEM_NODE_DEFAULTS,
} from "../kubernetes/kubernetes-cluster";
import { MIN_API_REPLICAS } from "./analytics-api";
import { CLICKHOUSE_BOUNDS } from "./clickhouse";
import { EXECUTION_CLASSES, LAKE_BOUNDS, LAKE_DEFAULTS, WORKER_TYPES } from "./data-lake-settings";
import { RTLOG_INGEST_BOUNDS } from "./rtlog-ingest";
import {
  cron,
  documentSettings,
  flag,
  iamRoleArn,
  integer,
  ipv4Cidr,
  type SettingsIssue,
} from "../shared/settings";
import { QOE_ROLLUP_BOUNDS, QOE_ROLLUP_DEFAULTS } from "../../contracts/clickhouse-users";

/** A Kubernetes CronJob schedule: five cron fields, UTC (not the AWS `cron(...)` form). */
const kubernetesCron = z.string().regex(/^[0-9A-Za-z*/,-]+(\s+[0-9A-Za-z*/,-]+){4}$/, {
  error: "expected a Kubernetes cron schedule of five fields such as 5 * * * *",
});

/** The hourly QoE rollup job: when it runs, when an hour is closed, how far back it rebuilds. */
const qoeRollupSchema = z
  .strictObject({
    /** Cron schedule (UTC) of the job. @default QOE_ROLLUP_DEFAULTS.schedule ("5 * * * *") */
    schedule: kubernetesCron.default(QOE_ROLLUP_DEFAULTS.schedule),
    /** Minutes after its end an hour is closed and built. @default QOE_ROLLUP_DEFAULTS.graceMinutes (5) */
    graceMinutes: integer(
      QOE_ROLLUP_BOUNDS.graceMinutes.min,
      QOE_ROLLUP_BOUNDS.graceMinutes.max,
    ).default(QOE_ROLLUP_DEFAULTS.graceMinutes),
    /** Hours rebuilt on every run, for late records. @default QOE_ROLLUP_DEFAULTS.lookbackHours (48) */
    lookbackHours: integer(
      QOE_ROLLUP_BOUNDS.lookbackHours.min,
      QOE_ROLLUP_BOUNDS.lookbackHours.max,
    ).default(QOE_ROLLUP_DEFAULTS.lookbackHours),
  })
  .prefault({});

/** A Karpenter node pool's limits; `cpu` and `memoryGiB` are its defaults. */
const nodePoolSchema = (cpu: number, memoryGiB: number) =>
  z
    .strictObject({
      /** Upper bound of the pool's vCPUs. */
      cpuLimit: integer(2, 10000).default(cpu),
      /** Upper bound of the pool's memory, GiB. */
      memoryLimitGiB: integer(4, 100000).default(memoryGiB),
    })
    .prefault({});

/** An ingest setting within the bounds `RtlogIngest` checks. */
const ingestInteger = (key: keyof typeof RTLOG_INGEST_BOUNDS) =>
  integer(RTLOG_INGEST_BOUNDS[key].min, RTLOG_INGEST_BOUNDS[key].max);

/**
 * The analytics cluster of a stack: the EKS cluster and who reaches its API, its nodes, ClickHouse,
 * the analytics API, the real-time-log ingest and the Glue data lake.
 */
export const analyticsSettingsSchema = z
  .strictObject({
    /** Whether the stack runs the analytics cluster. @default true */
    enabled: flag.default(true),
    /** EKS Kubernetes version, one in EKS standard support. @default DEFAULT_KUBERNETES_VERSION */
    kubernetesVersion: z
      .enum(KUBERNETES_VERSIONS, { error: `expected one of ${KUBERNETES_VERSIONS.join(", ")}` })
      .default(DEFAULT_KUBERNETES_VERSION),
    /**
     * Where `pulumi up` and `pulumi preview` run, which decides how they reach the Kubernetes API:
     * "vpc" (a runner in this stack's private subnets, through the private endpoint) or "cidrs"
     * (outside the VPC, through the public endpoint limited to publicAccessCidrs).
     * @default DEFAULT_DEPLOY_FROM ("vpc")
     */
    deployFrom: z
      .enum(["vpc", "cidrs"], {
        error:
          'expected "vpc" (a runner in the private subnets) or "cidrs" (from publicAccessCidrs)',
      })
      .default(DEFAULT_DEPLOY_FROM),
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
        /** @default SYSTEM_NODE_DEFAULTS.instanceTypes (["m7g.large"]) */
        instanceTypes: z
          .array(
            z.string().regex(/^[a-z][a-z0-9]*g[a-z0-9]*\.[a-z0-9]+$/, {
              error: "expected a Graviton (arm64) instance type such as m7g.large",
            }),
          )
          .min(1, { error: "expected at least one instance type" })
          .default(() => [...SYSTEM_NODE_DEFAULTS.instanceTypes]),
        /** @default SYSTEM_NODE_DEFAULTS.minSize (2) */
        minSize: integer(MIN_SYSTEM_NODES, 10).default(SYSTEM_NODE_DEFAULTS.minSize),
        /** @default SYSTEM_NODE_DEFAULTS.maxSize (4) */
        maxSize: integer(MIN_SYSTEM_NODES, 20).default(SYSTEM_NODE_DEFAULTS.maxSize),
      })
      .prefault({}),
    /** Karpenter's node pools and their limits. */
    nodePools: z
      .strictObject({
        /** @default 64 vCPUs, 512 GiB */
        clickhouse: nodePoolSchema(64, 512),
        /** @default 128 vCPUs, 512 GiB */
        batch: nodePoolSchema(128, 512),
        /** @default 32 vCPUs, 128 GiB */
        general: nodePoolSchema(32, 128),
      })
      .prefault({}),
    /** The ClickHouse installation. */
    clickhouse: z
      .strictObject({
        /** Shards (N) of the cluster, each with `replicas` replicas. @default 1 */
        shards: integer(CLICKHOUSE_BOUNDS.shards.min, CLICKHOUSE_BOUNDS.shards.max).default(1),
        /** Replicas (M) of each shard. @default 2 */
        replicas: integer(CLICKHOUSE_BOUNDS.replicas.min, CLICKHOUSE_BOUNDS.replicas.max).default(
          2,
        ),
        /** @default 200 */
        storageGiB: integer(CLICKHOUSE_BOUNDS.minStorageGiB, 16384).default(200),
        /** @default 2 */
        cpu: integer(1, 64).default(2),
        /** @default 16 */
        memoryGiB: integer(4, 512).default(16),
        /** @default 3 */
        keeperReplicas: z
          .union([z.literal(3), z.literal(5)], { error: "expected 3 or 5" })
          .default(3),
        /** @default "25.8" */
        version: z
          .string()
          .regex(/^\d+\.\d+$/, { error: "expected a release line such as 25.8" })
          .default("25.8"),
        /** @default 35 */
        backupRetentionDays: integer(7, 3650).default(35),
        /** Days raw events are kept, in ClickHouse and behind the API. @default 400 */
        rawRetentionDays: integer(1, 3650).default(400),
      })
      .prefault({}),
    /** The analytics API. */
    api: z
      .strictObject({
        // No image setting: the deployment builds the image from this commit and pushes it.
        /** @default 2 */
        minReplicas: integer(MIN_API_REPLICAS, 50).default(2),
        /** @default 10 */
        maxReplicas: integer(MIN_API_REPLICAS, 200).default(10),
        /** @default 70 */
        cpuTargetPercent: integer(10, 95).default(70),
        /** @default false */
        internetFacing: flag.default(false),
        /** The QoE rollup job beside the API. */
        rollup: qoeRollupSchema,
      })
      .prefault({}),
    /** The real-time-log ingest. */
    ingest: z
      .strictObject({
        /** @default 1000 */
        batchSize: ingestInteger("batchSize").default(1000),
        /** @default 5 */
        batchingWindowSeconds: ingestInteger("batchingWindowSeconds").default(5),
        /** @default 1 */
        parallelizationFactor: ingestInteger("parallelizationFactor").default(1),
        /** @default 10 */
        maximumRetryAttempts: ingestInteger("maximumRetryAttempts").default(10),
      })
      .prefault({}),
    /** The Glue data lake's ETL job and crawler. */
    lake: z
      .strictObject({
        /** @default LAKE_DEFAULTS.workerType ("G.1X") */
        workerType: z
          .enum(WORKER_TYPES, { error: 'expected "G.1X" or "G.2X"' })
          .default(LAKE_DEFAULTS.workerType),
        /** @default LAKE_DEFAULTS.workers (2) */
        workers: integer(LAKE_BOUNDS.workers.min, LAKE_BOUNDS.workers.max).default(
          LAKE_DEFAULTS.workers,
        ),
        /** @default LAKE_DEFAULTS.executionClass ("FLEX") */
        executionClass: z
          .enum(EXECUTION_CLASSES, { error: 'expected "FLEX" or "STANDARD"' })
          .default(LAKE_DEFAULTS.executionClass),
        /** @default LAKE_DEFAULTS.schedule ("cron(15 2 * * ? *)") */
        schedule: cron.default(LAKE_DEFAULTS.schedule),
        /** @default LAKE_DEFAULTS.crawlerSchedule ("cron(15 4 * * ? *)") */
        crawlerSchedule: cron.default(LAKE_DEFAULTS.crawlerSchedule),
        /** @default LAKE_DEFAULTS.timeoutMinutes (120) */
        timeoutMinutes: integer(
          LAKE_BOUNDS.timeoutMinutes.min,
          LAKE_BOUNDS.timeoutMinutes.max,
        ).default(LAKE_DEFAULTS.timeoutMinutes),
      })
      .prefault({}),
  })
  .prefault({});

/** The analytics cluster's settings, every default resolved. */
export type AnalyticsClusterSettings = z.output<typeof analyticsSettingsSchema>;

documentSettings(analyticsSettingsSchema, {
  enabled: { description: "run the analytics cluster (needs DNS)" },
  kubernetesVersion: {
    description: "EKS version, one in EKS standard support (see AnalyticsCluster)",
  },
  publicAccessCidrs: {
    description:
      "who may reach the public Kubernetes API endpoint; empty keeps the endpoint private",
    typeText: "list of IPv4 CIDRs, /16 or narrower",
  },
  adminRoleArns: {
    description: "cluster-admin access entries (the platform team)",
    typeText: "list of role ARNs",
  },
  deployFrom: {
    description:
      "where `up`/`preview` reach the API: a runner in the VPC, or `publicAccessCidrs` (needs one)",
  },
  deployRoleArn: {
    description: "the role `up` runs as: cluster-admin as the creator; not in `adminRoleArns`",
    typeText: "role ARN",
  },
  previewRoleArn: {
    description: "the role `preview` runs as: read-only entry (`AmazonEKSViewPolicy`)",
    typeText: "role ARN",
  },
  systemNodes: {
    description: "the managed node group of the cluster's controllers (Graviton only)",
    typeText: "`{ instanceTypes, minSize, maxSize }`",
    defaultText: "`m7g.large`, 2, 4",
  },
  nodePools: {
    description: "Karpenter limits per pool",
    typeText: "`{ cpuLimit, memoryLimitGiB }`",
    defaultText: "64/512, 128/512, 32/128",
    keyText: "knowledgecity:analytics.nodePools.<clickhouse|batch|general>",
  },
  clickhouse: {
    description:
      "`shards` (1-8; N shards of `replicas` replicas, Distributed tables over them), `replicas` (2-5), `storageGiB`, `cpu`, `memoryGiB`, `keeperReplicas` (3 or 5), `version`, `backupRetentionDays`, `rawRetentionDays`",
    typeText: "map",
    defaultText: "see `components/analytics/settings.ts`",
  },
  api: {
    description:
      '`minReplicas`, `maxReplicas`, `cpuTargetPercent`, `internetFacing`, `rollup` (`schedule` `"5 * * * *"`, `graceMinutes` 5, `lookbackHours` 48: the QoE rollup job); no image setting: `up` builds it',
    typeText: "map",
    defaultText: "2-10 replicas, 70 % CPU",
  },
  ingest: {
    description:
      "`batchSize`, `batchingWindowSeconds`, `parallelizationFactor`, `maximumRetryAttempts` of the stream reader",
    typeText: "map",
    defaultText: "1000, 5 s, 1, 10",
  },
  lake: {
    description:
      "the Glue job's `workerType`, `workers`, `executionClass`, `schedule`, `crawlerSchedule`, `timeoutMinutes`",
    typeText: "map",
    defaultText: "G.1X x 2, `FLEX`, daily",
  },
});

/**
 * What is wrong between the analytics settings: replica and node bounds out of order and, when the
 * cluster is on, access a deploy could not use (see `clusterAccessProblems`).
 */
export function analyticsProblems(analytics: AnalyticsClusterSettings): SettingsIssue[] {
  const problems: SettingsIssue[] = [];
  if (analytics.api.maxReplicas < analytics.api.minReplicas) {
    problems.push({
      path: ["api", "maxReplicas"],
      input: analytics.api.maxReplicas,
      message: `expected at least analytics.api.minReplicas (${analytics.api.minReplicas})`,
    });
  }
  if (analytics.enabled) {
    problems.push(...clusterAccessProblems(analytics));
  }
  if (analytics.systemNodes.maxSize < analytics.systemNodes.minSize) {
    problems.push({
      path: ["systemNodes", "maxSize"],
      input: analytics.systemNodes.maxSize,
      message: `expected at least analytics.systemNodes.minSize (${analytics.systemNodes.minSize})`,
    });
  }
  return problems;
}

/**
 * Combinations in which a deploy could not reach the Kubernetes API, or EKS would refuse an access
 * entry: a deploy from outside the VPC with a private-only endpoint; a second entry for a principal
 * that already has one (the deploy role is the cluster's creator, an admin listed twice; one
 * principal, one entry).
 * https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html
 * https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html
 */
export function clusterAccessProblems(analytics: {
  readonly deployFrom: "vpc" | "cidrs";
  readonly publicAccessCidrs: readonly string[];
  readonly adminRoleArns: readonly string[];
  readonly deployRoleArn?: string | undefined;
  readonly previewRoleArn?: string | undefined;
}): SettingsIssue[] {
  const { deployRoleArn, previewRoleArn } = analytics;
  return [
    ...(analytics.deployFrom === "cidrs" && analytics.publicAccessCidrs.length === 0
      ? [
          {
            path: ["deployFrom"],
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
              path: ["adminRoleArns", index],
              input: arn,
              message:
                "the deploy role (analytics.deployRoleArn) is cluster-admin as the cluster's creator; a second access entry for it fails: remove it here",
            },
          ]
        : arn === previewRoleArn
          ? [
              {
                path: ["adminRoleArns", index],
                input: arn,
                message:
                  "also analytics.previewRoleArn: a principal has one access entry; preview with a role that is not an admin",
              },
            ]
          : analytics.adminRoleArns.indexOf(arn) < index
            ? [
                {
                  path: ["adminRoleArns", index],
                  input: arn,
                  message: "listed twice: a principal has one access entry; remove this one",
                },
              ]
            : [],
    ),
    ...(previewRoleArn !== undefined && previewRoleArn === deployRoleArn
      ? [
          {
            path: ["previewRoleArn"],
            input: previewRoleArn,
            message: "expected a role other than analytics.deployRoleArn: previews run read-only",
          },
        ]
      : []),
  ];
}
