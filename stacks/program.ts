import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import type { AwsContext } from "../components/shared/context";
import type { NetworkSettings } from "../components/network/settings";
import { RegionalPlatform } from "../components/regional-platform";
import { defaultTags } from "../components/shared/tags";
import { loadStackConfig } from "./config";
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
  for (const region of config.userStore.replicaRegions) {
    providerIn(region);
  }

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
  const secondaryZones =
    config.userStore.kind === "aurora"
      ? await auroraSecondaryZones(
          stack,
          Object.keys(config.userStore.secondaryCidrs),
          config.network,
          providerIn,
        )
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

  // AWS requires what CloudFront needs (certificates, the global WAF) in us-east-1.
  providerIn("us-east-1");
  // The primary stack replicates the home-region directory to every other home region.
  if (config.primary) {
    for (const region of Object.keys(config.homeRegion?.hostnames ?? {})) {
      providerIn(region);
    }
  }

  const platform = new RegionalPlatform(
    "kc",
    {
      context,
      stack,
      jurisdiction: config.jurisdiction,
      allowedRegions: config.allowedRegions,
      primary: config.primary,
      // The account-wide audit judges each resource by the regions of its own jurisdiction.
      jurisdictionRegions: jurisdictionRegions(),
      network: config.network,
      userStore: config.userStore,
      compliance: config.compliance,
      dns: config.dns,
      monolith: config.monolith,
      logRetentionDays: config.logRetentionDays,
      globalEdge: config.globalEdge,
      homeRegion: config.homeRegion,
      video: config.video,
      analytics: config.analytics,
      microservices: config.microservices,
      observability: config.observability,
      accountSetup: config.accountSetup,
      // What the settings resolve to in this account and region.
      availabilityZones,
      secondaryZones,
      providers: Object.fromEntries(providers),
      hostedZoneId,
      imageId,
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
 * The zones each Aurora secondary region's network spans: the first `network.azCount`
 * availability zones of that region (zones pinned in `network.availabilityZones` name the stack's
 * own region, so they do not apply there).
 */
async function auroraSecondaryZones(
  stack: string,
  regions: readonly string[],
  network: NetworkSettings,
  providerIn: (region: string) => aws.Provider,
): Promise<Record<string, readonly string[]>> {
  const entries = await Promise.all(
    regions.map(async (region) => {
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
      return [region, availabilityZones] as const;
    }),
  );
  return Object.fromEntries(entries);
}
