/**
 * Named errors of the residency audit. Each message says what is wrong, the value, and what is
 * expected, so the Lambda log alone is enough to fix the input. Every error that reaches the
 * handler's caller makes the invocation fail, so AWS Config (through Lambda's retries) tries again
 * and no evaluation is lost silently.
 */

/** The longest excerpt of an offending value quoted in an error message. */
const MAX_QUOTED_LENGTH = 200;

/** A value as it appears in an error message: JSON, shortened if long. */
export function quote(value: unknown): string {
  let text: string;
  try {
    // JSON.stringify gives undefined for undefined, functions and symbols.
    const json: string | undefined = JSON.stringify(value);
    text = json ?? typeof value;
  } catch {
    // BigInt or a cyclic structure.
    text = typeof value === "bigint" ? `${value.toString()}n` : `[unserializable ${typeof value}]`;
  }
  return text.length <= MAX_QUOTED_LENGTH ? text : `${text.slice(0, MAX_QUOTED_LENGTH)}...`;
}

/** The Lambda event is not an AWS Config custom-rule event this function can act on. */
export class InvalidEventError extends Error {
  override readonly name = "InvalidEventError";
}

/** The rule parameters (`ruleParameters`) are missing or do not name the allowed regions. */
export class InvalidRuleParametersError extends Error {
  override readonly name = "InvalidRuleParametersError";
}

/** A configuration item cannot be evaluated, for example its tags are not a map. */
export class InvalidConfigurationItemError extends Error {
  override readonly name = "InvalidConfigurationItemError";
}

/** A call to the AWS Config API failed; the SDK's error is kept as `cause`. */
export class ConfigServiceError extends Error {
  override readonly name = "ConfigServiceError";
}

/** GetResourceConfigHistory returned no configuration item for an oversized notification. */
export class ConfigurationItemNotFoundError extends Error {
  override readonly name = "ConfigurationItemNotFoundError";
}

/** Identifies one evaluation that AWS Config did not accept. */
export interface RejectedEvaluation {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly complianceType: string;
}

/** PutEvaluations answered with FailedEvaluations: those results were not recorded. */
export class FailedEvaluationsError extends Error {
  override readonly name = "FailedEvaluationsError";
  readonly failed: readonly RejectedEvaluation[];

  constructor(failed: readonly RejectedEvaluation[], submitted: number) {
    const names = failed
      .map((item) => `${item.resourceType}/${item.resourceId} (${item.complianceType})`)
      .join(", ");
    super(
      `AWS Config rejected ${failed.length} of ${submitted} evaluations: ${names}; ` +
        "expected every evaluation to be accepted, so the invocation fails and is retried",
    );
    this.failed = failed;
  }
}

/** Some resources found by a periodic run could not be evaluated; the others were reported. */
export class UnevaluatedResourcesError extends Error {
  override readonly name = "UnevaluatedResourcesError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[], evaluated: number) {
    super(
      `${problems.length} resource(s) from SelectResourceConfig could not be evaluated ` +
        `(${evaluated} other evaluation(s) were reported): ${problems.join("; ")}`,
    );
    this.problems = problems;
  }
}
