/**
 * Lambda `handler`: the Aurora vault's schema migration, invoked by the deployment (an
 * `aws.lambda.Invocation`) once the cluster's instances exist and before the vault functions are
 * created, and again whenever the schema version or a vault role's secret changes.
 *
 * Event: ignored (the deployment sends `{ "action": "migrate" }`). Result: `MigrationReport`
 * (versions applied, roles whose password was set, the version now), which holds no secret: the
 * deployment keeps it in its state. A failure throws, which fails the deployment.
 *
 * Environment (`contracts/functions.ts`, `vault-migrate`): the cluster, the database, the master
 * user's secret (the Data API signs in with it) and the secrets of tokenize's and detokenize's
 * roles, whose passwords it sets. Permissions: `rds-data:BeginTransaction`, `ExecuteStatement`,
 * `CommitTransaction`, `RollbackTransaction` on the cluster; `secretsmanager:GetSecretValue` on the
 * three secrets and `kms:Decrypt` through Secrets Manager on their key.
 */
import { RDSDataClient } from "@aws-sdk/client-rds-data";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { AURORA_VAULT } from "../../../contracts/functions";
import { describeError, log } from "../../shared/log";
import { loadConfiguration } from "./config";
import { migrateVault, type MigrationReport } from "./core";
import { VAULT_MIGRATIONS } from "./migrations";
import { readRoleCredential } from "./secrets";

const config = loadConfiguration(process.env);
const rdsData = new RDSDataClient({});
const secretsManager = new SecretsManagerClient({});

/** Applies the pending migrations and sets the changed passwords. */
export async function handler(): Promise<MigrationReport> {
  try {
    const credentials = await Promise.all([
      readRoleCredential(secretsManager, config.tokenizeSecretArn, AURORA_VAULT.roles.tokenize),
      readRoleCredential(secretsManager, config.detokenizeSecretArn, AURORA_VAULT.roles.detokenize),
    ]);
    const report = await migrateVault(
      rdsData,
      {
        resourceArn: config.clusterArn,
        secretArn: config.masterSecretArn,
        database: config.database,
      },
      VAULT_MIGRATIONS,
      credentials,
    );
    log("info", "vault_migrate.done", { ...report });
    return report;
  } catch (error) {
    log("error", "vault_migrate.failed", describeError(error));
    throw error;
  }
}
