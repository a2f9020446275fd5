/**
 * What a stack exports: the names, ARNs, URLs and hostnames the application, the CI workflows and
 * the operators read with `pulumi stack output`. Every value comes from a component's public
 * outputs; the README's "Stack outputs" table documents each key, and a stack test checks that
 * the table and the exports agree.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../components/shared/context";
import type { RegionalPlatform } from "../components/regional-platform";

/** A Lambda function: what operators invoke and watch, and what IAM policies name. */
export interface FunctionOutput {
  readonly name: string;
  readonly arn: string;
}

/** The outputs of every stack. */
export interface CommonStackOutputs {
  readonly region: string;
  readonly jurisdiction: string;
  readonly allowedRegions: readonly string[];
  readonly availabilityZones: readonly string[];
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly userStoreKind: "aurora" | "dynamodb";
  readonly monolithReleasesBucketName: pulumi.Output<string>;
  readonly queueUrls: pulumi.Output<Record<string, string>>;
  readonly functions: pulumi.Output<Record<string, FunctionOutput>>;
  readonly alertTopicArn: pulumi.Output<string>;
}

/** Outputs that exist when the stack runs the matching part of the platform. */
export interface OptionalStackOutputs {
  readonly apiHostname?: string;
  readonly regionalApiHostname?: string;
  readonly monolithReleaseParameterName?: pulumi.Output<string>;
  readonly userTableNames?: pulumi.Output<Record<string, string>>;
  readonly userStoreEndpoint?: pulumi.Output<string>;
  /** Each user-store shard's writer endpoint, by shard id (the first is `userStoreEndpoint`). */
  readonly userStoreShardEndpoints?: pulumi.Output<Record<string, string>>;
  readonly userStoreReaderEndpoint?: pulumi.Output<string>;
  readonly userStorePort?: pulumi.Output<number>;
  readonly userStoreDatabase?: string;
  readonly userStoreSecretArn?: pulumi.Output<string>;
  readonly spaBucketName?: pulumi.Output<string>;
  readonly spaDistributionId?: pulumi.Output<string>;
  readonly videoHostname?: string;
  readonly videoDistributionId?: pulumi.Output<string>;
  readonly eksClusterName?: pulumi.Output<string>;
  readonly analyticsHostname?: string;
  readonly servicesHostname?: string;
  readonly ecrRepositoryUrls?: pulumi.Output<Record<string, string>>;
}

/** What a stack exports. */
export type StackOutputs = CommonStackOutputs & OptionalStackOutputs;

/** What the program knows besides the platform. */
export interface StackFacts {
  readonly context: AwsContext;
  readonly jurisdiction: string;
  readonly allowedRegions: readonly string[];
  readonly availabilityZones: readonly string[];
}

/**
 * The stack's outputs, read from the platform's components. A key is present only when the stack
 * runs what it names (the SPA in the primary, the Aurora endpoint in an Aurora stack, ...).
 */
export function stackOutputs(platform: RegionalPlatform, facts: StackFacts): StackOutputs {
  const { context } = facts;
  const store = platform.userStore;
  const video = platform.video;
  const analytics = platform.analytics;
  const kubernetes = platform.kubernetes;
  const services = platform.microservices;
  const edge = platform.edge;
  const cluster = store.cluster;
  const vault = store.tokenVault;

  return {
    region: context.region,
    jurisdiction: facts.jurisdiction,
    allowedRegions: facts.allowedRegions,
    availabilityZones: facts.availabilityZones,
    vpcId: platform.network.vpcId,
    privateSubnetIds: platform.network.privateSubnetIds,
    userStoreKind: store.kind,
    monolithReleasesBucketName: platform.monolith.releasesBucketName,
    queueUrls: queueUrls(platform, context),
    functions: functions(platform, context),
    alertTopicArn: platform.observability.alertTopicArn,
    ...(platform.dns === undefined
      ? {}
      : {
          apiHostname: platform.dns.sharedHostname,
          regionalApiHostname: platform.dns.regionalHostname,
        }),
    ...(platform.monolith.releaseParameterName === undefined
      ? {}
      : { monolithReleaseParameterName: platform.monolith.releaseParameterName }),
    ...(store.kind === "dynamodb"
      ? {
          userTableNames: pulumi
            .all(
              Object.fromEntries(
                Object.entries(store.tables).flatMap(([role, table]) =>
                  table === undefined ? [] : [[role, table.name] as const],
                ),
              ),
            )
            .apply((names) => ({ ...names })),
        }
      : {}),
    ...(cluster === undefined
      ? {}
      : {
          userStoreEndpoint: cluster.endpoint,
          userStoreShardEndpoints: pulumi
            .all(
              Object.fromEntries(
                (store.shards ?? []).map((shard) => [shard.id, shard.database.endpoint]),
              ),
            )
            .apply((endpoints) => ({ ...endpoints })),
          userStoreReaderEndpoint: cluster.readerEndpoint,
          userStorePort: cluster.port,
          ...(vault.kind === "aurora" ? { userStoreDatabase: vault.database } : {}),
          // The master user's secret, rotated on a schedule; the ARN, not the password.
          ...(store.masterSecretArn === undefined
            ? {}
            : { userStoreSecretArn: store.masterSecretArn }),
        }),
    ...(edge === undefined
      ? {}
      : { spaBucketName: edge.bucketName, spaDistributionId: edge.distributionId }),
    ...(video === undefined
      ? {}
      : {
          videoHostname: video.playbackHostname,
          videoDistributionId: video.signals.distributionId,
        }),
    ...(analytics === undefined || kubernetes === undefined
      ? {}
      : {
          eksClusterName: kubernetes.cluster.clusterName,
          analyticsHostname: new URL(analytics.api.url).hostname,
          ecrRepositoryUrls: pulumi
            .all({
              "analytics-api": analytics.api.repositoryUrl,
              ...(video?.taskRepositoryUrls ?? {}),
              ...Object.fromEntries(
                Object.entries(services?.services ?? {}).map(([name, service]) => [
                  name,
                  service.repositoryUrl,
                ]),
              ),
            })
            .apply((urls) => ({ ...urls })),
        }),
    ...(services === undefined ? {} : { servicesHostname: new URL(services.apiEndpoint).hostname }),
  };
}

/** SQS queue URLs by role. A queue known only by name gets the URL SQS gives every queue. */
function queueUrls(
  platform: RegionalPlatform,
  context: AwsContext,
): pulumi.Output<Record<string, string>> {
  const byName = (name: pulumi.Output<string>): pulumi.Output<string> =>
    pulumi.interpolate`https://sqs.${context.region}.${context.dnsSuffix}/${context.accountId}/${name}`;
  const video = platform.video?.signals;
  const ingest = platform.analytics?.ingest;
  const urls: Record<string, pulumi.Output<string>> = {
    "monolith-work": platform.monolith.workQueueUrl,
    "monolith-work-dlq": platform.monolith.deadLetterQueueUrl,
    ...Object.fromEntries(
      Object.entries(video?.queues ?? {}).map(([role, name]) => [role, byName(name)]),
    ),
    ...Object.fromEntries(
      Object.entries(video?.deadLetterQueues ?? {}).map(([role, name]) => [
        `${role}-dlq`,
        byName(name),
      ]),
    ),
    ...(ingest === undefined ? {} : { "rtlog-ingest-failures": ingest.failureQueueUrl }),
  };
  return pulumi.all(urls).apply((resolved) => ({ ...resolved }));
}

/** Lambda functions by role, with name and ARN. */
function functions(
  platform: RegionalPlatform,
  context: AwsContext,
): pulumi.Output<Record<string, FunctionOutput>> {
  // A function's ARN follows from its name:
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html
  const byName = (name: pulumi.Output<string>): pulumi.Output<FunctionOutput> =>
    name.apply((resolved) => ({
      name: resolved,
      arn: `arn:${context.partition}:lambda:${context.region}:${context.accountId}:function:${resolved}`,
    }));
  const of = (fn: {
    readonly function: { readonly name: pulumi.Output<string> };
    readonly arn: pulumi.Output<string>;
  }): pulumi.Output<FunctionOutput> =>
    pulumi.all([fn.function.name, fn.arn]).apply(([name, arn]) => ({ name, arn }));
  const ingest = platform.analytics?.ingest;
  const all: Record<string, pulumi.Output<FunctionOutput>> = {
    "pii-tokenize": of(platform.tokenization.tokenizeFunction),
    "pii-detokenize": of(platform.tokenization.detokenizeFunction),
    "residency-audit": of(platform.compliance.auditFunction),
    ...(platform.homeRegion === undefined
      ? {}
      : { "home-region": of(platform.homeRegion.function) }),
    ...Object.fromEntries(
      Object.entries(platform.video?.signals.functions ?? {}).map(([role, name]) => [
        role,
        byName(name),
      ]),
    ),
    ...(ingest === undefined
      ? {}
      : {
          "rtlog-ingest": pulumi
            .all([ingest.functionName, ingest.functionArn])
            .apply(([name, arn]) => ({ name, arn })),
        }),
  };
  return pulumi.all(all).apply((resolved) => ({ ...resolved }));
}
