/**
 * Reads the IAM view of a planned stack from the resources the offline engine recorded: roles
 * with their inline, customer-managed and attached policies and trust policies; KMS keys with
 * their key policies and aliases; buckets, queues, topics, tables, secrets and functions with
 * their resource policies and the keys that encrypt them.
 */
import type { RecordedResource } from "../engine";
import {
  resourceKey,
  TYPES,
  type Encryption,
  type IamModel,
  type PolicyDocument,
  type PolicyKind,
  type PolicySource,
  type PolicyStatement,
  type Principal,
  type ResourceEntry,
} from "./model";

/** Thrown when a planned resource carries something the loader cannot read as IAM. */
export class IamLoadError extends Error {}

/** Builds the IAM model of one stack from its recorded resources. */
export function loadIamModel(
  stack: string,
  region: string,
  recorded: readonly RecordedResource[],
): IamModel {
  const custom = recorded.filter((r) => r.custom);
  const { accountId, partition } = accountOf(custom);
  const documents: PolicySource[] = [];
  const problems: string[] = [];
  const read = (resource: RecordedResource, field: string, kind: PolicyKind) => {
    const document = parseDocument(resource, field);
    if (document !== undefined) {
      documents.push({ resource: `${resource.type} ${resource.name}`, kind, document });
    }
    return document;
  };

  // Roles, by their physical name (what policies and attachments refer to).
  const roleByPhysicalName = new Map<
    string,
    { principal: Principal; resource: RecordedResource }
  >();
  const principals = new Map<string, Principal>();
  const managedDocuments = new Map<string, PolicyDocument>();
  for (const resource of custom.filter((r) => r.type === TYPES.managedPolicy)) {
    const document = read(resource, "policy", "identity");
    if (document !== undefined) {
      managedDocuments.set(stringOf(resource, "arn"), document);
    }
  }
  for (const resource of custom.filter((r) => r.type === TYPES.role)) {
    const inline = arrayOf(resource.inputs.inlinePolicies).map((entry, index) => {
      const policy = (entry as { name?: unknown; policy?: unknown }).policy;
      return {
        name: `inline-${index}`,
        document: parseJson(resource, `inlinePolicies[${index}]`, policy),
      };
    });
    for (const policy of inline) {
      documents.push({
        resource: `${resource.type} ${resource.name}`,
        kind: "identity",
        document: policy.document,
      });
    }
    const managed = arrayOf(resource.inputs.managedPolicyArns).map(String);
    const trust = read(resource, "assumeRolePolicy", "trust");
    const principal: MutablePrincipal = {
      name: resource.name,
      arn: stringOf(resource, "arn"),
      policies: [...inline],
      opaquePolicies: [],
      ...(trust === undefined ? {} : { trust }),
    };
    attachManaged(principal, managed, managedDocuments);
    principals.set(resource.name, principal);
    roleByPhysicalName.set(stringOf(resource, "name"), { principal, resource });
  }
  for (const resource of custom.filter((r) => r.type === TYPES.serviceLinkedRole)) {
    const arn = stringOf(resource, "arn");
    principals.set(resource.name, {
      name: resource.name,
      arn,
      policies: [],
      // A service-linked role's permissions are AWS's own policy.
      opaquePolicies: [`service-linked:${String(resource.inputs.awsServiceName)}`],
    });
  }
  const roleNamed = (resource: RecordedResource): MutablePrincipal => {
    const name = typeof resource.inputs.role === "string" ? resource.inputs.role : "";
    // The role input is a name, or an ARN whose last segment is the name.
    const entry =
      roleByPhysicalName.get(name) ?? roleByPhysicalName.get(name.split("/").pop() ?? "");
    if (entry === undefined) {
      throw new IamLoadError(
        `${resource.type} ${resource.name}: role ${JSON.stringify(name)} is no role of the plan`,
      );
    }
    return entry.principal as MutablePrincipal;
  };
  for (const resource of custom.filter((r) => r.type === TYPES.rolePolicy)) {
    const document = read(resource, "policy", "identity");
    if (document !== undefined) {
      roleNamed(resource).policies.push({ name: resource.name, document });
    }
  }
  for (const resource of custom.filter((r) => r.type === TYPES.rolePolicyAttachment)) {
    attachManaged(roleNamed(resource), [String(resource.inputs.policyArn)], managedDocuments);
  }

  // Keys: ARN by id, ARN and alias; policies from the key, a KeyPolicy or a replica key.
  const keys = new Map<string, MutableEntry>();
  const keyArnByReference = new Map<string, string>();
  for (const resource of custom.filter(
    (r) => r.type === TYPES.key || r.type === TYPES.replicaKey,
  )) {
    const arn = stringOf(resource, "arn");
    const policy = read(resource, "policy", "resource");
    const entry: MutableEntry = {
      type: resource.type,
      name: resource.name,
      arn,
      region: resource.region,
      aliases: [],
      ...(policy === undefined ? {} : { policy }),
      ...dataClassOf(resource),
    };
    keys.set(arn, entry);
    keyArnByReference.set(arn, arn);
    // A replica key shares its id with its primary: the id names the key of the stack's region.
    if (resource.region === region) {
      keyArnByReference.set(stringOf(resource, "keyId"), arn);
    }
  }
  for (const resource of custom.filter((r) => r.type === TYPES.keyPolicy)) {
    const keyArn = keyArnByReference.get(String(resource.inputs.keyId));
    const policy = read(resource, "policy", "resource");
    const entry = keyArn === undefined ? undefined : keys.get(keyArn);
    if (entry === undefined) {
      problems.push(
        `${resource.type} ${resource.name}: key ${String(resource.inputs.keyId)} is no key of the plan`,
      );
    } else if (policy !== undefined) {
      entry.policy = policy;
    }
  }
  for (const resource of custom.filter((r) => r.type === TYPES.alias)) {
    const keyArn = keyArnByReference.get(String(resource.inputs.targetKeyId));
    const entry = keyArn === undefined ? undefined : keys.get(keyArn);
    if (entry !== undefined && resource.region === entry.region) {
      const alias = String(resource.inputs.name);
      entry.aliases = [...(entry.aliases ?? []), alias];
      keyArnByReference.set(alias, keyArn ?? "");
      keyArnByReference.set(
        `arn:${partition}:kms:${entry.region}:${accountId}:${alias}`,
        keyArn ?? "",
      );
    }
  }
  const keyArnOf = (owner: RecordedResource, reference: unknown): string | undefined => {
    if (reference === undefined || reference === null || reference === "") {
      return undefined;
    }
    const arn = typeof reference === "string" ? keyArnByReference.get(reference) : undefined;
    if (arn === undefined) {
      problems.push(
        `${owner.type} ${owner.name}: its key ${JSON.stringify(reference)} is no key of the plan`,
      );
    }
    return arn;
  };

  const resources = new Map<string, ResourceEntry>();
  for (const entry of keys.values()) {
    resources.set(resourceKey(entry.type, entry.name), entry);
  }
  const byArn = new Map<string, MutableEntry>();
  const add = (
    resource: RecordedResource,
    arn: string,
    encryption?: Encryption,
    name: string = resource.name,
    entryRegion: string = resource.region,
  ): MutableEntry => {
    const entry: MutableEntry = {
      type: resource.type,
      name,
      arn,
      region: entryRegion,
      ...(encryption === undefined ? {} : { encryption }),
      ...dataClassOf(resource),
    };
    resources.set(resourceKey(resource.type, name), entry);
    byArn.set(arn, entry);
    return entry;
  };
  const encrypted = (
    service: Encryption["service"],
    keyArn: string | undefined,
    extra: Partial<Encryption> = {},
  ): Encryption | undefined => (keyArn === undefined ? undefined : { keyArn, service, ...extra });

  // Buckets: encryption from their configuration, policy from their bucket policy.
  const bucketEncryption = new Map<string, Encryption>();
  for (const resource of custom.filter((r) => r.type === TYPES.bucketEncryption)) {
    const rule = arrayOf(resource.inputs.rules)[0] as
      | {
          applyServerSideEncryptionByDefault?: { kmsMasterKeyId?: unknown; sseAlgorithm?: unknown };
          bucketKeyEnabled?: unknown;
        }
      | undefined;
    const byDefault = rule?.applyServerSideEncryptionByDefault;
    const keyArn =
      byDefault?.sseAlgorithm === "aws:kms" || byDefault?.sseAlgorithm === "aws:kms:dsse"
        ? keyArnOf(resource, byDefault.kmsMasterKeyId)
        : undefined;
    const encryption = encrypted("s3", keyArn, { bucketKey: rule?.bucketKeyEnabled === true });
    if (encryption !== undefined) {
      bucketEncryption.set(String(resource.inputs.bucket), encryption);
    }
  }
  const bucketByName = new Map<string, MutableEntry>();
  for (const resource of custom.filter((r) => r.type === TYPES.bucket)) {
    const bucket = stringOf(resource, "bucket");
    bucketByName.set(
      bucket,
      add(resource, stringOf(resource, "arn"), bucketEncryption.get(bucket)),
    );
  }
  for (const resource of custom.filter((r) => r.type === TYPES.bucketPolicy)) {
    attachPolicy(resource, bucketByName.get(String(resource.inputs.bucket)), read, problems);
  }

  const queueByUrl = new Map<string, MutableEntry>();
  for (const resource of custom.filter((r) => r.type === TYPES.queue)) {
    const entry = add(
      resource,
      stringOf(resource, "arn"),
      encrypted("sqs", keyArnOf(resource, resource.inputs.kmsMasterKeyId)),
    );
    queueByUrl.set(stringOf(resource, "url"), entry);
    const inline = read(resource, "policy", "resource");
    if (inline !== undefined) {
      entry.policy = inline;
    }
  }
  for (const resource of custom.filter((r) => r.type === TYPES.queuePolicy)) {
    attachPolicy(resource, queueByUrl.get(String(resource.inputs.queueUrl)), read, problems);
  }

  for (const resource of custom.filter((r) => r.type === TYPES.topic)) {
    add(
      resource,
      stringOf(resource, "arn"),
      encrypted("sns", keyArnOf(resource, resource.inputs.kmsMasterKeyId)),
    );
  }
  for (const resource of custom.filter((r) => r.type === TYPES.topicPolicy)) {
    attachPolicy(resource, byArn.get(String(resource.inputs.arn)), read, problems);
  }

  for (const resource of custom.filter((r) => r.type === TYPES.table)) {
    const sse = resource.inputs.serverSideEncryption as
      { enabled?: unknown; kmsKeyArn?: unknown } | undefined;
    const arn = stringOf(resource, "arn");
    const entry = add(
      resource,
      arn,
      sse?.enabled === true ? encrypted("dynamodb", keyArnOf(resource, sse.kmsKeyArn)) : undefined,
    );
    const inline = read(resource, "resourcePolicy", "resource");
    if (inline !== undefined) {
      entry.policy = inline;
    }
    // A table's stream (`<table>#stream`) is a resource with a policy of its own.
    const streamArn = resource.state.streamArn;
    if (typeof streamArn === "string" && streamArn !== "") {
      add(resource, streamArn, entry.encryption, streamName(resource.name));
    }
    // Each replica of a global table is a table of its own region, with a policy and a stream
    // of its own.
    const replicaStates = arrayOf(resource.state.replicas);
    for (const replica of arrayOf(resource.inputs.replicas)) {
      const { regionName, kmsKeyArn } = replica as { regionName?: unknown; kmsKeyArn?: unknown };
      const replicaRegion = String(regionName);
      const replicaName = `${resource.name}@${replicaRegion}`;
      const replicaEncryption = encrypted("dynamodb", keyArnOf(resource, kmsKeyArn));
      add(
        resource,
        arn.replace(`:dynamodb:${resource.region}:`, `:dynamodb:${replicaRegion}:`),
        replicaEncryption,
        replicaName,
        replicaRegion,
      );
      const replicaStream = replicaStates
        .map((state) => state as { regionName?: unknown; streamArn?: unknown })
        .find((state) => state.regionName === regionName)?.streamArn;
      if (typeof replicaStream === "string" && replicaStream !== "") {
        add(resource, replicaStream, replicaEncryption, streamName(replicaName), replicaRegion);
      }
    }
  }
  for (const resource of custom.filter((r) => r.type === TYPES.tablePolicy)) {
    attachPolicy(resource, byArn.get(String(resource.inputs.resourceArn)), read, problems);
  }

  for (const resource of custom.filter((r) => r.type === TYPES.secret)) {
    const entry = add(
      resource,
      stringOf(resource, "arn"),
      encrypted("secretsmanager", keyArnOf(resource, resource.inputs.kmsKeyId)),
    );
    const inline = read(resource, "policy", "resource");
    if (inline !== undefined) {
      entry.policy = inline;
    }
  }
  for (const resource of custom.filter((r) => r.type === TYPES.secretPolicy)) {
    attachPolicy(resource, byArn.get(String(resource.inputs.secretArn)), read, problems);
  }

  for (const resource of custom.filter((r) => r.type === TYPES.stream)) {
    add(
      resource,
      stringOf(resource, "arn"),
      resource.inputs.encryptionType === "KMS"
        ? encrypted("kinesis", keyArnOf(resource, resource.inputs.kmsKeyId))
        : undefined,
    );
  }

  for (const resource of custom.filter((r) => r.type === TYPES.configAggregator)) {
    add(resource, stringOf(resource, "arn"));
  }
  // Functions: their invoke permissions make up their resource policy.
  const functionByName = new Map<string, MutableEntry>();
  for (const resource of custom.filter((r) => r.type === TYPES.function)) {
    functionByName.set(stringOf(resource, "name"), add(resource, stringOf(resource, "arn")));
  }
  for (const resource of custom.filter((r) => r.type === TYPES.permission)) {
    const target = String(resource.inputs.function);
    const entry = functionByName.get(target) ?? byArn.get(target);
    if (entry === undefined) {
      problems.push(
        `${resource.type} ${resource.name}: function ${target} is no function of the plan`,
      );
      continue;
    }
    const statement = permissionStatement(resource, entry.arn);
    const policy: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [...(entry.policy?.Statement ?? []), statement],
    };
    entry.policy = policy;
    documents.push({
      resource: `${resource.type} ${resource.name}`,
      kind: "resource",
      document: { Version: "2012-10-17", Statement: [statement] },
    });
  }

  for (const resource of custom.filter((r) => r.type === TYPES.mediaConvertQueue)) {
    add(resource, stringOf(resource, "arn"));
  }
  for (const resource of custom.filter((r) => r.type === TYPES.cluster)) {
    const entry = add(resource, stringOf(resource, "arn"));
    const resourceId = resource.state.clusterResourceId;
    if (typeof resourceId === "string" && resourceId !== "") {
      // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html
      entry.dbUserArnPrefix = `arn:${partition}:rds-db:${resource.region}:${accountId}:dbuser:${resourceId}`;
    }
  }

  return {
    stack,
    accountId,
    partition,
    region,
    principals,
    resources,
    documents,
    problems,
  };
}

interface MutablePrincipal extends Principal {
  policies: { name: string; document: PolicyDocument }[];
  opaquePolicies: string[];
}

interface MutableEntry extends ResourceEntry {
  policy?: PolicyDocument;
  aliases?: readonly string[];
  dbUserArnPrefix?: string;
}

function attachManaged(
  principal: MutablePrincipal,
  arns: readonly string[],
  managedDocuments: ReadonlyMap<string, PolicyDocument>,
): void {
  for (const arn of arns) {
    const document = managedDocuments.get(arn);
    if (document === undefined) {
      principal.opaquePolicies.push(arn);
    } else {
      principal.policies.push({ name: arn, document });
    }
  }
}

function attachPolicy(
  resource: RecordedResource,
  entry: MutableEntry | undefined,
  read: (resource: RecordedResource, field: string, kind: PolicyKind) => PolicyDocument | undefined,
  problems: string[],
): void {
  const document = read(resource, "policy", "resource");
  if (entry === undefined) {
    problems.push(
      `${resource.type} ${resource.name}: the resource it governs is no resource of the plan`,
    );
    return;
  }
  if (document !== undefined) {
    if (entry.policy !== undefined) {
      problems.push(
        `${resource.type} ${resource.name}: ${entry.name} has a second resource policy`,
      );
    }
    entry.policy = document;
  }
}

/** The statement a Lambda permission adds to its function's resource policy. */
function permissionStatement(resource: RecordedResource, functionArn: string): PolicyStatement {
  const principal = String(resource.inputs.principal);
  const conditions: Record<string, Record<string, string>> = {};
  if (typeof resource.inputs.sourceArn === "string") {
    conditions.ArnLike = { "aws:SourceArn": resource.inputs.sourceArn };
  }
  if (typeof resource.inputs.sourceAccount === "string") {
    conditions.StringEquals = { "aws:SourceAccount": resource.inputs.sourceAccount };
  }
  return {
    Sid: resource.name.replace(/[^A-Za-z0-9]/g, ""),
    Effect: "Allow",
    Principal: principal.endsWith(".amazonaws.com") ? { Service: principal } : { AWS: principal },
    Action: String(resource.inputs.action),
    Resource: functionArn,
    ...(Object.keys(conditions).length === 0 ? {} : { Condition: conditions }),
  };
}

function accountOf(resources: readonly RecordedResource[]): {
  accountId: string;
  partition: string;
} {
  for (const resource of resources) {
    if (resource.type === TYPES.role) {
      const match = /^arn:([a-z-]+):iam::(\d{12}):role\//.exec(stringOf(resource, "arn"));
      if (match?.[1] !== undefined && match[2] !== undefined) {
        return { partition: match[1], accountId: match[2] };
      }
    }
  }
  throw new IamLoadError("the plan has no IAM role, so its account is unknown");
}

function dataClassOf(resource: RecordedResource): { dataClass?: string } {
  const tags = resource.inputs.tags as Record<string, unknown> | undefined;
  const dataClass = tags?.DataClass;
  return typeof dataClass === "string" ? { dataClass } : {};
}

/** A computed or input attribute that must be a non-empty string. */
/** The model's name of a table's stream: `<table>#stream` (`<table>@<region>#stream`). */
export function streamName(tableName: string): string {
  return `${tableName}#stream`;
}

function stringOf(resource: RecordedResource, field: string): string {
  const value = resource.state[field] ?? resource.inputs[field];
  if (typeof value !== "string" || value === "") {
    throw new IamLoadError(
      `${resource.type} ${resource.name}: ${field} is ${JSON.stringify(value)}, expected a string`,
    );
  }
  return value;
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function parseDocument(resource: RecordedResource, field: string): PolicyDocument | undefined {
  const value = resource.inputs[field];
  if (value === undefined || value === null || value === "") {
    return undefined;
  }
  return parseJson(resource, field, value);
}

function parseJson(resource: RecordedResource, field: string, value: unknown): PolicyDocument {
  let parsed: unknown = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new IamLoadError(
        `${resource.type} ${resource.name}: ${field} is not JSON (${(error as Error).message})`,
      );
    }
  }
  const statements = (parsed as { Statement?: unknown } | null)?.Statement;
  if (parsed === null || typeof parsed !== "object" || statements === undefined) {
    throw new IamLoadError(
      `${resource.type} ${resource.name}: ${field} is not a policy document (no Statement)`,
    );
  }
  const document = parsed as { Version?: string; Statement: unknown };
  return {
    ...(document.Version === undefined ? {} : { Version: document.Version }),
    Statement: (Array.isArray(statements) ? statements : [statements]) as PolicyStatement[],
  };
}
