import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CONTENT_TYPE_EXTENSIONS,
  fileExtension,
  issueUploadUrl,
  parseUploadRequest,
  requestSchema,
  uploadKey,
  type VideoContentType,
} from "./core";
import { InvalidRequestError } from "./errors";
import { thrown } from "../../shared/test-support";
import { REQUIRED_FIELDS } from "./fixtures/events";
import { CONFIG, KMS_KEY_ARN, RAW_BUCKET, RecordingSigner } from "./test-support";

const VIDEO_ID = "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b";
const NOW = new Date("2025-03-01T12:00:00.250Z");
const schema = requestSchema(CONFIG);

function deps(signer = new RecordingSigner(), config = CONFIG) {
  return { config, signer, newVideoId: () => VIDEO_ID, now: () => NOW };
}

describe("parseUploadRequest", () => {
  it("accepts a valid request and keeps only the file name's extension", () => {
    expect(
      parseUploadRequest({ ...REQUIRED_FIELDS, fileName: "Week 1 - Intro.MP4" }, schema),
    ).toEqual({
      ...REQUIRED_FIELDS,
      fileExtension: "mp4",
    });
    expect(parseUploadRequest(REQUIRED_FIELDS, schema)).toEqual(REQUIRED_FIELDS);
  });

  it("accepts sizes from 1 byte to the limit", () => {
    expect(parseUploadRequest({ ...REQUIRED_FIELDS, contentLength: 1 }, schema).contentLength).toBe(
      1,
    );
    expect(
      parseUploadRequest({ ...REQUIRED_FIELDS, contentLength: CONFIG.maxUploadBytes }, schema)
        .contentLength,
    ).toBe(CONFIG.maxUploadBytes);
  });

  it.each([
    [
      { ...REQUIRED_FIELDS, contentType: "video/avi" },
      'contentType must be one of video/mp4, video/quicktime, video/webm; got "video/avi"',
    ],
    [
      { ...REQUIRED_FIELDS, contentType: "video/x-matroska" },
      'contentType must be one of video/mp4, video/quicktime, video/webm; got "video/x-matroska"',
    ],
    [
      { ...REQUIRED_FIELDS, contentType: "VIDEO/MP4" },
      'contentType must be one of video/mp4, video/quicktime, video/webm; got "VIDEO/MP4"',
    ],
    [
      { ...REQUIRED_FIELDS, contentLength: CONFIG.maxUploadBytes + 1 },
      "contentLength must be at most 2147483648 bytes, got 2147483649",
    ],
    [
      { ...REQUIRED_FIELDS, contentLength: 0 },
      "contentLength must be a positive whole number of bytes, got 0",
    ],
    [
      { ...REQUIRED_FIELDS, contentLength: -1 },
      "contentLength must be a positive whole number of bytes, got -1",
    ],
    [
      { ...REQUIRED_FIELDS, contentLength: 1.5 },
      "contentLength must be a positive whole number of bytes, got 1.5",
    ],
    [
      { ...REQUIRED_FIELDS, contentLength: "1000" },
      'contentLength must be a positive whole number of bytes, got "1000"',
    ],
    [
      { ...REQUIRED_FIELDS, contentLength: Number.POSITIVE_INFINITY },
      "contentLength must be a positive whole number of bytes, got Infinity",
    ],
    [{ ...REQUIRED_FIELDS, courseId: "Intro-To-Finance" }, "courseId must match ^[a-z0-9-]{1,64}$"],
    [{ ...REQUIRED_FIELDS, courseId: "" }, "courseId must match ^[a-z0-9-]{1,64}$"],
    [{ ...REQUIRED_FIELDS, courseId: "a".repeat(65) }, "courseId must match ^[a-z0-9-]{1,64}$"],
    [{ ...REQUIRED_FIELDS, courseId: "../finance" }, "courseId must match ^[a-z0-9-]{1,64}$"],
    [
      { ...REQUIRED_FIELDS, fileName: `${"x".repeat(252)}.mp4` },
      "fileName must be at most 255 characters",
    ],
    [
      { ...REQUIRED_FIELDS, fileName: "../../etc/passwd" },
      "fileName must be a bare file name, without / or \\",
    ],
    [
      { ...REQUIRED_FIELDS, fileName: "C:\\videos\\week1.mp4" },
      "fileName must be a bare file name, without / or \\",
    ],
    [{ ...REQUIRED_FIELDS, fileName: 42 }, "fileName must be a string"],
    [{ contentType: "video/mp4", contentLength: 1 }, "courseId is required"],
    [{ courseId: "c1", contentLength: 1 }, "contentType is required"],
    [{ courseId: "c1", contentType: "video/mp4" }, "contentLength is required"],
    [null, "request must be an object with courseId, contentType and contentLength"],
    ["video.mp4", "request must be an object with courseId, contentType and contentLength"],
  ])("rejects %j: %s", (event, reason) => {
    const error = thrown(() => parseUploadRequest(event, schema));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({
      name: "InvalidRequestError",
      message: `invalid request: ${reason}`,
    });
  });

  it("counts the file name in characters", () => {
    const name = `${"\u{1F3AC}".repeat(251)}.mp4`;
    expect(parseUploadRequest({ ...REQUIRED_FIELDS, fileName: name }, schema).fileExtension).toBe(
      "mp4",
    );
  });

  it("reports every problem at once, by field", () => {
    const error = thrown(() =>
      parseUploadRequest(
        { courseId: "A B", contentType: "image/png", contentLength: -1.5 },
        schema,
      ),
    ) as InvalidRequestError;
    expect(error.issues).toEqual([
      { field: "courseId", reason: "courseId must match ^[a-z0-9-]{1,64}$" },
      {
        field: "contentType",
        reason:
          'contentType must be one of video/mp4, video/quicktime, video/webm; got "image/png"',
      },
      {
        field: "contentLength",
        reason: "contentLength must be a positive whole number of bytes, got -1.5",
      },
    ]);
  });
});

describe("fileExtension", () => {
  it.each([
    ["lecture.mov", "mov"],
    ["Lecture.Final.MKV", "mkv"],
    ["no-extension", undefined],
    ["trailing.", undefined],
    ["weird.ext with space", undefined],
    [".hidden", "hidden"],
  ])("%s -> %s", (name, extension) => {
    expect(fileExtension(name)).toBe(extension);
  });
});

describe("uploadKey", () => {
  it.each(Object.entries(CONTENT_TYPE_EXTENSIONS))("%s -> source.%s", (type, extension) => {
    expect(uploadKey("c-1", VIDEO_ID, type as VideoContentType)).toBe(
      `uploads/c-1/${VIDEO_ID}/source.${extension}`,
    );
  });
});

describe("issueUploadUrl", () => {
  it("signs exactly the key, size range, type, encryption and course conditions", async () => {
    const signer = new RecordingSigner();
    const request = parseUploadRequest(
      { ...REQUIRED_FIELDS, contentType: "video/quicktime" },
      schema,
    );
    const response = await issueUploadUrl(request, deps(signer));
    const key = `uploads/intro-to-finance/${VIDEO_ID}/source.mov`;
    expect(signer.inputs).toEqual([
      {
        bucket: RAW_BUCKET,
        key,
        expiresInSeconds: 900,
        conditions: [
          ["eq", "$key", key],
          ["content-length-range", 1, CONFIG.maxUploadBytes],
          ["eq", "$Content-Type", "video/quicktime"],
          ["eq", "$x-amz-server-side-encryption", "aws:kms"],
          ["eq", "$x-amz-server-side-encryption-aws-kms-key-id", KMS_KEY_ARN],
          ["eq", "$x-amz-meta-course-id", "intro-to-finance"],
        ],
        fields: {
          "Content-Type": "video/quicktime",
          "x-amz-server-side-encryption": "aws:kms",
          "x-amz-server-side-encryption-aws-kms-key-id": KMS_KEY_ARN,
          "x-amz-meta-course-id": "intro-to-finance",
        },
      },
    ]);
    expect(response).toMatchObject({
      url: `https://${RAW_BUCKET}.s3.me-south-1.amazonaws.com/`,
      key,
      videoId: VIDEO_ID,
      expiresAt: "2025-03-01T12:15:00Z",
    });
  });

  it("expires after the configured lifetime, cut to whole seconds", async () => {
    const response = await issueUploadUrl(
      parseUploadRequest(REQUIRED_FIELDS, schema),
      deps(new RecordingSigner(), { ...CONFIG, urlTtlSeconds: 3600 }),
    );
    expect(response.expiresAt).toBe("2025-03-01T13:00:00Z");
  });

  it("never lets the file name reach the key", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({ maxLength: 200 })
          .filter((name) => !/[/\\]/.test(name))
          .map((name) => `client-chosen-${name}`),
        fc.constantFrom(...CONFIG.allowedContentTypes),
        async (fileName, contentType) => {
          const signer = new RecordingSigner();
          const request = parseUploadRequest({ ...REQUIRED_FIELDS, contentType, fileName }, schema);
          const response = await issueUploadUrl(request, deps(signer));
          expect(response.key).toBe(
            `uploads/intro-to-finance/${VIDEO_ID}/source.${CONTENT_TYPE_EXTENSIONS[contentType]}`,
          );
          expect(JSON.stringify([signer.inputs, response])).not.toContain("client-chosen-");
        },
      ),
    );
  });
});
