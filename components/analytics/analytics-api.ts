import * as dockerBuild from "@pulumi/docker-build";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { validatedCertificate } from "../shared/certificate";
import { CLICKHOUSE_CLUSTER, shardUrlsVariable, USERS_SECRET, type ClickHouse } from "./clickhouse";
import { helmRelease } from "../kubernetes/helm";
import { imageRepository, pushedImage, type ImageSource } from "../shared/image-repository";
import { placementOn } from "../kubernetes/karpenter";
import type { KubernetesCluster } from "../kubernetes/kubernetes-cluster";
import { ANALYTICS_DATABASE } from "../../contracts/analytics";
import { QOE_ROLLUP_BOUNDS, QOE_ROLLUP_DEFAULTS } from "../../contracts/clickhouse-users";

/**
 * Fewest API replicas: two, so a rollout or a lost node leaves one serving. The analytics
 * settings' schema and `AnalyticsApi` both check it.
 */
export const MIN_API_REPLICAS = 2;

/** How the API runs. */
export interface AnalyticsApiSettings {
  /** At least MIN_API_REPLICAS. @default 2 */
  readonly minReplicas: number;
  /** At least minReplicas. @default 10 */
  readonly maxReplicas: number;
  /** CPU utilisation the autoscaler aims for. @default 70 */
  readonly cpuTargetPercent: number;
  /** Whether the ALB faces the internet (else reachable from the VPC only). @default false */
  readonly internetFacing: boolean;
  /** Days raw playback rows are kept, where the server supports TTL. @default 400 */
  readonly rawRetentionDays: number;
  /**
   * The hourly QoE rollup job (a CronJob of the chart, as the `rollup` ClickHouse user).
   * @default QOE_ROLLUP_DEFAULTS (every hour at minute 5, 5 minutes' grace, 48 hours rebuilt)
   */
  readonly rollup?: QoeRollupSettings;
}

/** When the QoE rollup job runs and what it rebuilds. */
export interface QoeRollupSettings {
  /** Cron schedule (UTC), five fields. @default "5 * * * *" */
  readonly schedule: string;
  /** Minutes after its end an hour is closed and built. @default 5 */
  readonly graceMinutes: number;
  /** Hours before the last built one rebuilt on every run (late records). @default 48 */
  readonly lookbackHours: number;
}

/** Arguments of `AnalyticsApi`. */
export interface AnalyticsApiArgs {
  /** The EKS cluster the release goes to: its provider, and what makes it ready. */
  readonly cluster: Pick<KubernetesCluster, "provider" | "ready">;
  /**
   * The ClickHouse installation: its users' passwords, its in-cluster URL, each shard's servers
   * (where the QoE rollup job builds each shard's rollups) and its release.
   */
  readonly clickhouse: {
    readonly passwords: Pick<ClickHouse["passwords"], "api" | "migrator" | "rollup">;
    readonly internalUrl: string;
    readonly shardUrls: ClickHouse["shardUrls"];
    readonly release: pulumi.Resource;
  };
  /** Replicas, scaling and exposure of the API. */
  readonly settings: AnalyticsApiSettings;
  /** `analytics.<label>.<domain>`. */
  readonly hostname: string;
  /** The public hosted zone the hostname's record goes into. */
  readonly hostedZoneId: pulumi.Input<string>;
  /** KMS key of the image repository (the stack's content key). */
  readonly imageKeyArn: pulumi.Input<string>;
  /** What the release waits for: the load balancer controller, DNS, node pools. */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
  /** The data lake, loaded into ClickHouse every night; no loader without it. @default undefined */
  readonly lake?: {
    readonly bucketName: pulumi.Input<string>;
    readonly region: string;
    readonly curatedPrefix: string;
  };
}

/** What is wrong with the rollup job's settings: each bound of QOE_ROLLUP_BOUNDS it breaks. */
function rollupProblems(rollup: QoeRollupSettings): string[] {
  return (["graceMinutes", "lookbackHours"] as const).flatMap((key) => {
    const { min, max } = QOE_ROLLUP_BOUNDS[key];
    const value = rollup[key];
    return Number.isInteger(value) && value >= min && value <= max
      ? []
      : [`rollup.${key} = ${value}: an integer from ${min} to ${max}`];
  });
}

/** The namespace of the API. */
export const ANALYTICS_NAMESPACE = "analytics";

/**
 * The API's image: the service, its migrations Job and the lake loader, built for the Graviton
 * (arm64) nodes of the general NodePool from the folders its bundles import (a test bundles the
 * entry points and fails on any file read from outside this list).
 */
export const ANALYTICS_API_IMAGE: ImageSource = {
  dockerfile: "functions/analytics/analytics-api/Dockerfile",
  include: [
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "functions/analytics/analytics-api",
    "functions/analytics/clickhouse",
    "functions/shared",
    "contracts",
  ],
  platforms: [dockerBuild.Platform.Linux_arm64],
};

/**
 * Why `value` is not the digest of a pushed image (`sha256:<64 hex>`, as the chart's schema
 * requires), or undefined when it is one.
 */
export function imageDigestProblem(value: string): string | undefined {
  return /^sha256:[a-f0-9]{64}$/.test(value)
    ? undefined
    : `image digest = ${JSON.stringify(value)}: expected sha256:<64 hex> of the image pushed to the repository`;
}

/**
 * The analytics API on the cluster: its ECR repository (scan on push, immutable tags, KMS,
 * lifecycle), its image built from this repository and pushed there by the deployment (through a
 * docker-build provider of its own, which logs in to the registry with the Docker credentials of
 * the machine that deploys), its namespace and the Secret with its and the migrator's ClickHouse
 * passwords (and the rollup job's), and `charts/analytics-api` at the image's digest, installed only
 * once the image is pushed (Deployment with probes and anti-affinity on the general NodePool,
 * Service, HPA on CPU, PDB, the migrations hook Job, the hourly QoE rollup CronJob, and an HTTPS
 * Ingress that the load balancer controller turns into an ALB with the certificate of `hostname`).
 */
export class AnalyticsApi extends pulumi.ComponentResource {
  public readonly repositoryUrl: pulumi.Output<string>;
  /** The deployed image, `<repositoryUrl>@sha256:<digest>`. */
  public readonly imageRef: pulumi.Output<string>;
  public readonly url: string;
  public readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: AnalyticsApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:analytics:AnalyticsApi", name, {}, opts);
    const { settings } = args;
    const problems = [
      ...(settings.minReplicas < MIN_API_REPLICAS
        ? [`minReplicas = ${settings.minReplicas}: at least ${MIN_API_REPLICAS}`]
        : []),
      ...(settings.maxReplicas < settings.minReplicas
        ? [`maxReplicas = ${settings.maxReplicas}: at least minReplicas`]
        : []),
      ...rollupProblems(settings.rollup ?? QOE_ROLLUP_DEFAULTS),
    ];
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }
    this.url = `https://${args.hostname}`;
    const rollup = settings.rollup ?? QOE_ROLLUP_DEFAULTS;

    const repository = imageRepository(
      `${name}-image`,
      { repositoryName: "knowledgecity/analytics-api", kmsKeyArn: args.imageKeyArn },
      this,
    );
    this.repositoryUrl = repository.repositoryUrl;
    const builder = new dockerBuild.Provider(`${name}-image-builder`, {}, { parent: this });
    const image = pushedImage(
      `${name}-image`,
      { repository, source: ANALYTICS_API_IMAGE, provider: builder },
      this,
    );
    // A build that pushed nothing has no digest: stop here rather than install a chart whose
    // migrations Job waits ten minutes on an image that does not exist.
    const digest = image.digest.apply((value) => {
      const problem = imageDigestProblem(value);
      if (problem !== undefined) {
        throw new pulumi.ResourceError(problem, this);
      }
      return value;
    });
    this.imageRef = pulumi.interpolate`${repository.repositoryUrl}@${digest}`;

    const k8sOptions = {
      parent: this,
      provider: args.cluster.provider,
      dependsOn: args.cluster.ready,
    };
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: ANALYTICS_NAMESPACE,
          labels: { "pod-security.kubernetes.io/enforce": "restricted" },
        },
      },
      k8sOptions,
    );
    const secret = new k8s.core.v1.Secret(
      `${name}-clickhouse`,
      {
        metadata: { name: USERS_SECRET, namespace: ANALYTICS_NAMESPACE },
        type: "Opaque",
        stringData: {
          api: args.clickhouse.passwords.api,
          migrator: args.clickhouse.passwords.migrator,
          rollup: args.clickhouse.passwords.rollup,
        },
      },
      { ...k8sOptions, dependsOn: [namespace] },
    );
    const certificateArn = validatedCertificate(
      `${name}-tls`,
      { hostnames: [args.hostname], hostedZoneId: args.hostedZoneId },
      this,
    );
    const placement = placementOn("general");
    this.release = helmRelease(
      "analytics-api",
      {
        source: { local: "analytics-api" },
        namespace: ANALYTICS_NAMESPACE,
        provider: args.cluster.provider,
        // The image first: the chart's pre-install migrations Job runs it.
        dependsOn: [image, secret, args.clickhouse.release, ...args.dependsOn],
        values: {
          image: { repository: repository.repositoryUrl, digest },
          serviceAccount: { name: "analytics-api" },
          clickhouse: {
            url: args.clickhouse.internalUrl,
            database: ANALYTICS_DATABASE,
            username: "api",
            passwordSecret: { name: USERS_SECRET, key: "api" },
            migrator: {
              username: "migrator",
              passwordSecret: { name: USERS_SECRET, key: "migrator" },
              cluster: CLICKHOUSE_CLUSTER,
              rawRetentionDays: settings.rawRetentionDays,
            },
            rollup: {
              username: "rollup",
              passwordSecret: { name: USERS_SECRET, key: "rollup" },
            },
          },
          autoscaling: {
            minReplicas: settings.minReplicas,
            maxReplicas: settings.maxReplicas,
            targetCPUUtilizationPercentage: settings.cpuTargetPercent,
          },
          ingress: {
            enabled: true,
            host: args.hostname,
            certificateArn,
            scheme: settings.internetFacing ? "internet-facing" : "internal",
            deletionProtection: true,
          },
          lakeLoader:
            args.lake === undefined
              ? { enabled: false }
              : {
                  enabled: true,
                  bucket: args.lake.bucketName,
                  region: args.lake.region,
                  prefix: args.lake.curatedPrefix,
                },
          // Always the shards' servers: migration 8 makes the tables Distributed on every
          // installation (one shard included), and the job builds in each shard's tables.
          qoeRollup: {
            enabled: true,
            ...rollup,
            shardUrls: shardUrlsVariable(args.clickhouse.shardUrls),
          },
          nodeSelector: placement.nodeSelector,
          tolerations: placement.tolerations,
        },
      },
      this,
    );
    this.registerOutputs({
      repositoryUrl: this.repositoryUrl,
      imageRef: this.imageRef,
      url: this.url,
    });
  }
}
