/**
 * The vault migration's environment (its contract in `contracts/functions.ts`), read once when the
 * handler's module loads: every variable is required; blank counts as missing.
 */
import { requiredVariables } from "../../../contracts/functions";
import { EnvironmentReader, type Environment } from "../../shared/environment";

/** Where the migration runs and whose secrets it reads. */
export interface VaultMigrateConfig {
  readonly clusterArn: string;
  readonly database: string;
  readonly masterSecretArn: string;
  readonly tokenizeSecretArn: string;
  readonly detokenizeSecretArn: string;
}

const ARN = {
  VAULT_CLUSTER_ARN: /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster:[a-z][a-z0-9-]*$/,
  MASTER_SECRET_ARN: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
  TOKENIZE_SECRET_ARN: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
  DETOKENIZE_SECRET_ARN: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
} as const;

/** Reads the configuration; throws one `ConfigurationError` naming every problem. */
export function loadConfiguration(env: Environment): VaultMigrateConfig {
  const reader = new EnvironmentReader(env);
  const value = Object.fromEntries(
    requiredVariables("vault-migrate").map((name) => [name, reader.required(name)]),
  );
  const read = (name: string): string => value[name] ?? "";
  for (const name of Object.keys(ARN) as (keyof typeof ARN)[]) {
    if (read(name) !== "" && !ARN[name].test(read(name))) {
      reader.problem(
        `${name} is not an ARN of the expected kind, got ${JSON.stringify(read(name))}`,
      );
    }
  }
  reader.done();
  return {
    clusterArn: read("VAULT_CLUSTER_ARN"),
    database: read("VAULT_DATABASE"),
    masterSecretArn: read("MASTER_SECRET_ARN"),
    tokenizeSecretArn: read("TOKENIZE_SECRET_ARN"),
    detokenizeSecretArn: read("DETOKENIZE_SECRET_ARN"),
  };
}
