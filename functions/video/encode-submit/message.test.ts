import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bucketNameProblem,
  checkBucketName,
  clientRequestToken,
  decodeS3Key,
  parseMessageBody,
  parseSourceKey,
  sourceVersion,
} from "./message";
import { PermanentFailureError } from "./errors";
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
} from "./fixtures/events";

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
