/**
 * MediaConvert job state change events: the event schema, which events belong to the pipeline,
 * and what each one changes in the video catalog.
 *
 * A job belongs to the pipeline when its `userMetadata` carries any of `courseId`, `videoId`,
 * `sourceKey` and `sourceVersion`; then all four must be valid. Other jobs are ignored.
 *
 * The catalog keeps the job's state, not the event's: PROGRESSING (for PROGRESSING and
 * STATUS_UPDATE), COMPLETE, ERROR or CANCELED, with the event's own status in `lastEvent`.
 * INPUT_INFORMATION, NEW_WARNING and QUEUE_HOP change no state and are ignored.
 */
import type { EventBridgeEvent } from "aws-lambda";
import { z } from "zod";
import { COURSE_ID_PATTERN, VIDEO_ID_PATTERN } from "../../../contracts/ids";
import { InvalidEventError, type EventIssue } from "./errors";

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/** `source` of MediaConvert's events. */
export const EVENT_SOURCE = "aws.mediaconvert";
/** `detail-type` of a job's status changes. */
export const DETAIL_TYPE = "MediaConvert Job State Change";

/** Every `detail.status` MediaConvert sends. */
export const JOB_EVENT_STATUSES = [
  "INPUT_INFORMATION",
  "PROGRESSING",
  "STATUS_UPDATE",
  "COMPLETE",
  "CANCELED",
  "ERROR",
  "NEW_WARNING",
  "QUEUE_HOP",
] as const;
/** A `detail.status`. */
export type JobEventStatus = (typeof JOB_EVENT_STATUSES)[number];

/** Statuses after which the job never changes again. */
export const TERMINAL_STATUSES = ["COMPLETE", "ERROR", "CANCELED"] as const;
/** A terminal status. */
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** Statuses that report on a running job without changing its state; not recorded. */
export const INFORMATIONAL_STATUSES = ["INPUT_INFORMATION", "NEW_WARNING", "QUEUE_HOP"] as const;
/** An informational status. */
export type InformationalStatus = (typeof INFORMATIONAL_STATUSES)[number];

/** Statuses the catalog records. */
export type RecordedStatus = Exclude<JobEventStatus, InformationalStatus>;

/** The job's state as the catalog keeps it. */
export type CatalogStatus = "PROGRESSING" | TerminalStatus;

/** The `userMetadata` keys the pipeline sets on every job it submits. */
export const PIPELINE_METADATA_KEYS = [
  "courseId",
  "videoId",
  "sourceKey",
  "sourceVersion",
] as const;

/** Course and video ids: the shared patterns (video ids are the upload API's UUIDs). */
export { COURSE_ID_PATTERN, VIDEO_ID_PATTERN };
/** Longest `errorMessage` kept, in characters (code points). */
export const MAX_ERROR_MESSAGE_LENGTH = 1000;
/** An `s3://bucket/key` URI. */
export const S3_URI_PATTERN = /^s3:\/\/([^/]+)\/(.+)$/;
/** Image outputs, whose folder is the thumbnails prefix. */
const IMAGE_KEY = /\.(?:jpe?g|png)$/i;

export function isTerminal(status: string): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

function isInformational(status: string): status is InformationalStatus {
  return (INFORMATIONAL_STATUSES as readonly string[]).includes(status);
}

// ---------------------------------------------------------------------------------------------
// The event
// ---------------------------------------------------------------------------------------------

const s3Uri = z
  .string({ error: "expected an s3://bucket/key URI" })
  .regex(S3_URI_PATTERN, { error: "expected an s3://bucket/key URI" });

const outputDetailSchema = z.object({
  outputFilePaths: z.array(s3Uri).optional(),
  durationInMs: z.number().int().nonnegative().optional(),
});

const outputGroupDetailSchema = z.object({
  type: z.string().optional(),
  outputDetails: z.array(outputDetailSchema).optional(),
  playlistFilePaths: z.array(s3Uri).optional(),
});

const jobProgressSchema = z.object({
  jobPercentComplete: z
    .number({ error: "expected a percentage from 0 to 100" })
    .min(0, { error: "expected a percentage from 0 to 100" })
    .max(100, { error: "expected a percentage from 0 to 100" })
    .nullish(),
});

const errorCodeSchema = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^\d{1,9}$/)
    .transform(Number),
]);

const baseDetail = {
  jobId: z.string({ error: "expected the job id" }).min(1, { error: "expected the job id" }),
  queue: z.string().min(1).optional(),
  timestamp: z
    .number({ error: "expected the event time in epoch milliseconds" })
    .int({ error: "expected the event time in epoch milliseconds" })
    .positive({ error: "expected the event time in epoch milliseconds" })
    .max(8_640_000_000_000_000, { error: "expected the event time in epoch milliseconds" }),
  accountId: z.string().optional(),
  userMetadata: z.record(z.string(), z.string()).optional(),
};

/** `detail` of a MediaConvert job state change, by status. Unknown properties are dropped. */
export const detailSchema = z.discriminatedUnion(
  "status",
  [
    z.object({
      ...baseDetail,
      status: z.literal("PROGRESSING"),
      jobProgress: jobProgressSchema.optional(),
    }),
    z.object({
      ...baseDetail,
      status: z.literal("STATUS_UPDATE"),
      jobProgress: jobProgressSchema.optional(),
    }),
    z.object({
      ...baseDetail,
      status: z.literal("COMPLETE"),
      outputGroupDetails: z
        .array(outputGroupDetailSchema, { error: "expected the output groups of the job" })
        .min(1, { error: "expected the output groups of the job" }),
    }),
    z.object({
      ...baseDetail,
      status: z.literal("ERROR"),
      errorCode: errorCodeSchema.optional(),
      errorMessage: z.string().optional(),
    }),
    z.object({ ...baseDetail, status: z.literal("CANCELED") }),
    z.object({ ...baseDetail, status: z.enum(INFORMATIONAL_STATUSES) }),
  ],
  {
    error: (issue) =>
      issue.code === "invalid_union"
        ? `status must be one of: ${JOB_EVENT_STATUSES.join(", ")}`
        : undefined,
  },
);

/** `detail` of a MediaConvert job state change, as it arrives. */
export type MediaConvertJobDetail = z.input<typeof detailSchema>;
/** `detail` after validation. */
export type ValidJobDetail = z.output<typeof detailSchema>;

/** The EventBridge event the function receives. */
export type MediaConvertJobStateChange = EventBridgeEvent<
  typeof DETAIL_TYPE,
  MediaConvertJobDetail
>;

const envelopeSchema = z.object(
  {
    source: z.literal(EVENT_SOURCE, { error: `expected "${EVENT_SOURCE}"` }),
    "detail-type": z.literal(DETAIL_TYPE, { error: `expected "${DETAIL_TYPE}"` }),
    detail: z.record(z.string(), z.unknown(), { error: "expected an object" }),
  },
  { error: "expected an EventBridge event object" },
);

const pipelineMetadataSchema = z.object({
  courseId: z.string({ error: "expected the course id" }).regex(COURSE_ID_PATTERN, {
    error: `expected a course id matching ${COURSE_ID_PATTERN.source}`,
  }),
  videoId: z
    .string({ error: "expected the video id" })
    .regex(VIDEO_ID_PATTERN, { error: `expected a video id matching ${VIDEO_ID_PATTERN.source}` }),
  sourceKey: z
    .string({ error: "expected the source object key" })
    .min(1, { error: "expected the source object key" })
    .max(1024, { error: "expected at most 1024 characters" }),
  sourceVersion: z
    .string({ error: "expected the source object version" })
    .min(1, { error: "expected the source object version" })
    .max(1024, { error: "expected at most 1024 characters" }),
});

/** What the pipeline put in the job's `userMetadata`. */
export type PipelineMetadata = z.output<typeof pipelineMetadataSchema>;

/** `a.b[0].c` from a zod path. */
function pathText(prefix: string, path: readonly PropertyKey[]): string {
  let text = prefix;
  for (const part of path) {
    text += typeof part === "number" ? `[${part}]` : `${text === "" ? "" : "."}${String(part)}`;
  }
  return text;
}

function issuesOf(error: z.ZodError, prefix: string): EventIssue[] {
  return error.issues.map((issue) => ({
    path: pathText(prefix, issue.path),
    reason: issue.message,
  }));
}

/** Whether `userMetadata` says the pipeline submitted the job. */
export function isPipelineJob(userMetadata: unknown): boolean {
  if (typeof userMetadata !== "object" || userMetadata === null) return false;
  return PIPELINE_METADATA_KEYS.some((key) => Object.hasOwn(userMetadata, key));
}

// ---------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------

/** An `s3://bucket/key` URI taken apart. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** The bucket and key of an `s3://bucket/key` URI. */
export function parseS3Uri(uri: string): S3Location {
  const match = S3_URI_PATTERN.exec(uri);
  const bucket = match?.[1];
  const key = match?.[2];
  if (bucket === undefined || key === undefined) {
    throw new InvalidEventError([{ path: "", reason: `not an s3://bucket/key URI: ${uri}` }]);
  }
  return { bucket, key };
}

/** What a finished job produced, as object keys in the output bucket. */
export interface JobOutputs {
  /** The multivariant HLS playlist (`.m3u8`). */
  readonly hlsManifestKey?: string;
  /** The DASH manifest (`.mpd`). */
  readonly dashManifestKey?: string;
  /** The folder of the frame captures, ending in `/`. */
  readonly thumbnailsPrefix?: string;
  /** The longest output's duration. */
  readonly durationMs?: number;
}

type OutputGroupDetail = z.output<typeof outputGroupDetailSchema>;

/**
 * The manifests, thumbnails folder and duration of a COMPLETE event. Manifests are the first
 * `.m3u8` and the first `.mpd` among the groups' `playlistFilePaths` (a CMAF group lists both);
 * the thumbnails prefix is the folder of the first image among the outputs' `outputFilePaths`.
 */
export function jobOutputs(groups: readonly OutputGroupDetail[]): JobOutputs {
  const playlists = groups.flatMap((group) => group.playlistFilePaths ?? []).map(parseS3Uri);
  const outputs = groups.flatMap((group) => group.outputDetails ?? []);
  const files = outputs.flatMap((output) => output.outputFilePaths ?? []).map(parseS3Uri);
  const durations = outputs.flatMap((output) =>
    output.durationInMs === undefined ? [] : [output.durationInMs],
  );
  const hls = playlists.find((location) => location.key.toLowerCase().endsWith(".m3u8"));
  const dash = playlists.find((location) => location.key.toLowerCase().endsWith(".mpd"));
  const image = files.find((location) => IMAGE_KEY.test(location.key));
  const slash = image?.key.lastIndexOf("/") ?? -1;
  return {
    ...(hls === undefined ? {} : { hlsManifestKey: hls.key }),
    ...(dash === undefined ? {} : { dashManifestKey: dash.key }),
    ...(image === undefined || slash < 0
      ? {}
      : { thumbnailsPrefix: image.key.slice(0, slash + 1) }),
    ...(durations.length === 0 ? {} : { durationMs: Math.max(...durations) }),
  };
}

/** `text` cut to at most `limit` code points (a surrogate pair is never split). */
export function truncate(text: string, limit: number): string {
  const points = Array.from(text);
  return points.length <= limit ? text : points.slice(0, limit).join("");
}

// ---------------------------------------------------------------------------------------------
// What an event changes
// ---------------------------------------------------------------------------------------------

/** Why an event was not recorded. */
export type IgnoredReason = "not-a-pipeline-job" | "informational-status";

/** A job's failure. */
export interface JobError {
  readonly code?: number;
  readonly message?: string;
}

/** The catalog change one event asks for. */
export interface CatalogUpdate {
  readonly videoId: string;
  readonly courseId: string;
  readonly jobId: string;
  /** The job's state after the event. */
  readonly status: CatalogStatus;
  /** The event's own status. */
  readonly lastEvent: RecordedStatus;
  /** When MediaConvert sent the event (`detail.timestamp`), ISO 8601 with milliseconds, UTC. */
  readonly eventTime: string;
  readonly sourceKey: string;
  readonly sourceVersion: string;
  readonly queue?: string;
  /** 0-100, when the event tells. */
  readonly percentComplete?: number;
  /** COMPLETE only. */
  readonly outputs?: JobOutputs;
  /** ERROR only. */
  readonly error?: JobError;
}

/** A parsed event: a catalog change, or why there is none. */
export type ParsedEvent =
  | {
      readonly kind: "ignored";
      readonly reason: IgnoredReason;
      readonly jobId?: string;
      readonly status?: string;
    }
  | { readonly kind: "update"; readonly update: CatalogUpdate };

const stringProperty = (record: Readonly<Record<string, unknown>>, name: string) => {
  const value = record[name];
  return typeof value === "string" ? value : undefined;
};

/**
 * Validates an event and works out its catalog change. Jobs the pipeline did not submit and
 * informational statuses come back as `ignored`; anything malformed throws `InvalidEventError`.
 */
export function parseJobStateChange(event: unknown): ParsedEvent {
  const envelope = envelopeSchema.safeParse(event);
  if (!envelope.success) {
    throw new InvalidEventError(issuesOf(envelope.error, ""));
  }
  const rawDetail = envelope.data.detail;
  if (!isPipelineJob(rawDetail.userMetadata)) {
    return {
      kind: "ignored",
      reason: "not-a-pipeline-job",
      ...optional("jobId", stringProperty(rawDetail, "jobId")),
      ...optional("status", stringProperty(rawDetail, "status")),
    };
  }
  const parsed = detailSchema.safeParse(rawDetail);
  if (!parsed.success) {
    throw new InvalidEventError(issuesOf(parsed.error, "detail"));
  }
  const detail = parsed.data;
  const metadata = pipelineMetadataSchema.safeParse(detail.userMetadata);
  if (!metadata.success) {
    throw new InvalidEventError(issuesOf(metadata.error, "detail.userMetadata"));
  }
  if (isInformational(detail.status)) {
    return {
      kind: "ignored",
      reason: "informational-status",
      jobId: detail.jobId,
      status: detail.status,
    };
  }
  return { kind: "update", update: catalogUpdate(detail, metadata.data) };
}

/** `{ [key]: value }`, or nothing when `value` is undefined (for optional fields of a record). */
export function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function catalogUpdate(detail: ValidJobDetail, metadata: PipelineMetadata): CatalogUpdate {
  const common = {
    videoId: metadata.videoId,
    courseId: metadata.courseId,
    jobId: detail.jobId,
    eventTime: new Date(detail.timestamp).toISOString(),
    sourceKey: metadata.sourceKey,
    sourceVersion: metadata.sourceVersion,
    ...optional("queue", detail.queue),
  };
  switch (detail.status) {
    case "PROGRESSING": {
      // A job that has just left its queue has done nothing yet.
      const percent = detail.jobProgress?.jobPercentComplete ?? 0;
      return {
        ...common,
        status: "PROGRESSING",
        lastEvent: "PROGRESSING",
        percentComplete: percent,
      };
    }
    case "STATUS_UPDATE": {
      const percent = detail.jobProgress?.jobPercentComplete ?? undefined;
      return {
        ...common,
        status: "PROGRESSING",
        lastEvent: "STATUS_UPDATE",
        ...optional("percentComplete", percent),
      };
    }
    case "COMPLETE": {
      const outputs = jobOutputs(detail.outputGroupDetails);
      if (outputs.hlsManifestKey === undefined && outputs.dashManifestKey === undefined) {
        throw new InvalidEventError([
          {
            path: "detail.outputGroupDetails",
            reason: "a COMPLETE job must list an .m3u8 or .mpd manifest in playlistFilePaths",
          },
        ]);
      }
      return {
        ...common,
        status: "COMPLETE",
        lastEvent: "COMPLETE",
        percentComplete: 100,
        outputs,
      };
    }
    case "ERROR": {
      const error: JobError = {
        ...optional("code", detail.errorCode),
        ...optional(
          "message",
          detail.errorMessage === undefined
            ? undefined
            : truncate(detail.errorMessage, MAX_ERROR_MESSAGE_LENGTH),
        ),
      };
      return { ...common, status: "ERROR", lastEvent: "ERROR", error };
    }
    case "CANCELED":
      return { ...common, status: "CANCELED", lastEvent: "CANCELED" };
    default:
      // Informational statuses were returned as ignored before this point.
      throw new InvalidEventError([
        { path: "detail.status", reason: `${detail.status} is not recorded` },
      ]);
  }
}
