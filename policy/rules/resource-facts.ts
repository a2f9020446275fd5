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
  "aws:dynamodb/tableReplica:TableReplica",
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

/**
 * What a value reads as while the engine does not know it yet: during a preview, an output of a
 * resource still to be created. The offline plan never has one; the CrossGuard pack may.
 */
export const UNKNOWN = "(known after apply)";

/** A string the engine knows; an unknown value or anything else is `undefined`. */
export function knownString(value: unknown): string | undefined {
  return typeof value === "string" && value !== UNKNOWN ? value : undefined;
}

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

/** Reads a value as a list of objects (inputs such as `replicas` or `rules`); anything else is empty. */
export function objectsIn(value: unknown): Readonly<Record<string, unknown>>[] {
  const parsed = typeof value === "string" ? safeJson(value) : value;
  return Array.isArray(parsed)
    ? parsed
        .map(asObject)
        .filter((item): item is Readonly<Record<string, unknown>> => item !== undefined)
    : [];
}

/** Reads a value as a list of strings; a single string is a list of one. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === "string") {
    return [value];
  }
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === "string")
    : [];
}

/** The region named in an ARN (`arn:aws:backup:me-south-1:...`), if it has one. */
export function regionOfArn(arn: string): string | undefined {
  const region = arn.split(":")[3];
  return region === undefined || region === "" ? undefined : region;
}

/** Resources of `type` that depend on `resource` (a bucket's policy, encryption, access block). */
export function dependentsOf(
  resource: PlannedResource,
  type: string,
  resources: ReadonlyMap<string, PlannedResource>,
): PlannedResource[] {
  return [...resources.values()].filter(
    (other) => other.type === type && other.dependsOn.includes(resource.urn),
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
