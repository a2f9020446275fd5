import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import type { AwsContext } from "../components/shared/context";
import { RegionalPlatform, type AuroraSecondarySettings } from "../components/regional-platform";
import { defaultTags } from "../components/shared/tags";
import { loadStackConfig, serviceLinkedRolesSource, type NetworkConfig } from "./config";
import { jurisdictionRegions } from "./jurisdictions";
import { stackOutputs, type StackOutputs } from "./outputs";
import { chooseZones } from "./zones";

export type { StackOutputs } from "./outputs";

/**
 * The program of every stack: validate the stack's config, resolve the account and zones once,
 * and compose the region's platform. Every AWS resource goes through the explicit provider
 * created here, whose default tags carry Project, Stack and Jurisdiction.
 */
export async function program(): Promise<StackOutputs> {
  const config = loadStackConfig();
  const stack = pulumi.getStack();

  const tags = defaultTags({
    project: pulumi.getProject(),
    stack,
    jurisdiction: config.jurisdiction,
    extra: config.tags,
  });
  const providerFor = (region: string): aws.Provider =>
    new aws.Provider(`aws-${region}`, { region, defaultTags: { tags } });
  const provider = providerFor(config.region);

  const providers = new Map<string, aws.Provider>([[config.region, provider]]);
  const providerIn = (region: string): aws.Provider => {
    const existing = providers.get(region);
    if (existing !== undefined) {
      return existing;
    }
    const created = providerFor(region);
    providers.set(region, created);
    return created;
  };
  // Replicas of user data live in other allowed regions, each reached through its own provider.
  const replicaProviders = Object.fromEntries(
    config.userStore.replicaRegions.map((region) => [region, providerIn(region)] as const),
  );
  const homeRegions = config.homeRegion?.hostnames ?? {};
  const edgeEnabled = config.globalEdge.enabled ?? config.primary;

  const [identity, partition, zones] = await Promise.all([
    aws.getCallerIdentity({}, { provider }),
    aws.getPartition({}, { provider }),
    // Availability zones only (not Local or Wavelength Zones); an opt-in region's zones are
    // "opted-in", so filtering on opt-in status would find none there.
    aws.getAvailabilityZones(
      { state: "available", filters: [{ name: "zone-type", values: ["availability-zone"] }] },
      { provider },
    ),
  ]);
  const context: AwsContext = {
    accountId: identity.accountId,
    partition: partition.partition,
    region: config.region,
    dnsSuffix: partition.dnsSuffix,
  };
  const availabilityZones = chooseZones(stack, config.region, config.network, zones.names);
  // An Aurora secondary spans as many zones of its region as the stack's network does here.
  const secondaries =
    config.userStore.kind === "aurora"
      ? await auroraSecondaries(stack, config.userStore.secondaryCidrs, config.network, providerIn)
      : {};
  // The shared public hosted zone: the configured id, else the public zone named after the domain.
  const hostedZoneId = config.dns.enabled
    ? (config.dns.hostedZoneId ??
      (await aws.route53.getZone({ name: config.dns.domain, privateZone: false }, { provider }))
        .zoneId)
    : undefined;
  // The monolith runs the current Amazon Linux 2023 image for arm64; a new image reaches the
  // instances through the launch template and a rolling instance refresh on the next update.
  const imageId = (
    await aws.ssm.getParameter(
      { name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" },
      { provider },
    )
  ).value;

  const platform = new RegionalPlatform(
    "kc",
    {
      context,
      stack,
      jurisdiction: config.jurisdiction,
      allowedRegions: config.allowedRegions,
      // The account-wide audit judges each resource by the regions of its own jurisdiction.
      jurisdictionRegions: jurisdictionRegions(),
      primary: config.primary,
      availabilityZones,
      network: {
        cidr: config.network.cidr,
        interfaceEndpoints: config.network.interfaceEndpoints,
        flowLogRetentionDays: config.network.flowLogRetentionDays,
      },
      userStore:
        config.userStore.kind === "dynamodb"
          ? { kind: "dynamodb", replicaProviders }
          : {
              kind: "aurora",
              engine: config.userStore.engine,
              engineVersion: config.userStore.engineVersion,
              instanceClass: config.userStore.instanceClass,
              backupRetentionDays: config.userStore.backupRetentionDays,
              secondaries,
            },
      backup: config.compliance.backup,
      accountSetup: {
        configRecorder: config.accountSetup.configRecorder,
        backupRegionSettings: config.accountSetup.backupRegionSettings,
        serviceLinkedRoles: serviceLinkedRolesSource(config),
      },
      logRetentionDays: config.logRetentionDays,
      dns: {
        enabled: config.dns.enabled,
        domain: config.dns.domain,
        hostedZoneId,
        regionLabel: config.dns.regionLabel ?? config.jurisdiction.toLowerCase(),
        countries: config.dns.geolocation.countries,
        isDefault: config.dns.geolocation.default,
      },
      monolith: { ...config.monolith, imageId },
      // AWS requires the CloudFront certificate and WAF in us-east-1.
      globalEdge: edgeEnabled
        ? {
            usEast1Provider: providerIn("us-east-1"),
            rateLimitPerFiveMinutes: config.globalEdge.rateLimitPerFiveMinutes,
            courseContentTtlSeconds: config.globalEdge.courseContentTtlSeconds,
          }
        : undefined,
      usEast1Provider: providerIn("us-east-1"),
      video: config.video.enabled
        ? {
            ladder: config.video.ladder,
            maxUploadBytes: config.video.maxUploadGiB * 1024 ** 3,
            rawUploads: config.video.rawUploads,
            infrequentAccessAfterDays: config.video.infrequentAccessAfterDays,
            intelligentTieringAfterDays: config.video.intelligentTieringAfterDays,
            realtimeLogSamplingRate: config.video.realtimeLogSamplingRate,
            playbackSessionSeconds: config.video.playbackSessionSeconds,
            maxConcurrentSubmissions: config.video.maxConcurrentSubmissions,
            tasks: config.video.tasks,
          }
        : undefined,
      microservices:
        config.microservices.enabled && config.microservices.jwt !== undefined
          ? {
              jwt: config.microservices.jwt,
              throttle: config.microservices.throttle,
              quota: config.microservices.quota,
              consul: config.microservices.consul,
              services: config.microservices.services,
            }
          : undefined,
      observability: {
        alertEmails: config.observability.alertEmails,
        thresholds: config.observability.thresholds,
        prometheus: config.observability.prometheus,
      },
      analytics: config.analytics.enabled
        ? {
            kubernetesVersion: config.analytics.kubernetesVersion,
            publicAccessCidrs: config.analytics.publicAccessCidrs,
            adminRoleArns: config.analytics.adminRoleArns,
            deployFrom: config.analytics.deployFrom,
            ...(config.analytics.deployRoleArn === undefined
              ? {}
              : { deployRoleArn: config.analytics.deployRoleArn }),
            ...(config.analytics.previewRoleArn === undefined
              ? {}
              : { previewRoleArn: config.analytics.previewRoleArn }),
            systemNodes: config.analytics.systemNodes,
            nodePools: config.analytics.nodePools,
            clickhouse: config.analytics.clickhouse,
            api: {
              ...config.analytics.api,
              rawRetentionDays: config.analytics.clickhouse.rawRetentionDays,
            },
            ingest: config.analytics.ingest,
            lake: config.analytics.lake,
          }
        : undefined,
      homeRegion:
        config.homeRegion === undefined
          ? undefined
          : {
              hostnames: homeRegions,
              // Required by the config check; HomeRegion refuses an empty map too.
              geolocation: config.homeRegion.geolocation ?? {},
              replicaProviders: config.primary
                ? Object.fromEntries(
                    Object.keys(homeRegions)
                      .filter((region) => region !== config.region)
                      .map((region) => [region, providerIn(region)] as const),
                  )
                : {},
            },
    },
    // Every package's provider is explicit (the stack files disable default providers): the
    // children of the platform inherit these by package, remote components such as eks.Cluster
    // included. The TLS provider makes the video CDN's signing key, random the generated passwords.
    {
      providers: [
        provider,
        new tls.Provider("tls"),
        new random.Provider("random"),
        new eks.Provider("eks"),
      ],
    },
  );

  return stackOutputs(platform, {
    context,
    jurisdiction: config.jurisdiction,
    allowedRegions: config.allowedRegions,
    availabilityZones,
  });
}

/**
 * Where each Aurora secondary region's network goes: its provider, the CIDR the config gives it
 * and the first `network.azCount` availability zones of that region (zones pinned in
 * `network.availabilityZones` name the stack's own region, so they do not apply there).
 */
async function auroraSecondaries(
  stack: string,
  cidrs: Readonly<Record<string, string>>,
  network: NetworkConfig,
  providerIn: (region: string) => aws.Provider,
): Promise<Record<string, AuroraSecondarySettings>> {
  const entries = await Promise.all(
    Object.entries(cidrs).map(async ([region, cidr]) => {
      const provider = providerIn(region);
      const zones = await aws.getAvailabilityZones(
        { state: "available", filters: [{ name: "zone-type", values: ["availability-zone"] }] },
        { provider },
      );
      const availabilityZones = chooseZones(
        stack,
        region,
        { ...network, availabilityZones: undefined },
        zones.names,
      );
      return [region, { provider, cidr, availabilityZones }] as const;
    }),
  );
  return Object.fromEntries(entries);
}
