/**
 * The source object: its size and type checked against the limits, what MediaConvert's Probe
 * measured of it, and the CreateJob request that encodes it.
 */
import type { CreateJobRequest } from "@aws-sdk/client-mediaconvert";
import { type EncodeSubmitConfig, normalizeContentType } from "./config";
import { PermanentFailureError, quoteOutside, truncate } from "./errors";
import { buildJobSettings } from "./job-settings";
import { type SourceKey, clientRequestToken, outputPrefix, unquoteETag } from "./message";
import { sourceProblems, type SourceVideo } from "./renditions";

/** Tag of every job this function submits. */
export const JOB_COMPONENT_TAG = "video-pipeline";

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
