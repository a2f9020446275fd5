/**
 * The function's configuration, read from its environment once, when the module loads. Every
 * missing or invalid variable is reported in one `ConfigurationError`.
 */
import type { ContractVariable } from "../../../contracts/functions";
import { EnvironmentReader, type Environment } from "../../shared/environment";
import {
  CONTENT_TYPE_EXTENSIONS,
  DEFAULT_URL_TTL_SECONDS,
  KNOWN_CONTENT_TYPES,
  MAX_SINGLE_UPLOAD_BYTES,
  MAX_URL_TTL_SECONDS,
  type VideoContentType,
} from "./core";

/** The function's settings. */
export interface UploadUrlConfig {
  /** The raw bucket (`RAW_BUCKET`). */
  readonly bucket: string;
  /** The key uploads are encrypted under (`KMS_KEY_ARN`). */
  readonly kmsKeyArn: string;
  /** Largest upload in bytes (`MAX_UPLOAD_BYTES`). */
  readonly maxUploadBytes: number;
  /** Content types clients may upload (`ALLOWED_CONTENT_TYPES`), in the configured order. */
  readonly allowedContentTypes: readonly VideoContentType[];
  /** Lifetime of an upload URL in seconds (`URL_TTL_SECONDS`). */
  readonly urlTtlSeconds: number;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

function isKnownContentType(value: string): value is VideoContentType {
  return Object.hasOwn(CONTENT_TYPE_EXTENSIONS, value);
}

function parseWholeNumber(value: string): number | undefined {
  if (!/^\d{1,16}$/.test(value)) return undefined;
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : undefined;
}

/**
 * Reads `RAW_BUCKET`, `KMS_KEY_ARN`, `MAX_UPLOAD_BYTES`, `ALLOWED_CONTENT_TYPES` and the optional
 * `URL_TTL_SECONDS`. Blank counts as missing. Throws one `ConfigurationError` listing every
 * problem.
 */
export function loadConfiguration(env: Environment): UploadUrlConfig {
  const reader = new EnvironmentReader<ContractVariable<"upload-url">>(env, {
    heading: "invalid configuration",
    missingProblem: (name) => `${name} is required`,
  });

  const bucket = reader.required("RAW_BUCKET");
  if (bucket !== "" && !BUCKET_NAME.test(bucket)) {
    reader.problem("RAW_BUCKET must be an S3 bucket name");
  }

  const kmsKeyArn = reader.required("KMS_KEY_ARN");
  if (kmsKeyArn !== "" && !KMS_KEY_ARN.test(kmsKeyArn)) {
    reader.problem("KMS_KEY_ARN must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)");
  }

  const maxText = reader.required("MAX_UPLOAD_BYTES");
  const maxUploadBytes = parseWholeNumber(maxText) ?? 0;
  if (maxText !== "" && (maxUploadBytes < 1 || maxUploadBytes > MAX_SINGLE_UPLOAD_BYTES)) {
    reader.problem(
      `MAX_UPLOAD_BYTES must be a whole number of bytes from 1 to ${MAX_SINGLE_UPLOAD_BYTES} ` +
        `(5 GiB, the most S3 accepts in one POST), got ${maxText}`,
    );
  }

  const typesText = reader.required("ALLOWED_CONTENT_TYPES");
  const allowedContentTypes: VideoContentType[] = [];
  if (typesText !== "") {
    for (const entry of typesText.split(",").map((type) => type.trim())) {
      if (isKnownContentType(entry)) {
        if (!allowedContentTypes.includes(entry)) allowedContentTypes.push(entry);
      } else {
        reader.problem(
          `ALLOWED_CONTENT_TYPES: ${JSON.stringify(entry)} is not one of ${KNOWN_CONTENT_TYPES.join(", ")}`,
        );
      }
    }
  }

  const ttlText = reader.optional("URL_TTL_SECONDS");
  const urlTtlSeconds =
    ttlText === undefined ? DEFAULT_URL_TTL_SECONDS : (parseWholeNumber(ttlText) ?? 0);
  if (urlTtlSeconds < 1 || urlTtlSeconds > MAX_URL_TTL_SECONDS) {
    reader.problem(
      `URL_TTL_SECONDS must be a whole number of seconds from 1 to ${MAX_URL_TTL_SECONDS}, got ${String(ttlText)}`,
    );
  }

  reader.done();
  return { bucket, kmsKeyArn, maxUploadBytes, allowedContentTypes, urlTtlSeconds };
}
