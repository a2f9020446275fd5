/**
 * Reading facts out of planned resources: tags, provider settings. Provider inputs arrive as
 * JSON text for nested values, resource inputs as objects; both are handled here once.
 */
import type { PlannedResource } from "./types";

/** The resource types that store data and so must carry a `DataClass` tag. */
export const DATA_STORE_TYPES: ReadonlySet<string> = new Set([
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:dynamodb/table:Table",
  "aws:rds/cluster:Cluster",
  "aws:rds/globalCluster:GlobalCluster",
  "aws:rds/instance:Instance",
  "aws:rds/clusterInstance:ClusterInstance",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:kinesis/stream:Stream",
  "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
  "aws:sqs/queue:Queue",
  "aws:sns/topic:Topic",
  "aws:kms/key:Key",
  "aws:secretsmanager/secret:Secret",
  "aws:ebs/volume:Volume",
  "aws:efs/fileSystem:FileSystem",
  "aws:elasticache/replicationGroup:ReplicationGroup",
  "aws:backup/vault:Vault",
  "aws:ecr/repository:Repository",
  "aws:glue/catalogDatabase:CatalogDatabase",
]);

/** Reads a value that may be an object or its JSON text. */
export function asObject(value: unknown): Readonly<Record<string, unknown>> | undefined {
  if (typeof value === "string") {
    try {
      return asObject(JSON.parse(value) as unknown);
    } catch {
      return undefined;
    }
  }
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The string-valued tags a resource sets on itself. */
export function tagsOf(resource: PlannedResource): Readonly<Record<string, string>> {
  const tags = asObject(resource.inputs.tags) ?? {};
  return Object.fromEntries(
    Object.entries(tags).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

/** The default tags of a provider resource. */
export function providerDefaultTags(provider: PlannedResource): Readonly<Record<string, string>> {
  const tags = asObject(asObject(provider.inputs.defaultTags)?.tags) ?? {};
  return Object.fromEntries(
    Object.entries(tags).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

/** Whether the resource is a cloud resource managed through the AWS provider. */
export function isAwsResource(resource: PlannedResource): boolean {
  return resource.type.startsWith("aws:");
}

/** A short label for messages: `aws:ec2/vpc:Vpc kc-network-vpc`. */
export function describe(resource: PlannedResource): string {
  return `${resource.type} ${resource.name}`;
}
