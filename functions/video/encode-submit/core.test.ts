import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  backoffDelayMs,
  bucketNameProblem,
  buildCreateJobInput,
  checkBucketName,
  checkSourceObject,
  classifyError,
  clientRequestToken,
  deadLetterBody,
  decodeS3Key,
  isSameVersion,
  isThrottling,
  mapWithConcurrency,
  parseMessageBody,
  parseSourceKey,
  processBatch,
  processMessage,
  sourceVersion,
  sourceVideoOf,
  unwrapDeadLetter,
  withThrottlingRetries,
  type JobSubmitter,
} from "./core";
import { PermanentFailureError, RecordFailureError, TransientFailureError } from "./errors";
import {
  COURSE_ID,
  ETAG,
  RAW_BUCKET,
  SOURCE,
  SOURCE_KEY,
  SOURCE_SIZE,
  TEST_EVENT_BODY,
  VERSION_ID,
  VIDEO_ID,
  notificationBody,
  sqsRecord,
} from "./fixtures/events";
import { buildJobSettings, DEFAULT_LECTURE_LADDER } from "./job-settings";
import {
  CONFIG,
  MAX_SOURCE_BYTES,
  NOW,
  OUTPUT_BUCKET,
  QUEUE_ARN,
  ROLE_ARN,
  SOURCE_HEAD,
  awsError,
  fakeDeps,
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

/** Fails the test with `message` (for values a test has just checked are there). */
function fail(message: string): never {
  throw new Error(message);
}

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
const TOKEN = sha256(`${RAW_BUCKET}\u0000${SOURCE_KEY}\u0000${VERSION_ID}`);

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

describe("decodeS3Key", () => {
  it.each([
    ["a key without anything to decode", SOURCE_KEY, SOURCE_KEY],
    ["spaces written as +", "uploads/My+Lecture+Video.mp4", "uploads/My Lecture Video.mp4"],
    ["a literal + written as %2B", "uploads/C%2B%2B+basics.mp4", "uploads/C++ basics.mp4"],
    [
      "Arabic as percent-encoded UTF-8",
      "uploads/%D8%A7%D9%84%D9%85%D8%AD%D8%A7%D8%B3%D8%A8%D8%A9.mp4",
      "uploads/المحاسبة.mp4",
    ],
    ["accents", "uploads/caf%C3%A9+cr%C3%A8me.mov", "uploads/café crème.mov"],
    ["an emoji (four UTF-8 bytes)", "uploads/intro%F0%9F%8E%AC.mp4", "uploads/intro🎬.mp4"],
    [
      "reserved characters",
      "uploads/%28draft%29%26final%3Dv2%3F%23.mp4",
      "uploads/(draft)&final=v2?#.mp4",
    ],
    ["a literal %", "uploads/100%25.mp4", "uploads/100%.mp4"],
    ["an encoded slash", "uploads/a%2Fb.mp4", "uploads/a/b.mp4"],
    ["a tilde and an asterisk", "uploads/%7Euser%2A.mp4", "uploads/~user*.mp4"],
  ])("decodes %s", (_, encoded, decoded) => {
    expect(decodeS3Key(encoded)).toBe(decoded);
  });

  it.each([["uploads/%E0%A4%A.mp4"], ["uploads/%ZZ.mp4"], ["uploads/%C3.mp4"]])(
    "rejects broken encoding in %s as a permanent invalid_key",
    async (encoded) => {
      const error = await failure(() => decodeS3Key(encoded));
      expect(error).toBeInstanceOf(PermanentFailureError);
      expect(error).toMatchObject({
        reason: "invalid_key",
        detail: "object key is not valid URL encoding",
      });
    },
  );

  it("inverts S3's encoding of any key (encodeURIComponent, spaces as +)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1 }), (key) => {
        const encoded = encodeURIComponent(key).replace(/%20/g, "+");
        expect(decodeS3Key(encoded)).toBe(key);
      }),
    );
  });
});

describe("checkBucketName", () => {
  it.each([
    RAW_BUCKET,
    "abc",
    "a".repeat(63),
    "kc.video.raw",
    "kc-video-raw-111122223333-me-south-1",
    "1-bucket-9",
  ])("accepts %s", (bucket) => {
    expect(bucketNameProblem(bucket)).toBeUndefined();
    expect(() => {
      checkBucketName(bucket);
    }).not.toThrow();
  });

  it.each([
    ["upper case and underscore", "KC_Video_Raw", "lower-case letters"],
    ["too short", "ab", "3-63"],
    ["too long", "a".repeat(64), "3-63"],
    ["a slash", "kc/video", "lower-case letters"],
    ["a space", "kc video", "lower-case letters"],
    ["a hyphen at the end", "kc-video-", "at both ends"],
    ["a dot at the start", ".kc-video", "at both ends"],
    ["two adjacent dots", "kc..video", "no two adjacent dots"],
    ["an IP address", "192.168.5.4", "not an IP address"],
    ["the xn-- prefix", "xn--kc-video", "reserved prefix xn--"],
    ["the sthree- prefix", "sthree-kc", "reserved prefix sthree-"],
    ["the amzn-s3-demo- prefix", "amzn-s3-demo-kc", "reserved prefix amzn-s3-demo-"],
    ["an access point alias", "kc-video-abcdefgh-s3alias", "reserved suffix -s3alias"],
    ["an Object Lambda alias", "kc-video--ol-s3", "reserved suffix --ol-s3"],
    ["a Multi-Region Access Point", "kc-video.mrap", "reserved suffix .mrap"],
    ["a directory bucket", "kc-video--mes1-az1--x-s3", "reserved suffix --x-s3"],
    ["a table bucket", "kc-video--table-s3", "reserved suffix --table-s3"],
    ["an ARN", "arn:aws:s3:::kc-video", "lower-case letters"],
  ])("refuses %s, permanently, naming the rule", async (_, bucket, rule) => {
    expect(bucketNameProblem(bucket)).toContain(rule);
    const error = await failure(() => {
      checkBucketName(bucket);
    });
    expect(error).toBeInstanceOf(PermanentFailureError);
    expect(error).toMatchObject({ reason: "invalid_bucket" });
    expect((error as PermanentFailureError).detail).toContain(rule);
  });

  it("quotes a refused name safely: printable, short", async () => {
    const error = await failure(() => {
      checkBucketName(`BAD\n${"x".repeat(300)}`);
    });
    expect(error).toBeInstanceOf(PermanentFailureError);
    const detail = (error as PermanentFailureError).detail;
    expect(detail).toMatch(/^bucket name "BAD\?x+\.\.\." is not an S3 bucket name \(/);
    expect(detail.length).toBeLessThanOrEqual(240);
  });

  it("accepts exactly what S3's rules allow, over generated names", () => {
    const name = fc.stringMatching(/^[a-z0-9.-]{1,70}$/);
    fc.assert(
      fc.property(name, (bucket) => {
        const valid =
          bucket.length >= 3 &&
          bucket.length <= 63 &&
          /^[a-z0-9]/.test(bucket) &&
          /[a-z0-9]$/.test(bucket) &&
          !bucket.includes("..") &&
          !/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bucket) &&
          !["xn--", "sthree-", "amzn-s3-demo-"].some((prefix) => bucket.startsWith(prefix)) &&
          !["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].some((suffix) =>
            bucket.endsWith(suffix),
          );
        expect(bucketNameProblem(bucket) === undefined).toBe(valid);
      }),
    );
  });
});

describe("parseSourceKey", () => {
  it("takes the course, the video and the extension", () => {
    expect(parseSourceKey(SOURCE_KEY)).toEqual({
      courseId: COURSE_ID,
      videoId: VIDEO_ID,
      extension: "mp4",
    });
    for (const extension of ["mov", "mkv", "webm"]) {
      expect(parseSourceKey(`uploads/c1/${VIDEO_ID}/source.${extension}`).extension).toBe(
        extension,
      );
    }
    expect(
      parseSourceKey(`uploads/${"a".repeat(64)}/${VIDEO_ID}/source.mp4`).courseId,
    ).toHaveLength(64);
  });

  it.each([
    ["a file name with spaces", `uploads/${COURSE_ID}/${VIDEO_ID}/My Lecture.mp4`],
    ["a course id with a space", `uploads/fin 101/${VIDEO_ID}/source.mp4`],
    ["a course id with a +", `uploads/c++/${VIDEO_ID}/source.mp4`],
    ["a course id in Arabic", `uploads/المحاسبة/${VIDEO_ID}/source.mp4`],
    ["an upper-case course id", `uploads/FIN-101/${VIDEO_ID}/source.mp4`],
    ["a course id of 65 characters", `uploads/${"a".repeat(65)}/${VIDEO_ID}/source.mp4`],
    ["an empty course id", `uploads//${VIDEO_ID}/source.mp4`],
    ["a video id that is not a UUID", `uploads/${COURSE_ID}/lecture-1/source.mp4`],
    ["an upper-case UUID", `uploads/${COURSE_ID}/${VIDEO_ID.toUpperCase()}/source.mp4`],
    ["an unsupported extension", `uploads/${COURSE_ID}/${VIDEO_ID}/source.avi`],
    ["an upper-case extension", `uploads/${COURSE_ID}/${VIDEO_ID}/source.MP4`],
    ["another file name", `uploads/${COURSE_ID}/${VIDEO_ID}/lecture.mp4`],
    ["a deeper path", `uploads/${COURSE_ID}/${VIDEO_ID}/extra/source.mp4`],
    ["another prefix", `courses/${COURSE_ID}/${VIDEO_ID}/source.mp4`],
    ["a leading slash", `/uploads/${COURSE_ID}/${VIDEO_ID}/source.mp4`],
    ["a trailing newline", `uploads/${COURSE_ID}/${VIDEO_ID}/source.mp4\n`],
  ])("rejects %s as a permanent invalid_key", async (_, key) => {
    const error = await failure(() => parseSourceKey(key));
    expect(error).toBeInstanceOf(PermanentFailureError);
    expect(error).toMatchObject({
      reason: "invalid_key",
      detail: "object key does not match uploads/<courseId>/<videoId>/source.<mp4|mov|mkv|webm>",
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------------

describe("parseMessageBody", () => {
  it("parses S3's notification", () => {
    const body = parseMessageBody(notificationBody(SOURCE));
    expect(body.kind).toBe("notification");
    if (body.kind !== "notification") return;
    expect(body.records).toHaveLength(1);
    expect(body.records[0]?.s3.object).toMatchObject({
      key: SOURCE_KEY,
      size: SOURCE_SIZE,
      eTag: ETAG,
      versionId: VERSION_ID,
    });
  });

  it("recognizes S3's test event", () => {
    expect(parseMessageBody(TEST_EVENT_BODY)).toEqual({ kind: "test", bucket: RAW_BUCKET });
  });

  it.each([
    ["not JSON", "uploads/fin-101/source.mp4", "message body is not JSON"],
    [
      "JSON that is not an object",
      "42",
      "message body is not an S3 event notification (check body)",
    ],
    [
      "no records",
      '{"Records":[]}',
      "message body is not an S3 event notification (check Records)",
    ],
    [
      "a record without a key",
      JSON.stringify({
        Records: [
          {
            eventSource: "aws:s3",
            eventName: "ObjectCreated:Put",
            s3: { bucket: { name: RAW_BUCKET }, object: { size: 1 } },
          },
        ],
      }),
      "message body is not an S3 event notification (check Records[0].s3.object.key)",
    ],
    [
      "an event from another service",
      JSON.stringify({ Records: [{ eventSource: "aws:sqs", eventName: "x", s3: {} }] }),
      "message body is not an S3 event notification (check Records[0].eventSource, Records[0].s3.bucket, Records[0].s3.object)",
    ],
  ])("rejects %s as a permanent malformed_body, naming fields only", async (_, body, detail) => {
    const error = await failure(() => parseMessageBody(body));
    expect(error).toBeInstanceOf(PermanentFailureError);
    expect(error).toMatchObject({ reason: "malformed_body", detail });
  });
});

// ---------------------------------------------------------------------------------------------
// Versions and tokens
// ---------------------------------------------------------------------------------------------

describe("sourceVersion and clientRequestToken", () => {
  it("uses the version id, else the ETag (also when the version id is the literal null)", () => {
    expect(sourceVersion({ versionId: VERSION_ID, eTag: ETAG })).toBe(VERSION_ID);
    expect(sourceVersion({ eTag: ETAG })).toBe(ETAG);
    expect(sourceVersion({ versionId: "null", eTag: `"${ETAG}"` })).toBe(ETAG);
  });

  it("rejects a notification with neither as malformed", async () => {
    expect(await failure(() => sourceVersion({}))).toMatchObject({
      reason: "malformed_body",
      detail: "the notification names neither a version id nor an ETag",
    });
  });

  it("is the SHA-256 hex of bucket, key and version, NUL-separated", () => {
    expect(clientRequestToken(RAW_BUCKET, SOURCE_KEY, VERSION_ID)).toBe(TOKEN);
    expect(TOKEN).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is stable per version and differs whenever bucket, key or version differ", () => {
    fc.assert(
      fc.property(
        fc.tuple(
          fc.string({ minLength: 1 }),
          fc.string({ minLength: 1 }),
          fc.string({ minLength: 1 }),
        ),
        fc.tuple(
          fc.string({ minLength: 1 }),
          fc.string({ minLength: 1 }),
          fc.string({ minLength: 1 }),
        ),
        (a, b) => {
          fc.pre(
            a.every((part) => !part.includes("\u0000")) &&
              b.every((part) => !part.includes("\u0000")),
          );
          const tokenA = clientRequestToken(...a);
          expect(clientRequestToken(...a)).toBe(tokenA);
          expect(tokenA).toHaveLength(64);
          const same = a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
          expect(clientRequestToken(...b) === tokenA).toBe(same);
        },
      ),
    );
  });
});

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

describe("classifyError", () => {
  it.each<[string, string, string, "HeadObject" | "Probe" | "CreateJob", unknown]>([
    [
      "a source Probe cannot read",
      "permanent",
      "probe_rejected",
      "Probe",
      awsError("BadRequestException", 400),
    ],
    [
      "a throttled Probe",
      "transient",
      "throttled",
      "Probe",
      awsError("TooManyRequestsException", 429),
    ],
    [
      "a Probe failing on the service side",
      "transient",
      "service_error",
      "Probe",
      awsError("InternalServerErrorException", 500),
    ],
    // Probe reads the object with the caller's credentials: a denial is a permission to fix.
    ["a denied Probe", "transient", "access_denied", "Probe", awsError("ForbiddenException", 403)],
    [
      "MediaConvert throttling",
      "transient",
      "throttled",
      "CreateJob",
      awsError("TooManyRequestsException", 429),
    ],
    [
      "a generic throttle",
      "transient",
      "throttled",
      "HeadObject",
      awsError("ThrottlingException", 400),
    ],
    ["S3 SlowDown", "transient", "throttled", "HeadObject", awsError("SlowDown", 503)],
    ["a bare 429", "transient", "throttled", "CreateJob", awsError("UnknownError", 429)],
    [
      "a rejected job",
      "permanent",
      "job_rejected",
      "CreateJob",
      awsError("BadRequestException", 400),
    ],
    [
      "an unprocessable job",
      "permanent",
      "job_rejected",
      "CreateJob",
      awsError("UnprocessableEntityException", 422),
    ],
    [
      "a 500",
      "transient",
      "service_error",
      "CreateJob",
      awsError("InternalServerErrorException", 500),
    ],
    [
      "a 503 from S3",
      "transient",
      "service_error",
      "HeadObject",
      awsError("ServiceUnavailable", 503),
    ],
    [
      "a denied call",
      "transient",
      "access_denied",
      "CreateJob",
      awsError("ForbiddenException", 403),
    ],
    ["a denied HeadObject", "transient", "access_denied", "HeadObject", awsError("Forbidden", 403)],
    [
      "a timeout",
      "transient",
      "network_error",
      "CreateJob",
      Object.assign(new Error("socket"), { name: "TimeoutError" }),
    ],
    [
      "a reset socket",
      "transient",
      "network_error",
      "HeadObject",
      Object.assign(new Error("reset"), { code: "ECONNRESET" }),
    ],
    [
      "a missing queue",
      "transient",
      "unexpected_error",
      "CreateJob",
      awsError("NotFoundException", 404),
    ],
    [
      "a conflict",
      "transient",
      "unexpected_error",
      "CreateJob",
      awsError("ConflictException", 409),
    ],
    // A HEAD error has no body: the SDK names S3's 400 (a refused bucket name, key, ...) Unknown.
    [
      "a HeadObject S3 refuses",
      "permanent",
      "source_rejected",
      "HeadObject",
      awsError("Unknown", 400),
    ],
    [
      "a bucket name the SDK refuses before sending",
      "permanent",
      "invalid_bucket",
      "HeadObject",
      Object.assign(new Error("Bucket name shouldn't contain '/'"), { name: "InvalidBucketName" }),
    ],
    [
      "a 400 the service blames on itself",
      "transient",
      "service_error",
      "HeadObject",
      awsError("Unknown", 400, "server"),
    ],
    [
      "a 400 from CreateJob that is not a refused job",
      "transient",
      "unexpected_error",
      "CreateJob",
      awsError("Unknown", 400),
    ],
    ["a thrown null", "transient", "unexpected_error", "HeadObject", null],
    ["a thrown string", "transient", "unexpected_error", "CreateJob", "boom"],
  ])("%s is %s (%s)", (_, kind, reason, operation, error) => {
    const classified = classifyError(operation, error);
    expect(classified).toBeInstanceOf(RecordFailureError);
    expect(classified).toMatchObject({ kind, reason });
    // Safe: the operation and the error name, never the SDK message.
    expect(classified.detail).not.toContain("simulated");
    expect(classified.detail).toContain(
      operation === "CreateJob" && kind === "permanent" ? "MediaConvert" : operation,
    );
  });

  it("keeps the SDK error as the cause of a transient failure", () => {
    const error = awsError("InternalServerErrorException", 500);
    const classified = classifyError("CreateJob", error);
    expect(classified).toBeInstanceOf(TransientFailureError);
    expect(classified.cause).toBe(error);
    expect(classified.detail).toBe(
      "CreateJob failed on the service side (InternalServerErrorException)",
    );
  });

  it("recognizes throttling by name or status only", () => {
    expect(isThrottling(awsError("TooManyRequestsException", 429))).toBe(true);
    expect(isThrottling(awsError("ThrottlingException", 400))).toBe(true);
    expect(isThrottling(awsError("ProvisionedThroughputExceededException", 400))).toBe(true);
    expect(isThrottling(awsError("BadRequestException", 400))).toBe(false);
    expect(isThrottling(new Error("429"))).toBe(false);
  });
});

describe("withThrottlingRetries", () => {
  const retry = { maxRetries: 4, baseDelayMs: 200, maxDelayMs: 3200 };

  it("retries throttled calls with growing, jittered waits, then returns the result", async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await withThrottlingRetries(
      "CreateJob",
      () => {
        calls += 1;
        return calls <= 2
          ? Promise.reject(awsError("TooManyRequestsException", 429))
          : Promise.resolve("job");
      },
      { retry, random: () => 0.5, sleep: (ms) => Promise.resolve(void sleeps.push(ms)) },
    );
    expect(result).toEqual({ value: "job", attempts: 3 });
    expect(sleeps).toEqual([100, 200]);
  });

  it("gives up after the last retry with a transient throttled failure", async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const error = await failure(() =>
      withThrottlingRetries(
        "CreateJob",
        () => {
          calls += 1;
          return Promise.reject(awsError("TooManyRequestsException", 429));
        },
        { retry, random: () => 0.999, sleep: (ms) => Promise.resolve(void sleeps.push(ms)) },
      ),
    );
    expect(calls).toBe(5);
    expect(sleeps).toEqual([199, 399, 799, 1598]);
    expect(error).toBeInstanceOf(TransientFailureError);
    expect(error).toMatchObject({ reason: "throttled" });
  });

  it("does not retry anything else", async () => {
    let calls = 0;
    const error = await failure(() =>
      withThrottlingRetries(
        "CreateJob",
        () => {
          calls += 1;
          return Promise.reject(awsError("BadRequestException", 400));
        },
        { retry, sleep: () => Promise.resolve() },
      ),
    );
    expect(calls).toBe(1);
    expect(error).toMatchObject({ kind: "permanent", reason: "job_rejected" });
  });

  it("waits within [0, min(max, base * 2^(n-1)))", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, r) => {
          const delay = backoffDelayMs(n, retry, () => r);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(Math.min(3200, 200 * 2 ** (n - 1)));
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Flows
// ---------------------------------------------------------------------------------------------

describe("processMessage", () => {
  it("submits one job for a valid upload", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY);
    const message = sqsRecord(notificationBody(SOURCE), { receiveCount: 2 });
    const result = await processMessage(message, deps);
    expect(result).toEqual({
      messageId: message.messageId,
      receiveCount: 2,
      retry: false,
      objects: [
        {
          bucket: RAW_BUCKET,
          key: SOURCE_KEY,
          size: SOURCE_SIZE,
          courseId: COURSE_ID,
          videoId: VIDEO_ID,
          sourceVersion: VERSION_ID,
          clientRequestToken: TOKEN,
          outcome: "submitted",
          probe: { container: "mp4", width: 1920, height: 1080, rotationDegrees: 0 },
          jobId: "1740820468000-job001",
          attempts: 1,
          ledger: "recorded",
        },
      ],
    });
    expect(deps.objects.calls).toEqual([{ bucket: RAW_BUCKET, key: SOURCE_KEY }]);
    expect(deps.prober.calls).toEqual([`s3://${RAW_BUCKET}/${SOURCE_KEY}`]);
    expect(deps.ledger.finds).toEqual([VIDEO_ID]);
    expect(deps.jobs.requests).toHaveLength(1);
    expect(deps.ledger.records).toEqual([
      {
        videoId: VIDEO_ID,
        token: TOKEN,
        jobId: "1740820468000-job001",
        submittedAt: NOW.toISOString(),
        // The event's sequencer, so that a later upload of the key is never replaced by this one.
        sequencer: "0067C2D3A3B2F1E0AB",
      },
    ]);
    expect(deps.deadLetters.letters).toEqual([]);
  });

  it("probes before submitting, and fits the ladder to what Probe measured", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY);
    deps.prober.answer = { container: "mp4", video: { width: 640, height: 360 } };
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result.objects).toEqual([
      expect.objectContaining({
        outcome: "submitted",
        probe: { container: "mp4", width: 640, height: 360, rotationDegrees: 0 },
      }),
    ]);
    const outputs = deps.jobs.requests[0]?.Settings?.OutputGroups?.[0]?.Outputs ?? [];
    expect(outputs.flatMap((output) => output.VideoDescription?.Height ?? [])).toEqual([234, 360]);
  });

  it("retries a throttled Probe in process, then submits", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY);
    deps.prober.failures.push(awsError("TooManyRequestsException", 429));
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result).toMatchObject({ retry: false, objects: [{ outcome: "submitted" }] });
    expect(deps.prober.calls).toHaveLength(2);
    expect(deps.sleeps).toHaveLength(1);
  });

  it("dead-letters a source Probe rejects, and submits nothing", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY);
    deps.prober.failures.push(awsError("BadRequestException", 400));
    const message = sqsRecord(notificationBody(SOURCE));
    const result = await processMessage(message, deps);
    expect(result).toMatchObject({
      retry: false,
      objects: [{ outcome: "dead_lettered", reason: "probe_rejected" }],
    });
    expect(deps.jobs.requests).toEqual([]);
    expect(deps.deadLetters.letters).toEqual([
      {
        body: message.body,
        reason: "probe_rejected",
        detail: "MediaConvert Probe rejected the source (BadRequestException)",
        sourceMessageId: message.messageId,
      },
    ]);
  });

  describe("with the submission ledger", () => {
    it("does not submit again a version the ledger records: a duplicate with the job id", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.ledger.entries.set(VIDEO_ID, {
        token: TOKEN,
        jobId: "1740820468000-earlier",
        submittedAt: "2025-03-01T09:00:00.000Z",
      });
      // Redelivered after the visibility timeout: long past MediaConvert's one-minute window.
      const message = sqsRecord(notificationBody(SOURCE), { receiveCount: 2 });
      const result = await processMessage(message, deps);
      expect(result.retry).toBe(false);
      expect(result.objects).toEqual([
        {
          bucket: RAW_BUCKET,
          key: SOURCE_KEY,
          size: SOURCE_SIZE,
          courseId: COURSE_ID,
          videoId: VIDEO_ID,
          sourceVersion: VERSION_ID,
          clientRequestToken: TOKEN,
          outcome: "duplicate",
          jobId: "1740820468000-earlier",
          submittedAt: "2025-03-01T09:00:00.000Z",
        },
      ]);
      expect(deps.jobs.requests).toEqual([]);
      // Not encoded again, so not measured either.
      expect(deps.prober.calls).toEqual([]);
      expect(deps.ledger.records).toEqual([]);
      expect(deps.deadLetters.letters).toEqual([]);
    });

    it("submits a new version when the ledger records an older one, and replaces the entry", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.ledger.entries.set(VIDEO_ID, { token: "0".repeat(64), jobId: "1740820468000-older" });
      const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
      expect(result.objects).toEqual([
        expect.objectContaining({ outcome: "submitted", ledger: "recorded" }),
      ]);
      expect(deps.jobs.requests).toHaveLength(1);
      expect(deps.ledger.entries.get(VIDEO_ID)).toEqual({
        token: TOKEN,
        jobId: "1740820468000-job001",
        submittedAt: NOW.toISOString(),
      });
    });

    it("submits when an entry has the token but no job id", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.ledger.entries.set(VIDEO_ID, { token: TOKEN });
      const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
      expect(result.objects[0]?.outcome).toBe("submitted");
      expect(deps.jobs.requests).toHaveLength(1);
    });

    it("succeeds when a concurrent delivery recorded the same submission first", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.ledger.find = () => Promise.resolve(undefined);
      deps.ledger.entries.set(VIDEO_ID, { token: TOKEN, jobId: "1740820468000-job001" });
      const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
      expect(result.retry).toBe(false);
      expect(result.objects).toEqual([
        expect.objectContaining({ outcome: "submitted", ledger: "already_recorded" }),
      ]);
    });

    it("sends the message back, without submitting, when the ledger cannot be read", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.ledger.findFailures.push(awsError("InternalServerError", 500));
      const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
      expect(result.retry).toBe(true);
      expect(result.objects).toEqual([
        expect.objectContaining({
          outcome: "retry",
          reason: "service_error",
          detail: "GetItem failed on the service side (InternalServerError)",
        }),
      ]);
      expect(deps.jobs.requests).toEqual([]);
      expect(deps.deadLetters.letters).toEqual([]);
    });

    it("sends the message back when the ledger write fails, naming the job created", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.ledger.recordFailures.push(awsError("ProvisionedThroughputExceededException", 400));
      const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
      expect(result.retry).toBe(true);
      expect(result.objects).toEqual([
        expect.objectContaining({
          outcome: "retry",
          reason: "throttled",
          detail: "UpdateItem was throttled (ProvisionedThroughputExceededException)",
          jobId: "1740820468000-job001",
          attempts: 1,
        }),
      ]);
      expect(deps.jobs.requests).toHaveLength(1);
      expect(deps.deadLetters.letters).toEqual([]);
    });
  });

  it("decodes the key before checking it: a key with spaces is dead-lettered decoded", async () => {
    const deps = fakeDeps();
    const message = sqsRecord(
      notificationBody({
        ...SOURCE,
        key: `uploads/${COURSE_ID}/${VIDEO_ID}/My+Lecture+%282%29.mp4`,
      }),
    );
    const result = await processMessage(message, deps);
    expect(result.retry).toBe(false);
    expect(result.objects).toEqual([
      expect.objectContaining({
        key: `uploads/${COURSE_ID}/${VIDEO_ID}/My Lecture (2).mp4`,
        outcome: "dead_lettered",
        reason: "invalid_key",
      }),
    ]);
    expect(deps.objects.calls).toEqual([]);
    expect(deps.jobs.requests).toEqual([]);
    expect(deps.deadLetters.letters).toEqual([
      {
        body: message.body,
        reason: "invalid_key",
        detail: "object key does not match uploads/<courseId>/<videoId>/source.<mp4|mov|mkv|webm>",
        sourceMessageId: message.messageId,
      },
    ]);
  });

  it("skips S3's test event without calling anything", async () => {
    const deps = fakeDeps();
    const result = await processMessage(sqsRecord(TEST_EVENT_BODY), deps);
    expect(result.retry).toBe(false);
    expect(result.objects).toEqual([
      { bucket: RAW_BUCKET, outcome: "skipped", reason: "test_event" },
    ]);
    expect(deps.objects.calls).toEqual([]);
    expect(deps.deadLetters.letters).toEqual([]);
  });

  it("skips events other than ObjectCreated", async () => {
    const deps = fakeDeps();
    const result = await processMessage(
      sqsRecord(notificationBody({ ...SOURCE, eventName: "ObjectRemoved:Delete" })),
      deps,
    );
    expect(result.objects).toEqual([
      expect.objectContaining({ outcome: "skipped", reason: "not_object_created" }),
    ]);
    expect(deps.objects.calls).toEqual([]);
  });

  it("skips a version that was overwritten since: its successor has its own notification", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY, { ...SOURCE_HEAD, versionId: "a-newer-version" });
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result).toMatchObject({
      retry: false,
      objects: [{ outcome: "skipped", reason: "superseded" }],
    });
    expect(deps.jobs.requests).toEqual([]);
    expect(deps.deadLetters.letters).toEqual([]);
  });

  it.each([
    [
      "an unsupported content type",
      { ...SOURCE_HEAD, contentType: "application/octet-stream" },
      SOURCE,
      "unsupported_content_type",
      'content type "application/octet-stream" is not one of video/mp4, video/quicktime, video/x-matroska, video/webm',
    ],
    [
      "a zero-byte object (from the notification, before HeadObject)",
      { ...SOURCE_HEAD, contentLength: 0 },
      { ...SOURCE, size: 0 },
      "empty_object",
      "the object is empty (0 bytes)",
    ],
    [
      "a zero-byte object (from HeadObject)",
      { ...SOURCE_HEAD, contentLength: 0 },
      { ...SOURCE, size: undefined },
      "empty_object",
      "the object is empty (0 bytes)",
    ],
    [
      "an object over the limit",
      SOURCE_HEAD,
      { ...SOURCE, size: MAX_SOURCE_BYTES + 1 },
      "object_too_large",
      `the object is ${MAX_SOURCE_BYTES + 1} bytes, more than the ${MAX_SOURCE_BYTES} bytes allowed`,
    ],
    ["an object deleted since", undefined, SOURCE, "source_missing", "the object no longer exists"],
  ])(
    "dead-letters %s with its reason and submits nothing",
    async (_, head, object, reason, detail) => {
      const deps = fakeDeps();
      if (head !== undefined) deps.objects.put(RAW_BUCKET, SOURCE_KEY, head);
      const message = sqsRecord(notificationBody(object));
      const result = await processMessage(message, deps);
      expect(result.retry).toBe(false);
      expect(result.objects).toEqual([
        expect.objectContaining({ outcome: "dead_lettered", reason, detail }),
      ]);
      expect(deps.jobs.requests).toEqual([]);
      expect(deps.deadLetters.letters).toEqual([
        { body: message.body, reason, detail, sourceMessageId: message.messageId },
      ]);
    },
  );

  it("retries throttled submissions in process, then reports the attempts", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY);
    deps.jobs.failures.push(
      awsError("TooManyRequestsException", 429),
      awsError("TooManyRequestsException", 429),
    );
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result.objects).toEqual([
      expect.objectContaining({ outcome: "submitted", attempts: 3 }),
    ]);
    expect(deps.sleeps).toEqual([100, 200]);
    expect(deps.jobs.requests.map((request) => request.ClientRequestToken)).toEqual([
      TOKEN,
      TOKEN,
      TOKEN,
    ]);
  });

  it("sends the message back when throttling outlasts the retries", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY);
    deps.jobs.failures.push(
      ...Array.from({ length: 5 }, () => awsError("TooManyRequestsException", 429)),
    );
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result.retry).toBe(true);
    expect(result.objects).toEqual([
      expect.objectContaining({
        outcome: "retry",
        reason: "throttled",
        detail: "CreateJob was throttled (TooManyRequestsException)",
        error: {
          errorName: "TooManyRequestsException",
          httpStatusCode: 429,
          awsRequestId: "req-TooManyRequestsException",
          fault: "client",
        },
      }),
    ]);
    expect(deps.jobs.requests).toHaveLength(5);
    expect(deps.deadLetters.letters).toEqual([]);
  });

  it("sends the message back when HeadObject fails on the service side", async () => {
    const deps = fakeDeps();
    deps.objects.failures.push(awsError("InternalError", 500));
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result).toMatchObject({
      retry: true,
      objects: [{ outcome: "retry", reason: "service_error" }],
    });
    expect(deps.jobs.requests).toEqual([]);
  });

  it("sends the message back when the DLQ cannot take it: nothing is lost", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY, { ...SOURCE_HEAD, contentType: "text/plain" });
    deps.deadLetters.failures.push(awsError("ServiceUnavailable", 503));
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result.retry).toBe(true);
    expect(result.objects).toEqual([
      expect.objectContaining({
        outcome: "retry",
        reason: "unsupported_content_type",
        deadLetter: "send_failed",
        error: expect.objectContaining({
          errorName: "ServiceUnavailable",
          httpStatusCode: 503,
        }) as unknown,
      }),
    ]);
  });

  it("dead-letters a malformed body as it came", async () => {
    const deps = fakeDeps();
    const message = sqsRecord("{not json");
    const result = await processMessage(message, deps);
    expect(result).toEqual({
      messageId: message.messageId,
      receiveCount: 1,
      retry: false,
      objects: [
        { outcome: "dead_lettered", reason: "malformed_body", detail: "message body is not JSON" },
      ],
    });
    expect(deps.deadLetters.letters).toEqual([
      {
        body: "{not json",
        reason: "malformed_body",
        detail: "message body is not JSON",
        sourceMessageId: message.messageId,
      },
    ]);
  });

  it("dead-letters a bucket name S3 would refuse without calling anything", async () => {
    const deps = fakeDeps();
    const message = sqsRecord(notificationBody({ ...SOURCE, bucket: "KC_Video_Raw" }));
    const result = await processMessage(message, deps);
    expect(result).toMatchObject({
      retry: false,
      objects: [{ bucket: "KC_Video_Raw", outcome: "dead_lettered", reason: "invalid_bucket" }],
    });
    expect(deps.objects.calls).toEqual([]);
    expect(deps.jobs.requests).toEqual([]);
    expect(deps.deadLetters.letters).toEqual([
      {
        body: message.body,
        reason: "invalid_bucket",
        detail:
          'bucket name "KC_Video_Raw" is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens, a letter or digit at both ends)',
        sourceMessageId: message.messageId,
      },
    ]);
  });

  it("dead-letters a source S3 refuses to describe (HTTP 400) at the first delivery", async () => {
    const deps = fakeDeps();
    deps.objects.failures.push(awsError("Unknown", 400));
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result).toMatchObject({
      retry: false,
      objects: [{ outcome: "dead_lettered", reason: "source_rejected" }],
    });
    expect(deps.objects.calls).toHaveLength(1);
    expect(deps.deadLetters.letters).toEqual([
      expect.objectContaining({ reason: "source_rejected" }),
    ]);
  });

  describe("with a dead letter redriven to the ingest queue", () => {
    it("processes the original message it carries", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      const original = notificationBody(SOURCE);
      const redriven = sqsRecord(
        JSON.stringify({
          deadLetteredBy: "encode-submit",
          reason: "job_rejected",
          detail: "MediaConvert rejected the job (BadRequestException)",
          sourceMessageId: "059f36b4-87a3-44ab-83d2-661975830a7d",
          body: original,
        }),
      );
      const result = await processMessage(redriven, deps);
      expect(result).toMatchObject({ retry: false, objects: [{ outcome: "submitted" }] });
      expect(deps.jobs.requests[0]?.ClientRequestToken).toBe(TOKEN);
    });

    it("dead-letters it again with the original body, not nested", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.jobs.failures.push(awsError("BadRequestException", 400));
      const original = notificationBody(SOURCE);
      const first = sqsRecord(original);
      await processMessage(first, deps);
      const [letter] = deps.deadLetters.letters;
      expect(letter).toMatchObject({ body: original, reason: "job_rejected" });

      deps.jobs.failures.push(awsError("BadRequestException", 400));
      const redriven = sqsRecord(deadLetterBody(letter ?? fail("no dead letter")));
      await processMessage(redriven, deps);
      expect(deps.deadLetters.letters[1]).toEqual({
        body: original,
        reason: "job_rejected",
        detail: "MediaConvert rejected the job (BadRequestException)",
        sourceMessageId: redriven.messageId,
      });
    });

    it("takes any other body as it is", () => {
      for (const body of [
        "{not json",
        '{"Records":[]}',
        JSON.stringify({ deadLetteredBy: "another-function", body: "{}" }),
        JSON.stringify({ deadLetteredBy: "encode-submit", reason: "job_rejected", body: 42 }),
      ]) {
        expect(unwrapDeadLetter(body)).toBe(body);
      }
    });
  });

  it("turns an unexpected error into a transient failure", async () => {
    const deps = fakeDeps();
    deps.objects.failures.push(new TypeError("undefined is not a function"));
    const result = await processMessage(sqsRecord(notificationBody(SOURCE)), deps);
    expect(result).toMatchObject({
      retry: true,
      objects: [
        { outcome: "retry", reason: "unexpected_error", error: { errorName: "TypeError" } },
      ],
    });
  });

  describe("with several objects in one message", () => {
    const other = `uploads/${COURSE_ID}/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d/source.mov`;

    it("submits the good ones and dead-letters the message for the bad one", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.objects.put(RAW_BUCKET, other, { ...SOURCE_HEAD, contentType: "image/gif" });
      const message = sqsRecord(notificationBody(SOURCE, { ...SOURCE, key: other }));
      const result = await processMessage(message, deps);
      expect(result.retry).toBe(false);
      expect(result.objects.map((object) => object.outcome)).toEqual([
        "submitted",
        "dead_lettered",
      ]);
      expect(deps.jobs.requests).toHaveLength(1);
      expect(deps.deadLetters.letters).toEqual([
        expect.objectContaining({ body: message.body, reason: "unsupported_content_type" }),
      ]);
    });

    it("lists every permanent problem in the detail", async () => {
      const deps = fakeDeps();
      const message = sqsRecord(
        notificationBody({ ...SOURCE, key: "uploads/x.mp4" }, { ...SOURCE, key: other, size: 0 }),
      );
      await processMessage(message, deps);
      expect(deps.deadLetters.letters).toEqual([
        expect.objectContaining({
          reason: "invalid_key",
          detail:
            "1: object key does not match uploads/<courseId>/<videoId>/source.<mp4|mov|mkv|webm>; 2: the object is empty (0 bytes)",
        }),
      ]);
    });

    it("sends the whole message back when one object fails transiently", async () => {
      const deps = fakeDeps();
      deps.objects.put(RAW_BUCKET, SOURCE_KEY);
      deps.objects.put(RAW_BUCKET, other, { ...SOURCE_HEAD, contentType: "image/gif" });
      deps.jobs.failures.push(awsError("InternalServerErrorException", 500));
      const result = await processMessage(
        sqsRecord(notificationBody(SOURCE, { ...SOURCE, key: other })),
        deps,
      );
      expect(result.retry).toBe(true);
      expect(result.objects.map((object) => [object.outcome, object.reason])).toEqual([
        ["retry", "service_error"],
        ["retry", "unsupported_content_type"],
      ]);
      expect(deps.deadLetters.letters).toEqual([]);
    });
  });
});

describe("processBatch", () => {
  it("gives duplicate deliveries of one version the same token, so one job is created", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY);
    const first = sqsRecord(notificationBody(SOURCE));
    const again = sqsRecord(notificationBody(SOURCE));
    const result = await processBatch([first, again], deps);
    expect(result.batchItemFailures).toEqual([]);
    expect(deps.jobs.requests.map((request) => request.ClientRequestToken)).toEqual([TOKEN, TOKEN]);
    expect(deps.jobs.jobCount).toBe(1);
    expect(result.messages.map((message) => message.objects[0]?.jobId)).toEqual([
      "1740820468000-job001",
      "1740820468000-job001",
    ]);
  });

  it("does not submit a redelivery in a later batch: the ledger records the job", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY);
    const first = await processBatch([sqsRecord(notificationBody(SOURCE))], deps);
    // MediaConvert forgets the token after a minute; the fake is told to forget it now.
    deps.jobs.jobsByToken.clear();
    const again = await processBatch(
      [sqsRecord(notificationBody(SOURCE), { receiveCount: 2 })],
      deps,
    );
    expect([...first.batchItemFailures, ...again.batchItemFailures]).toEqual([]);
    expect(deps.jobs.requests).toHaveLength(1);
    expect(again.messages[0]?.objects[0]).toMatchObject({
      outcome: "duplicate",
      jobId: "1740820468000-job001",
    });
  });

  it("gives each new version of the same key its own token", async () => {
    const deps = fakeDeps();
    deps.objects.put(RAW_BUCKET, SOURCE_KEY, { ...SOURCE_HEAD, versionId: "v2" });
    await processBatch([sqsRecord(notificationBody({ ...SOURCE, versionId: "v2" }))], deps);
    expect(deps.jobs.requests[0]?.ClientRequestToken).toBe(
      sha256(`${RAW_BUCKET}\u0000${SOURCE_KEY}\u0000v2`),
    );
    expect(deps.jobs.requests[0]?.ClientRequestToken).not.toBe(TOKEN);
  });

  it("reports exactly the transient poison message; permanent ones leave through the DLQ", async () => {
    const deps = fakeDeps();
    const keys = [0, 1, 2, 3].map(
      (index) => `uploads/${COURSE_ID}/00000000-0000-4000-8000-00000000000${index}/source.mp4`,
    );
    for (const key of keys) deps.objects.put(RAW_BUCKET, key);
    deps.objects.put(RAW_BUCKET, keys[2] ?? "", { ...SOURCE_HEAD, contentLength: 0 });
    const messages = keys.map((key) =>
      sqsRecord(notificationBody({ ...SOURCE, key, size: undefined })),
    );
    deps.jobs.failures.push(
      ...Array.from({ length: 5 }, () => awsError("TooManyRequestsException", 429)),
    );
    // One at a time, so the throttling above hits the first message only.
    const result = await processBatch(messages, { ...deps, concurrency: 1 });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: messages[0]?.messageId }]);
    expect(result.messages.map((message) => message.objects[0]?.outcome)).toEqual([
      "retry",
      "submitted",
      "dead_lettered",
      "submitted",
    ]);
    expect(deps.deadLetters.letters.map((letter) => letter.sourceMessageId)).toEqual([
      messages[2]?.messageId,
    ]);
  });

  it("keeps at most `concurrency` messages in flight and the results in order", async () => {
    let inFlight = 0;
    let peak = 0;
    const slowJobs: JobSubmitter = {
      async createJob(input) {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return { jobId: input.UserMetadata?.videoId ?? "" };
      },
    };
    const deps = { ...fakeDeps(), jobs: slowJobs };
    const videoIds = Array.from(
      { length: 10 },
      (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`,
    );
    for (const id of videoIds)
      deps.objects.put(RAW_BUCKET, `uploads/${COURSE_ID}/${id}/source.mp4`);
    const result = await processBatch(
      videoIds.map((id) =>
        sqsRecord(notificationBody({ ...SOURCE, key: `uploads/${COURSE_ID}/${id}/source.mp4` })),
      ),
      deps,
    );
    expect(peak).toBe(4);
    expect(result.messages.map((message) => message.objects[0]?.jobId)).toEqual(videoIds);
  });
});

describe("mapWithConcurrency", () => {
  it("maps everything in order whatever the limit", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer(), { maxLength: 30 }),
        fc.integer({ min: 1, max: 8 }),
        async (inputs, limit) => {
          expect(
            await mapWithConcurrency(inputs, limit, (value) => Promise.resolve(value * 2)),
          ).toEqual(inputs.map((value) => value * 2));
        },
      ),
    );
  });
});
