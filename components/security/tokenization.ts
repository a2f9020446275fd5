import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { VaultEnvironment, VaultFunction } from "../../contracts/functions";
import { regionalServicePrincipal, type AwsContext } from "../shared/context";
import type { DataKeys } from "./data-keys";
import { keyAdministration } from "./key-policies";
import { NodeFunction, type FunctionPermission } from "../shared/node-function";
import { dataTags } from "../shared/tags";
import type { TokenVaultLocation } from "../data/user-data-store";

/** Arguments of `Tokenization`. */
export interface TokenizationArgs {
  /** Account, partition and region the resources are created in. */
  readonly context: AwsContext;
  /** The stack's name (`me-south-1`), which names account-wide resources. */
  readonly stack: string;
  /** The stack's keys: tokenize may encrypt and detokenize may decrypt with the user-data key. */
  readonly keys: DataKeys;
  /** Where the vault lives: the region's user store. */
  readonly vault: TokenVaultLocation;
}

/**
 * PII tokenization, so analytics and logs carry tokens and never personal data. `tokenize` turns
 * a value into a deterministic token (an HMAC from a KMS key that never leaves KMS) and keeps the
 * value, encrypted with the user-data key, in a vault inside the region's user store. `detokenize`
 * is a separate function with a narrower role: it can read the vault and decrypt, nothing else.
 */
export class Tokenization extends pulumi.ComponentResource {
  public readonly tokenizeFunction: NodeFunction;
  public readonly detokenizeFunction: NodeFunction;
  public readonly hmacKeyArn: pulumi.Output<string>;

  constructor(name: string, args: TokenizationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:data:Tokenization", name, {}, opts);
    const parent = { parent: this };
    const { context } = args;
    const userDataKeyArn = args.keys.keyArns["user-data"];

    // HMAC keys cannot rotate automatically: rotating would change every token.
    const hmacKey = new aws.kms.Key(
      `${name}-hmac`,
      {
        description: `KnowledgeCity ${args.stack}: PII token HMAC`,
        keyUsage: "GENERATE_VERIFY_MAC",
        customerMasterKeySpec: "HMAC_256",
        deletionWindowInDays: 30,
        tags: dataTags("user-data"),
      },
      { parent: this, protect: true },
    );
    new aws.kms.Alias(
      `${name}-hmac`,
      { name: `alias/knowledgecity/${args.stack}/pii-token-hmac`, targetKeyId: hmacKey.keyId },
      parent,
    );

    const tokenizeVault = vaultAccess({
      vault: args.vault,
      fn: "tokenize",
      context,
      userDataKeyArn,
    });
    const detokenizeVault = vaultAccess({
      vault: args.vault,
      fn: "detokenize",
      context,
      userDataKeyArn,
    });
    // Vault values are encrypted under this context, so a key grant cannot decrypt anything else.
    const vaultContext = { StringEquals: { "kms:EncryptionContext:purpose": "pii-vault" } };
    this.tokenizeFunction = new NodeFunction(
      `${name}-tokenize`,
      {
        context,
        contract: "tokenize",
        description: "Tokenizes PII into the region's token vault",
        kmsKeyArn: args.keys.policyReadyKeyArns.telemetry,
        environment: {
          HMAC_KEY_ID: hmacKey.arn,
          DATA_KEY_ID: userDataKeyArn,
          ...tokenizeVault.environment,
        },
        permissions: [
          { sid: "MacWithTheTokenKey", actions: ["kms:GenerateMac"], resources: [hmacKey.arn] },
          {
            sid: "EncryptIntoTheVault",
            actions: ["kms:Encrypt"],
            resources: [userDataKeyArn],
            condition: vaultContext,
          },
          ...tokenizeVault.permissions,
        ],
      },
      parent,
    );
    this.detokenizeFunction = new NodeFunction(
      `${name}-detokenize`,
      {
        context,
        contract: "detokenize",
        description: "Reads PII back from the region's token vault (audited)",
        kmsKeyArn: args.keys.policyReadyKeyArns.telemetry,
        environment: { DATA_KEY_ID: userDataKeyArn, ...detokenizeVault.environment },
        permissions: [
          {
            sid: "DecryptFromTheVault",
            actions: ["kms:Decrypt"],
            resources: [userDataKeyArn],
            condition: vaultContext,
          },
          ...detokenizeVault.permissions,
        ],
      },
      parent,
    );

    new aws.kms.KeyPolicy(
      `${name}-hmac`,
      {
        keyId: hmacKey.keyId,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            keyAdministration(context),
            {
              Sid: "TokenizeMacs",
              Effect: "Allow",
              Principal: { AWS: this.tokenizeFunction.roleArn },
              Action: ["kms:GenerateMac"],
              Resource: "*",
            },
          ],
        }),
      },
      parent,
    );
    args.keys.allow("user-data", {
      sid: "TokenizeEncryptsIntoTheVault",
      principal: { AWS: this.tokenizeFunction.roleArn },
      actions: ["kms:Encrypt"],
      condition: vaultContext,
    });
    args.keys.allow("user-data", {
      sid: "DetokenizeDecryptsFromTheVault",
      principal: { AWS: this.detokenizeFunction.roleArn },
      actions: ["kms:Decrypt"],
      condition: vaultContext,
    });

    this.hmacKeyArn = hmacKey.arn;
    this.registerOutputs({
      tokenizeFunctionArn: this.tokenizeFunction.arn,
      detokenizeFunctionArn: this.detokenizeFunction.arn,
    });
  }
}

interface VaultAccess {
  readonly environment: VaultEnvironment<pulumi.Input<string>>;
  readonly permissions: FunctionPermission[];
}

/** What `vaultAccess` needs. */
interface VaultAccessArgs {
  /** Where the vault lives. */
  readonly vault: TokenVaultLocation;
  /** The function whose access this is. */
  readonly fn: VaultFunction;
  readonly context: AwsContext;
  /** The user-data key, which encrypts the vault. */
  readonly userDataKeyArn: pulumi.Input<string>;
}

/**
 * What one vault function needs to reach the vault, and nothing more: on DynamoDB, PutItem
 * (tokenize) or BatchGetItem (detokenize) on the table; on Aurora, the Data API on the cluster
 * with the secret of the function's own database role (INSERT only, or SELECT only, as the vault
 * migration grants them).
 */
function vaultAccess(args: VaultAccessArgs): VaultAccess {
  const { vault, fn, context, userDataKeyArn } = args;
  if (vault.kind === "dynamodb") {
    // The table is encrypted with the user-data key, used through DynamoDB.
    const viaDynamoDb = {
      StringEquals: { "kms:ViaService": regionalServicePrincipal("dynamodb", context) },
    };
    const environment = { VAULT_KIND: "dynamodb", VAULT_TABLE: vault.tableName } as const;
    return fn === "tokenize"
      ? {
          environment,
          permissions: [
            { sid: "WriteTheVault", actions: ["dynamodb:PutItem"], resources: [vault.tableArn] },
            {
              sid: "VaultTableEncryption",
              actions: ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
              resources: [userDataKeyArn],
              condition: viaDynamoDb,
            },
          ],
        }
      : {
          environment,
          permissions: [
            {
              sid: "ReadTheVault",
              actions: ["dynamodb:BatchGetItem"],
              resources: [vault.tableArn],
            },
            {
              sid: "VaultTableEncryption",
              actions: ["kms:Decrypt"],
              resources: [userDataKeyArn],
              condition: viaDynamoDb,
            },
          ],
        };
  }
  const secretArn = vault.secretArns[fn];
  return {
    environment: {
      VAULT_KIND: "aurora",
      VAULT_CLUSTER_ARN: vault.clusterArn,
      VAULT_SECRET_ARN: secretArn,
      // Read once the migration has run: the function is created after its role exists.
      VAULT_DATABASE: vault.migrated.apply(() => vault.database),
    },
    permissions: [
      {
        sid: fn === "tokenize" ? "WriteTheVault" : "ReadTheVault",
        actions: ["rds-data:ExecuteStatement"],
        resources: [vault.clusterArn],
      },
      {
        sid: "VaultRoleSecret",
        actions: ["secretsmanager:GetSecretValue"],
        resources: [secretArn],
      },
      {
        sid: "VaultRoleSecretEncryption",
        actions: ["kms:Decrypt"],
        resources: [userDataKeyArn],
        condition: {
          StringEquals: { "kms:ViaService": regionalServicePrincipal("secretsmanager", context) },
        },
      },
    ],
  };
}
