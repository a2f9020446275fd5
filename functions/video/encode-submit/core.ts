/**
 * Encode submission: the pure part. Parsing S3 event notifications out of SQS message bodies,
 * the source key layout, source checks, the idempotency token, the CreateJob request, failure
 * classification, throttling retries and the batch flow, over injected dependencies
 * (`SourceObjects`, `SourceProber`, `JobSubmitter`, `SubmissionLedger`, `DeadLetterQueue`). Nothing
 * here talks to AWS.
 *
 * Each message ends in one of three ways:
 * - done: every object in it was submitted, found already submitted (duplicate) or skipped (test
 *   event, superseded version);
 * - dead-lettered: it can never be encoded (a bucket name S3 refuses, a key off the layout, a
 *   malformed record, an unsupported type, empty, too large, gone, a source MediaConvert's Probe
 *   or a job MediaConvert refuses);
 *   at its first delivery, JSON carrying its body, `reason` and `detail` goes to the DLQ
 *   (`deadLetterBody`), and it leaves the source queue;
 * - retried: something failed that may work later (throttling, 5xx, network); it is reported in
 *   `batchItemFailures`, SQS delivers it again, and after `maxReceiveCount` the redrive policy
 *   moves it to the DLQ. A message whose dead-lettering fails is retried too: nothing is lost.
 */
import { createHash } from "node:crypto";
import type { CreateJobRequest } from "@aws-sdk/client-mediaconvert";
import { z } from "zod";
import {
  SOURCE_KEY_LAYOUT,
  SOURCE_KEY_PATTERN,
  videoOutputPrefix,
} from "../../../contracts/storage";
import { normalizeContentType, type EncodeSubmitConfig } from "./config";
import {
  PermanentFailureError,
  RecordFailureError,
  TransientFailureError,
  type PermanentReason,
  type TransientReason,
} from "./errors";
import { buildJobSettings } from "./job-settings";
import { sourceProblems, type SourceVideo } from "./renditions";
import { describeError, sdkMetadata, type LogFields } from "../../shared/log";

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/** Source keys (`uploads/<courseId>/<videoId>/source.<ext>`) and the layout as problems say it. */
export { SOURCE_KEY_LAYOUT, SOURCE_KEY_PATTERN };
/** Messages processed at once within one batch. */
export const DEFAULT_CONCURRENCY = 4;
/** Length of a MediaConvert client request token (it accepts up to 64 ASCII characters). */
export const CLIENT_REQUEST_TOKEN_LENGTH = 64;
/** Tag of every job this function submits. */
export const JOB_COMPONENT_TAG = "video-pipeline";
/** Longest `detail` attached to a dead-lettered message. */
export const MAX_DETAIL_LENGTH = 240;

/** In-process retries of throttled calls: full-jitter exponential backoff. */
export interface RetryOptions {
  /** Retries after the first call. @default 4 */
  readonly maxRetries: number;
  /** Backoff ceiling before the first retry; it doubles for each retry. @default 200 */
  readonly baseDelayMs: number;
  /** Largest backoff ceiling. @default 3200 */
  readonly maxDelayMs: number;
}

/** Retries of throttled calls when none are given: at most 3 s of waiting in all. */
export const DEFAULT_RETRY: RetryOptions = { maxRetries: 4, baseDelayMs: 200, maxDelayMs: 3200 };

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

// ---------------------------------------------------------------------------------------------
// Source checks
// ---------------------------------------------------------------------------------------------

/** What HeadObject says about a source object. */
export interface SourceObjectHead {
  readonly contentType?: string;
  readonly contentLength?: number;
  readonly versionId?: string;
  readonly eTag?: string;
}

/** The limits a source must respect. */
export interface SourceLimits {
  readonly maxSourceBytes: number;
  readonly allowedContentTypes: readonly string[];
}

function truncate(text: string): string {
  return text.length <= MAX_DETAIL_LENGTH ? text : `${text.slice(0, MAX_DETAIL_LENGTH - 3)}...`;
}

/** A value from outside (a content type) made safe to quote: printable ASCII, short. */
function quoteOutside(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, "?");
  return JSON.stringify(printable.length <= 80 ? printable : `${printable.slice(0, 80)}...`);
}

/** Throws `PermanentFailureError` when a size is zero or above the limit. */
export function checkSourceSize(size: number, limits: SourceLimits): void {
  if (size <= 0) {
    throw new PermanentFailureError("empty_object", "the object is empty (0 bytes)");
  }
  if (size > limits.maxSourceBytes) {
    throw new PermanentFailureError(
      "object_too_large",
      `the object is ${size} bytes, more than the ${limits.maxSourceBytes} bytes allowed`,
    );
  }
}

/** Throws `PermanentFailureError` when the content type is missing or not allowed. */
export function checkSourceObject(head: SourceObjectHead, limits: SourceLimits): void {
  const contentType = normalizeContentType(head.contentType ?? "");
  if (!limits.allowedContentTypes.includes(contentType)) {
    throw new PermanentFailureError(
      "unsupported_content_type",
      truncate(
        `content type ${contentType === "" ? "(none)" : quoteOutside(contentType)} is not one of ${limits.allowedContentTypes.join(", ")}`,
      ),
    );
  }
  checkSourceSize(head.contentLength ?? 0, limits);
}

/**
 * Whether the object HeadObject found is the version the notification names: `false` when the
 * object was overwritten since (a later notification covers the new version), `true` when it is
 * the same, or when neither a version id nor an ETag can be compared.
 */
export function isSameVersion(
  notified: { versionId?: string; eTag?: string },
  head: SourceObjectHead,
): boolean {
  const notifiedVersion = notified.versionId === "null" ? undefined : notified.versionId;
  const headVersion = head.versionId === "null" ? undefined : head.versionId;
  if (notifiedVersion !== undefined && headVersion !== undefined) {
    return notifiedVersion === headVersion;
  }
  if (notified.eTag !== undefined && head.eTag !== undefined) {
    return unquoteETag(notified.eTag) === unquoteETag(head.eTag);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The source's picture, as MediaConvert's Probe measures it
// ---------------------------------------------------------------------------------------------

/** What Probe says of a source (`SourceProber`), as much of it as the ladder needs. */
export interface ProbedSource {
  /**
   * The container format, as Probe names it (`mp4`, `quicktime`, `matroska`, `webm`, ...);
   * absent when Probe does not recognize it.
   */
  readonly container?: string;
  /** The first video track; absent when there is none. */
  readonly video?: {
    readonly width?: number;
    readonly height?: number;
    /** Clockwise, in degrees, from the container's metadata (the MP4/MOV track header). */
    readonly rotationDegrees?: number;
  };
}

/**
 * Containers whose rotation metadata MediaConvert applies with `Rotate: AUTO` (.mp4 and .mov);
 * in any other the picture is encoded as stored, so its rotation must not turn the ladder.
 * https://docs.aws.amazon.com/mediaconvert/latest/ug/auto-rotate.html
 */
export const AUTO_ROTATED_CONTAINERS: ReadonlySet<string> = new Set(["mp4", "quicktime"]);

/** What a record's log line says of Probe's answer: what was measured, or why nothing was. */
export type ProbeSummary =
  | {
      readonly container: string;
      readonly width: number;
      readonly height: number;
      readonly rotationDegrees: number;
    }
  | { readonly unmeasured: string };

/**
 * The source's picture as `buildJobSettings` takes it, from Probe's answer; none (the full
 * ladder) when Probe gives no video size, or one MediaConvert could not encode at, with why.
 */
export function sourceVideoOf(probed: ProbedSource): {
  readonly video?: SourceVideo;
  readonly summary: ProbeSummary;
} {
  const track = probed.video;
  if (track === undefined) {
    return { summary: { unmeasured: "Probe found no video track" } };
  }
  if (track.width === undefined || track.height === undefined) {
    return { summary: { unmeasured: "Probe reported no video width and height" } };
  }
  const container = probed.container ?? "unrecognized";
  const rotationDegrees = AUTO_ROTATED_CONTAINERS.has(container) ? (track.rotationDegrees ?? 0) : 0;
  const video: SourceVideo = { width: track.width, height: track.height, rotationDegrees };
  const problems = sourceProblems(video);
  if (problems.length > 0) {
    return { summary: { unmeasured: truncate(problems.join("; ")) } };
  }
  return {
    video,
    summary: { container, width: video.width, height: video.height, rotationDegrees },
  };
}

// ---------------------------------------------------------------------------------------------
// The CreateJob request
// ---------------------------------------------------------------------------------------------

/** One source object version, checked, ready to encode. */
export interface SourceObject {
  readonly bucket: string;
  readonly key: string;
  readonly version: string;
  readonly source: SourceKey;
  /**
   * The picture's stored size and the rotation MediaConvert will apply, as Probe measured them:
   * the ladder is fitted to it (`buildJobSettings`). @default unknown: the full ladder
   */
  readonly video?: SourceVideo;
}

/** What the CreateJob request needs from the configuration. */
export type JobConfig = Pick<
  EncodeSubmitConfig,
  "queueArn" | "roleArn" | "outputBucket" | "ladder"
>;

/** `s3://<bucket>/<key>`: the source as MediaConvert's Probe and CreateJob name it. */
export function sourceUri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** The CreateJob request for one source object version. */
export function buildCreateJobInput(object: SourceObject, config: JobConfig): CreateJobRequest {
  const { courseId, videoId } = object.source;
  const token = clientRequestToken(object.bucket, object.key, object.version);
  return {
    Role: config.roleArn,
    Queue: config.queueArn,
    ClientRequestToken: token,
    Settings: buildJobSettings({
      inputUri: sourceUri(object.bucket, object.key),
      outputPrefix: outputPrefix(config.outputBucket, object.source, token),
      ladder: config.ladder,
      ...(object.video === undefined ? {} : { source: object.video }),
    }),
    UserMetadata: { courseId, videoId, sourceKey: object.key, sourceVersion: object.version },
    StatusUpdateInterval: "SECONDS_60",
    AccelerationSettings: { Mode: "PREFERRED" },
    Tags: { Component: JOB_COMPONENT_TAG, CourseId: courseId, VideoId: videoId },
  };
}

// ---------------------------------------------------------------------------------------------
// Failure classification and retries
// ---------------------------------------------------------------------------------------------

const THROTTLING_ERRORS = new Set([
  "TooManyRequestsException",
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ProvisionedThroughputExceededException",
]);

const NETWORK_ERRORS = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "AbortError",
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

function statusOf(error: unknown): number | undefined {
  const status = sdkMetadata(error).httpStatusCode;
  return typeof status === "number" ? status : undefined;
}

function nameOf(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** The side an AWS SDK error blames (`client` or `server`), if it says. */
function faultOf(error: unknown): unknown {
  return typeof error === "object" && error !== null
    ? (error as { $fault?: unknown }).$fault
    : undefined;
}

/** Whether an AWS call was throttled (by error name or HTTP 429). */
export function isThrottling(error: unknown): boolean {
  const name = nameOf(error);
  return (name !== undefined && THROTTLING_ERRORS.has(name)) || statusOf(error) === 429;
}

/** The AWS calls the core makes, for classification. */
export type Operation = "HeadObject" | "Probe" | "CreateJob" | "GetItem" | "UpdateItem";

/**
 * What a failed AWS call means for the message, by the SDK error's name, HTTP status and
 * `$fault` (never its message): permanent when the request the message leads to is itself wrong
 * (MediaConvert refused the job or the probe of the source; S3 refused the bucket name or the
 * request for the object),
 * transient otherwise (throttling, 5xx, network, access, anything unknown).
 */
export function classifyError(operation: Operation, error: unknown): RecordFailureError {
  if (error instanceof RecordFailureError) return error;
  const name = nameOf(error) ?? "unknown";
  const status = statusOf(error);
  const transient = (reason: TransientReason, detail: string): TransientFailureError =>
    new TransientFailureError(reason, `${operation} ${detail} (${name})`, { cause: error });
  if (isThrottling(error)) {
    return transient("throttled", "was throttled");
  }
  if (
    operation === "CreateJob" &&
    (name === "BadRequestException" || name === "UnprocessableEntityException")
  ) {
    // The request itself is wrong: sending it again cannot help.
    return new PermanentFailureError("job_rejected", `MediaConvert rejected the job (${name})`);
  }
  if (operation === "Probe" && name === "BadRequestException") {
    // Probe cannot read the file it was given: the same source fails every time.
    return new PermanentFailureError(
      "probe_rejected",
      `MediaConvert Probe rejected the source (${name})`,
    );
  }
  if (operation === "HeadObject" && name === "InvalidBucketName") {
    // The SDK's own check of the name, before any request: the same name fails every time.
    return new PermanentFailureError(
      "invalid_bucket",
      `S3 refused the bucket name of HeadObject (${name})`,
    );
  }
  if (operation === "HeadObject" && status === 400 && faultOf(error) === "client") {
    // A HEAD error has no body, so the SDK cannot name it (`Unknown`); a 400 is S3 refusing the
    // request the notification leads to (bucket name, key, an SSE-C object), not a passing state.
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
    return new PermanentFailureError(
      "source_rejected",
      `S3 refused HeadObject for the object (HTTP 400, ${name})`,
    );
  }
  if ((status !== undefined && status >= 500) || faultOf(error) === "server") {
    return transient("service_error", "failed on the service side");
  }
  if (
    status === 401 ||
    status === 403 ||
    name === "AccessDenied" ||
    name === "ForbiddenException"
  ) {
    return transient("access_denied", "was denied");
  }
  const code =
    typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (NETWORK_ERRORS.has(name) || (typeof code === "string" && NETWORK_ERRORS.has(code))) {
    return transient("network_error", "did not reach the service");
  }
  return transient("unexpected_error", "failed");
}

/** Sleeping and randomness, injected so that tests do not wait. */
export interface RetryEnvironment {
  readonly retry?: RetryOptions;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). @default Math.random */
  readonly random?: () => number;
}

const realSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** The wait before retry `retry` (1-based): uniform in [0, min(max, base * 2^(retry-1))). */
export function backoffDelayMs(retry: number, options: RetryOptions, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Calls `call`, retrying throttled calls with full-jitter exponential backoff up to
 * `maxRetries` times. Any other error, or throttling after the last retry, is classified and
 * thrown. Returns the result and the number of calls made.
 */
export async function withThrottlingRetries<T>(
  operation: Operation,
  call: () => Promise<T>,
  environment: RetryEnvironment = {},
): Promise<{ readonly value: T; readonly attempts: number }> {
  const options = environment.retry ?? DEFAULT_RETRY;
  const sleep = environment.sleep ?? realSleep;
  const random = environment.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { value: await call(), attempts: attempt };
    } catch (error) {
      if (!isThrottling(error) || attempt > options.maxRetries) {
        throw classifyError(operation, error);
      }
      await sleep(backoffDelayMs(attempt, options, random));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Dependencies
// ---------------------------------------------------------------------------------------------

/** HeadObject on source objects. */
export interface SourceObjects {
  /** The object's metadata, or `undefined` when there is no such object (404). */
  head(bucket: string, key: string): Promise<SourceObjectHead | undefined>;
}

/** MediaConvert Probe of a source object. */
export interface SourceProber {
  /** What Probe reads of the file at `fileUrl` (`s3://<bucket>/<key>`). */
  probe(fileUrl: string): Promise<ProbedSource>;
}

/** MediaConvert CreateJob. */
export interface JobSubmitter {
  /** Submits the job; returns its id. */
  createJob(input: CreateJobRequest): Promise<{ readonly jobId: string }>;
}

/** The submission of a source object version recorded on the video's catalog item. */
export interface RecordedSubmission {
  /** The client request token of the submitted version (`clientRequestToken`). */
  readonly token?: string;
  readonly jobId?: string;
  /** When the job was recorded, ISO 8601 UTC. */
  readonly submittedAt?: string;
}

/** A submission to record. */
export interface Submission {
  readonly videoId: string;
  readonly token: string;
  readonly jobId: string;
  /** ISO 8601 UTC. */
  readonly submittedAt: string;
  /**
   * The S3 event's sequencer, as S3 sent it: of two uploads of the video's key, the later
   * event's submission wins, whatever order they are recorded in (`orderedSequencer`).
   */
  readonly sequencer?: string;
}

/** What recording a submission found. */
export type LedgerOutcome = "recorded" | "already_recorded" | "superseded";

const SEQUENCER = /^[0-9A-Fa-f]{1,32}$/;

/**
 * An S3 event sequencer in a form that orders as S3 says: events of one key compare by their
 * sequencers, the shorter padded with leading zeros, as hexadecimal. Fixed width (32) and upper
 * case, so that a string comparison orders them. Undefined for a missing or malformed one.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
export function orderedSequencer(sequencer: string | undefined): string | undefined {
  return sequencer !== undefined && SEQUENCER.test(sequencer)
    ? sequencer.toUpperCase().padStart(32, "0")
    : undefined;
}

/**
 * The durable record of submitted jobs, one per video, kept on the video's catalog item. It
 * outlives MediaConvert's one-minute window for repeated client request tokens.
 */
export interface SubmissionLedger {
  /** The submission recorded for the video (a strongly consistent read), if any. */
  find(videoId: string): Promise<RecordedSubmission | undefined>;
  /**
   * Records the submission unless the same one (same token, a job id) is recorded already:
   * `"already_recorded"` then, which is a success too (a concurrent delivery recorded it); or
   * unless a later upload of the key is recorded (a greater sequencer): `"superseded"`, and the
   * job just created is not the video's (encode-status ignores its events).
   */
  record(submission: Submission): Promise<LedgerOutcome>;
}

/** A message parked for good, with why. */
export interface DeadLetter {
  /** The original message body, unchanged (a redriven dead letter's own original body). */
  readonly body: string;
  readonly reason: PermanentReason;
  readonly detail: string;
  readonly sourceMessageId: string;
}

/** The dead-letter queue of the ingest queue. */
export interface DeadLetterQueue {
  send(letter: DeadLetter): Promise<void>;
}

/** Marks the bodies this function writes to the DLQ, so that a redriven one is recognized. */
export const DEAD_LETTERED_BY = "encode-submit";

const deadLetterBodySchema = z.object({
  deadLetteredBy: z.literal(DEAD_LETTERED_BY),
  reason: z.string(),
  detail: z.string(),
  sourceMessageId: z.string(),
  body: z.string(),
});

/**
 * The DLQ message body of a dead letter: JSON with the reason, the detail, the id of the message
 * and the original body as it came (a string, byte for byte), so that the queue alone says why.
 */
export function deadLetterBody(letter: DeadLetter): string {
  return JSON.stringify({
    deadLetteredBy: DEAD_LETTERED_BY,
    reason: letter.reason,
    detail: letter.detail,
    sourceMessageId: letter.sourceMessageId,
    body: letter.body,
  } satisfies z.infer<typeof deadLetterBodySchema>);
}

/**
 * The original body of a dead letter this function wrote, when a DLQ redrive brings one back to
 * the ingest queue (after the cause was fixed: a ladder MediaConvert refused, say); any other
 * body as it is. A message that fails again is dead-lettered with its original body, not nested.
 */
export function unwrapDeadLetter(body: string): string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return body;
  }
  const letter = deadLetterBodySchema.safeParse(json);
  return letter.success ? letter.data.body : body;
}

/** What `processBatch` needs. */
export interface EncodeSubmitDeps extends RetryEnvironment {
  readonly objects: SourceObjects;
  readonly prober: SourceProber;
  readonly jobs: JobSubmitter;
  readonly ledger: SubmissionLedger;
  readonly deadLetters: DeadLetterQueue;
  readonly config: JobConfig & SourceLimits;
  /** The clock of `submittedAt`. @default () => new Date() */
  readonly now?: () => Date;
  /** Messages in flight at once. @default 4 */
  readonly concurrency?: number;
}

// ---------------------------------------------------------------------------------------------
// Flows
// ---------------------------------------------------------------------------------------------

/** An SQS message, as much of it as the flow reads. */
export interface QueueMessage {
  readonly messageId: string;
  readonly body: string;
  readonly attributes?: { readonly ApproximateReceiveCount?: string };
}

/** What became of one object of a message (or of the message, when no object could be read). */
export type ObjectOutcome = "submitted" | "duplicate" | "skipped" | "dead_lettered" | "retry";

/** Why an object was skipped. */
export type SkipReason = "test_event" | "not_object_created" | "superseded";

/** One object's result: what the handler logs, one line each. */
export interface ObjectResult {
  readonly bucket?: string;
  readonly key?: string;
  readonly outcome: ObjectOutcome;
  readonly reason?: PermanentReason | TransientReason | SkipReason;
  readonly detail?: string;
  readonly courseId?: string;
  readonly videoId?: string;
  readonly sourceVersion?: string;
  readonly size?: number;
  /** The job created, or for a duplicate the job recorded in the ledger. */
  readonly jobId?: string;
  readonly clientRequestToken?: string;
  /** What Probe measured of the source (the ladder was fitted to it), or why the full ladder. */
  readonly probe?: ProbeSummary;
  /** CreateJob calls made (more than one when throttled). */
  readonly attempts?: number;
  /** For a duplicate: when the ledger recorded the job. */
  readonly submittedAt?: string;
  /** What the ledger write after CreateJob found: recorded, recorded already, or superseded. */
  readonly ledger?: LedgerOutcome;
  /** Set when the message should have been dead-lettered but the DLQ send failed. */
  readonly deadLetter?: "send_failed";
  /** Safe description of the AWS error behind a transient failure. */
  readonly error?: LogFields;
}

/** One message's result. */
export interface MessageResult {
  readonly messageId: string;
  readonly receiveCount?: number;
  /** Whether the message goes back to the queue (reported in `batchItemFailures`). */
  readonly retry: boolean;
  readonly objects: readonly ObjectResult[];
}

/** The result of a batch: per-message results and the response Lambda gives SQS. */
export interface BatchResult {
  readonly messages: readonly MessageResult[];
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

/** Where an object's processing stopped, before the message-level decision. */
type ObjectStep =
  | { readonly status: "submitted" | "duplicate" | "skipped"; readonly result: ObjectResult }
  | {
      readonly status: "failed";
      readonly failure: RecordFailureError;
      readonly result: ObjectResult;
    };

function failed(failure: RecordFailureError, result: Omit<ObjectResult, "outcome">): ObjectStep {
  return {
    status: "failed",
    failure,
    result: {
      ...result,
      outcome: failure.kind === "permanent" ? "dead_lettered" : "retry",
      reason: failure.reason,
      detail: failure.detail,
      ...(failure instanceof TransientFailureError && failure.cause !== undefined
        ? { error: describeError(failure.cause) }
        : {}),
    },
  };
}

async function processObject(
  record: S3NotificationRecord,
  deps: EncodeSubmitDeps,
): Promise<ObjectStep> {
  const bucket = record.s3.bucket.name;
  const notified = record.s3.object;
  let result: Omit<ObjectResult, "outcome"> = {
    bucket,
    key: notified.key,
    ...(notified.size === undefined ? {} : { size: notified.size }),
  };
  // The queue only receives ObjectCreated notifications; anything else is not ours to encode.
  if (!record.eventName.startsWith("ObjectCreated:")) {
    return {
      status: "skipped",
      result: { ...result, outcome: "skipped", reason: "not_object_created" },
    };
  }
  try {
    checkBucketName(bucket);
    const key = decodeS3Key(notified.key);
    result = { ...result, key };
    const source = parseSourceKey(key);
    const version = sourceVersion(notified);
    result = {
      ...result,
      courseId: source.courseId,
      videoId: source.videoId,
      sourceVersion: version,
    };
    if (notified.size !== undefined) checkSourceSize(notified.size, deps.config);

    const { value: head } = await withThrottlingRetries(
      "HeadObject",
      () => deps.objects.head(bucket, key),
      deps,
    );
    if (head === undefined) {
      throw new PermanentFailureError("source_missing", "the object no longer exists");
    }
    if (!isSameVersion(notified, head)) {
      return { status: "skipped", result: { ...result, outcome: "skipped", reason: "superseded" } };
    }
    checkSourceObject(head, deps.config);

    const token = clientRequestToken(bucket, key, version);
    result = { ...result, clientRequestToken: token };

    // A redelivery after MediaConvert's one-minute token window (visibility timeout, DLQ redrive)
    // would create a second job: the ledger, read strongly consistent, says it was submitted.
    const recorded = await ledgerCall("GetItem", () => deps.ledger.find(source.videoId));
    if (recorded?.token === token && recorded.jobId !== undefined && recorded.jobId !== "") {
      return {
        status: "duplicate",
        result: {
          ...result,
          outcome: "duplicate",
          jobId: recorded.jobId,
          ...(recorded.submittedAt === undefined ? {} : { submittedAt: recorded.submittedAt }),
        },
      };
    }

    // MediaConvert scales up as readily as down, so the ladder is fitted to the source's size as
    // Probe reads it from the file. Duplicates (above) are not encoded again, so not probed.
    const { value: probed } = await withThrottlingRetries(
      "Probe",
      () => deps.prober.probe(sourceUri(bucket, key)),
      deps,
    );
    const { video, summary } = sourceVideoOf(probed);
    result = { ...result, probe: summary };

    // Deliveries close together both get here; MediaConvert's token window gives them one job.
    const input = buildCreateJobInput(
      { bucket, key, version, source, ...(video === undefined ? {} : { video }) },
      deps.config,
    );
    const { value, attempts } = await withThrottlingRetries(
      "CreateJob",
      () => deps.jobs.createJob(input),
      deps,
    );
    result = { ...result, jobId: value.jobId, attempts };

    // The job exists now. If this write fails, the message comes back: a redelivery within
    // MediaConvert's one-minute window gets the same job back (and records it), but beyond it the
    // ledger lacks this entry and a second job could be created. That is the remaining, narrow
    // window between CreateJob and this write.
    const submittedAt = (deps.now ?? (() => new Date()))().toISOString();
    const ledger = await ledgerCall("UpdateItem", () =>
      deps.ledger.record({
        videoId: source.videoId,
        token,
        jobId: value.jobId,
        submittedAt,
        ...(notified.sequencer === undefined ? {} : { sequencer: notified.sequencer }),
      }),
    );
    return { status: "submitted", result: { ...result, outcome: "submitted", ledger } };
  } catch (error) {
    return failed(unexpected(error), result);
  }
}

/** A ledger call; any failure of it is classified (transient: the message comes back). */
async function ledgerCall<T>(
  operation: "GetItem" | "UpdateItem",
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyError(operation, error);
  }
}

/** Our failures as they are; anything else (a bug) as a transient failure, so nothing is lost. */
function unexpected(error: unknown): RecordFailureError {
  return error instanceof RecordFailureError
    ? error
    : new TransientFailureError(
        "unexpected_error",
        `processing failed unexpectedly (${nameOf(error) ?? typeof error})`,
        { cause: error },
      );
}

function receiveCount(message: QueueMessage): number | undefined {
  const count = Number(message.attributes?.ApproximateReceiveCount);
  return Number.isInteger(count) && count > 0 ? count : undefined;
}

/**
 * Processes one message: every object in it, then one decision for the message. Never throws;
 * anything unexpected is a transient failure.
 */
export async function processMessage(
  message: QueueMessage,
  deps: EncodeSubmitDeps,
): Promise<MessageResult> {
  const base = {
    messageId: message.messageId,
    ...(receiveCount(message) === undefined ? {} : { receiveCount: receiveCount(message) }),
  };
  const original = unwrapDeadLetter(message.body);
  let steps: ObjectStep[];
  try {
    const body = parseMessageBody(original);
    if (body.kind === "test") {
      return {
        ...base,
        retry: false,
        objects: [
          {
            ...(body.bucket === undefined ? {} : { bucket: body.bucket }),
            outcome: "skipped",
            reason: "test_event",
          },
        ],
      };
    }
    steps = [];
    // Objects of one message one after another; messages run in parallel.
    for (const record of body.records) {
      steps.push(await processObject(record, deps));
    }
  } catch (error) {
    steps = [failed(unexpected(error), {})];
  }
  return settleMessage({ ...message, body: original }, steps, deps, base);
}

async function settleMessage(
  message: QueueMessage,
  steps: readonly ObjectStep[],
  deps: EncodeSubmitDeps,
  base: { readonly messageId: string; readonly receiveCount?: number },
): Promise<MessageResult> {
  const failures = steps.flatMap((step) => (step.status === "failed" ? [step.failure] : []));
  const permanent = failures.flatMap((failure) =>
    failure instanceof PermanentFailureError ? [failure] : [],
  );
  const asRetry = (step: ObjectStep, extra: Partial<ObjectResult> = {}): ObjectResult =>
    step.status === "failed" ? { ...step.result, outcome: "retry", ...extra } : step.result;

  // Anything transient: the whole message comes back (submitted objects are in the ledger then,
  // and reuse their token).
  if (failures.some((failure) => failure.kind === "transient")) {
    return { ...base, retry: true, objects: steps.map((step) => asRetry(step)) };
  }
  const first = permanent[0];
  if (first === undefined) {
    return { ...base, retry: false, objects: steps.map((step) => step.result) };
  }
  const detail =
    permanent.length === 1
      ? first.detail
      : truncate(permanent.map((failure, index) => `${index + 1}: ${failure.detail}`).join("; "));
  try {
    await deps.deadLetters.send({
      body: message.body,
      reason: first.reason,
      detail,
      sourceMessageId: message.messageId,
    });
  } catch (error) {
    return {
      ...base,
      retry: true,
      objects: steps.map((step) =>
        asRetry(step, { deadLetter: "send_failed", error: describeError(error) }),
      ),
    };
  }
  return { ...base, retry: false, objects: steps.map((step) => step.result) };
}

/**
 * Runs `task` over `inputs` with at most `limit` in flight; results in input order. Tasks must
 * not throw (each settles its own failures).
 */
export async function mapWithConcurrency<T, R>(
  inputs: readonly T[],
  limit: number,
  task: (input: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const index = next;
      next += 1;
      const input = inputs[index] as T;
      results[index] = await task(input);
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(limit), inputs.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

/**
 * Processes a batch of messages, `concurrency` at a time. One message's failure never affects
 * another's: `batchItemFailures` lists exactly the messages that must come back.
 */
export async function processBatch(
  messages: readonly QueueMessage[],
  deps: EncodeSubmitDeps,
): Promise<BatchResult> {
  const results = await mapWithConcurrency(
    messages,
    deps.concurrency ?? DEFAULT_CONCURRENCY,
    (message) => processMessage(message, deps),
  );
  return {
    messages: results,
    batchItemFailures: results
      .filter((result) => result.retry)
      .map((result) => ({ itemIdentifier: result.messageId })),
  };
}
