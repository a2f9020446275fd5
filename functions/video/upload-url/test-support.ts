/**
 * Test support (not bundled: no handler imports it). The handler's environment with fixed test
 * credentials (so the real signer runs without AWS), a SigV4 POST signature computed
 * independently of the SDK, the decoded POST policy, a recording signer, and log helpers.
 */
import { createHmac } from "node:crypto";
import type { UploadUrlConfig } from "./config";
import type { PostSigner, SignPostInput } from "./core";
import { setEnvironment } from "../../shared/test-support";
export { captureLogs } from "../../shared/test-support";

export const RAW_BUCKET = "kc-raw-uploads-me-south-1";
export const KMS_KEY_ARN =
  "arn:aws:kms:me-south-1:111122223333:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
export const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;
export const ALLOWED_CONTENT_TYPES = "video/mp4, video/quicktime,video/webm";
export const REGION = "me-south-1";
export const ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
export const SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
export const SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";

/** A configuration as `loadConfiguration` reads it from `HANDLER_ENV`. */
export const CONFIG: UploadUrlConfig = {
  bucket: RAW_BUCKET,
  kmsKeyArn: KMS_KEY_ARN,
  maxUploadBytes: MAX_UPLOAD_BYTES,
  allowedContentTypes: ["video/mp4", "video/quicktime", "video/webm"],
  urlTtlSeconds: 900,
};

/** The handler's environment, with the Lambda runtime's region and credentials. */
export const HANDLER_ENV = {
  RAW_BUCKET,
  KMS_KEY_ARN,
  MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
  ALLOWED_CONTENT_TYPES,
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
  AWS_SESSION_TOKEN: SESSION_TOKEN,
};

const VARIABLES = [
  "RAW_BUCKET",
  "KMS_KEY_ARN",
  "MAX_UPLOAD_BYTES",
  "ALLOWED_CONTENT_TYPES",
  "URL_TTL_SECONDS",
  "AWS_REGION",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  // A profile would make the SDK skip the credentials above.
  "AWS_PROFILE",
] as const;

/** Sets exactly the given variables (the others are removed); returns the restorer. */
export function setHandlerEnvironment(
  values: Partial<Record<(typeof VARIABLES)[number], string>>,
): () => void {
  return setEnvironment(VARIABLES, values);
}

/** A decoded POST policy. */
export interface DecodedPolicy {
  readonly expiration: string;
  readonly conditions: unknown[];
}

/** The policy in a signed POST's `Policy` field. */
export function decodePolicy(fields: Record<string, string>): DecodedPolicy {
  const encoded = fields.Policy;
  if (encoded === undefined) throw new Error("no Policy field");
  return JSON.parse(Buffer.from(encoded, "base64").toString("utf8")) as DecodedPolicy;
}

/** The SigV4 signature of a base64 POST policy, computed step by step (not with the SDK). */
export function postSignature(policy: string, shortDate: string): string {
  const hmac = (key: string | Buffer, data: string): Buffer =>
    createHmac("sha256", key).update(data, "utf8").digest();
  const dateKey = hmac(`AWS4${SECRET_ACCESS_KEY}`, shortDate);
  const regionKey = hmac(dateKey, REGION);
  const serviceKey = hmac(regionKey, "s3");
  const signingKey = hmac(serviceKey, "aws4_request");
  return createHmac("sha256", signingKey).update(policy, "utf8").digest("hex");
}

/** A signer that records its input and answers with fixed fields. */
export class RecordingSigner implements PostSigner {
  readonly inputs: SignPostInput[] = [];

  sign(input: SignPostInput): Promise<{ url: string; fields: Record<string, string> }> {
    this.inputs.push(input);
    return Promise.resolve({
      url: `https://${input.bucket}.s3.${REGION}.amazonaws.com/`,
      fields: { ...input.fields, key: input.key, Policy: "e30=" },
    });
  }
}
