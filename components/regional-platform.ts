import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PLATFORM_TYPE } from "../policy/rules/vocabulary";
import { ANALYTICS_CLUSTER_TYPE, AnalyticsCluster } from "./analytics/analytics-cluster";
import type { AnalyticsClusterSettings } from "./analytics/settings";
import type { MonolithSettings } from "./app/settings";
import { Compliance } from "./security/compliance";
import type { AwsContext } from "./shared/context";
import { DataKeys } from "./security/data-keys";
import type { HomeRegionSettings, UserStoreSettings } from "./data/settings";
import type { DnsSettings, GlobalEdgeSettings } from "./edge/settings";
import { apiHostnames, GeoDns } from "./edge/geo-dns";
import { GlobalEdge } from "./edge/global-edge";
import { HomeRegion } from "./data/home-region";
import { serviceLinkedRoleArns } from "./shared/iam";
import { volumeLauncherKeyUsers } from "./security/key-policies";
import type { LogRetentionDays } from "./shared/logs";
import { Monolith } from "./app/monolith";
import { monolithBackends, monolithUserStore } from "./app/monolith-runtime";
import { KubernetesPlatform } from "./kubernetes/kubernetes-platform";
import { Microservices } from "./services/microservices";
import type { MicroservicesSettings } from "./services/settings";
import { Network } from "./network/network";
import type { NetworkSettings } from "./network/settings";
import { Observability } from "./operations/observability";
import type { ObservabilitySettings } from "./operations/settings";
import { platformSignals } from "./operations/platform-signals";
import {
  serviceLinkedRolesSource,
  type AccountSetupSettings,
  type ComplianceSettings,
} from "./security/settings";
import { Tokenization } from "./security/tokenization";
import { UserDataStore, type AuroraSecondary } from "./data/user-data-store";
import { VideoPipeline } from "./video/video-pipeline";
import type { VideoSettings } from "./video/settings";

/**
 * Arguments of `RegionalPlatform`: the stack's parsed settings, each domain's as its
 * `components/<domain>/settings.ts` defines it, and what the program resolves at run time
 * (account, zones, providers, the hosted zone, the monolith's image).
 */
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
  /** Zones the region's network spans, in slot order (resolved from `network`). */
  readonly availabilityZones: readonly string[];
  /**
   * The AWS provider of each other region the settings name: the user store's replica regions,
   * us-east-1 (what CloudFront needs there) and, in the primary stack, the other home regions.
   */
  readonly providers: Readonly<Record<string, aws.Provider>>;
  /**
   * Zones each Aurora secondary's isolated network spans, by region, in slot order: one per
   * `userStore.secondaryCidrs` entry. @default {}
   */
  readonly secondaryZones?: Readonly<Record<string, readonly string[]>>;
  /** The VPC. */
  readonly network: NetworkSettings;
  /** The residency-bound user store. */
  readonly userStore: UserStoreSettings;
  /** Backups of the user store. */
  readonly compliance: ComplianceSettings;
  /** DNS names and geolocation routing. */
  readonly dns: DnsSettings;
  /**
   * The shared public hosted zone: `dns.hostedZoneId`, else the public zone named `dns.domain`,
   * looked up at deploy time. @default none, when `dns.enabled` is false
   */
  readonly hostedZoneId?: string;
  /** The PHP monolith. */
  readonly monolith: MonolithSettings;
  /** Amazon Linux 2023 arm64 image of the monolith, resolved from the public SSM parameter. */
  readonly imageId: string;
  /** Default log retention. */
  readonly logRetentionDays: LogRetentionDays;
  /**
   * The global edge (primary stack only). It is composed here, not beside the platform, because
   * its bucket uses this region's content key, whose policy names CloudFront before it is sealed.
   */
  readonly globalEdge: GlobalEdgeSettings;
  /** Home-region pinning; the primary stack also owns the shared directory. @default off */
  readonly homeRegion?: HomeRegionSettings;
  /** The video pipeline. */
  readonly video: VideoSettings;
  /** The analytics cluster. */
  readonly analytics: AnalyticsClusterSettings;
  /** The microservices platform on the analytics cluster; off without a JWT issuer. */
  readonly microservices: MicroservicesSettings;
  /** Alarms, dashboards and (with the analytics cluster) Prometheus. */
  readonly observability: ObservabilitySettings;
  /** Account-level settings: created here or the account's own. */
  readonly accountSetup: AccountSetupSettings;
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
  /** The EKS platform that analytics, the microservices and Prometheus run on. */
  public readonly kubernetes?: KubernetesPlatform;
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
    const providerOf = (region: string): aws.Provider =>
      args.providers[region] ??
      missing(`no provider was given for ${region}, which the settings name`);
    // Each Aurora secondary gets an isolated network of this stack in its region.
    const secondaryCidrs = args.userStore.kind === "aurora" ? args.userStore.secondaryCidrs : {};
    const secondaryProviders = Object.fromEntries(
      Object.keys(secondaryCidrs).map((region) => [region, providerOf(region)] as const),
    );
    const replicaProviders =
      args.userStore.kind === "dynamodb"
        ? Object.fromEntries(args.userStore.replicaRegions.map((r) => [r, providerOf(r)] as const))
        : secondaryProviders;
    const usEast1Provider = providerOf("us-east-1");
    const { dns, hostedZoneId } = args;
    const regionLabel = dns.regionLabel ?? args.jurisdiction.toLowerCase();
    const edgeEnabled = args.globalEdge.enabled ?? args.primary;

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
      serviceLinkedRolesSource(args),
      ["autoScaling", ...(args.analytics.enabled ? (["ec2Spot"] as const) : [])],
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
      Object.entries(secondaryCidrs).map(([region, cidr]) => {
        const provider = providerOf(region);
        const availabilityZones =
          args.secondaryZones?.[region] ?? missing(`no zones were given for ${region}`);
        const network = new Network(
          `${name}-network-${region}`,
          {
            context: { ...context, region },
            cidr,
            availabilityZones,
            isolatedOnly: true,
            flowLogsKmsKeyArn: this.keys.regionalTelemetryKeyArns[region] ?? missingKey(region),
            flowLogRetentionDays: args.network.flowLogRetentionDays,
          },
          { parent: this, providers: [provider] },
        );
        const store: AuroraSecondary = {
          provider,
          availabilityZones,
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
            shards: args.userStore.shards,
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
        backup: args.compliance.backup,
        configRecorder: args.accountSetup.configRecorder,
        backupRegionSettings: args.accountSetup.backupRegionSettings,
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
    const video = args.video;
    if (video.enabled) {
      if (hostedZoneId === undefined) {
        throw new pulumi.ResourceError("the video pipeline needs DNS for its CDN's hostname", this);
      }
      this.video = new VideoPipeline(
        `${name}-video`,
        {
          context,
          stack: args.stack,
          keys: this.keys,
          domain: dns.domain,
          hostname: `video.${regionLabel}.${dns.domain}`,
          hostedZoneId,
          usEast1Provider,
          logRetentionDays: args.logRetentionDays,
          ladder: video.ladder,
          maxUploadBytes: video.maxUploadGiB * 1024 ** 3,
          rawUploads: video.rawUploads,
          infrequentAccessAfterDays: video.infrequentAccessAfterDays,
          intelligentTieringAfterDays: video.intelligentTieringAfterDays,
          realtimeLogSamplingRate: video.realtimeLogSamplingRate,
          playbackSessionSeconds: video.playbackSessionSeconds,
          maxConcurrentSubmissions: video.maxConcurrentSubmissions,
          tasks: video.tasks,
          trickPlay: video.trickPlay,
          network: { vpcId: this.network.vpcId, privateSubnetIds: this.network.privateSubnetIds },
        },
        parent,
      );
    }
    if (edgeEnabled) {
      if (!args.primary || hostedZoneId === undefined) {
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
          domain: dns.domain,
          hostedZoneId,
          keys: this.keys,
          // AWS requires the CloudFront certificate and WAF in us-east-1.
          usEast1Provider,
          rateLimitPerFiveMinutes: args.globalEdge.rateLimitPerFiveMinutes,
          courseContentTtlSeconds: args.globalEdge.courseContentTtlSeconds,
        },
        parent,
      );
    }
    if (args.homeRegion !== undefined) {
      // The primary stack replicates the directory to every other home region.
      const homeReplicas = args.primary
        ? Object.keys(args.homeRegion.hostnames)
            .filter((region) => region !== context.region)
            .map((region) => [region, providerOf(region)] as const)
        : [];
      this.homeRegion = new HomeRegion(
        `${name}-home-region`,
        {
          context,
          stack: args.stack,
          hostnames: args.homeRegion.hostnames,
          // Required by the config check; HomeRegion refuses an empty map too.
          geolocation: args.homeRegion.geolocation ?? {},
          telemetryKeyArn: this.keys.policyReadyKeyArns.telemetry,
          // The directory records each account's shard of this region's store.
          ...(this.userStore.shards === undefined ? {} : { shards: this.userStore.shards }),
          ...(args.primary
            ? { directory: { replicaProviders: Object.fromEntries(homeReplicas) } }
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
    const hostnames = apiHostnames(dns.domain, regionLabel);
    const dnsOn = dns.enabled && hostedZoneId !== undefined;
    this.monolith = new Monolith(
      `${name}-monolith`,
      {
        context,
        stack: args.stack,
        ...args.monolith,
        imageId: args.imageId,
        hostnames: [hostnames.shared, hostnames.regional],
        certificate:
          args.monolith.certificateArn !== undefined
            ? { certificateArn: args.monolith.certificateArn }
            : { hostedZoneId: hostedZoneId ?? "" },
        vpcId: this.network.vpcId,
        vpcCidr: this.network.cidr,
        publicSubnetIds: this.network.publicSubnetIds,
        privateSubnetIds: this.network.privateSubnetIds,
        keys: this.keys,
        autoScalingRoleArn,
        logRetentionDays: args.logRetentionDays,
        backends: monolithBackends({
          tokenize: this.tokenization.tokenizeFunction,
          detokenize: this.tokenization.detokenizeFunction,
          "upload-url": this.video?.uploadUrlFunction,
          "playback-auth": this.video?.playbackAuthFunction,
          "home-region": this.homeRegion?.function,
        }),
        userStore: monolithUserStore(this.userStore, this.keys.keyArns["user-data"]),
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
          hostedZoneId: hostedZoneId ?? "",
          domain: dns.domain,
          regionLabel,
          countries: dns.geolocation.countries,
          isDefault: dns.geolocation.default,
          targets: this.monolith.targets,
          healthCheckPath: args.monolith.healthCheckPath,
        },
        parent,
      );
    }
    if (args.analytics.enabled) {
      // Karpenter's spot instances are launched by EC2 Spot, with volumes under the user-data key.
      const spotRoleArn = serviceRoles.ec2Spot;
      if (spotRoleArn === undefined) {
        throw new pulumi.ResourceError("the EC2 Spot service-linked role is missing", this);
      }
      for (const user of volumeLauncherKeyUsers("Ec2Spot", spotRoleArn)) {
        this.keys.allow("user-data", user);
      }
      if (hostedZoneId === undefined) {
        throw new pulumi.ResourceError("analytics needs DNS for its endpoints' hostnames", this);
      }
      // Named as the analytics cluster it was first built in: its children's names are state,
      // and the alias to that former parent keeps them in place.
      const kubernetes = (this.kubernetes = new KubernetesPlatform(
        `${name}-analytics`,
        {
          context,
          clusterName: `kc-${args.stack}-analytics`.slice(0, 100),
          keys: this.keys,
          settings: args.analytics,
          vpcId: this.network.vpcId,
          privateSubnetIds: this.network.privateSubnetIds,
          hostedZoneId,
          domain: dns.domain,
          logRetentionDays: args.logRetentionDays,
          formerParentUrn: pulumi.createUrn(`${name}-analytics`, ANALYTICS_CLUSTER_TYPE, this),
        },
        parent,
      ));
      this.analytics = new AnalyticsCluster(
        `${name}-analytics`,
        {
          context,
          stack: args.stack,
          keys: this.keys,
          platform: kubernetes,
          // The API keeps raw events as long as ClickHouse does.
          settings: {
            ...args.analytics,
            api: {
              ...args.analytics.api,
              rawRetentionDays: args.analytics.clickhouse.rawRetentionDays,
            },
          },
          network: {
            vpcId: this.network.vpcId,
            cidr: this.network.cidr,
            privateSubnetIds: this.network.privateSubnetIds,
          },
          dns: {
            domain: dns.domain,
            regionLabel,
            hostedZoneId,
          },
          ...(this.video === undefined
            ? {}
            : { playbackLogStreamArn: this.video.playbackLogStreamArn }),
          ...(this.monolith.computeRoleArn === undefined
            ? {}
            : { exportWriterRoleArns: [this.monolith.computeRoleArn] }),
          logRetentionDays: args.logRetentionDays,
        },
        parent,
      );
    }
    const { analytics, kubernetes } = this;
    const { jwt, ...services } = args.microservices;
    if (services.enabled && jwt !== undefined) {
      if (kubernetes === undefined || hostedZoneId === undefined) {
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
          cluster: kubernetes.cluster,
          keys: this.keys,
          vpcId: this.network.vpcId,
          privateSubnetIds: this.network.privateSubnetIds,
          hostname: `services.${regionLabel}.${dns.domain}`,
          hostedZoneId,
          jwt,
          throttle: services.throttle,
          quota: services.quota,
          consul: services.consul,
          services: services.services,
          logRetentionDays: args.logRetentionDays,
          dependsOn: [
            kubernetes.loadBalancerController.release,
            kubernetes.karpenter.nodePools.general,
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
        usEast1Provider,
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
        ...(kubernetes === undefined || analytics === undefined
          ? {}
          : {
              prometheus: {
                cluster: kubernetes.cluster,
                retentionDays: args.observability.prometheus.retentionDays,
                storageGiB: args.observability.prometheus.storageGiB,
                podMonitors: analytics.podMonitors,
                dependsOn: [kubernetes.karpenter.nodePools.general],
              },
            }),
        logRetentionDays: args.logRetentionDays,
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
}

/** DataKeys makes a key in every secondary region; reaching this is a bug in the composition. */
function missingKey(region: string): never {
  throw new Error(`DataKeys made no key in ${region}, where an Aurora secondary is configured`);
}

/** The program left out what the settings need: a bug in the composition. */
function missing(message: string): never {
  throw new Error(message);
}
