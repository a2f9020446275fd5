import { describe, expect, it } from "vitest";
import { thrown } from "../../shared/test-support";
import { InvalidEventError } from "./errors";
import {
  MAX_ERROR_MESSAGE_LENGTH,
  jobOutputs,
  parseJobStateChange,
  parseS3Uri,
  truncate,
  type CatalogUpdate,
} from "./job-event";
import {
  COURSE_ID,
  DASH_KEY,
  HLS_KEY,
  JOB_ID,
  OUTPUT_BUCKET,
  QUEUE_ARN,
  SOURCE_KEY,
  SOURCE_VERSION,
  THUMBNAILS_PREFIX,
  VIDEO_ID,
  at,
  baseDetail,
  canceledDetail,
  completeDetail,
  errorDetail,
  jobEvent,
  progressingDetail,
  statusUpdateDetail,
} from "./fixtures/events";

/** The update an event asks for; fails the test when it is ignored. */
function updateOf(event: unknown): CatalogUpdate {
  const parsed = parseJobStateChange(event);
  if (parsed.kind !== "update") throw new Error(`expected an update, got ${parsed.reason}`);
  return parsed.update;
}

const COMMON = {
  videoId: VIDEO_ID,
  courseId: COURSE_ID,
  jobId: JOB_ID,
  sourceKey: SOURCE_KEY,
  sourceVersion: SOURCE_VERSION,
  queue: QUEUE_ARN,
};

describe("parseJobStateChange", () => {
  it("reads a COMPLETE job's CMAF manifests, thumbnails folder and duration", () => {
    expect(updateOf(jobEvent(completeDetail(at(600))))).toEqual({
      ...COMMON,
      status: "COMPLETE",
      lastEvent: "COMPLETE",
      eventTime: "2025-01-01T00:10:00.000Z",
      percentComplete: 100,
      outputs: {
        hlsManifestKey: HLS_KEY,
        dashManifestKey: DASH_KEY,
        thumbnailsPrefix: THUMBNAILS_PREFIX,
        durationMs: 1_834_443,
      },
    });
  });

  it("finds the manifests of separate HLS and DASH groups", () => {
    const detail = {
      ...baseDetail("COMPLETE", at(1)),
      outputGroupDetails: [
        {
          type: "HLS_GROUP",
          playlistFilePaths: [`s3://${OUTPUT_BUCKET}/hls/main.m3u8`],
          outputDetails: [
            { outputFilePaths: [`s3://${OUTPUT_BUCKET}/hls/mainv1.m3u8`], durationInMs: 5000 },
          ],
        },
        { type: "DASH_ISO_GROUP", playlistFilePaths: [`s3://${OUTPUT_BUCKET}/dash/main.mpd`] },
      ],
    };
    expect(updateOf(jobEvent(detail)).outputs).toEqual({
      hlsManifestKey: "hls/main.m3u8",
      dashManifestKey: "dash/main.mpd",
      durationMs: 5000,
    });
  });

  it("records PROGRESSING as 0 percent", () => {
    expect(updateOf(jobEvent(progressingDetail(at(5))))).toEqual({
      ...COMMON,
      status: "PROGRESSING",
      lastEvent: "PROGRESSING",
      eventTime: "2025-01-01T00:00:05.000Z",
      percentComplete: 0,
    });
  });

  it("records STATUS_UPDATE as PROGRESSING with the job's percentage", () => {
    expect(updateOf(jobEvent(statusUpdateDetail(at(65), 37)))).toMatchObject({
      status: "PROGRESSING",
      lastEvent: "STATUS_UPDATE",
      percentComplete: 37,
    });
  });

  it("leaves the percentage out when MediaConvert cannot tell it", () => {
    const detail = {
      ...baseDetail("STATUS_UPDATE", at(65)),
      jobProgress: { jobPercentComplete: null },
    };
    expect(updateOf(jobEvent(detail))).not.toHaveProperty("percentComplete");
    expect(updateOf(jobEvent(baseDetail("STATUS_UPDATE", at(65))))).not.toHaveProperty(
      "percentComplete",
    );
  });

  it("records an ERROR's code and message", () => {
    expect(updateOf(jobEvent(errorDetail(at(90), "Demuxer failure")))).toEqual({
      ...COMMON,
      status: "ERROR",
      lastEvent: "ERROR",
      eventTime: "2025-01-01T00:01:30.000Z",
      error: { code: 1030, message: "Demuxer failure" },
    });
  });

  it("accepts an error code sent as digits", () => {
    const detail = { ...errorDetail(at(1)), errorCode: "1040" };
    expect(updateOf(jobEvent(detail)).error?.code).toBe(1040);
  });

  it("cuts the error message to 1000 characters without splitting a character", () => {
    const long = `${"x".repeat(MAX_ERROR_MESSAGE_LENGTH - 1)}\u{1F600}tail`;
    const message = updateOf(jobEvent(errorDetail(at(1), long))).error?.message ?? "";
    expect(Array.from(message)).toHaveLength(MAX_ERROR_MESSAGE_LENGTH);
    expect(message.endsWith("\u{1F600}")).toBe(true);
    expect(truncate("short", 10)).toBe("short");
  });

  it("records CANCELED", () => {
    expect(updateOf(jobEvent(canceledDetail(at(2))))).toEqual({
      ...COMMON,
      status: "CANCELED",
      lastEvent: "CANCELED",
      eventTime: "2025-01-01T00:00:02.000Z",
    });
  });

  it.each(["INPUT_INFORMATION", "NEW_WARNING", "QUEUE_HOP"])("ignores %s", (status) => {
    expect(parseJobStateChange(jobEvent(baseDetail(status, at(3))))).toEqual({
      kind: "ignored",
      reason: "informational-status",
      jobId: JOB_ID,
      status,
    });
  });

  it.each([
    ["no userMetadata", { userMetadata: undefined }],
    ["empty userMetadata", { userMetadata: {} }],
    ["someone else's userMetadata", { userMetadata: { project: "marketing" } }],
  ])("ignores a job with %s", (_, change) => {
    const detail = { ...completeDetail(at(4)), ...change };
    expect(parseJobStateChange(jobEvent(detail))).toEqual({
      kind: "ignored",
      reason: "not-a-pipeline-job",
      jobId: JOB_ID,
      status: "COMPLETE",
    });
  });

  it("ignores another job even when the rest of its event is unusual", () => {
    expect(
      parseJobStateChange(jobEvent({ status: "COMPLETE", outputGroupDetails: "?" })),
    ).toMatchObject({ kind: "ignored", reason: "not-a-pipeline-job" });
  });

  it.each([
    [null, "invalid MediaConvert job state change: expected an EventBridge event object"],
    [
      jobEvent(progressingDetail(at(1)), { source: "aws.s3" }),
      'source: expected "aws.mediaconvert"',
    ],
    [
      jobEvent(progressingDetail(at(1)), { "detail-type": "Object Created" }),
      'detail-type: expected "MediaConvert Job State Change"',
    ],
    [jobEvent(progressingDetail(at(1)), { detail: [] }), "detail: expected an object"],
    [
      jobEvent({ ...progressingDetail(at(1)), status: "SUBMITTED" }),
      "detail.status: status must be one of: INPUT_INFORMATION, PROGRESSING, STATUS_UPDATE, " +
        "COMPLETE, CANCELED, ERROR, NEW_WARNING, QUEUE_HOP",
    ],
    [jobEvent({ ...progressingDetail(at(1)), jobId: "" }), "detail.jobId: expected the job id"],
    [
      jobEvent({ ...progressingDetail(at(1)), timestamp: "2025-01-01T00:00:00Z" }),
      "detail.timestamp: expected the event time in epoch milliseconds",
    ],
    [
      jobEvent({ ...completeDetail(at(1)), outputGroupDetails: [] }),
      "detail.outputGroupDetails: expected the output groups of the job",
    ],
    [
      jobEvent({
        ...completeDetail(at(1)),
        outputGroupDetails: [{ playlistFilePaths: ["https://example.com/a.m3u8"] }],
      }),
      "detail.outputGroupDetails[0].playlistFilePaths[0]: expected an s3://bucket/key URI",
    ],
    [
      jobEvent({
        ...completeDetail(at(1)),
        outputGroupDetails: [
          { outputDetails: [{ outputFilePaths: [`s3://${OUTPUT_BUCKET}/a.mp4`] }] },
        ],
      }),
      "detail.outputGroupDetails: a COMPLETE job must list an .m3u8 or .mpd manifest in playlistFilePaths",
    ],
    [
      jobEvent({ ...statusUpdateDetail(at(1), 10), jobProgress: { jobPercentComplete: 140 } }),
      "detail.jobProgress.jobPercentComplete: expected a percentage from 0 to 100",
    ],
    [
      jobEvent({ ...progressingDetail(at(1)), userMetadata: { videoId: VIDEO_ID } }),
      "detail.userMetadata.courseId: expected the course id",
    ],
    [
      jobEvent({
        ...progressingDetail(at(1)),
        userMetadata: {
          courseId: "Intro To Finance",
          videoId: VIDEO_ID,
          sourceKey: "k",
          sourceVersion: "v",
        },
      }),
      "detail.userMetadata.courseId: expected a course id matching ^[a-z0-9-]{1,64}$",
    ],
  ])("rejects a malformed event (%#)", (event, message) => {
    const error = thrown(() => parseJobStateChange(event));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error).toMatchObject({ name: "InvalidEventError" });
    expect((error as Error).message).toContain(message);
  });

  it("reports every problem at once", () => {
    const error = thrown(() =>
      parseJobStateChange(jobEvent({ ...baseDetail("ERROR", -5), jobId: 7 })),
    ) as InvalidEventError;
    expect(error.issues.map((issue) => issue.path)).toEqual(["detail.jobId", "detail.timestamp"]);
  });
});

describe("outputs", () => {
  it("takes s3 URIs apart", () => {
    expect(parseS3Uri("s3://bucket/a/b/c.m3u8")).toEqual({ bucket: "bucket", key: "a/b/c.m3u8" });
    expect(() => parseS3Uri("s3://bucket/")).toThrow(InvalidEventError);
  });

  it("needs no output files, durations or thumbnails", () => {
    expect(jobOutputs([{ playlistFilePaths: [`s3://${OUTPUT_BUCKET}/x/index.M3U8`] }])).toEqual({
      hlsManifestKey: "x/index.M3U8",
    });
  });
});
