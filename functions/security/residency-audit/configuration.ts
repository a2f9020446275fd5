/**
 * The residency audit's environment (contracts/functions.ts, `residency-audit`), read once when
 * the handler's module loads. Its own module, so the contract test can run it without the SDK.
 */
import { EnvironmentReader, type Environment } from "../../shared/environment";
import { quote } from "./errors";

/** What the function reads from its environment (contracts/functions.ts, `residency-audit`). */
export interface AuditConfiguration {
  /** The account aggregator whose view periodic runs query; unset: this region only. */
  readonly aggregatorName?: string;
}

/** ConfigurationAggregatorName's pattern and length (SelectAggregateResourceConfig). */
const AGGREGATOR_NAME_PATTERN = /^[\w-]{1,256}$/;

/**
 * Reads the environment; a blank `AGGREGATOR_NAME` counts as unset. A name AWS Config would refuse
 * is a `ConfigurationError`.
 */
export function loadAuditConfiguration(env: Environment): AuditConfiguration {
  const reader = new EnvironmentReader<"AGGREGATOR_NAME">(env);
  const name = reader.optional("AGGREGATOR_NAME");
  if (name !== undefined && !AGGREGATOR_NAME_PATTERN.test(name)) {
    reader.problem(
      `AGGREGATOR_NAME = ${quote(name)}: expected a configuration aggregator's name (1-256 letters, digits, _ or -)`,
    );
  }
  reader.done();
  return name === undefined ? {} : { aggregatorName: name };
}
