import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PLATFORM_TYPE } from "../policy/rules/vocabulary";
import { AnalyticsCluster, type AnalyticsSettings } from "./analytics/analytics-cluster";
import { Compliance, type BackupSettings } from "./security/compliance";
import type { AwsContext } from "./shared/context";
import { DataKeys } from "./security/data-keys";
import { apiHostnames, GeoDns } from "./edge/geo-dns";
import { GlobalEdge } from "./edge/global-edge";
import { HomeRegion, type HomeRegionArgs } from "./data/home-region";
import { serviceLinkedRoleArns, type AccountSettingSource } from "./shared/iam";
import { volumeLauncherKeyUsers } from "./security/key-policies";
import type { LogRetentionDays } from "./shared/logs";
import { Monolith } from "./app/monolith";
import type { MonolithBackends, MonolithUserStore } from "./app/monolith-runtime";
import { Microservices, type MicroservicesArgs } from "./services/microservices";
import { Network } from "./network/network";
import type { NodeFunction } from "./shared/node-function";
import { Observability, type AlarmThresholds } from "./operations/observability";
import { platformSignals } from "./operations/platform-signals";
import { Tokenization } from "./security/tokenization";
import { UserDataStore, type AuroraEngine, type AuroraSecondary } from "./data/user-data-store";
import { VideoPipeline, type LadderRung, type RawUploadPolicy } from "./video/video-pipeline";
import type { VideoTaskSettings } from "./video/video-tasks";

/** Network settings of a region. */
export interface RegionalNetworkSettings {
  /** IPv4 CIDR of the VPC. */
  readonly cidr: string;
  /** Interface endpoints. @default DEFAULT_INTERFACE_ENDPOINTS */
  readonly interfaceEndpoints?: readonly string[];
  /** Retention of VPC flow logs. @default 365 */
  readonly flowLogRetentionDays?: LogRetentionDays;
}

/** The user store of a region, as the stack's config chooses it. */
export type RegionalUserStoreSettings =
  | {
      readonly kind: "aurora";
      readonly engine?: AuroraEngine;
      readonly engineVersion?: string;
      readonly instanceClass?: string;
      readonly backupRetentionDays?: number;
      /**
       * Secondary clusters of the global database, by region (each in the allowed regions): each
       * gets an isolated-only VPC of this stack there, the user-data key's replica and a telemetry
       * key for its flow logs. @default {}
       */
      readonly secondaries?: Readonly<Record<string, AuroraSecondarySettings>>;
    }
  | {
      readonly kind: "dynamodb";
      /** Providers of the replica regions, each in the allowed regions. @default {} */
      readonly replicaProviders?: Readonly<Record<string, aws.Provider>>;
    };

/** Where an Aurora secondary region's network goes. */
export interface AuroraSecondarySettings {
  /** The region's provider. */
  readonly provider: aws.Provider;
  /** CIDR of this stack's VPC in that region; it must overlap no other VPC of the platform. */
  readonly cidr: string;
  /** Zones of that region to span, in slot order. */
  readonly availabilityZones: readonly string[];
}

/** DNS of a region in the shared hosted zone. */
export interface RegionalDnsSettings {
  /** Whether the stack writes its records; when off, `monolith.certificateArn` is required. */
  readonly enabled: boolean;
  readonly domain: string;
  readonly hostedZoneId?: string;
  /** Label of the explicit hostname `api.<label>.<domain>`. */
  readonly regionLabel: string;
  readonly countries: readonly string[];
  readonly isDefault: boolean;
}

/** The monolith of a region (see `MonolithArgs` for each setting's default). */
export interface RegionalMonolithSettings {
  /** Amazon Linux 2023 arm64 image, resolved from the public SSM parameter. */
  readonly imageId: string;
  readonly instanceType: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity?: number;
  readonly cpuTargetPercent: number;
  readonly memoryTargetPercent: number;
  readonly healthCheckPath: string;
  readonly rateLimitPerFiveMinutes: number;
  readonly certificateArn?: string;
}

/** The global edge, hosted by the primary stack only. */
export interface GlobalEdgeSettings {
  /** Provider for what AWS requires in us-east-1 (the CloudFront certificate and WAF). */
  readonly usEast1Provider: aws.Provider;
  /** @default 2000 */
  readonly rateLimitPerFiveMinutes?: number;
  /** @default 3600 */
  readonly courseContentTtlSeconds?: number;
}

/** The video pipeline of a region (see `VideoPipelineArgs` for each setting). */
export interface RegionalVideoSettings {
  readonly ladder?: readonly LadderRung[];
  readonly maxUploadBytes: number;
  readonly rawUploads: RawUploadPolicy;
  readonly infrequentAccessAfterDays: number;
  readonly intelligentTieringAfterDays: number;
  readonly realtimeLogSamplingRate: number;
  readonly playbackSessionSeconds: number;
  readonly maxConcurrentSubmissions: number;
  readonly tasks: readonly VideoTaskSettings[];
}

/** The microservices platform of a region (see `MicroservicesArgs` for each setting). */
export type RegionalMicroservicesSettings = Pick<
  MicroservicesArgs,
  "jwt" | "throttle" | "quota" | "consul" | "services"
>;

/** What the region's alarms and Prometheus are set to. */
export interface RegionalObservabilitySettings {
  readonly alertEmails: readonly string[];
  readonly thresholds: AlarmThresholds;
  readonly prometheus: { readonly retentionDays: number; readonly storageGiB: number };
}

/** Home-region pinning. */
export interface HomeRegionSettings {
  /** Every home region and its explicit API hostname (the same map in every stack). */
  readonly hostnames: Readonly<Record<string, string>>;
  /** Every home region's geolocation (the same map in every stack): where sign-ups are kept. */
  readonly geolocation: HomeRegionArgs["geolocation"];
  /** Providers of the other home regions: the primary stack replicates the directory there. */
  readonly replicaProviders?: Readonly<Record<string, aws.Provider>>;
}

/**
 * Account-level settings, which exist once per account (IAM) or once per account and region: each
 * is either created by this stack (a fresh account) or the account's own is used (a landing zone
 * such as Control Tower made it). See the README's "Adopting existing account-level settings".
 */
export interface AccountSetupSettings {
  /** AWS Config recorder, delivery channel and recording status of the region. @default "create" */
  readonly configRecorder?: AccountSettingSource;
  /** AWS Backup's region settings (opted-in resource types). @default "create" */
  readonly backupRegionSettings?: AccountSettingSource;
  /**
   * The Auto Scaling and EC2 Spot service-linked roles the user-data key policy names (IAM, so
   * one stack per account creates them). @default "create" in the primary stack, else "existing"
   */
  readonly serviceLinkedRoles?: AccountSettingSource;
}

/** Arguments of `RegionalPlatform`. */
export interface RegionalPlatformArgs {
  /** Account and region. */
  readonly context: AwsContext;
  /** Stack name, used in aliases and descriptions. */
  readonly stack: string;
  /** ISO code of the jurisdiction whose law governs this region's user data. */
  readonly jurisdiction: string;
  /** Regions where this region's user data, replicas and backups may live. */
  readonly allowedRegions: readonly string[];
  /** Whether this stack records the account's global resources in AWS Config. */
  readonly primary: boolean;
  /**
   * Where each jurisdiction's user data may live (jurisdiction code -> regions), for the primary
   * stack's account-wide residency audit, which judges every region's user data by it.
   * @default this stack's jurisdiction and allowed regions only
   */
  readonly jurisdictionRegions?: Readonly<Record<string, readonly string[]>>;
  /** Zones the region's network spans, in slot order. */
  readonly availabilityZones: readonly string[];
  /** The VPC. */
  readonly network: RegionalNetworkSettings;
  /** The residency-bound user store. */
  readonly userStore: RegionalUserStoreSettings;
  /** Backups of the user store. @default see BackupSettings */
  readonly backup?: BackupSettings;
  /** DNS names and geolocation routing. */
  readonly dns: RegionalDnsSettings;
  /** The PHP monolith. */
  readonly monolith: RegionalMonolithSettings;
  /** Default log retention. @default 365 */
  readonly logRetentionDays?: LogRetentionDays;
  /**
   * The global edge (primary stack only). It is composed here, not beside the platform, because
   * its bucket uses this region's content key, whose policy names CloudFront before it is sealed.
   */
  readonly globalEdge?: GlobalEdgeSettings;
  /** Home-region pinning; the primary stack also owns the shared directory. */
  readonly homeRegion?: HomeRegionSettings;
  /** The video pipeline; off when absent. */
  readonly video?: RegionalVideoSettings;
  /** The analytics cluster; off when absent. */
  readonly analytics?: AnalyticsSettings;
  /** The microservices platform on the analytics cluster; off when absent. */
  readonly microservices?: RegionalMicroservicesSettings;
  /** Alarms, dashboards and (with the analytics cluster) Prometheus. */
  readonly observability: RegionalObservabilitySettings;
  /** Provider of us-east-1, for what CloudFront needs there (the video CDN's certificate). */
  readonly usEast1Provider: aws.Provider;
  /** Account-level settings: created here or the account's own. @default see AccountSetupSettings */
  readonly accountSetup?: AccountSetupSettings;
}

/**
 * Everything one region runs: its keys, network, residency-bound user store, PII tokenization and
 * compliance audit; the monolith, video pipeline, analytics cluster, microservices platform and
 * observability. Every region gets the same platform; only its settings differ.
 *
 * The residency settings (stack, allowed regions) are also registered as this component's
 * outputs: the engine hands a stack policy each resource's outputs, so that is where the
 * CrossGuard pack reads them.
 */
export class RegionalPlatform extends pulumi.ComponentResource {
  public readonly keys: DataKeys;
  public readonly network: Network;
  public readonly monolith: Monolith;
  public readonly dns?: GeoDns;
  public readonly userStore: UserDataStore;
  public readonly tokenization: Tokenization;
  public readonly compliance: Compliance;
  public readonly edge?: GlobalEdge;
  public readonly homeRegion?: HomeRegion;
  public readonly video?: VideoPipeline;
  public readonly analytics?: AnalyticsCluster;
  public readonly observability: Observability;
  public readonly microservices?: Microservices;

  constructor(name: string, args: RegionalPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      PLATFORM_TYPE,
      name,
      {
        stack: args.stack,
        region: args.context.region,
        jurisdiction: args.jurisdiction,
        allowedRegions: [...args.allowedRegions],
      },
      opts,
    );
    const { context } = args;
    const parent = { parent: this };
    const secondaries = args.userStore.kind === "aurora" ? (args.userStore.secondaries ?? {}) : {};
    const secondaryProviders = Object.fromEntries(
      Object.entries(secondaries).map(([region, secondary]) => [region, secondary.provider]),
    );
    const replicaProviders =
      args.userStore.kind === "dynamodb"
        ? (args.userStore.replicaProviders ?? {})
        : secondaryProviders;

    this.keys = new DataKeys(
      `${name}-keys`,
      {
        context,
        stack: args.stack,
        userDataReplicaRegions: replicaProviders,
        telemetryRegions: secondaryProviders,
      },
      parent,
    );
    // The service-linked roles the user-data key policy names must exist before it is written.
    const serviceRoles = serviceLinkedRoleArns(
      `${name}-account`,
      args.accountSetup?.serviceLinkedRoles ?? (args.primary ? "create" : "existing"),
      ["autoScaling", ...(args.analytics === undefined ? [] : (["ec2Spot"] as const))],
      parent,
    );
    this.network = new Network(
      `${name}-network`,
      {
        context,
        cidr: args.network.cidr,
        availabilityZones: args.availabilityZones,
        // Log groups: CloudWatch Logs checks the key policy when it creates one.
        flowLogsKmsKeyArn: this.keys.policyReadyKeyArns.telemetry,
        interfaceEndpoints: args.network.interfaceEndpoints,
        flowLogRetentionDays: args.network.flowLogRetentionDays,
      },
      parent,
    );
    // An Aurora secondary's network: isolated subnets only, through its region's provider.
    const secondaryStores = Object.fromEntries(
      Object.entries(secondaries).map(([region, secondary]) => {
        const network = new Network(
          `${name}-network-${region}`,
          {
            context: { ...context, region },
            cidr: secondary.cidr,
            availabilityZones: secondary.availabilityZones,
            isolatedOnly: true,
            flowLogsKmsKeyArn: this.keys.regionalTelemetryKeyArns[region] ?? missingKey(region),
            flowLogRetentionDays: args.network.flowLogRetentionDays,
          },
          { parent: this, providers: [secondary.provider] },
        );
        const store: AuroraSecondary = {
          provider: secondary.provider,
          availabilityZones: secondary.availabilityZones,
          vpcId: network.vpcId,
          subnetIds: network.isolatedSubnetIds,
          userDataKeyArn: this.keys.userDataReplicaKeyArns[region] ?? missingKey(region),
        };
        return [region, store] as const;
      }),
    );
    const common = {
      context,
      allowedRegions: args.allowedRegions,
      userDataKeyArn: this.keys.keyArns["user-data"],
    };
    this.userStore = new UserDataStore(
      `${name}-users`,
      args.userStore.kind === "dynamodb"
        ? { ...common, kind: "dynamodb", replicaKeyArns: this.keys.userDataReplicaKeyArns }
        : {
            ...common,
            kind: "aurora",
            engine: args.userStore.engine,
            engineVersion: args.userStore.engineVersion,
            instanceClass: args.userStore.instanceClass,
            backupRetentionDays: args.userStore.backupRetentionDays,
            functionKeyArn: this.keys.policyReadyKeyArns.telemetry,
            vpcCidr: this.network.cidr,
            availabilityZones: args.availabilityZones,
            vpcId: this.network.vpcId,
            subnetIds: this.network.isolatedSubnetIds,
            replicaRegions: Object.keys(secondaryStores),
            secondaries: secondaryStores,
          },
      parent,
    );
    this.tokenization = new Tokenization(
      `${name}-pii`,
      { context, stack: args.stack, keys: this.keys, vault: this.userStore.tokenVault },
      parent,
    );
    // Only the vault's functions reach the vault's items, whatever other roles' policies allow.
    this.userStore.restrictVault({
      tokenize: this.tokenization.tokenizeFunction.roleArn,
      detokenize: this.tokenization.detokenizeFunction.roleArn,
    });
    this.compliance = new Compliance(
      `${name}-compliance`,
      {
        context,
        stack: args.stack,
        allowedRegions: args.allowedRegions,
        recordGlobalResources: args.primary,
        telemetryKeyArn: this.keys.policyReadyKeyArns.telemetry,
        userDataKeyArn: this.keys.keyArns["user-data"],
        backupResourceArns: this.userStore.resourceArns,
        backup: args.backup,
        configRecorder: args.accountSetup?.configRecorder ?? "create",
        backupRegionSettings: args.accountSetup?.backupRegionSettings ?? "create",
        ...(args.homeRegion === undefined
          ? {}
          : { homeRegions: Object.keys(args.homeRegion.hostnames).sort() }),
        // The primary stack audits the whole account, every region, through an aggregator.
        ...(args.primary
          ? {
              accountAggregator: {
                jurisdictionRegions: args.jurisdictionRegions ?? {
                  [args.jurisdiction]: args.allowedRegions,
                },
              },
            }
          : {}),
      },
      parent,
    );
    if (args.video !== undefined) {
      if (args.dns.hostedZoneId === undefined) {
        throw new pulumi.ResourceError("the video pipeline needs DNS for its CDN's hostname", this);
      }
      this.video = new VideoPipeline(
        `${name}-video`,
        {
          context,
          stack: args.stack,
          keys: this.keys,
          domain: args.dns.domain,
          hostname: `video.${args.dns.regionLabel}.${args.dns.domain}`,
          hostedZoneId: args.dns.hostedZoneId,
          usEast1Provider: args.usEast1Provider,
          logRetentionDays: args.logRetentionDays,
          ...args.video,
          network: { vpcId: this.network.vpcId, privateSubnetIds: this.network.privateSubnetIds },
        },
        parent,
      );
    }
    if (args.globalEdge !== undefined) {
      if (!args.primary || args.dns.hostedZoneId === undefined) {
        throw new pulumi.ResourceError(
          "only the primary stack, with DNS, hosts the global edge",
          this,
        );
      }
      this.edge = new GlobalEdge(
        `${name}-edge`,
        {
          context,
          stack: args.stack,
          domain: args.dns.domain,
          hostedZoneId: args.dns.hostedZoneId,
          keys: this.keys,
          usEast1Provider: args.globalEdge.usEast1Provider,
          rateLimitPerFiveMinutes: args.globalEdge.rateLimitPerFiveMinutes,
          courseContentTtlSeconds: args.globalEdge.courseContentTtlSeconds,
        },
        parent,
      );
    }
    if (args.homeRegion !== undefined) {
      this.homeRegion = new HomeRegion(
        `${name}-home-region`,
        {
          context,
          stack: args.stack,
          hostnames: args.homeRegion.hostnames,
          geolocation: args.homeRegion.geolocation,
          telemetryKeyArn: this.keys.policyReadyKeyArns.telemetry,
          ...(args.primary
            ? { directory: { replicaProviders: args.homeRegion.replicaProviders ?? {} } }
            : {}),
        },
        parent,
      );
    }
    // Auto Scaling launches the monolith's instances, with volumes under the user-data key.
    const autoScalingRoleArn = serviceRoles.autoScaling;
    if (autoScalingRoleArn === undefined) {
      throw new pulumi.ResourceError("the Auto Scaling service-linked role is missing", this);
    }
    const hostnames = apiHostnames(args.dns.domain, args.dns.regionLabel);
    const dnsOn = args.dns.enabled && args.dns.hostedZoneId !== undefined;
    this.monolith = new Monolith(
      `${name}-monolith`,
      {
        context,
        stack: args.stack,
        ...args.monolith,
        hostnames: [hostnames.shared, hostnames.regional],
        certificate:
          args.monolith.certificateArn !== undefined
            ? { certificateArn: args.monolith.certificateArn }
            : { hostedZoneId: args.dns.hostedZoneId ?? "" },
        vpcId: this.network.vpcId,
        vpcCidr: this.network.cidr,
        publicSubnetIds: this.network.publicSubnetIds,
        privateSubnetIds: this.network.privateSubnetIds,
        keys: this.keys,
        autoScalingRoleArn,
        logRetentionDays: args.logRetentionDays,
        backends: this.monolithBackends(),
        userStore: this.monolithUserStore(),
      },
      parent,
    );
    this.userStore.admit(
      `${name}-users-from-monolith`,
      "The monolith's instances",
      this.monolith.computeSecurityGroupId,
    );
    // Only the monolith reaches the app's user tables, whatever other roles' policies allow.
    this.userStore.restrictTables("app", [this.monolith.computeRoleArn]);
    if (dnsOn) {
      this.dns = new GeoDns(
        `${name}-dns`,
        {
          hostedZoneId: args.dns.hostedZoneId ?? "",
          domain: args.dns.domain,
          regionLabel: args.dns.regionLabel,
          countries: args.dns.countries,
          isDefault: args.dns.isDefault,
          targets: this.monolith.targets,
          healthCheckPath: args.monolith.healthCheckPath,
        },
        parent,
      );
    }
    if (args.analytics !== undefined) {
      // Karpenter's spot instances are launched by EC2 Spot, with volumes under the user-data key.
      const spotRoleArn = serviceRoles.ec2Spot;
      if (spotRoleArn === undefined) {
        throw new pulumi.ResourceError("the EC2 Spot service-linked role is missing", this);
      }
      for (const user of volumeLauncherKeyUsers("Ec2Spot", spotRoleArn)) {
        this.keys.allow("user-data", user);
      }
      if (args.dns.hostedZoneId === undefined) {
        throw new pulumi.ResourceError("analytics needs DNS for its endpoints' hostnames", this);
      }
      this.analytics = new AnalyticsCluster(
        `${name}-analytics`,
        {
          context,
          stack: args.stack,
          keys: this.keys,
          settings: args.analytics,
          network: {
            vpcId: this.network.vpcId,
            cidr: this.network.cidr,
            privateSubnetIds: this.network.privateSubnetIds,
          },
          dns: {
            domain: args.dns.domain,
            regionLabel: args.dns.regionLabel,
            hostedZoneId: args.dns.hostedZoneId,
          },
          ...(this.video === undefined
            ? {}
            : { playbackLogStreamArn: this.video.playbackLogStreamArn }),
          ...(this.monolith.computeRoleArn === undefined
            ? {}
            : { exportWriterRoleArns: [this.monolith.computeRoleArn] }),
          ...(args.logRetentionDays === undefined
            ? {}
            : { logRetentionDays: args.logRetentionDays }),
        },
        parent,
      );
    }
    const analytics = this.analytics;
    if (args.microservices !== undefined) {
      if (analytics === undefined || args.dns.hostedZoneId === undefined) {
        throw new pulumi.ResourceError(
          "the microservices run on the analytics cluster and need DNS for their API's hostname",
          this,
        );
      }
      this.microservices = new Microservices(
        `${name}-services`,
        {
          context,
          stack: args.stack,
          cluster: analytics.cluster,
          keys: this.keys,
          vpcId: this.network.vpcId,
          privateSubnetIds: this.network.privateSubnetIds,
          hostname: `services.${args.dns.regionLabel}.${args.dns.domain}`,
          hostedZoneId: args.dns.hostedZoneId,
          ...args.microservices,
          ...(args.logRetentionDays === undefined
            ? {}
            : { logRetentionDays: args.logRetentionDays }),
          dependsOn: [
            analytics.loadBalancerController.release,
            analytics.karpenter.nodePools.general,
          ],
        },
        parent,
      );
    }
    this.observability = new Observability(
      `${name}-observability`,
      {
        context,
        stack: args.stack,
        keys: this.keys,
        thresholds: args.observability.thresholds,
        alertEmails: args.observability.alertEmails,
        usEast1Provider: args.usEast1Provider,
        resources: platformSignals({
          monolith: this.monolith,
          userStore: this.userStore,
          tokenization: this.tokenization,
          compliance: this.compliance,
          ...(this.homeRegion === undefined ? {} : { homeRegion: this.homeRegion }),
          ...(this.video === undefined ? {} : { video: this.video }),
          ...(this.edge === undefined ? {} : { edge: this.edge }),
          ...(analytics === undefined ? {} : { analytics }),
        }),
        ...(analytics === undefined
          ? {}
          : {
              prometheus: {
                cluster: analytics.cluster,
                retentionDays: args.observability.prometheus.retentionDays,
                storageGiB: args.observability.prometheus.storageGiB,
                podMonitors: analytics.podMonitors,
                dependsOn: [analytics.karpenter.nodePools.general],
              },
            }),
        ...(args.logRetentionDays === undefined ? {} : { logRetentionDays: args.logRetentionDays }),
      },
      parent,
    );
    // Every user of a key exists now: write the key policies that name them.
    this.keys.seal();

    this.registerOutputs({
      stack: args.stack,
      allowedRegions: [...args.allowedRegions],
      vpcId: this.network.vpcId,
      privateSubnetIds: this.network.privateSubnetIds,
      userStoreArns: this.userStore.resourceArns,
      tokenizeFunctionArn: this.tokenization.tokenizeFunction.arn,
      workQueueUrl: this.monolith.workQueueUrl,
    });
  }

  /** The functions of this stack the monolith calls. */
  private monolithBackends(): MonolithBackends {
    const backend = (fn: NodeFunction) => ({ name: fn.function.name, arn: fn.arn });
    return {
      tokenize: backend(this.tokenization.tokenizeFunction),
      detokenize: backend(this.tokenization.detokenizeFunction),
      ...(this.video === undefined
        ? {}
        : {
            "upload-url": backend(this.video.uploadUrlFunction),
            "playback-auth": backend(this.video.playbackAuthFunction),
          }),
      ...(this.homeRegion === undefined
        ? {}
        : { "home-region": backend(this.homeRegion.function) }),
    };
  }

  /** The region's user store, as the monolith reaches it. */
  private monolithUserStore(): MonolithUserStore {
    const store = this.userStore;
    if (store.database !== undefined) {
      const { database } = store;
      return {
        kind: "aurora",
        engine: database.engine,
        endpoint: database.endpoint,
        port: database.port,
        database: database.name,
        user: database.appUser,
        clusterResourceId: database.clusterResourceId,
      };
    }
    const { users, enrolments, progress } = store.tables;
    if (users === undefined || enrolments === undefined || progress === undefined) {
      throw new pulumi.ResourceError("the DynamoDB user store lacks the app's tables", this);
    }
    const table = (resource: aws.dynamodb.Table) => ({ name: resource.name, arn: resource.arn });
    return {
      kind: "dynamodb",
      tables: { users: table(users), enrolments: table(enrolments), progress: table(progress) },
      keyArn: this.keys.keyArns["user-data"],
    };
  }
}

/** DataKeys makes a key in every secondary region; reaching this is a bug in the composition. */
function missingKey(region: string): never {
  throw new Error(`DataKeys made no key in ${region}, where an Aurora secondary is configured`);
}
