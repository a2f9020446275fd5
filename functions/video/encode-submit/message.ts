/**
 * SQS message bodies of the ingest queue: S3 event notifications parsed with a schema, bucket
 * names S3 would refuse, the source key layout, the version of a source object, and the tokens
 * derived from it (MediaConvert's client request token, the output folder).
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import {
  SOURCE_KEY_LAYOUT,
  SOURCE_KEY_PATTERN,
  videoOutputPrefix,
} from "../../../contracts/storage";
import { PermanentFailureError, quoteOutside, truncate } from "./errors";

/** Source keys (`uploads/<courseId>/<videoId>/source.<ext>`) and the layout as problems say it. */
export { SOURCE_KEY_LAYOUT, SOURCE_KEY_PATTERN };
/** Length of a MediaConvert client request token (it accepts up to 64 ASCII characters). */
export const CLIENT_REQUEST_TOKEN_LENGTH = 64;

// ---------------------------------------------------------------------------------------------
// S3 event notifications
// ---------------------------------------------------------------------------------------------

const s3ObjectSchema = z.looseObject({
  key: z.string().min(1),
  size: z.number().int().nonnegative().optional(),
  eTag: z.string().min(1).optional(),
  versionId: z.string().min(1).optional(),
  sequencer: z.string().optional(),
});

const s3RecordSchema = z.looseObject({
  eventSource: z.literal("aws:s3"),
  eventName: z.string().min(1),
  awsRegion: z.string().optional(),
  s3: z.looseObject({
    bucket: z.looseObject({ name: z.string().min(1) }),
    object: s3ObjectSchema,
  }),
});

/** An S3 event notification, as S3 writes it into an SQS message body. */
export const s3NotificationSchema = z.looseObject({
  Records: z.array(s3RecordSchema).min(1),
});

/** The message S3 sends once when a notification configuration is created. */
export const s3TestEventSchema = z.looseObject({
  Service: z.literal("Amazon S3"),
  Event: z.literal("s3:TestEvent"),
  Bucket: z.string().optional(),
});

/** One record of an S3 event notification. */
export type S3NotificationRecord = z.infer<typeof s3RecordSchema>;

/** A message body, parsed. */
export type ParsedBody =
  | { readonly kind: "test"; readonly bucket: string | undefined }
  | { readonly kind: "notification"; readonly records: readonly S3NotificationRecord[] };

/** `Records[0].s3.object.key` */
function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, part) =>
      typeof part === "number"
        ? `${text}[${part}]`
        : `${text}${text === "" ? "" : "."}${String(part)}`,
    "",
  );
}

/**
 * Parses a message body as an S3 event notification (or S3's test event). Throws
 * `PermanentFailureError("malformed_body")` naming the first offending fields, never values.
 */
export function parseMessageBody(body: string): ParsedBody {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new PermanentFailureError("malformed_body", "message body is not JSON");
  }
  const test = s3TestEventSchema.safeParse(json);
  if (test.success) {
    return { kind: "test", bucket: test.data.Bucket };
  }
  const notification = s3NotificationSchema.safeParse(json);
  if (!notification.success) {
    const fields = [
      ...new Set(notification.error.issues.map((issue) => issuePath(issue.path) || "body")),
    ];
    throw new PermanentFailureError(
      "malformed_body",
      truncate(`message body is not an S3 event notification (check ${fields.join(", ")})`),
    );
  }
  return { kind: "notification", records: notification.data.Records };
}

/**
 * S3's naming rules for general purpose buckets: 3-63 lower-case letters, digits, dots and
 * hyphens, a letter or digit at both ends, no `..`, not an IP address, none of the reserved
 * prefixes and suffixes (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
 * S3 only notifies for buckets it created, so a name outside these rules never names a source.
 */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}(\.\d{1,3}){3}$/;
const RESERVED_BUCKET_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"] as const;
const RESERVED_BUCKET_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] as const;

/**
 * The reason a bucket name breaks S3's naming rules, or `undefined` when it keeps them. Such a
 * name is refused by the SDK or by S3 on every call, so a message naming it can never succeed.
 */
export function bucketNameProblem(bucket: string): string | undefined {
  if (!BUCKET_NAME.test(bucket)) {
    return "3-63 lower-case letters, digits, dots and hyphens, a letter or digit at both ends";
  }
  if (bucket.includes("..")) return "no two adjacent dots";
  if (IP_ADDRESS.test(bucket)) return "not an IP address";
  const prefix = RESERVED_BUCKET_PREFIXES.find((reserved) => bucket.startsWith(reserved));
  if (prefix !== undefined) return `not the reserved prefix ${prefix}`;
  const suffix = RESERVED_BUCKET_SUFFIXES.find((reserved) => bucket.endsWith(reserved));
  if (suffix !== undefined) return `not the reserved suffix ${suffix}`;
  return undefined;
}

/** Throws `PermanentFailureError("invalid_bucket")` for a name S3 would refuse. */
export function checkBucketName(bucket: string): void {
  const problem = bucketNameProblem(bucket);
  if (problem !== undefined) {
    throw new PermanentFailureError(
      "invalid_bucket",
      truncate(`bucket name ${quoteOutside(bucket)} is not an S3 bucket name (${problem})`),
    );
  }
}

/**
 * An object key as S3 put it in the notification (URL-encoded, spaces as `+`), decoded. Throws
 * `PermanentFailureError("invalid_key")` when the encoding is broken.
 */
export function decodeS3Key(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, " "));
  } catch {
    throw new PermanentFailureError("invalid_key", "object key is not valid URL encoding");
  }
}

/** The parts of a source key. */
export interface SourceKey {
  readonly courseId: string;
  readonly videoId: string;
  readonly extension: string;
}

/** The course, video and extension of a decoded key; `PermanentFailureError` off the layout. */
export function parseSourceKey(key: string): SourceKey {
  const match = SOURCE_KEY_PATTERN.exec(key);
  const [, courseId, videoId, extension] = match ?? [];
  if (courseId === undefined || videoId === undefined || extension === undefined) {
    throw new PermanentFailureError(
      "invalid_key",
      `object key does not match ${SOURCE_KEY_LAYOUT}`,
    );
  }
  return { courseId, videoId, extension };
}

/** An ETag without its surrounding quotes (HeadObject quotes it; notifications do not). */
export function unquoteETag(eTag: string): string {
  return eTag.replace(/^"(.*)"$/, "$1");
}

/**
 * The version a notification names: its `versionId`, or its ETag when the bucket is not
 * versioned. A `versionId` of `"null"` (written while versioning was suspended) does not tell
 * writes apart, so the ETag is used then too.
 */
export function sourceVersion(object: { versionId?: string; eTag?: string }): string {
  if (object.versionId !== undefined && object.versionId !== "null") return object.versionId;
  if (object.eTag !== undefined) return unquoteETag(object.eTag);
  throw new PermanentFailureError(
    "malformed_body",
    "the notification names neither a version id nor an ETag",
  );
}

/**
 * The CreateJob client request token of one object version: the SHA-256 (hex) of bucket, key and
 * version, NUL-separated (none of them contains NUL), so that every delivery of a notification
 * for the same version gives the same token. MediaConvert answers a repeated token with the job
 * it already created, but only within one minute of that job's creation; beyond that, the
 * submission ledger (`SubmissionLedger`) is what keeps a redelivery from encoding again.
 */
export function clientRequestToken(bucket: string, key: string, version: string): string {
  return createHash("sha256")
    .update(`${bucket}\u0000${key}\u0000${version}`, "utf8")
    .digest("hex")
    .slice(0, CLIENT_REQUEST_TOKEN_LENGTH);
}

/** Hex characters of the client request token that name a source version's output folder. */
const OUTPUT_FOLDER_TOKEN_LENGTH = 16;

/**
 * `s3://<bucket>/courses/<courseId>/<videoId>/<token>/`: where one source version's outputs go.
 * The folder is named by the version's client request token, so every delivery of one version
 * writes to the same place and a newer upload to another: a superseded job still running cannot
 * overwrite the current job's renditions (encode-status keeps its events out of the catalog).
 */
export function outputPrefix(bucket: string, source: SourceKey, token: string): string {
  return `s3://${bucket}/${videoOutputPrefix(source.courseId, source.videoId)}${token.slice(0, OUTPUT_FOLDER_TOKEN_LENGTH)}/`;
}
