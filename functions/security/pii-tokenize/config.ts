/**
 * The configuration loaders of `tokenize` and `detokenize`, with the variables their contracts
 * require (and the vault's, by `VAULT_KIND`). The handlers call them when their modules load.
 */
import { requiredVariables, type RequiredVariable } from "../../../contracts/functions";
import { loadEnvironment, type HandlerEnvironment } from "./vault";

/** `tokenize`'s configuration; throws `ConfigurationError` listing every missing variable. */
export function loadTokenizeConfiguration(
  env: Readonly<Record<string, string | undefined>>,
): HandlerEnvironment<RequiredVariable<"tokenize">> {
  return loadEnvironment(env, requiredVariables("tokenize"));
}

/** `detokenize`'s configuration; throws `ConfigurationError` listing every missing variable. */
export function loadDetokenizeConfiguration(
  env: Readonly<Record<string, string | undefined>>,
): HandlerEnvironment<RequiredVariable<"detokenize">> {
  return loadEnvironment(env, requiredVariables("detokenize"));
}
