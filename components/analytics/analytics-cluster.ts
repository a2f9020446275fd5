import * as pulumi from "@pulumi/pulumi";
import { AnalyticsApi, type AnalyticsApiSettings } from "./analytics-api";
import { ClickHouse, type ClickHouseSettings } from "./clickhouse";
import type { AwsContext } from "../shared/context";
import type { DataKeys } from "../security/data-keys";
import { DataLake, type DataLakeEtlSettings } from "./data-lake";
import type {
  KubernetesPlatform,
  KubernetesPlatformSettings,
} from "../kubernetes/kubernetes-platform";
import type { LogRetentionDays } from "../shared/logs";
import type { PrometheusSettings } from "../operations/prometheus";
import { RtlogIngest, type RtlogIngestSettings } from "./rtlog-ingest";

/** The type token of `AnalyticsCluster`. */
export const ANALYTICS_CLUSTER_TYPE = "knowledgecity:analytics:AnalyticsCluster";

/** One scrape target of Prometheus. */
export type PodMonitorTarget = PrometheusSettings["podMonitors"][number];

/**
 * Everything the analytics cluster is configured with: the EKS platform it runs on (configured
 * under `analytics` in the stack files, where it was born) and its own parts.
 */
export interface AnalyticsSettings extends KubernetesPlatformSettings {
  readonly clickhouse: ClickHouseSettings;
  readonly api: AnalyticsApiSettings;
  readonly ingest: RtlogIngestSettings;
  readonly lake: DataLakeEtlSettings & { readonly crawlerSchedule?: string };
}

/** Arguments of `AnalyticsCluster`. */
export interface AnalyticsClusterArgs {
  readonly context: AwsContext;
  readonly stack: string;
  readonly keys: DataKeys;
  readonly settings: AnalyticsSettings;
  /** The EKS platform the cluster's workloads run on. */
  readonly platform: KubernetesPlatform;
  readonly network: {
    readonly vpcId: pulumi.Input<string>;
    readonly cidr: string;
    readonly privateSubnetIds: pulumi.Input<string[]>;
  };
  readonly dns: {
    readonly domain: string;
    readonly regionLabel: string;
    readonly hostedZoneId: pulumi.Input<string>;
  };
  /** The VideoPipeline's real-time log stream; no ingest without it. */
  readonly playbackLogStreamArn?: pulumi.Input<string>;
  /** Roles that export learning events into the lake (the monolith's). */
  readonly exportWriterRoleArns?: readonly pulumi.Input<string>[];
  readonly logRetentionDays?: LogRetentionDays;
}

/**
 * The seed's analytics microservice, on the region's EKS platform: ClickHouse by the Altinity
 * operator; the analytics API; the real-time-log ingest from the video pipeline's stream; and the
 * Glue data lake that turns the monolith's exported learning events into Parquet for ClickHouse
 * and analysts.
 */
export class AnalyticsCluster extends pulumi.ComponentResource {
  /** What Prometheus scrapes here: ClickHouse, Keeper and the analytics API. */
  public readonly podMonitors: readonly PodMonitorTarget[] = [
    {
      name: "clickhouse",
      namespace: "clickhouse",
      matchLabels: {
        "app.kubernetes.io/name": "clickhouse",
        "app.kubernetes.io/instance": "clickhouse",
        "app.kubernetes.io/component": "server",
      },
      port: "metrics",
      path: "/metrics",
    },
    {
      name: "clickhouse-keeper",
      namespace: "clickhouse",
      matchLabels: {
        "app.kubernetes.io/name": "clickhouse",
        "app.kubernetes.io/instance": "clickhouse",
        "app.kubernetes.io/component": "keeper",
      },
      port: "metrics",
      path: "/metrics",
    },
    {
      name: "analytics-api",
      namespace: "analytics",
      matchLabels: {
        "app.kubernetes.io/name": "analytics-api",
        "app.kubernetes.io/instance": "analytics-api",
      },
      port: "http",
      path: "/metrics",
    },
  ];
  public readonly clickhouse: ClickHouse;
  public readonly api: AnalyticsApi;
  public readonly lake: DataLake;
  public readonly ingest?: RtlogIngest;

  constructor(name: string, args: AnalyticsClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ANALYTICS_CLUSTER_TYPE, name, {}, opts);
    const { context, settings, network, dns } = args;
    const parent = { parent: this };

    const { cluster, karpenter, loadBalancerController, externalDns } = args.platform;
    this.lake = new DataLake(
      `${name}-lake`,
      {
        context,
        stack: args.stack,
        dataKeyArn: args.keys.keyArns["user-data"],
        // Its log groups wait for the telemetry key's policy (which names nothing of the lake);
        // the user-data key's policy names the lake's roles and bucket, so that ARN cannot wait.
        telemetryKeyArn: args.keys.policyReadyKeyArns.telemetry,
        keys: args.keys,
        ...(args.exportWriterRoleArns === undefined
          ? {}
          : { exportWriterRoleArns: args.exportWriterRoleArns }),
        etl: settings.lake,
        ...(settings.lake.crawlerSchedule === undefined
          ? {}
          : { crawlerSchedule: settings.lake.crawlerSchedule }),
        ...(args.logRetentionDays === undefined ? {} : { logRetentionDays: args.logRetentionDays }),
      },
      parent,
    );
    this.clickhouse = new ClickHouse(
      `${name}-clickhouse`,
      {
        context,
        stack: args.stack,
        cluster,
        keys: args.keys,
        settings: settings.clickhouse,
        vpcId: network.vpcId,
        vpcCidr: network.cidr,
        privateSubnetIds: network.privateSubnetIds,
        hostname: `clickhouse.${dns.regionLabel}.${dns.domain}`,
        hostedZoneId: dns.hostedZoneId,
        dependsOn: [karpenter.nodePools.clickhouse, loadBalancerController.release],
        lake: { bucketArn: this.lake.bucketArn, curatedPrefix: this.lake.curatedPrefix },
      },
      parent,
    );
    this.api = new AnalyticsApi(
      `${name}-api`,
      {
        cluster,
        clickhouse: this.clickhouse,
        settings: settings.api,
        hostname: `analytics.${dns.regionLabel}.${dns.domain}`,
        hostedZoneId: dns.hostedZoneId,
        imageKeyArn: args.keys.keyArns.content,
        dependsOn: [
          loadBalancerController.release,
          externalDns.release,
          karpenter.nodePools.general,
        ],
        lake: {
          bucketName: this.lake.bucketName,
          region: context.region,
          curatedPrefix: this.lake.curatedPrefix,
        },
      },
      parent,
    );
    if (args.playbackLogStreamArn !== undefined) {
      this.ingest = new RtlogIngest(
        `${name}-rtlog`,
        {
          context,
          settings: settings.ingest,
          streamArn: args.playbackLogStreamArn,
          telemetryKeyArn: args.keys.policyReadyKeyArns.telemetry,
          userDataKeyArn: args.keys.keyArns["user-data"],
          clickhouse: this.clickhouse,
          deadLetterBucketName: this.lake.bucketName,
          deadLetterBucketArn: this.lake.bucketArn,
          deadLetterPrefix: this.lake.deadLetterPrefix,
          vpcId: network.vpcId,
          privateSubnetIds: network.privateSubnetIds,
          ...(args.logRetentionDays === undefined
            ? {}
            : { logRetentionDays: args.logRetentionDays }),
        },
        parent,
      );
    }
    this.registerOutputs({
      clickhouseUrl: this.clickhouse.url,
      apiUrl: this.api.url,
      lakeBucket: this.lake.bucketName,
    });
  }
}
