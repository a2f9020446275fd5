/**
 * The PII token vault on Aurora: each vault function's own database role and its secret, the
 * policy that keeps each secret to its function, and the migration that creates the schema and
 * the roles during deployment.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AURORA_VAULT, type VaultFunction } from "../../contracts/functions";
import { regionalServicePrincipal } from "../shared/context";
import { NodeFunction } from "../shared/node-function";
import { dataTags } from "../shared/tags";
import { databasePassword } from "./aurora-foundation";
import type { AuroraStoreArgs } from "./user-data-store";

/**
 * The resource policy of an Aurora vault role's secret: its value (the password of a vault
 * function's database role) is denied to every principal but the named ones (that function and
 * the migration, which sets the password). In a secret's policy, `*` is the secret itself.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html
 */
export function vaultSecretPolicy(
  principalArns: readonly pulumi.Input<string>[],
): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OnlyItsFunctionAndTheMigrationReadThePassword",
        Effect: "Deny",
        Principal: "*",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: "*",
        Condition: { ArnNotEquals: { "aws:PrincipalArn": [...principalArns] } },
      },
    ],
  };
}

/** What `createVaultRoleSecret` needs. */
export interface VaultRoleSecretArgs {
  /** The vault function whose database role the secret holds. */
  readonly fn: VaultFunction;
  /** The cluster the role signs in to (its writer endpoint). */
  readonly cluster: aws.rds.Cluster;
  /** The database's name. */
  readonly database: string;
  /** The engine's port. */
  readonly port: number;
  /** The user-data key, which encrypts the secret. */
  readonly userDataKeyArn: pulumi.Input<string>;
}

/** A vault function's database secret and its current version. */
export interface VaultRoleSecret {
  /** The secret. */
  readonly secret: aws.secretsmanager.Secret;
  /** Its version with the role's password (the migration reruns when it changes). */
  readonly version: aws.secretsmanager.SecretVersion;
}

/**
 * The secret of a vault function's database role, in the shape the RDS Data API reads (`username`,
 * `password`, ...), encrypted with the user-data key. The password is a resource, not an invoke:
 * its result stays in the stack's state, so the role keeps its password across previews and
 * updates. Letters and digits only (no punctuation to escape), at least one of each kind. The
 * vault migration sets the role's password from it, and again whenever its version changes.
 */
export function createVaultRoleSecret(
  name: string,
  args: VaultRoleSecretArgs,
  parent: pulumi.Resource,
): VaultRoleSecret {
  const { fn, cluster } = args;
  const opts = { parent };
  const secret = new aws.secretsmanager.Secret(
    `${name}-vault-${fn}`,
    {
      description: `Database role of the PII token vault's ${fn} function (RDS Data API)`,
      kmsKeyId: args.userDataKeyArn,
      recoveryWindowInDays: 30,
      tags: dataTags("user-data"),
    },
    opts,
  );
  const password = databasePassword(`${name}-vault-${fn}`, parent);
  const version = new aws.secretsmanager.SecretVersion(
    `${name}-vault-${fn}`,
    {
      secretId: secret.id,
      secretString: pulumi.secret(
        pulumi.jsonStringify({
          engine: "postgres",
          username: AURORA_VAULT.roles[fn],
          password: password.result,
          host: cluster.endpoint,
          port: args.port,
          dbname: args.database,
        }),
      ),
    },
    opts,
  );
  return { secret, version };
}

/** What `createVaultMigration` needs. */
export interface VaultMigrationArgs {
  /** The store's arguments (keys, context). */
  readonly args: AuroraStoreArgs;
  /** The cluster the migration runs against through the Data API. */
  readonly cluster: aws.rds.Cluster;
  /** Every instance of the cluster: the migration runs once they exist. */
  readonly instances: readonly aws.rds.ClusterInstance[];
  /** The database's name. */
  readonly database: string;
  /** Each vault function's role secret. */
  readonly secrets: Readonly<Record<VaultFunction, VaultRoleSecret>>;
  /** The master user's secret, with which the migration signs in. */
  readonly masterSecretArn: pulumi.Output<string>;
}

/** The vault migration's function and its deployment-time run. */
export interface VaultMigration {
  /** The migration function. */
  readonly function: NodeFunction<"vault-migrate">;
  /** Its run during deployment. */
  readonly invocation: aws.lambda.Invocation;
}

/**
 * The vault migration (functions/security/vault-migrate) and its run during deployment: an
 * `aws.lambda.Invocation` created once every instance of the cluster exists (the Data API needs a
 * writer), and replaced, so run again, when the schema version or a vault role's secret version
 * changes. Its input never changes, so an `up` with nothing new leaves it as it is; the migration
 * itself is idempotent besides. A failed run fails the deployment.
 * https://www.pulumi.com/registry/packages/aws/api-docs/lambda/invocation/
 */
export function createVaultMigration(
  name: string,
  settings: VaultMigrationArgs,
  parent: pulumi.Resource,
): VaultMigration {
  const { args, cluster, secrets, masterSecretArn } = settings;
  const secretArns = [masterSecretArn, secrets.tokenize.secret.arn, secrets.detokenize.secret.arn];
  const fn = new NodeFunction(
    `${name}-vault-migrate`,
    {
      context: args.context,
      contract: "vault-migrate",
      description: "Migrates the PII token vault's schema and database roles (deployment)",
      kmsKeyArn: args.functionKeyArn,
      timeoutSeconds: 300,
      // One run at a time; the migration also takes a database lock.
      reservedConcurrency: 1,
      environment: {
        VAULT_CLUSTER_ARN: cluster.arn,
        VAULT_DATABASE: settings.database,
        MASTER_SECRET_ARN: masterSecretArn,
        TOKENIZE_SECRET_ARN: secrets.tokenize.secret.arn,
        DETOKENIZE_SECRET_ARN: secrets.detokenize.secret.arn,
      },
      permissions: [
        {
          sid: "MigrateThroughTheDataApi",
          actions: [
            "rds-data:BeginTransaction",
            "rds-data:ExecuteStatement",
            "rds-data:CommitTransaction",
            "rds-data:RollbackTransaction",
          ],
          resources: [cluster.arn],
        },
        {
          sid: "ReadTheDatabaseSecrets",
          actions: ["secretsmanager:GetSecretValue"],
          resources: secretArns,
        },
        {
          sid: "DatabaseSecretsEncryption",
          actions: ["kms:Decrypt"],
          resources: [args.userDataKeyArn],
          condition: {
            StringEquals: {
              "kms:ViaService": regionalServicePrincipal("secretsmanager", args.context),
            },
          },
        },
      ],
    },
    { parent },
  );
  const invocation = new aws.lambda.Invocation(
    `${name}-vault-migrate`,
    {
      functionName: fn.function.name,
      input: JSON.stringify({ action: "migrate" }),
      triggers: {
        schemaVersion: String(AURORA_VAULT.schemaVersion),
        tokenizeSecretVersion: secrets.tokenize.version.versionId,
        detokenizeSecretVersion: secrets.detokenize.version.versionId,
      },
    },
    {
      parent,
      dependsOn: [...settings.instances, secrets.tokenize.version, secrets.detokenize.version, fn],
    },
  );
  return { function: fn, invocation };
}
