import { describe, expect, it } from "vitest";
import { DEFAULT_FUNCTION_NAME, loadConfiguration, type RtlogIngestConfig } from "./config";
import { ConfigurationError } from "./errors";
import {
  CLICKHOUSE_DATABASE,
  CLICKHOUSE_URL,
  CLICKHOUSE_USER,
  DEAD_LETTER_BUCKET,
  DEAD_LETTER_KMS_KEY_ARN,
  DEAD_LETTER_PREFIX,
  FUNCTION_NAME,
  HANDLER_ENV,
  PASSWORD_SECRET_ARN,
} from "./test-support";
import { thrown } from "../../shared/test-support";

const CONFIG: RtlogIngestConfig = {
  clickHouseUrl: CLICKHOUSE_URL,
  clickHouseDatabase: CLICKHOUSE_DATABASE,
  clickHouseUser: CLICKHOUSE_USER,
  clickHousePasswordSecretArn: PASSWORD_SECRET_ARN,
  deadLetterBucket: DEAD_LETTER_BUCKET,
  deadLetterPrefix: DEAD_LETTER_PREFIX,
  deadLetterKmsKeyArn: DEAD_LETTER_KMS_KEY_ARN,
  functionName: FUNCTION_NAME,
};

/** The problems `loadConfiguration` reports for `env`. */
function problems(env: Readonly<Record<string, string | undefined>>): readonly string[] {
  const error = thrown(() => loadConfiguration(env));
  expect(error).toBeInstanceOf(ConfigurationError);
  return (error as ConfigurationError).problems;
}

describe("loadConfiguration", () => {
  it("reads the stack's environment", () => {
    expect(loadConfiguration(HANDLER_ENV)).toEqual(CONFIG);
  });

  it("trims values and names the metrics after the function", () => {
    expect(loadConfiguration({ ...HANDLER_ENV, CLICKHOUSE_USER: `  ${CLICKHOUSE_USER} ` })).toEqual(
      CONFIG,
    );
    expect(loadConfiguration({ ...HANDLER_ENV, AWS_LAMBDA_FUNCTION_NAME: undefined })).toEqual({
      ...CONFIG,
      functionName: DEFAULT_FUNCTION_NAME,
    });
  });

  it("accepts a KMS alias ARN", () => {
    const alias = "arn:aws:kms:me-south-1:111122223333:alias/kc-analytics-dead-letters";
    expect(loadConfiguration({ ...HANDLER_ENV, DEAD_LETTER_KMS_KEY_ARN: alias })).toMatchObject({
      deadLetterKmsKeyArn: alias,
    });
  });

  it("reports every missing variable at once (blank counts as missing)", () => {
    expect(problems({ CLICKHOUSE_USER: "   " })).toEqual([
      "CLICKHOUSE_URL is missing",
      "CLICKHOUSE_DATABASE is missing",
      "CLICKHOUSE_USER is missing",
      "CLICKHOUSE_PASSWORD_SECRET_ARN is missing",
      "DEAD_LETTER_BUCKET is missing",
      "DEAD_LETTER_PREFIX is missing",
      "DEAD_LETTER_KMS_KEY_ARN is missing",
    ]);
    const error = thrown(() => loadConfiguration({}));
    expect((error as Error).message).toMatch(/^invalid environment: CLICKHOUSE_URL is missing; /);
  });

  it("says what is wrong with each invalid value, and what would be right", () => {
    expect(
      problems({
        ...HANDLER_ENV,
        CLICKHOUSE_DATABASE: "analytics; DROP",
        CLICKHOUSE_USER: "rtlog ingest",
        CLICKHOUSE_PASSWORD_SECRET_ARN: "kc-analytics/clickhouse",
        DEAD_LETTER_BUCKET: "Dead_Letters",
        DEAD_LETTER_PREFIX: "dead-letter/rtlog",
        DEAD_LETTER_KMS_KEY_ARN: "0f1e2d3c-4b5a-4697-8877-665544332211",
      }),
    ).toEqual([
      'CLICKHOUSE_DATABASE must be a plain identifier (letters, digits, _; not starting with a digit), got "analytics; DROP"',
      'CLICKHOUSE_USER must be 1-64 visible ASCII characters, got "rtlog ingest"',
      'CLICKHOUSE_PASSWORD_SECRET_ARN must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>), got "kc-analytics/clickhouse"',
      'DEAD_LETTER_BUCKET must be an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens), got "Dead_Letters"',
      'DEAD_LETTER_PREFIX must be a key prefix of safe characters ending in /, such as dead-letter/rtlog/, got "dead-letter/rtlog"',
      'DEAD_LETTER_KMS_KEY_ARN must be a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<id>), got "0f1e2d3c-4b5a-4697-8877-665544332211"',
    ]);
  });

  it.each([
    "http://clickhouse.analytics.internal:8123",
    "https://rtlog:hunter2@clickhouse.analytics.internal:8443",
    "https://clickhouse.analytics.internal:8443/analytics",
    "https://clickhouse.analytics.internal:8443/?password=hunter2",
    "clickhouse.analytics.internal:8443",
  ])("needs an https URL without credentials, path or query, and never echoes it (%s)", (url) => {
    const reported = problems({ ...HANDLER_ENV, CLICKHOUSE_URL: url });
    expect(reported).toEqual([
      "CLICKHOUSE_URL must be an https URL without credentials, path or query, such as https://clickhouse.internal:8443",
    ]);
  });

  it.each(["/dead-letter/", "dead letter/", "dead-letter//"])("refuses the prefix %j", (prefix) => {
    expect(problems({ ...HANDLER_ENV, DEAD_LETTER_PREFIX: prefix })).toHaveLength(1);
  });
});
