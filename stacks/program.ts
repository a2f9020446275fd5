import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { AwsContext } from "../components/context";
import { RegionalPlatform } from "../components/regional-platform";
import { defaultTags } from "../components/tags";
import { loadStackConfig } from "./config";
import { chooseZones } from "./zones";

/** What a stack exports. */
export interface StackOutputs {
  readonly region: string;
  readonly jurisdiction: string;
  readonly allowedRegions: readonly string[];
  readonly availabilityZones: readonly string[];
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
}

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
  // The monolith runs the current Amazon Linux 2023 image for arm64; a new image reaches the
  // instances through the launch template and a rolling instance refresh on the next update.
  const imageId =
    config.monolith.mode === "ec2"
      ? (
          await aws.ssm.getParameter(
            { name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" },
            { provider },
          )
        ).value
      : undefined;

  const platform = new RegionalPlatform(
    "kc",
    {
      context,
      stack,
      jurisdiction: config.jurisdiction,
      allowedRegions: config.allowedRegions,
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
            },
      backup: config.compliance.backup,
      logRetentionDays: config.logRetentionDays,
      dns: {
        enabled: config.dns.enabled,
        domain: config.dns.domain,
        hostedZoneId: config.dns.hostedZoneId,
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
              replicaProviders: config.primary
                ? Object.fromEntries(
                    Object.keys(homeRegions)
                      .filter((region) => region !== config.region)
                      .map((region) => [region, providerIn(region)] as const),
                  )
                : {},
            },
    },
    // The signing key of the video CDN comes from the TLS provider, named explicitly like AWS's.
    { providers: [provider, new tls.Provider("tls")] },
  );

  return {
    region: config.region,
    jurisdiction: config.jurisdiction,
    allowedRegions: config.allowedRegions,
    availabilityZones,
    vpcId: platform.network.vpcId,
    privateSubnetIds: platform.network.privateSubnetIds,
  };
}
