import { describe, expect, it } from "vitest";
import { loadConfiguration, normalizeContentType } from "./config";
import { ConfigurationError } from "./errors";
import { DEFAULT_LECTURE_LADDER } from "./job-settings";
import { CONFIG, HANDLER_ENV } from "./test-support";

function configurationError(env: Record<string, string | undefined>): ConfigurationError {
  try {
    loadConfiguration(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error("expected a ConfigurationError");
}

describe("loadConfiguration", () => {
  it("reads the stack's environment, with the default ladder when LADDER is not set", () => {
    expect(loadConfiguration(HANDLER_ENV)).toEqual(CONFIG);
    expect(loadConfiguration(HANDLER_ENV).ladder).toBe(DEFAULT_LECTURE_LADDER);
  });

  it("reads a ladder from LADDER and normalizes the content types", () => {
    const config = loadConfiguration({
      ...HANDLER_ENV,
      ALLOWED_CONTENT_TYPES: " Video/MP4 , video/webm,,video/mp4",
      LADDER: JSON.stringify([
        { width: 640, height: 360, maxBitrateKbps: 400 },
        { width: 1280, height: 720, maxBitrateKbps: 2000, qvbrQualityLevel: 8 },
      ]),
    });
    expect(config.allowedContentTypes).toEqual(["video/mp4", "video/webm"]);
    expect(config.ladder).toEqual([
      { width: 640, height: 360, maxBitrateKbps: 400 },
      { width: 1280, height: 720, maxBitrateKbps: 2000, qvbrQualityLevel: 8 },
    ]);
    expect(config.ladderSource).toBe("environment");
  });

  it("lists every missing variable at once (blank counts as missing)", () => {
    const error = configurationError({ OUTPUT_BUCKET: "  ", LADDER: "" });
    expect(error.missing).toEqual([
      "MEDIACONVERT_QUEUE_ARN",
      "MEDIACONVERT_ROLE_ARN",
      "OUTPUT_BUCKET",
      "DLQ_URL",
      "MAX_SOURCE_BYTES",
      "ALLOWED_CONTENT_TYPES",
      "CATALOG_TABLE",
    ]);
    expect(error.problems).toEqual([]);
    expect(error.message).toBe(
      "missing environment variables: MEDIACONVERT_QUEUE_ARN, MEDIACONVERT_ROLE_ARN, OUTPUT_BUCKET, DLQ_URL, MAX_SOURCE_BYTES, ALLOWED_CONTENT_TYPES, CATALOG_TABLE",
    );
  });

  it("lists every invalid variable at once, with its value and what is expected", () => {
    const error = configurationError({
      MEDIACONVERT_QUEUE_ARN: "arn:aws:mediaconvert:me-south-1:111122223333:presets/x",
      MEDIACONVERT_ROLE_ARN: "kc-video-mediaconvert",
      OUTPUT_BUCKET: "Processed_Bucket",
      DLQ_URL: "http://sqs.me-south-1.amazonaws.com/111122223333/dlq",
      MAX_SOURCE_BYTES: "10GiB",
      ALLOWED_CONTENT_TYPES: "video/mp4,mp4",
      CATALOG_TABLE: "kc video catalog",
      LADDER: '[{"width":641,"height":360,"maxBitrateKbps":400}]',
    });
    expect(error.missing).toEqual([]);
    expect(error.problems).toEqual([
      'MEDIACONVERT_QUEUE_ARN must be a MediaConvert queue ARN (arn:aws:mediaconvert:<region>:<account>:queues/<name>), got "arn:aws:mediaconvert:me-south-1:111122223333:presets/x"',
      'MEDIACONVERT_ROLE_ARN must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got "kc-video-mediaconvert"',
      'OUTPUT_BUCKET must be an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens), got "Processed_Bucket"',
      'DLQ_URL must be an https SQS queue URL, got "http://sqs.me-south-1.amazonaws.com/111122223333/dlq"',
      'MAX_SOURCE_BYTES must be a positive whole number of bytes, got "10GiB"',
      'ALLOWED_CONTENT_TYPES entry "mp4" is not type/subtype',
      'CATALOG_TABLE must be a DynamoDB table name (3-255 letters, digits, _ . -), got "kc video catalog"',
      "LADDER: ladder[0].width must be even, got 641",
    ]);
  });

  it("reports LADDER that is not JSON, and a zero size limit, together with what is missing", () => {
    const error = configurationError({
      ...HANDLER_ENV,
      DLQ_URL: undefined,
      MAX_SOURCE_BYTES: "0",
      LADDER: "[{width: 640}]",
    });
    expect(error.missing).toEqual(["DLQ_URL"]);
    expect(error.problems).toEqual([
      'MAX_SOURCE_BYTES must be a positive whole number of bytes, got "0"',
      "LADDER must be JSON: an array of { width, height, maxBitrateKbps }",
    ]);
    expect(error.message).toBe(
      'missing environment variables: DLQ_URL; MAX_SOURCE_BYTES must be a positive whole number of bytes, got "0"; LADDER must be JSON: an array of { width, height, maxBitrateKbps }',
    );
  });

  it("needs the catalog table, which holds the submission ledger", () => {
    const error = configurationError({ ...HANDLER_ENV, CATALOG_TABLE: " " });
    expect(error.missing).toEqual(["CATALOG_TABLE"]);
    expect(error.message).toBe("missing environment variables: CATALOG_TABLE");
    expect(loadConfiguration(HANDLER_ENV).catalogTable).toBe("kc-video-catalog");
  });

  it("needs at least one content type", () => {
    expect(configurationError({ ...HANDLER_ENV, ALLOWED_CONTENT_TYPES: " , " }).problems).toEqual([
      "ALLOWED_CONTENT_TYPES must list at least one content type, such as video/mp4",
    ]);
  });
});

describe("normalizeContentType", () => {
  it.each([
    ["video/mp4", "video/mp4"],
    ["Video/QuickTime", "video/quicktime"],
    ["video/mp4; codecs=avc1.64001f", "video/mp4"],
    ["  video/webm ", "video/webm"],
    ["", ""],
  ])("%j -> %j", (input, expected) => {
    expect(normalizeContentType(input)).toBe(expected);
  });
});
