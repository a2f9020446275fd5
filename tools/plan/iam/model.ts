/**
 * What the IAM check knows about one planned stack: its principals (roles with their trust and
 * permission policies) and its resources with their resource policies and encryption keys, read
 * from the resources the plan recorded (`./loader`).
 */

/** An IAM policy statement as the program writes it (JSON). */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** An IAM policy document. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly PolicyStatement[];
}

/** Which kind of policy a document is: what the catalogue check and the simulator expect of it. */
export type PolicyKind = "identity" | "trust" | "resource";

/** A policy document and where it comes from (the resource that carries it). */
export interface PolicySource {
  /** The planned resource that carries the document: its type and Pulumi name. */
  readonly resource: string;
  readonly kind: PolicyKind;
  readonly document: PolicyDocument;
}

/** A role of the stack (or a service-linked role it names). */
export interface Principal {
  /** The Pulumi name of the role resource (the stable key paths refer to). */
  readonly name: string;
  readonly arn: string;
  /** Inline and customer-managed policies the plan shows. */
  readonly policies: readonly { readonly name: string; readonly document: PolicyDocument }[];
  /**
   * ARNs of attached policies whose documents the plan does not carry (AWS managed policies, and a
   * service-linked role's policy). A must-deny path assumes they may grant anything.
   */
  readonly opaquePolicies: readonly string[];
  /** The trust policy, if the plan shows one (service-linked roles have AWS's own). */
  readonly trust?: PolicyDocument;
}

/** How a resource's data is encrypted at rest, for the KMS half of a path that reaches it. */
export interface Encryption {
  /** ARN of the customer-managed key (resolved from an id, ARN or alias). */
  readonly keyArn: string;
  /** The AWS service that calls KMS on the caller's behalf (`kms:ViaService`'s service). */
  readonly service: "s3" | "dynamodb" | "sqs" | "sns" | "secretsmanager" | "kinesis";
  /** S3 only: with a bucket key the encryption context names the bucket, else the object. */
  readonly bucketKey?: boolean;
}

/** A resource a path reaches. */
export interface ResourceEntry {
  /** Pulumi type token, for example `aws:dynamodb/table:Table`. */
  readonly type: string;
  /** The Pulumi name of the resource (the stable key paths refer to). */
  readonly name: string;
  readonly arn: string;
  /** Its region (for `kms:ViaService`). */
  readonly region: string;
  /** Its resource policy, if it has one. */
  readonly policy?: PolicyDocument;
  readonly encryption?: Encryption;
  /** The value of its `DataClass` tag, if tagged. */
  readonly dataClass?: string;
  /** KMS keys only: the aliases that point at it. */
  readonly aliases?: readonly string[];
  /** Aurora clusters only: the ARN of its database users, less `/<user>` (IAM authentication). */
  readonly dbUserArnPrefix?: string;
}

/** The IAM view of one stack. */
export interface IamModel {
  readonly stack: string;
  readonly accountId: string;
  readonly partition: string;
  readonly region: string;
  readonly principals: ReadonlyMap<string, Principal>;
  /** Resources by Pulumi type and name: `${type}::${name}`. */
  readonly resources: ReadonlyMap<string, ResourceEntry>;
  /** Every policy document of the stack, for the catalogue check. */
  readonly documents: readonly PolicySource[];
  /**
   * Resource policies that name a resource the stack does not have (for example a DynamoDB
   * resource policy on a table ARN of no planned table): the loader could not attach them.
   */
  readonly problems: readonly string[];
}

/** The key of a resource in `IamModel.resources`. */
export function resourceKey(type: string, name: string): string {
  return `${type}::${name}`;
}

/** Pulumi type tokens the IAM check reads. */
export const TYPES = {
  role: "aws:iam/role:Role",
  serviceLinkedRole: "aws:iam/serviceLinkedRole:ServiceLinkedRole",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  managedPolicy: "aws:iam/policy:Policy",
  key: "aws:kms/key:Key",
  replicaKey: "aws:kms/replicaKey:ReplicaKey",
  keyPolicy: "aws:kms/keyPolicy:KeyPolicy",
  alias: "aws:kms/alias:Alias",
  bucket: "aws:s3/bucket:Bucket",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  bucketEncryption:
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  queue: "aws:sqs/queue:Queue",
  queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
  topic: "aws:sns/topic:Topic",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  table: "aws:dynamodb/table:Table",
  tablePolicy: "aws:dynamodb/resourcePolicy:ResourcePolicy",
  secret: "aws:secretsmanager/secret:Secret",
  secretPolicy: "aws:secretsmanager/secretPolicy:SecretPolicy",
  stream: "aws:kinesis/stream:Stream",
  function: "aws:lambda/function:Function",
  permission: "aws:lambda/permission:Permission",
  cluster: "aws:rds/cluster:Cluster",
  mediaConvertQueue: "aws:mediaconvert/queue:Queue",
  configAggregator: "aws:cfg/configurationAggregator:ConfigurationAggregator",
} as const;
