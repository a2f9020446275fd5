/**
 * The function's configuration, read from its environment once, when the module loads. Every
 * missing or invalid variable is reported in one `ConfigurationError`.
 */
import {
  optionalVariables,
  requiredVariables,
  type ContractVariable,
} from "../../../contracts/functions";
import { ConfigurationError, InvalidLadderError } from "./errors";
import { DEFAULT_LECTURE_LADDER, parseLadder, type Ladder } from "./job-settings";

/** Variables that must be set (non-blank), from the function's contract. `LADDER` is optional. */
export const REQUIRED_ENVIRONMENT = requiredVariables("encode-submit");

/** Every variable the function reads. */
export const ENVIRONMENT: readonly ContractVariable<"encode-submit">[] = [
  ...REQUIRED_ENVIRONMENT,
  ...optionalVariables("encode-submit"),
];

/** What the function needs to know, validated. */
export interface EncodeSubmitConfig {
  /** The MediaConvert queue jobs are submitted to. */
  readonly queueArn: string;
  /** The role MediaConvert assumes to read sources and write outputs. */
  readonly roleArn: string;
  /** The processed bucket: outputs go under `courses/<courseId>/<videoId>/`. */
  readonly outputBucket: string;
  /** The dead-letter queue of the ingest queue: permanent failures are sent there. */
  readonly dlqUrl: string;
  /** Largest source accepted, in bytes. */
  readonly maxSourceBytes: number;
  /** Accepted `Content-Type`s of sources, lower-case, without parameters. */
  readonly allowedContentTypes: readonly string[];
  /** The video catalog table (partition key `videoId`): it holds the submission ledger. */
  readonly catalogTable: string;
  readonly ladder: Ladder;
  /** Whether the ladder came from `LADDER` or is the default lecture ladder. */
  readonly ladderSource: "environment" | "default";
}

const QUEUE_ARN = /^arn:aws[a-z-]*:mediaconvert:[a-z0-9-]+:\d{12}:queues\/[A-Za-z0-9_-]+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
const DECIMAL_INTEGER = /^[0-9]+$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** A `Content-Type` value reduced to `type/subtype`, lower-case (parameters dropped). */
export function normalizeContentType(value: string): string {
  return (value.split(";")[0] ?? "").trim().toLowerCase();
}

function isSqsQueueUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" && url.pathname.split("/").filter(Boolean).length === 2;
  } catch {
    return false;
  }
}

/** Reads and validates the environment; throws `ConfigurationError` listing every problem. */
export function loadConfiguration(
  env: Readonly<Record<string, string | undefined>>,
): EncodeSubmitConfig {
  const read = (name: ContractVariable<"encode-submit">): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const missing = REQUIRED_ENVIRONMENT.filter((name) => read(name) === undefined);
  const problems: string[] = [];
  const check = (
    name: ContractVariable<"encode-submit">,
    valid: (value: string) => boolean,
    expected: string,
  ): string => {
    const value = read(name);
    if (value !== undefined && !valid(value)) {
      problems.push(`${name} must be ${expected}, got ${JSON.stringify(value)}`);
    }
    return value ?? "";
  };

  const queueArn = check(
    "MEDIACONVERT_QUEUE_ARN",
    (value) => QUEUE_ARN.test(value),
    "a MediaConvert queue ARN (arn:aws:mediaconvert:<region>:<account>:queues/<name>)",
  );
  const roleArn = check(
    "MEDIACONVERT_ROLE_ARN",
    (value) => ROLE_ARN.test(value),
    "an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
  );
  const outputBucket = check(
    "OUTPUT_BUCKET",
    (value) => BUCKET_NAME.test(value),
    "an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)",
  );
  const dlqUrl = check("DLQ_URL", isSqsQueueUrl, "an https SQS queue URL");
  const maxSourceBytesText = check(
    "MAX_SOURCE_BYTES",
    (value) =>
      DECIMAL_INTEGER.test(value) && Number(value) > 0 && Number(value) <= Number.MAX_SAFE_INTEGER,
    "a positive whole number of bytes",
  );

  const allowedText = read("ALLOWED_CONTENT_TYPES");
  const allowedContentTypes = (allowedText ?? "")
    .split(",")
    .map(normalizeContentType)
    .filter((value) => value !== "");
  if (allowedText !== undefined) {
    if (allowedContentTypes.length === 0) {
      problems.push("ALLOWED_CONTENT_TYPES must list at least one content type, such as video/mp4");
    }
    for (const type of allowedContentTypes.filter((value) => !MEDIA_TYPE.test(value))) {
      problems.push(`ALLOWED_CONTENT_TYPES entry ${JSON.stringify(type)} is not type/subtype`);
    }
  }

  const catalogTable = check(
    "CATALOG_TABLE",
    (value) => TABLE_NAME.test(value),
    "a DynamoDB table name (3-255 letters, digits, _ . -)",
  );

  let ladder: Ladder = DEFAULT_LECTURE_LADDER;
  const ladderText = read("LADDER");
  if (ladderText !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(ladderText);
    } catch {
      problems.push("LADDER must be JSON: an array of { width, height, maxBitrateKbps }");
    }
    if (json !== undefined) {
      try {
        ladder = parseLadder(json);
      } catch (error) {
        if (!(error instanceof InvalidLadderError)) throw error;
        problems.push(...error.problems.map((problem) => `LADDER: ${problem}`));
      }
    }
  }

  if (missing.length > 0 || problems.length > 0) {
    throw new ConfigurationError(missing, problems);
  }
  return {
    queueArn,
    roleArn,
    outputBucket,
    dlqUrl,
    maxSourceBytes: Number(maxSourceBytesText),
    allowedContentTypes: [...new Set(allowedContentTypes)],
    catalogTable,
    ladder,
    ladderSource: ladderText === undefined ? "default" : "environment",
  };
}
