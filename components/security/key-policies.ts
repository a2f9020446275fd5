import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { accountRootArn, regionalServicePrincipal, type AwsContext } from "../shared/context";
import type { DataClass } from "../shared/tags";

/**
 * Data classes that get a customer-managed key of their own. The home-region directory has its
 * own multi-region keys (components/data/home-region.ts), so it is not one of them.
 */
export type KeyedDataClass = Exclude<DataClass, "none" | "pseudonymous-directory">;
export const KEYED_DATA_CLASSES: readonly KeyedDataClass[] = ["user-data", "content", "telemetry"];

/**
 * Administration of a symmetric encryption key, without the right to use it for data: the key
 * administrators' actions of KMS's default key policy, named one by one. The default policy's
 * wildcards would also allow more than administration: `kms:Create*` includes `kms:CreateGrant`,
 * with which the holder grants itself (or anyone) the right to decrypt. Whoever needs a grant gets
 * it through a service (`KEY_USE_THROUGH_SERVICE_ACTIONS`) or a statement of its own.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-administrators
 * https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html
 */
export const KEY_ADMIN_ACTIONS = [
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:UpdateAlias",
  "kms:DescribeKey",
  "kms:UpdateKeyDescription",
  "kms:EnableKey",
  "kms:DisableKey",
  "kms:EnableKeyRotation",
  "kms:DisableKeyRotation",
  "kms:GetKeyRotationStatus",
  "kms:ListKeyRotations",
  "kms:RotateKeyOnDemand",
  "kms:GetKeyPolicy",
  "kms:ListKeyPolicies",
  "kms:PutKeyPolicy",
  "kms:ListGrants",
  "kms:RevokeGrant",
  "kms:ListResourceTags",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
] as const;

/** What administering a multi-Region key adds: replicating it and moving its primary. */
export const MULTI_REGION_KEY_ADMIN_ACTIONS = [
  "kms:ReplicateKey",
  "kms:UpdatePrimaryRegion",
] as const;

/** Actions that use a key for data, or let someone else do so; never an administrator's. */
export const KEY_DATA_ACTIONS = [
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:GenerateDataKeyPair",
  "kms:GenerateDataKeyPairWithoutPlaintext",
  "kms:CreateGrant",
  "kms:RetireGrant",
] as const;

/** What AWS services need to encrypt a store with a customer-managed key on a caller's behalf. */
export const KEY_USE_THROUGH_SERVICE_ACTIONS = [
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncrypt*",
  "kms:GenerateDataKey*",
  "kms:CreateGrant",
  "kms:DescribeKey",
] as const;

/** AWS services through which this account's principals may use each class's key. */
export const KEY_SERVICES: Readonly<Record<KeyedDataClass, readonly string[]>> = {
  "user-data": ["rds", "dynamodb", "secretsmanager", "backup", "sqs", "sns", "ec2", "s3"],
  content: ["s3", "sqs", "sns", "dynamodb", "secretsmanager", "ecr"],
  telemetry: ["sqs", "sns", "kinesis", "s3", "lambda"],
};

/** A principal named in a key policy, with exactly what it may do with the key. */
export interface KeyUser {
  /** Statement id, letters and digits only. */
  readonly sid: string;
  /**
   * Who: an IAM role ARN (`{ AWS: arn }`) or an AWS service principal (`{ Service: name }`, which
   * should come with a condition naming the resource, such as `AWS:SourceArn`).
   */
  readonly principal: { readonly AWS: pulumi.Input<string> } | { readonly Service: string };
  /** Key actions, for example `kms:Encrypt`. */
  readonly actions: readonly string[];
  /** Condition, for example an encryption-context requirement. @default none */
  readonly condition?: aws.iam.PolicyStatement["Condition"];
}

/**
 * What a service-linked role that launches instances needs of the key their EBS volumes are
 * encrypted with: to use the key, and to grant it to the volumes (for AWS resources only). Auto
 * Scaling launches through AWSServiceRoleForAutoScaling, EC2 Spot through AWSServiceRoleForEC2Spot.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/service-linked-roles-spot-instance-requests.html
 */
export function volumeLauncherKeyUsers(
  sidPrefix: string,
  roleArn: pulumi.Input<string>,
): readonly KeyUser[] {
  return [
    {
      sid: `${sidPrefix}EncryptsVolumes`,
      principal: { AWS: roleArn },
      actions: [
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:DescribeKey",
      ],
    },
    {
      sid: `${sidPrefix}GrantsVolumesTheKey`,
      principal: { AWS: roleArn },
      actions: ["kms:CreateGrant"],
      condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    },
  ];
}

/**
 * The account root (and so the account's IAM policies) administers a key, without the right to
 * use it for data.
 */
export function keyAdministration(
  context: AwsContext,
  multiRegion: boolean = false,
): aws.iam.PolicyStatement {
  return {
    Sid: "AccountAdministersTheKey",
    Effect: "Allow",
    Principal: { AWS: accountRootArn(context) },
    Action: [...KEY_ADMIN_ACTIONS, ...(multiRegion ? MULTI_REGION_KEY_ADMIN_ACTIONS : [])],
    Resource: "*",
  };
}

/** This account's principals may use a key only through the given AWS services of its region. */
export function keyUseThroughServices(
  sid: string,
  services: readonly string[],
  context: AwsContext,
): aws.iam.PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: { AWS: accountRootArn(context) },
    Action: [...KEY_USE_THROUGH_SERVICE_ACTIONS],
    Resource: "*",
    Condition: {
      StringEquals: {
        "kms:CallerAccount": context.accountId,
        "kms:ViaService": services.map((service) => regionalServicePrincipal(service, context)),
      },
    },
  };
}

/** A named user's statement: exactly its actions, under its condition. */
export function keyUserStatement(user: KeyUser): aws.iam.PolicyStatement {
  return {
    Sid: user.sid,
    Effect: "Allow",
    Principal: user.principal,
    Action: [...user.actions],
    Resource: "*",
    ...(user.condition === undefined ? {} : { Condition: user.condition }),
  };
}

/**
 * The encryption context of the values in the PII token vault (functions/security/pii-tokenize): only the
 * principals named to decrypt under it may.
 */
export const VAULT_ENCRYPTION_CONTEXT = { key: "purpose", value: "pii-vault" } as const;

const VAULT_CONTEXT_CONDITION_KEY = `kms:EncryptionContext:${VAULT_ENCRYPTION_CONTEXT.key}`;

/** Whether a named user's statement is the one that decrypts vault values. */
function decryptsVaultValues(user: KeyUser): boolean {
  const equals = (user.condition as Record<string, Record<string, unknown>> | undefined)
    ?.StringEquals;
  return (
    user.actions.includes("kms:Decrypt") &&
    "AWS" in user.principal &&
    equals?.[VAULT_CONTEXT_CONDITION_KEY] === VAULT_ENCRYPTION_CONTEXT.value
  );
}

/**
 * Vault values decrypt for their named reader only. Other statements of the key (the volume
 * launchers', the data lake's, the EKS secrets encryption's) allow `kms:Decrypt` without an
 * encryption-context condition, so without this Deny each of them could decrypt a vault value
 * read from the vault. The Deny names the context the vault uses, so it never touches the
 * contexts that AWS services send (`aws:s3:arn`, `aws:dynamodb:tableName`, ...). `ReEncryptFrom`
 * is denied too: re-encrypting a vault value under another key would let its caller decrypt it
 * there. https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context
 */
export function vaultDecryptionGuard(users: readonly KeyUser[]): aws.iam.PolicyStatement {
  const readers = users
    .filter(decryptsVaultValues)
    .flatMap((user) => ("AWS" in user.principal ? [user.principal.AWS] : []));
  return {
    Sid: "OnlyTheVaultReaderDecryptsVaultValues",
    Effect: "Deny",
    Principal: "*",
    Action: ["kms:Decrypt", "kms:ReEncryptFrom"],
    Resource: "*",
    Condition: {
      StringEquals: { [VAULT_CONTEXT_CONDITION_KEY]: VAULT_ENCRYPTION_CONTEXT.value },
      ...(readers.length === 0 ? {} : { ArnNotEquals: { "aws:PrincipalArn": readers } }),
    },
  };
}

/**
 * The key policy of a data class's CMK. Nobody may use the key for data by default: the account
 * root administers it; this account's principals may use it only through the AWS services of its
 * class (`kms:ViaService`), which is how encrypted stores work; CloudWatch Logs may use the
 * telemetry key for this account's log groups; and each named user may do exactly its actions.
 * On the user-data key, vault values decrypt for their named reader only (`vaultDecryptionGuard`).
 */
export function dataKeyPolicy(
  dataClass: KeyedDataClass,
  context: AwsContext,
  users: readonly KeyUser[] = [],
): aws.iam.PolicyDocument {
  const statements: aws.iam.PolicyStatement[] = [
    // Only the user-data key is multi-Region (DataKeys), so only it is replicated.
    keyAdministration(context, dataClass === "user-data"),
    keyUseThroughServices("AccountUsesTheKeyThroughItsStores", KEY_SERVICES[dataClass], context),
  ];
  if (dataClass === "telemetry") {
    statements.push({
      Sid: "CloudWatchLogsEncryptsThisAccountsLogGroups",
      Effect: "Allow",
      Principal: { Service: regionalServicePrincipal("logs", context) },
      Action: [
        "kms:Encrypt*",
        "kms:Decrypt*",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:Describe*",
      ],
      Resource: "*",
      Condition: {
        ArnLike: {
          "kms:EncryptionContext:aws:logs:arn": `arn:${context.partition}:logs:${context.region}:${context.accountId}:log-group:*`,
        },
      },
    });
  }
  statements.push(...users.map(keyUserStatement));
  if (dataClass === "user-data") {
    statements.push(vaultDecryptionGuard(users));
  }
  return { Version: "2012-10-17", Statement: statements };
}
