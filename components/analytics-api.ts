import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { validatedCertificate } from "./certificate";
import { CLICKHOUSE_CLUSTER, USERS_SECRET, type ClickHouse } from "./clickhouse";
import { helmRelease } from "./helm";
import { imageRepository } from "./image-repository";
import { placementOn } from "./karpenter";
import type { KubernetesCluster } from "./kubernetes-cluster";
import { ANALYTICS_DATABASE } from "../functions/clickhouse/tables";

/** How the API runs. */
export interface AnalyticsApiSettings {
  /** Image tag in the service's ECR repository (immutable tags). */
  readonly imageTag: string;
  /** @default 2 */
  readonly minReplicas: number;
  /** @default 10 */
  readonly maxReplicas: number;
  /** CPU utilisation the autoscaler aims for. @default 70 */
  readonly cpuTargetPercent: number;
  /** Whether the ALB faces the internet (else reachable from the VPC only). @default false */
  readonly internetFacing: boolean;
  /** Days raw playback rows are kept, where the server supports TTL. @default 400 */
  readonly rawRetentionDays: number;
}

/** Arguments of `AnalyticsApi`. */
export interface AnalyticsApiArgs {
  readonly cluster: KubernetesCluster;
  readonly clickhouse: ClickHouse;
  readonly settings: AnalyticsApiSettings;
  /** `analytics.<label>.<domain>`. */
  readonly hostname: string;
  readonly hostedZoneId: pulumi.Input<string>;
  /** KMS key of the image repository (the stack's content key). */
  readonly imageKeyArn: pulumi.Input<string>;
  /** What the release waits for: the load balancer controller, DNS, node pools. */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
  /** The data lake, loaded into ClickHouse every night; no loader without it. */
  readonly lake?: {
    readonly bucketName: pulumi.Input<string>;
    readonly region: string;
    readonly curatedPrefix: string;
  };
}

/** The namespace of the API. */
export const ANALYTICS_NAMESPACE = "analytics";

/**
 * The analytics API on the cluster: its ECR repository (scan on push, immutable tags, KMS,
 * lifecycle), its namespace and the Secret with its and the migrator's ClickHouse passwords, and
 * `charts/analytics-api` (Deployment with probes and anti-affinity on the general NodePool,
 * Service, HPA on CPU, PDB, the migrations hook Job, and an HTTPS Ingress that the load balancer
 * controller turns into an ALB with the certificate of `hostname`).
 */
export class AnalyticsApi extends pulumi.ComponentResource {
  public readonly repositoryUrl: pulumi.Output<string>;
  public readonly url: string;
  public readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: AnalyticsApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:analytics:AnalyticsApi", name, {}, opts);
    const { settings } = args;
    const problems = [
      ...(settings.minReplicas < 2 ? [`minReplicas = ${settings.minReplicas}: at least 2`] : []),
      ...(settings.maxReplicas < settings.minReplicas
        ? [`maxReplicas = ${settings.maxReplicas}: at least minReplicas`]
        : []),
      ...(!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(settings.imageTag) ||
      settings.imageTag === "latest"
        ? [`imageTag = ${settings.imageTag}: a release tag, never "latest"`]
        : []),
    ];
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }
    this.url = `https://${args.hostname}`;

    const repository = imageRepository(
      `${name}-image`,
      { repositoryName: "knowledgecity/analytics-api", kmsKeyArn: args.imageKeyArn },
      this,
    );
    this.repositoryUrl = repository.repositoryUrl;

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
        dependsOn: [secret, args.clickhouse.release, ...args.dependsOn],
        values: {
          image: { repository: repository.repositoryUrl, tag: settings.imageTag },
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
          nodeSelector: placement.nodeSelector,
          tolerations: placement.tolerations,
        },
      },
      this,
    );
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, url: this.url });
  }
}
