/**
 * The environment of `tokenize` and `detokenize` (their contracts in `contracts/functions.ts`),
 * read once when each handler's module loads: the handler's own variables, `VAULT_KIND`, and the
 * variables of that vault kind.
 */
import {
  requiredVariables,
  VAULT_KINDS,
  VAULT_VARIANTS,
  type RequiredVariable,
  type VaultKind,
} from "../../../contracts/functions";
import { EnvironmentReader, type Environment } from "../../shared/environment";

/** The vault implementations `VAULT_KIND` selects (the contract's). */
export { VAULT_KINDS, type VaultKind };

/** Where the vault is. */
export type VaultConfig =
  | { readonly kind: "dynamodb"; readonly tableName: string }
  | {
      readonly kind: "aurora";
      readonly clusterArn: string;
      readonly secretArn: string;
      readonly database: string;
    };

/** The environment variables each vault kind needs, besides `VAULT_KIND` (the contract's). */
export const VAULT_ENVIRONMENT: Readonly<Record<VaultKind, readonly string[]>> = VAULT_VARIANTS;

/** A handler's configuration: its own variables, and the vault's. */
export interface HandlerEnvironment<K extends string> {
  readonly values: Readonly<Record<K, string>>;
  readonly vault: VaultConfig;
}

function isVaultKind(value: string): value is VaultKind {
  return (VAULT_KINDS as readonly string[]).includes(value);
}

/**
 * Reads a handler's variables (`names`), `VAULT_KIND` and the variables of that vault kind. Empty
 * or blank values count as missing. Throws one `ConfigurationError` that lists every missing
 * variable, and an unknown `VAULT_KIND`.
 */
export function loadEnvironment<K extends string>(
  env: Environment,
  names: readonly K[],
): HandlerEnvironment<K> {
  const reader = new EnvironmentReader(env);
  const kind = reader.optional("VAULT_KIND");
  // The handlers' contracts list VAULT_KIND among their own variables; it is required once.
  const required: string[] = [...new Set<string>([...names, "VAULT_KIND"])];
  if (kind !== undefined && isVaultKind(kind)) {
    required.push(...VAULT_ENVIRONMENT[kind]);
  }
  const value = Object.fromEntries(required.map((name) => [name, reader.required(name)]));
  if (kind !== undefined && !isVaultKind(kind)) {
    reader.problem(`VAULT_KIND must be one of: ${VAULT_KINDS.join(", ")}`);
  }
  reader.done();
  const read = (name: string): string => value[name] ?? "";
  const values = Object.fromEntries(names.map((name) => [name, read(name)])) as Record<K, string>;
  const vault: VaultConfig =
    kind === "dynamodb"
      ? { kind, tableName: read("VAULT_TABLE") }
      : {
          kind: "aurora",
          clusterArn: read("VAULT_CLUSTER_ARN"),
          secretArn: read("VAULT_SECRET_ARN"),
          database: read("VAULT_DATABASE"),
        };
  return { values, vault };
}

/** `tokenize`'s configuration; throws `ConfigurationError` listing every missing variable. */
export function loadTokenizeConfiguration(
  env: Environment,
): HandlerEnvironment<RequiredVariable<"tokenize">> {
  return loadEnvironment(env, requiredVariables("tokenize"));
}

/** `detokenize`'s configuration; throws `ConfigurationError` listing every missing variable. */
export function loadDetokenizeConfiguration(
  env: Environment,
): HandlerEnvironment<RequiredVariable<"detokenize">> {
  return loadEnvironment(env, requiredVariables("detokenize"));
}
