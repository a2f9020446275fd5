import { asObject, dependentsOf, describe, objectsIn, stringsIn, tagsOf } from "./resource-facts";
import type { PlannedResource, ResourceRule } from "./types";

type Inputs = PlannedResource["inputs"];

/** How each store type proves encryption at rest with a customer-managed key. */
const ENCRYPTION_CHECKS: Readonly<Record<string, (inputs: Inputs) => boolean>> = {
  "aws:dynamodb/table:Table": (i) =>
    asObject(i.serverSideEncryption)?.enabled === true &&
    typeof asObject(i.serverSideEncryption)?.kmsKeyArn === "string",
  "aws:rds/cluster:Cluster": (i) => i.storageEncrypted === true && typeof i.kmsKeyId === "string",
  "aws:rds/instance:Instance": (i) => i.storageEncrypted === true && typeof i.kmsKeyId === "string",
  "aws:rds/globalCluster:GlobalCluster": (i) => i.storageEncrypted === true,
  "aws:cloudwatch/logGroup:LogGroup": (i) => typeof i.kmsKeyId === "string",
  "aws:sqs/queue:Queue": (i) => typeof i.kmsMasterKeyId === "string",
  "aws:sns/topic:Topic": (i) => typeof i.kmsMasterKeyId === "string",
  "aws:kinesis/stream:Stream": (i) => i.encryptionType === "KMS" && typeof i.kmsKeyId === "string",
  "aws:secretsmanager/secret:Secret": (i) => typeof i.kmsKeyId === "string",
  "aws:backup/vault:Vault": (i) => typeof i.kmsKeyArn === "string",
  "aws:ebs/volume:Volume": (i) => i.encrypted === true,
  "aws:efs/fileSystem:FileSystem": (i) => i.encrypted === true,
};

/** Stores are encrypted at rest with a customer-managed KMS key. */
export const encryptionAtRest: ResourceRule = {
  name: "encryption-at-rest",
  description: "Data stores are encrypted at rest with a customer-managed KMS key",
  enforcement: "mandatory",
  readsAllowedRegions: false,
  checkResource(resource) {
    const check = ENCRYPTION_CHECKS[resource.type];
    return check === undefined || check(resource.inputs)
      ? []
      : [`${describe(resource)} is not encrypted at rest with a customer-managed KMS key`];
  },
  // A bucket's default encryption is a resource of its own that depends on the bucket.
  checkStack(resource, context) {
    if (resource.type === "aws:s3/bucket:Bucket") {
      const encrypted = dependentsOf(
        resource,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        context.resources,
      ).some((config) =>
        objectsIn(config.inputs.rules).some((rule) => {
          const algorithm = asObject(rule.applyServerSideEncryptionByDefault)?.sseAlgorithm;
          // Load balancer access logs can only be written to SSE-S3 buckets (AWS's limit).
          return (
            algorithm === "aws:kms" ||
            algorithm === "aws:kms:dsse" ||
            (algorithm === "AES256" && tagsOf(resource).LogDelivery === "elb")
          );
        }),
      );
      return encrypted ? [] : [`${describe(resource)} has no default SSE-KMS encryption`];
    }
    return [];
  },
};

const PUBLIC_ACCESS_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
] as const;

/** Buckets block every kind of public access and grant nothing to everyone. */
export const noPublicBuckets: ResourceRule = {
  name: "no-public-buckets",
  description:
    "Buckets block all public access, and no bucket policy or ACL opens them to everyone",
  enforcement: "mandatory",
  readsAllowedRegions: false,
  checkResource(resource) {
    return resource.type === "aws:s3/bucket:Bucket" &&
      ["public-read", "public-read-write"].includes(String(resource.inputs.acl))
      ? [`${describe(resource)} has the public ACL ${String(resource.inputs.acl)}`]
      : [];
  },
  // The access block, the policy and the ACL of a bucket are resources that depend on it.
  checkStack(resource, context) {
    if (resource.type !== "aws:s3/bucket:Bucket") {
      return [];
    }
    const problems: string[] = [];
    const blocks = dependentsOf(
      resource,
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      context.resources,
    );
    const complete = blocks.some((block) =>
      PUBLIC_ACCESS_FLAGS.every((flag) => block.inputs[flag] === true),
    );
    if (!complete) {
      problems.push(
        `${describe(resource)} does not block all public access (${PUBLIC_ACCESS_FLAGS.join(", ")})`,
      );
    }
    for (const policy of dependentsOf(
      resource,
      "aws:s3/bucketPolicy:BucketPolicy",
      context.resources,
    )) {
      for (const statement of statementsOf(policy.inputs.policy)) {
        if (
          statement.Effect === "Allow" &&
          isEveryone(statement.Principal) &&
          statement.Condition === undefined
        ) {
          problems.push(
            `${describe(resource)} has a policy statement allowing everyone (${policy.name})`,
          );
        }
      }
    }
    for (const acl of dependentsOf(resource, "aws:s3/bucketAcl:BucketAcl", context.resources)) {
      if (
        ["public-read", "public-read-write", "authenticated-read"].includes(String(acl.inputs.acl))
      ) {
        problems.push(`${describe(resource)} has the public ACL ${String(acl.inputs.acl)}`);
      }
    }
    return problems;
  },
};

const ADMIN_POLICY = /:iam::aws:policy\/AdministratorAccess$/;

/** No IAM statement allows every action on every resource, and nobody gets AdministratorAccess. */
export const noWildcardIam: ResourceRule = {
  name: "no-wildcard-iam",
  description:
    'No IAM policy allows "*" actions on "*" resources, and no role gets AdministratorAccess',
  enforcement: "mandatory",
  readsAllowedRegions: false,
  checkResource(resource) {
    const documents = policyDocumentsOf(resource);
    const problems = documents.flatMap(({ label, document }) =>
      statementsOf(document)
        .filter((statement) => statement.Effect === "Allow")
        .filter((statement) => stringsIn(statement.Action).some((a) => a === "*" || a === "*:*"))
        .filter((statement) => stringsIn(statement.Resource).includes("*"))
        .map(
          (statement) =>
            `${describe(resource)}${label} allows "*" actions on "*" resources${typeof statement.Sid === "string" ? ` (statement ${statement.Sid})` : ""}`,
        ),
    );
    const managed = [
      ...stringsIn(resource.inputs.managedPolicyArns),
      ...stringsIn(resource.inputs.policyArn),
    ];
    if (managed.some((arn) => ADMIN_POLICY.test(arn))) {
      problems.push(`${describe(resource)} attaches AdministratorAccess`);
    }
    return problems;
  },
};

/** The IAM documents a resource carries, with where they sit. */
function policyDocumentsOf(resource: PlannedResource): { label: string; document: unknown }[] {
  switch (resource.type) {
    case "aws:iam/rolePolicy:RolePolicy":
    case "aws:iam/policy:Policy":
    case "aws:iam/userPolicy:UserPolicy":
    case "aws:iam/groupPolicy:GroupPolicy":
      return [{ label: "", document: resource.inputs.policy }];
    case "aws:iam/role:Role":
      return objectsIn(resource.inputs.inlinePolicies).map((inline) => ({
        label: ` inline policy ${typeof inline.name === "string" ? inline.name : "(unnamed)"}`,
        document: inline.policy,
      }));
    default:
      return [];
  }
}

/** Statements of a policy document given as JSON text or an object. */
export function statementsOf(document: unknown): Readonly<Record<string, unknown>>[] {
  const statement = asObject(document)?.Statement;
  return Array.isArray(statement)
    ? objectsIn(statement)
    : statement === undefined
      ? []
      : objectsIn([statement]);
}

function isEveryone(principal: unknown): boolean {
  return principal === "*" || stringsIn(asObject(principal)?.AWS).includes("*");
}

/** Ports the world may reach: the web. */
const WEB_PORTS = new Set([80, 443]);
const WORLD = new Set(["0.0.0.0/0", "::/0"]);

interface IngressRule {
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly cidrs: readonly string[];
}

function ingressRulesOf(resource: PlannedResource): IngressRule[] {
  const rule = (
    inputs: Readonly<Record<string, unknown>>,
    protocolKey: string,
    cidrs: string[],
  ): IngressRule => ({
    protocol: typeof inputs[protocolKey] === "string" ? inputs[protocolKey] : "-1",
    fromPort: Number(inputs.fromPort ?? 0),
    toPort: Number(inputs.toPort ?? 65535),
    cidrs,
  });
  switch (resource.type) {
    case "aws:ec2/securityGroup:SecurityGroup":
      return objectsIn(resource.inputs.ingress).map((ingress) =>
        rule(ingress, "protocol", [
          ...stringsIn(ingress.cidrBlocks),
          ...stringsIn(ingress.ipv6CidrBlocks),
        ]),
      );
    case "aws:ec2/securityGroupRule:SecurityGroupRule":
      return resource.inputs.type === "ingress"
        ? [
            rule(resource.inputs, "protocol", [
              ...stringsIn(resource.inputs.cidrBlocks),
              ...stringsIn(resource.inputs.ipv6CidrBlocks),
            ]),
          ]
        : [];
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      return [
        rule(resource.inputs, "ipProtocol", [
          ...stringsIn(resource.inputs.cidrIpv4),
          ...stringsIn(resource.inputs.cidrIpv6),
        ]),
      ];
    default:
      return [];
  }
}

/** Opens only the web ports to the whole internet; everything else comes from known sources. */
export const noWorldOpenIngress: ResourceRule = {
  name: "no-world-open-ingress",
  description: "Security groups open only ports 80 and 443 to the whole internet",
  enforcement: "mandatory",
  readsAllowedRegions: false,
  checkResource(resource: PlannedResource) {
    return ingressRulesOf(resource)
      .filter((rule) => rule.cidrs.some((cidr) => WORLD.has(cidr)))
      .filter((rule) => {
        const allProtocols = rule.protocol === "-1" || rule.protocol === "all";
        const onlyWeb =
          !allProtocols && rule.fromPort === rule.toPort && WEB_PORTS.has(rule.fromPort);
        return !onlyWeb;
      })
      .map((rule) => {
        const ports =
          rule.protocol === "-1" || rule.protocol === "all"
            ? "all ports"
            : rule.fromPort === rule.toPort
              ? `port ${rule.fromPort}`
              : `ports ${rule.fromPort}-${rule.toPort}`;
        return `${describe(resource)} opens ${ports} (${rule.protocol}) to the whole internet; only 80 and 443 may be`;
      });
  },
};
