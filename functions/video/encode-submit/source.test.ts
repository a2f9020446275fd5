import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildCreateJobInput, checkSourceObject, isSameVersion, sourceVideoOf } from "./source";
import { PermanentFailureError } from "./errors";
import { COURSE_ID, RAW_BUCKET, SOURCE_KEY, VERSION_ID, VIDEO_ID } from "./fixtures/events";
import { buildJobSettings, DEFAULT_LECTURE_LADDER } from "./job-settings";
import {
  CONFIG,
  MAX_SOURCE_BYTES,
  OUTPUT_BUCKET,
  QUEUE_ARN,
  ROLE_ARN,
  SOURCE_HEAD,
} from "./test-support";

/** The error a promise rejects with, or `run` throws. */
async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
const TOKEN = sha256(`${RAW_BUCKET}\u0000${SOURCE_KEY}\u0000${VERSION_ID}`);

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

describe("isSameVersion", () => {
  it.each([
    [
      "the same version id",
      { versionId: "v1", eTag: "e1" },
      { versionId: "v1", eTag: '"e2"' },
      true,
    ],
    [
      "another version id",
      { versionId: "v1", eTag: "e1" },
      { versionId: "v2", eTag: '"e1"' },
      false,
    ],
    ["the same ETag, unversioned", { eTag: "e1" }, { eTag: '"e1"' }, true],
    ["another ETag, unversioned", { eTag: "e1" }, { eTag: '"e2"' }, false],
    [
      "null version ids, compared by ETag",
      { versionId: "null", eTag: "e1" },
      { versionId: "null", eTag: '"e2"' },
      false,
    ],
    ["nothing to compare", { versionId: "v1" }, {}, true],
  ])("%s -> %s", (_, notified, head, same) => {
    expect(isSameVersion(notified, head)).toBe(same);
  });
});

// ---------------------------------------------------------------------------------------------
// Source checks
// ---------------------------------------------------------------------------------------------

describe("checkSourceObject", () => {
  it("accepts an allowed type, with parameters and any case, within the size limit", () => {
    expect(() => {
      checkSourceObject(SOURCE_HEAD, CONFIG);
    }).not.toThrow();
    expect(() => {
      checkSourceObject(
        { contentType: "Video/MP4; codecs=avc1", contentLength: MAX_SOURCE_BYTES },
        CONFIG,
      );
    }).not.toThrow();
  });

  it.each([
    [
      "an unsupported type",
      { contentType: "video/x-msvideo", contentLength: 10 },
      "unsupported_content_type",
      'content type "video/x-msvideo" is not one of video/mp4, video/quicktime, video/x-matroska, video/webm',
    ],
    [
      "no type",
      { contentLength: 10 },
      "unsupported_content_type",
      "content type (none) is not one of video/mp4, video/quicktime, video/x-matroska, video/webm",
    ],
    [
      "a type with odd characters",
      { contentType: "video/mp4\u0000x\u00e9", contentLength: 10 },
      "unsupported_content_type",
      'content type "video/mp4?x?" is not one of video/mp4, video/quicktime, video/x-matroska, video/webm',
    ],
    [
      "zero bytes",
      { contentType: "video/mp4", contentLength: 0 },
      "empty_object",
      "the object is empty (0 bytes)",
    ],
    [
      "one byte too many",
      { contentType: "video/mp4", contentLength: MAX_SOURCE_BYTES + 1 },
      "object_too_large",
      `the object is ${MAX_SOURCE_BYTES + 1} bytes, more than the ${MAX_SOURCE_BYTES} bytes allowed`,
    ],
  ])("rejects %s", async (_, head, reason, detail) => {
    const error = await failure(() => {
      checkSourceObject(head, CONFIG);
    });
    expect(error).toBeInstanceOf(PermanentFailureError);
    expect(error).toMatchObject({ reason, detail });
  });
});

// ---------------------------------------------------------------------------------------------
// The request
// ---------------------------------------------------------------------------------------------

describe("sourceVideoOf", () => {
  it("takes the size and, for .mp4 and .mov, the rotation MediaConvert applies", () => {
    for (const container of ["mp4", "quicktime"]) {
      expect(
        sourceVideoOf({ container, video: { width: 1920, height: 1080, rotationDegrees: 270 } }),
      ).toEqual({
        video: { width: 1920, height: 1080, rotationDegrees: 270 },
        summary: { container, width: 1920, height: 1080, rotationDegrees: 270 },
      });
    }
  });

  it.each(["matroska", "webm", undefined])(
    "drops the rotation of a %s container: MediaConvert encodes it as stored",
    (container) => {
      expect(
        sourceVideoOf({
          ...(container === undefined ? {} : { container }),
          video: { width: 1920, height: 1080, rotationDegrees: 90 },
        }).video,
      ).toEqual({ width: 1920, height: 1080, rotationDegrees: 0 });
    },
  );

  it.each<[string, Parameters<typeof sourceVideoOf>[0], string]>([
    ["no video track", { container: "mp4" }, "Probe found no video track"],
    [
      "no height",
      { container: "mp4", video: { width: 1280 } },
      "Probe reported no video width and height",
    ],
    [
      "a size too large to encode",
      { container: "mp4", video: { width: 10_240, height: 4320 } },
      "source.width must be an integer between 32 and 8192, got 10240",
    ],
    [
      "a rotation that is not a quarter turn",
      { container: "mp4", video: { width: 1920, height: 1080, rotationDegrees: 45 } },
      "source.rotationDegrees must be a multiple of 90, got 45",
    ],
  ])("measures nothing for %s (the full ladder), and says why", (_, probed, unmeasured) => {
    expect(sourceVideoOf(probed)).toEqual({ summary: { unmeasured } });
  });
});

describe("buildCreateJobInput", () => {
  it("fits the ladder to a measured source: nothing above its size", () => {
    const sizes = (video?: { width: number; height: number; rotationDegrees?: number }) =>
      (
        buildCreateJobInput(
          {
            bucket: RAW_BUCKET,
            key: SOURCE_KEY,
            version: VERSION_ID,
            source: { courseId: COURSE_ID, videoId: VIDEO_ID, extension: "mp4" },
            ...(video === undefined ? {} : { video }),
          },
          CONFIG,
        ).Settings?.OutputGroups?.[0]?.Outputs ?? []
      ).flatMap((output) =>
        // The audio rendition has no picture.
        output.VideoDescription === undefined
          ? []
          : [[output.VideoDescription.Width, output.VideoDescription.Height]],
      );
    expect(sizes({ width: 1280, height: 720 })).toEqual([
      [416, 234],
      [640, 360],
      [960, 540],
      [1280, 720],
    ]);
    expect(sizes()).toHaveLength(DEFAULT_LECTURE_LADDER.length);
  });

  it("writes each source version's renditions to a folder of its own, the same on redelivery", () => {
    const destination = (version: string): string | undefined =>
      buildCreateJobInput(
        {
          bucket: RAW_BUCKET,
          key: SOURCE_KEY,
          version,
          source: { courseId: COURSE_ID, videoId: VIDEO_ID, extension: "mp4" },
        },
        CONFIG,
      ).Settings?.OutputGroups?.[0]?.OutputGroupSettings?.CmafGroupSettings?.Destination;
    const first = destination("v1");
    const reupload = destination("v2");
    // A newer upload never shares a folder with an older job, so the older job's late renditions
    // cannot overwrite the current ones; a redelivered notification writes where it wrote before.
    expect(first).not.toBe(reupload);
    expect(destination("v1")).toBe(first);
    for (const path of [first, reupload]) {
      expect(path).toMatch(
        new RegExp(
          `^s3://${OUTPUT_BUCKET}/courses/${COURSE_ID}/${VIDEO_ID}/[0-9a-f]{16}/cmaf/index$`,
        ),
      );
    }
  });

  it("submits to the queue with the role, the token, metadata, tags and acceleration", () => {
    const input = buildCreateJobInput(
      {
        bucket: RAW_BUCKET,
        key: SOURCE_KEY,
        version: VERSION_ID,
        source: { courseId: COURSE_ID, videoId: VIDEO_ID, extension: "mp4" },
      },
      CONFIG,
    );
    expect(input).toEqual({
      Role: ROLE_ARN,
      Queue: QUEUE_ARN,
      ClientRequestToken: TOKEN,
      Settings: buildJobSettings({
        inputUri: `s3://${RAW_BUCKET}/${SOURCE_KEY}`,
        outputPrefix: `s3://${OUTPUT_BUCKET}/courses/${COURSE_ID}/${VIDEO_ID}/${TOKEN.slice(0, 16)}/`,
        ladder: DEFAULT_LECTURE_LADDER,
      }),
      UserMetadata: {
        courseId: COURSE_ID,
        videoId: VIDEO_ID,
        sourceKey: SOURCE_KEY,
        sourceVersion: VERSION_ID,
      },
      StatusUpdateInterval: "SECONDS_60",
      AccelerationSettings: { Mode: "PREFERRED" },
      Tags: { Component: "video-pipeline", CourseId: COURSE_ID, VideoId: VIDEO_ID },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Classification and retries
// ---------------------------------------------------------------------------------------------
