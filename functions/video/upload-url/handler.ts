/**
 * Lambda `handler`: a presigned POST for uploading one lecture video to the raw bucket, invoked
 * directly by the platform's backend.
 *
 * Event `{ courseId, contentType, contentLength, fileName? }` -> `{ url, fields, key, videoId,
 * expiresAt }`. The key is `uploads/<courseId>/<videoId>/source.<ext>` with a fresh random
 * video id and the extension of the content type; `fileName` only contributes its extension to
 * the log. An invalid request throws `InvalidRequestError` and signs nothing.
 *
 * Environment: `RAW_BUCKET`, `KMS_KEY_ARN`, `MAX_UPLOAD_BYTES` (at most 5 GiB),
 * `ALLOWED_CONTENT_TYPES` (comma-separated) and `URL_TTL_SECONDS` (optional, default 900, at
 * most 3600). Read when the module loads; a missing or invalid variable fails the cold start
 * with `ConfigurationError`.
 * IAM (the POST is made with this role's credentials): `s3:PutObject` on
 * `arn:aws:s3:::<RAW_BUCKET>/uploads/*` and `kms:GenerateDataKey` on `KMS_KEY_ARN`.
 */
import { randomUUID } from "node:crypto";
import { S3Client } from "@aws-sdk/client-s3";
import type { Context } from "aws-lambda";
import { loadConfiguration } from "./config";
import {
  issueUploadUrl,
  parseUploadRequest,
  requestSchema,
  type UploadUrlDeps,
  type UploadUrlRequest,
  type UploadUrlResponse,
} from "./core";
import { InvalidRequestError, toCallerError } from "./errors";
import { describeError, log } from "../../shared/log";
import { S3PostSigner } from "./s3";

const config = loadConfiguration(process.env);
const schema = requestSchema(config);
const deps: UploadUrlDeps = {
  config,
  signer: new S3PostSigner(new S3Client({})),
  newVideoId: () => randomUUID(),
  now: () => new Date(),
};

/** Issues an upload URL for the event's video. */
export async function handler(
  event: UploadUrlRequest,
  context?: Pick<Context, "awsRequestId">,
): Promise<UploadUrlResponse> {
  const requestId = context?.awsRequestId;
  try {
    const request = parseUploadRequest(event, schema);
    const response = await issueUploadUrl(request, deps);
    log("info", "upload_url.issued", {
      requestId,
      courseId: request.courseId,
      videoId: response.videoId,
      key: response.key,
      contentType: request.contentType,
      contentLength: request.contentLength,
      fileExtension: request.fileExtension,
      expiresAt: response.expiresAt,
    });
    return response;
  } catch (error) {
    const callerError = toCallerError(error);
    if (error instanceof InvalidRequestError) {
      log("warn", "upload_url.rejected", { requestId, issues: error.issues });
    } else {
      log("error", "upload_url.failed", {
        requestId,
        error: callerError.name,
        message: callerError.message,
        ...(callerError === error ? {} : { cause: describeError(error) }),
      });
    }
    throw callerError;
  }
}
