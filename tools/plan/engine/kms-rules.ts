/**
 * Checks over the recorded resource graph for what AWS refuses on the first `up`:
 *
 * - ordering: a resource that a service validates against a KMS key when it is created must wait
 *   (through its recorded dependencies) for the key policy that lets the service use the key,
 *   and for the resource policies the service checks with it (`KEY_CHECKED_AT_CREATION`);
 * - principals: a key, bucket, queue or topic policy may name only principals that exist when
 *   it is applied (`POLICY_RESOURCES`).
 *
 * Only keys, queues and topics created in the same run are checked: the engine cannot know the
 * policy of one it did not create.
 */
import type { RecordedResource } from "./engine";
import { DependencyGraph, stringsWithin, type EngineViolation } from "./strict-rules";

const KEY_TYPES = new Set(["aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey"]);
const KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy";

/**
 * A resource, found from a value (id, ARN, URL) that the mocks gave it. Values are kept per
 * region too, because a key id is shared by a multi-Region key and its replicas.
 */
class Lookup {
  private readonly byValue = new Map<string, RecordedResource>();

  constructor(
    resources: readonly RecordedResource[],
    types: ReadonlySet<string>,
    fields: readonly string[],
  ) {
    for (const resource of resources) {
      if (!types.has(resource.type)) {
        continue;
      }
      for (const value of [resource.id, ...fields.map((field) => resource.state[field])]) {
        if (typeof value === "string" && value !== "") {
          this.byValue.set(value, resource);
          this.byValue.set(`${resource.region}\u0000${value}`, resource);
        }
      }
    }
  }

  /** The resource known by `value`, preferring one in `region`. */
  find(value: unknown, region?: string): RecordedResource | undefined {
    if (typeof value !== "string") {
      return undefined;
    }
    return (
      (region === undefined ? undefined : this.byValue.get(`${region}\u0000${value}`)) ??
      this.byValue.get(value)
    );
  }
}

/** Keys of the run by id, ARN and alias, and the key policies attached to each. */
class KeyIndex {
  private readonly keys: Lookup;
  private readonly aliases = new Map<string, RecordedResource>();
  private readonly policies = new Map<string, RecordedResource[]>();

  constructor(resources: readonly RecordedResource[]) {
    this.keys = new Lookup(resources, KEY_TYPES, ["arn", "keyId"]);
    for (const alias of resources.filter((r) => r.type === "aws:kms/alias:Alias")) {
      const key = this.keys.find(alias.inputs.targetKeyId, alias.region);
      if (key !== undefined) {
        for (const value of [alias.inputs.name, alias.state.arn]) {
          if (typeof value === "string") {
            // An alias name (alias/x) repeats in every region it is replicated to.
            this.aliases.set(`${alias.region}\u0000${value}`, key);
          }
        }
      }
    }
    for (const policy of resources.filter((r) => r.type === KEY_POLICY)) {
      const key = this.keys.find(policy.inputs.keyId, policy.region);
      if (key !== undefined) {
        this.policies.set(key.urn, [...(this.policies.get(key.urn) ?? []), policy]);
      }
    }
  }

  key(reference: unknown, region: string): RecordedResource | undefined {
    return (
      this.keys.find(reference, region) ??
      (typeof reference === "string" ? this.aliases.get(`${region}\u0000${reference}`) : undefined)
    );
  }

  /** What sets the key's policy: its KeyPolicy resources, else the key itself (inline policy). */
  policySetters(key: RecordedResource): readonly RecordedResource[] {
    return this.policies.get(key.urn) ?? [key];
  }
}

/** What a resource must wait for, and why. */
interface Requirement {
  /** What the service checks, for the message ("the key policy of <urn>"). */
  readonly what: string;
  /** Any one of these satisfies it. */
  readonly anyOf: readonly RecordedResource[];
}

interface Context {
  readonly keys: KeyIndex;
  readonly queues: Lookup;
  readonly topics: Lookup;
  readonly resources: readonly RecordedResource[];
}

/** A resource type that an AWS service validates against a KMS key when it is created. */
interface KeyCheckedAtCreation {
  readonly type: string;
  /** What the service does at creation, for the message. */
  readonly check: string;
  /** The AWS documentation of that check. */
  readonly doc: string;
  readonly requirements: (resource: RecordedResource, context: Context) => Requirement[];
}

function keyPolicyRequirement(
  keyReference: unknown,
  region: string,
  context: Context,
): Requirement[] {
  const key = context.keys.key(keyReference, region);
  return key === undefined
    ? []
    : [{ what: `the key policy of ${key.name}`, anyOf: context.keys.policySetters(key) }];
}

function listOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value)
    ? value.filter(
        (item): item is Record<string, unknown> => item !== null && typeof item === "object",
      )
    : [];
}

/** An S3 notification destination (queue or topic) created in this run: its key policy and its own policy. */
function destinationRequirements(
  destination: RecordedResource | undefined,
  policyType: string,
  policyTarget: (policy: RecordedResource) => unknown,
  context: Context,
): Requirement[] {
  if (destination === undefined) {
    return [];
  }
  const references = new Set(
    [destination.id, destination.state.arn, destination.state.url].filter(
      (value): value is string => typeof value === "string",
    ),
  );
  const policies = context.resources.filter(
    (resource) => resource.type === policyType && references.has(String(policyTarget(resource))),
  );
  return [
    ...keyPolicyRequirement(destination.inputs.kmsMasterKeyId, destination.region, context),
    ...(policies.length === 0
      ? []
      : [
          {
            what: `the policy of ${destination.name}`,
            anyOf: policies,
          },
        ]),
  ];
}

/** The cases, each with the AWS documentation of the check the service makes. */
export const KEY_CHECKED_AT_CREATION: readonly KeyCheckedAtCreation[] = [
  {
    type: "aws:cloudwatch/logGroup:LogGroup",
    check: "CloudWatch Logs checks the key policy when it creates an encrypted log group",
    doc: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
    requirements: (resource, context) =>
      keyPolicyRequirement(resource.inputs.kmsKeyId, resource.region, context),
  },
  {
    type: "aws:s3/bucketNotification:BucketNotification",
    check: "S3 sends each destination a test message when it saves the configuration",
    doc: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html",
    requirements: (resource, context) => [
      ...listOf(resource.inputs.queues).flatMap((queue) =>
        destinationRequirements(
          context.queues.find(queue.queueArn),
          "aws:sqs/queuePolicy:QueuePolicy",
          (policy) => policy.inputs.queueUrl,
          context,
        ),
      ),
      ...listOf(resource.inputs.topics).flatMap((topic) =>
        destinationRequirements(
          context.topics.find(topic.topicArn),
          "aws:sns/topicPolicy:TopicPolicy",
          (policy) => policy.inputs.arn,
          context,
        ),
      ),
    ],
  },
  {
    type: "eks:index:Cluster",
    check: "EKS checks that the cluster role may use the secrets key when it creates the cluster",
    doc: "https://docs.aws.amazon.com/eks/latest/userguide/envelope-encryption.html",
    requirements: (resource, context) =>
      keyPolicyRequirement(resource.inputs.encryptionConfigKeyArn, resource.region, context),
  },
];

/** Resources created before the key policy that the service checks when creating them. */
export function checkKeyOrdering(graph: DependencyGraph): EngineViolation[] {
  const context: Context = {
    keys: new KeyIndex(graph.resources),
    queues: new Lookup(graph.resources, new Set(["aws:sqs/queue:Queue"]), ["arn", "url"]),
    topics: new Lookup(graph.resources, new Set(["aws:sns/topic:Topic"]), ["arn"]),
    resources: graph.resources,
  };
  const violations: EngineViolation[] = [];
  for (const rule of KEY_CHECKED_AT_CREATION) {
    for (const resource of graph.resources.filter((r) => r.type === rule.type)) {
      const waitsFor = graph.dependenciesOf(resource.urn);
      for (const requirement of rule.requirements(resource, context)) {
        if (!requirement.anyOf.some((candidate) => waitsFor.has(candidate.urn))) {
          violations.push({
            rule: "kms-key-policy-order",
            subject: resource.urn,
            message: `must depend on ${requirement.anyOf.map((r) => r.urn).join(" or ")} (${requirement.what}): ${rule.check}, ${rule.doc}`,
          });
        }
      }
    }
  }
  return violations;
}

/** Resource policies whose principals AWS checks, with what it answers otherwise. */
export const POLICY_RESOURCES: Readonly<
  Record<string, { readonly refusal: string; readonly doc: string }>
> = {
  "aws:kms/keyPolicy:KeyPolicy": {
    refusal:
      "KMS refuses a key policy naming a principal that does not exist (MalformedPolicyDocumentException)",
    doc: "https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html",
  },
  "aws:kms/key:Key": {
    refusal:
      "KMS refuses a key policy naming a principal that does not exist (MalformedPolicyDocumentException)",
    doc: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html",
  },
  "aws:kms/replicaKey:ReplicaKey": {
    refusal:
      "KMS refuses a key policy naming a principal that does not exist (MalformedPolicyDocumentException)",
    doc: "https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html",
  },
  "aws:s3/bucketPolicy:BucketPolicy": {
    refusal:
      "S3 refuses a bucket policy naming a principal that does not exist (Invalid principal in policy)",
    doc: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
  },
  "aws:sqs/queuePolicy:QueuePolicy": {
    refusal:
      "SQS refuses a queue policy naming a principal that does not exist (InvalidAttributeValue)",
    doc: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
  },
  "aws:sns/topicPolicy:TopicPolicy": {
    refusal: "SNS refuses a topic policy naming a principal that does not exist (InvalidParameter)",
    doc: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
  },
};

/** Principals that always exist: everyone, and an account (by id or its root ARN). */
function alwaysExists(principal: string): boolean {
  return (
    principal === "*" ||
    /^\d{12}$/.test(principal) ||
    /^arn:aws[a-z-]*:iam::\d{12}:root$/.test(principal)
  );
}

/** The `Principal.AWS` values of a policy document. */
export function awsPrincipalsOf(policy: unknown): string[] {
  let document: unknown = policy;
  if (typeof policy === "string") {
    try {
      document = JSON.parse(policy);
    } catch {
      return [];
    }
  }
  if (document === null || typeof document !== "object") {
    return [];
  }
  const statements = (document as { Statement?: unknown }).Statement;
  return (Array.isArray(statements) ? statements : [statements]).flatMap((statement) => {
    if (statement === null || typeof statement !== "object") {
      return [];
    }
    const principal = (statement as { Principal?: unknown }).Principal;
    if (principal === null || typeof principal !== "object") {
      return [];
    }
    const aws = (principal as { AWS?: unknown }).AWS;
    return (Array.isArray(aws) ? aws : [aws]).filter(
      (value): value is string => typeof value === "string",
    );
  });
}

/** What else makes a principal known besides the policy's own dependencies. */
export interface KnownValues {
  /** Every string an invoke answered during the run (existing roles, the caller). */
  readonly invokeAnswers: ReadonlySet<string>;
  /** Every string in the stack config (declared prerequisites, such as admin role ARNs). */
  readonly configValues: ReadonlySet<string>;
  /** Principals the caller declares to exist (component tests' stand-ins). */
  readonly declared: ReadonlySet<string>;
}

/** Policies that name a principal the run neither creates before them nor knows to exist. */
export function checkPrincipals(graph: DependencyGraph, known: KnownValues): EngineViolation[] {
  const violations: EngineViolation[] = [];
  for (const resource of graph.resources) {
    const policyType = POLICY_RESOURCES[resource.type];
    if (policyType === undefined) {
      continue;
    }
    const unknown = awsPrincipalsOf(resource.inputs.policy).filter(
      (principal) =>
        !alwaysExists(principal) &&
        !known.invokeAnswers.has(principal) &&
        !known.configValues.has(principal) &&
        !known.declared.has(principal),
    );
    if (unknown.length === 0) {
      continue;
    }
    const created = new Set<string>();
    for (const urn of graph.dependenciesOf(resource.urn)) {
      const dependency = graph.byUrn.get(urn);
      if (dependency !== undefined) {
        stringsWithin(dependency.computed, created);
      }
    }
    for (const principal of new Set(unknown.filter((p) => !created.has(p)))) {
      violations.push({
        rule: "unknown-principal",
        subject: resource.urn,
        message: `names the principal ${principal}, which nothing it depends on creates, no lookup returned and the stack config does not declare; ${policyType.refusal}, ${policyType.doc}`,
      });
    }
  }
  return violations;
}
