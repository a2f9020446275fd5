/**
 * The function's configuration, read from its environment once, when the module loads. Every
 * missing or invalid variable is reported in one `ConfigurationError`.
 */
import type { RequiredVariable } from "../../../contracts/functions";
import { EnvironmentReader, type Environment } from "../../shared/environment";

/** Where the function writes. */
export interface EncodeStatusConfig {
  readonly catalogTable: string;
  readonly topicArn: string;
}

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/**
 * Reads `CATALOG_TABLE` and `TOPIC_ARN`. Blank counts as missing. Throws one `ConfigurationError`
 * listing every problem.
 */
export function loadConfiguration(env: Environment): EncodeStatusConfig {
  const reader = new EnvironmentReader<RequiredVariable<"encode-status">>(env, {
    heading: "invalid configuration",
    missingProblem: (name) => `${name} is required`,
  });
  const read = (
    name: RequiredVariable<"encode-status">,
    pattern: RegExp,
    expected: string,
  ): string => {
    const value = reader.required(name);
    if (value !== "" && !pattern.test(value)) {
      reader.problem(`${name} must be ${expected}`);
    }
    return value;
  };
  const catalogTable = read("CATALOG_TABLE", TABLE_NAME, "a DynamoDB table name");
  const topicArn = read("TOPIC_ARN", TOPIC_ARN, "an SNS topic ARN");
  reader.done();
  return { catalogTable, topicArn };
}
