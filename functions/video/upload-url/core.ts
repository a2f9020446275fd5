/**
 * Upload URLs, the pure part: request validation, the object key, and the POST policy, over an
 * injected `PostSigner`. Nothing here talks to AWS; the configuration is read in `./config`.
 *
 * Every upload gets a fresh video id and the key `uploads/<courseId>/<videoId>/source.<ext>`,
 * with the extension taken from the content type; the client never chooses any part of the key.
 * The policy pins the key, the size range, the content type, SSE-KMS with the stack's key, and
 * the course id in the object's metadata.
 */
import { z } from "zod";
import { COURSE_ID_PATTERN } from "../../../contracts/ids";
import { SOURCE_CONTENT_TYPES, sourceKey } from "../../../contracts/storage";
import type { UploadUrlConfig } from "./config";
import { InternalError, InvalidRequestError, type RequestIssue } from "./errors";

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/** The content types a deployment may allow, and the extension each gives the key. */
export const CONTENT_TYPE_EXTENSIONS = SOURCE_CONTENT_TYPES;
/** A content type with a known extension. */
export type VideoContentType = keyof typeof CONTENT_TYPE_EXTENSIONS;
/** The known content types. */
export const KNOWN_CONTENT_TYPES = Object.keys(CONTENT_TYPE_EXTENSIONS) as VideoContentType[];

/** Course ids: the shared pattern (1 to 64 lower-case letters, digits and `-`). */
export { COURSE_ID_PATTERN };
/** Longest `fileName`, in characters (code points). */
export const MAX_FILE_NAME_LENGTH = 255;
/** Upload URL lifetime when `URL_TTL_SECONDS` is not set. */
export const DEFAULT_URL_TTL_SECONDS = 900;
/** Longest upload URL lifetime. */
export const MAX_URL_TTL_SECONDS = 3600;
/**
 * S3 takes at most 5 GiB in one PUT or POST; anything larger needs a multipart upload, which a
 * presigned POST cannot do. `MAX_UPLOAD_BYTES` may not exceed it.
 */
export const MAX_SINGLE_UPLOAD_BYTES = 5 * 1024 ** 3;
/** The server-side encryption every upload must ask for. */
export const SSE_KMS = "aws:kms";

const PATH_SEPARATOR = /[/\\]/;
const EXTENSION = /\.([A-Za-z0-9]{1,10})$/;

function isKnownContentType(value: string): value is VideoContentType {
  return Object.hasOwn(CONTENT_TYPE_EXTENSIONS, value);
}

// ---------------------------------------------------------------------------------------------
// The request
// ---------------------------------------------------------------------------------------------

/** What the platform's backend sends. */
export interface UploadUrlRequest {
  readonly courseId: string;
  readonly contentType: string;
  readonly contentLength: number;
  /** The file's name on the user's device; only its extension is logged. */
  readonly fileName?: string;
}

/** A request that passed validation. */
export interface ValidUploadRequest {
  readonly courseId: string;
  readonly contentType: VideoContentType;
  readonly contentLength: number;
  /** Lower-cased extension of `fileName`, without the dot, when it has a plain one. */
  readonly fileExtension?: string;
}

/** What the function returns: where and how to POST the file, and what it will be. */
export interface UploadUrlResponse {
  /** The bucket's URL to POST the form to. */
  readonly url: string;
  /** The form fields to send, in any order, before the `file` field. */
  readonly fields: Record<string, string>;
  /** The object key the upload will have. */
  readonly key: string;
  readonly videoId: string;
  /** When the policy expires (ISO 8601, whole seconds, UTC); the upload must start before. */
  readonly expiresAt: string;
}

/** `value` for an error message: JSON, at most 100 characters. */
function shown(value: unknown): string {
  const text = typeof value === "number" ? String(value) : (JSON.stringify(value) ?? typeof value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

const requiredString =
  (name: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? `${name} is required` : `${name} must be a string`;

/** The request schema for a configuration (the allowed types and the size limit). */
export function requestSchema(config: UploadUrlConfig) {
  const allowed = config.allowedContentTypes.join(", ");
  const lengthMessage = (issue: { input?: unknown }): string =>
    issue.input === undefined
      ? "contentLength is required"
      : `contentLength must be a positive whole number of bytes, got ${shown(issue.input)}`;
  return z.object(
    {
      courseId: z
        .string({ error: requiredString("courseId") })
        .regex(COURSE_ID_PATTERN, { error: `courseId must match ${COURSE_ID_PATTERN.source}` }),
      contentType: z
        .string({ error: requiredString("contentType") })
        .refine((type) => (config.allowedContentTypes as readonly string[]).includes(type), {
          error: (issue) => `contentType must be one of ${allowed}; got ${shown(issue.input)}`,
        }),
      contentLength: z
        .number({ error: lengthMessage })
        .int({ error: lengthMessage })
        .positive({ error: lengthMessage })
        .max(config.maxUploadBytes, {
          error: (issue) =>
            `contentLength must be at most ${config.maxUploadBytes} bytes, got ${shown(issue.input)}`,
        }),
      fileName: z
        .string({ error: "fileName must be a string" })
        .refine((name) => Array.from(name).length <= MAX_FILE_NAME_LENGTH, {
          error: `fileName must be at most ${MAX_FILE_NAME_LENGTH} characters`,
        })
        .refine((name) => !PATH_SEPARATOR.test(name), {
          error: "fileName must be a bare file name, without / or \\",
        })
        .optional(),
    },
    { error: "request must be an object with courseId, contentType and contentLength" },
  );
}

/** The schema `requestSchema` makes. */
export type RequestSchema = ReturnType<typeof requestSchema>;

/** The lower-cased extension of a file name, without the dot, when it has a plain one. */
export function fileExtension(fileName: string): string | undefined {
  return EXTENSION.exec(fileName)?.[1]?.toLowerCase();
}

/**
 * Validates a request against `schema`. Every problem is reported in one `InvalidRequestError`;
 * unknown properties are ignored.
 */
export function parseUploadRequest(event: unknown, schema: RequestSchema): ValidUploadRequest {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    const issues: RequestIssue[] = [];
    for (const issue of parsed.error.issues) {
      // A value can fail several checks with the same message (-1.5: whole and positive).
      if (issues.some((known) => known.reason === issue.message)) continue;
      issues.push({
        field: typeof issue.path[0] === "string" ? issue.path[0] : null,
        reason: issue.message,
      });
    }
    throw new InvalidRequestError(issues);
  }
  const { courseId, contentType, contentLength, fileName } = parsed.data;
  if (!isKnownContentType(contentType)) {
    // The schema only admits allowed types, and every allowed type is known.
    throw new InternalError();
  }
  const extension = fileName === undefined ? undefined : fileExtension(fileName);
  return {
    courseId,
    contentType,
    contentLength,
    ...(extension === undefined ? {} : { fileExtension: extension }),
  };
}

// ---------------------------------------------------------------------------------------------
// Key and policy
// ---------------------------------------------------------------------------------------------

/** The object key of an upload. */
export function uploadKey(
  courseId: string,
  videoId: string,
  contentType: VideoContentType,
): string {
  return sourceKey(courseId, videoId, CONTENT_TYPE_EXTENSIONS[contentType]);
}

/** A POST policy condition. */
export type PolicyCondition = ["eq", string, string] | ["content-length-range", number, number];

/** The conditions and form fields of an upload's POST policy. */
export interface UploadPolicy {
  readonly conditions: PolicyCondition[];
  readonly fields: Record<string, string>;
}

/**
 * The policy of one upload. Besides these, the signer adds the bucket, the key and its own
 * signing fields as exact-match conditions.
 */
export function uploadPolicy(
  config: UploadUrlConfig,
  request: ValidUploadRequest,
  key: string,
): UploadPolicy {
  const fields = {
    "Content-Type": request.contentType,
    "x-amz-server-side-encryption": SSE_KMS,
    "x-amz-server-side-encryption-aws-kms-key-id": config.kmsKeyArn,
    "x-amz-meta-course-id": request.courseId,
  };
  return {
    conditions: [
      ["eq", "$key", key],
      ["content-length-range", 1, config.maxUploadBytes],
      ["eq", "$Content-Type", request.contentType],
      ["eq", "$x-amz-server-side-encryption", SSE_KMS],
      ["eq", "$x-amz-server-side-encryption-aws-kms-key-id", config.kmsKeyArn],
      ["eq", "$x-amz-meta-course-id", request.courseId],
    ],
    fields,
  };
}

// ---------------------------------------------------------------------------------------------
// Dependencies and the flow
// ---------------------------------------------------------------------------------------------

/** What a signer needs. */
export interface SignPostInput {
  readonly bucket: string;
  readonly key: string;
  readonly conditions: PolicyCondition[];
  readonly fields: Record<string, string>;
  readonly expiresInSeconds: number;
}

/** Signs a POST policy. */
export interface PostSigner {
  /** The URL and form fields of a signed POST; throws `SigningError` when signing fails. */
  sign(input: SignPostInput): Promise<{ url: string; fields: Record<string, string> }>;
}

/** What the flow needs. */
export interface UploadUrlDeps {
  readonly config: UploadUrlConfig;
  readonly signer: PostSigner;
  /** A fresh video id (a random UUID). */
  readonly newVideoId: () => string;
  /** The current time. */
  readonly now: () => Date;
}

/**
 * Signs the upload of a valid request. `expiresAt` is computed from the time before signing and
 * cut to whole seconds, so the policy never expires before it.
 */
export async function issueUploadUrl(
  request: ValidUploadRequest,
  deps: UploadUrlDeps,
): Promise<UploadUrlResponse> {
  const videoId = deps.newVideoId();
  const key = uploadKey(request.courseId, videoId, request.contentType);
  const { conditions, fields } = uploadPolicy(deps.config, request, key);
  const expiresMs = deps.now().getTime() + deps.config.urlTtlSeconds * 1000;
  const expiresAt = new Date(expiresMs - (expiresMs % 1000)).toISOString().replace(".000Z", "Z");
  const signed = await deps.signer.sign({
    bucket: deps.config.bucket,
    key,
    conditions,
    fields,
    expiresInSeconds: deps.config.urlTtlSeconds,
  });
  return { url: signed.url, fields: signed.fields, key, videoId, expiresAt };
}
