/**
 * The vault migration's environment (its contract in `contracts/functions.ts`), read once when the
 * handler's module loads: every variable is required; blank counts as missing.
 */
import { requiredVariables } from "../../../contracts/functions";
import { configurationMessage } from "../../shared/configuration";

/** Where the migration runs and whose secrets it reads. */
export interface VaultMigrateConfig {
  readonly clusterArn: string;
  readonly database: string;
  readonly masterSecretArn: string;
  readonly tokenizeSecretArn: string;
  readonly detokenizeSecretArn: string;
}

/** A missing or malformed variable. */
export class ConfigurationError extends Error {
  constructor(missing: readonly string[], problems: readonly string[] = []) {
    super(configurationMessage(missing, problems));
    this.name = "ConfigurationError";
  }
}

const ARN = {
  VAULT_CLUSTER_ARN: /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster:[a-z][a-z0-9-]*$/,
  MASTER_SECRET_ARN: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
  TOKENIZE_SECRET_ARN: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
  DETOKENIZE_SECRET_ARN: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
} as const;

/** Reads the configuration; throws one `ConfigurationError` naming every problem. */
export function loadConfiguration(
  env: Readonly<Record<string, string | undefined>>,
): VaultMigrateConfig {
  const names = requiredVariables("vault-migrate");
  const read = (name: string): string => env[name]?.trim() ?? "";
  const missing = names.filter((name) => read(name) === "");
  const problems = (Object.keys(ARN) as (keyof typeof ARN)[])
    .filter((name) => read(name) !== "" && !ARN[name].test(read(name)))
    .map((name) => `${name} is not an ARN of the expected kind, got ${JSON.stringify(read(name))}`);
  if (missing.length > 0 || problems.length > 0) {
    throw new ConfigurationError(missing, problems);
  }
  return {
    clusterArn: read("VAULT_CLUSTER_ARN"),
    database: read("VAULT_DATABASE"),
    masterSecretArn: read("MASTER_SECRET_ARN"),
    tokenizeSecretArn: read("TOKENIZE_SECRET_ARN"),
    detokenizeSecretArn: read("DETOKENIZE_SECRET_ARN"),
  };
}
