/**
 * The residency audit's environment (contracts/functions.ts, `residency-audit`), read once when
 * the handler's module loads. Its own module, so the contract test can run it without the SDK.
 */
import { AuditConfigurationError, quote } from "./errors";

/** What the function reads from its environment (contracts/functions.ts, `residency-audit`). */
export interface AuditConfiguration {
  /** The account aggregator whose view periodic runs query; unset: this region only. */
  readonly aggregatorName?: string;
}

/** ConfigurationAggregatorName's pattern and length (SelectAggregateResourceConfig). */
const AGGREGATOR_NAME_PATTERN = /^[\w-]{1,256}$/;

/** Reads the environment; a blank `AGGREGATOR_NAME` counts as unset. */
export function loadAuditConfiguration(
  env: Readonly<Record<string, string | undefined>>,
): AuditConfiguration {
  const name = env.AGGREGATOR_NAME?.trim() ?? "";
  if (name === "") {
    return {};
  }
  if (!AGGREGATOR_NAME_PATTERN.test(name)) {
    throw new AuditConfigurationError(
      `AGGREGATOR_NAME = ${quote(name)}: expected a configuration aggregator's name (1-256 letters, digits, _ or -)`,
    );
  }
  return { aggregatorName: name };
}
