import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { coldStart, rejection } from "../../shared/test-support";
import { CONTEXT, REQUEST } from "./fixtures/events";
import {
  ACCESS_KEY_ID,
  HANDLER_ENV,
  KMS_KEY_ARN,
  MAX_UPLOAD_BYTES,
  RAW_BUCKET,
  SESSION_TOKEN,
  captureLogs,
  decodePolicy,
  postSignature,
  setHandlerEnvironment,
} from "./test-support";

const NOW = new Date("2025-03-01T12:00:00.000Z");
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let logs: ReturnType<typeof captureLogs>;

type Handler = (typeof import("./handler"))["handler"];

const coldStarts = coldStart(setHandlerEnvironment, () => import("./handler"));

/** Loads the handler module afresh under `env`, as a cold start would. */
async function loadHandler(
  env: Parameters<typeof setHandlerEnvironment>[0] = HANDLER_ENV,
): Promise<Handler> {
  return (await coldStarts.load(env)).handler;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
  vi.useRealTimers();
  coldStarts.restore();
});

describe("upload-url handler", () => {
  it("signs a POST whose policy holds exactly the expected conditions", async () => {
    const handler = await loadHandler();
    const response = await handler(REQUEST, CONTEXT);
    const key = `uploads/intro-to-finance/${response.videoId}/source.mp4`;
    expect(response.key).toBe(key);
    expect(response.url).toBe(`https://${RAW_BUCKET}.s3.me-south-1.amazonaws.com/`);

    const policy = decodePolicy(response.fields);
    expect(policy).toEqual({
      expiration: "2025-03-01T12:15:00Z",
      conditions: [
        ["eq", "$key", key],
        ["content-length-range", 1, MAX_UPLOAD_BYTES],
        ["eq", "$Content-Type", "video/mp4"],
        ["eq", "$x-amz-server-side-encryption", "aws:kms"],
        ["eq", "$x-amz-server-side-encryption-aws-kms-key-id", KMS_KEY_ARN],
        ["eq", "$x-amz-meta-course-id", "intro-to-finance"],
        { "Content-Type": "video/mp4" },
        { "x-amz-server-side-encryption": "aws:kms" },
        { "x-amz-server-side-encryption-aws-kms-key-id": KMS_KEY_ARN },
        { "x-amz-meta-course-id": "intro-to-finance" },
        { bucket: RAW_BUCKET },
        { "X-Amz-Algorithm": "AWS4-HMAC-SHA256" },
        { "X-Amz-Credential": `${ACCESS_KEY_ID}/20250301/me-south-1/s3/aws4_request` },
        { "X-Amz-Date": "20250301T120000Z" },
        { "X-Amz-Security-Token": SESSION_TOKEN },
        { key },
      ],
    });
    expect(response.expiresAt).toBe(policy.expiration);
  });

  it("returns every form field the policy requires, signed with the role's key", async () => {
    const handler = await loadHandler();
    const { fields, key } = await handler(REQUEST, CONTEXT);
    const policy = fields.Policy ?? "";
    expect(fields).toEqual({
      "Content-Type": "video/mp4",
      "x-amz-server-side-encryption": "aws:kms",
      "x-amz-server-side-encryption-aws-kms-key-id": KMS_KEY_ARN,
      "x-amz-meta-course-id": "intro-to-finance",
      bucket: RAW_BUCKET,
      "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
      "X-Amz-Credential": `${ACCESS_KEY_ID}/20250301/me-south-1/s3/aws4_request`,
      "X-Amz-Date": "20250301T120000Z",
      "X-Amz-Security-Token": SESSION_TOKEN,
      key,
      Policy: policy,
      "X-Amz-Signature": postSignature(policy, "20250301"),
    });
  });

  it("lays out the key from the course, a fresh video id and the content type", async () => {
    const handler = await loadHandler();
    const first = await handler({ ...REQUEST, contentType: "video/webm" }, CONTEXT);
    const second = await handler({ ...REQUEST, contentType: "video/quicktime" }, CONTEXT);
    expect(first.videoId).toMatch(UUID_V4);
    expect(second.videoId).toMatch(UUID_V4);
    expect(first.videoId).not.toBe(second.videoId);
    expect(first.key).toBe(`uploads/intro-to-finance/${first.videoId}/source.webm`);
    expect(second.key).toBe(`uploads/intro-to-finance/${second.videoId}/source.mov`);
  });

  it("never lets the client's file name into the key, the form or the logs", async () => {
    const handler = await loadHandler();
    const response = await handler({ ...REQUEST, fileName: "secret-lecture-name.mkv" }, CONTEXT);
    const everything = JSON.stringify([response, decodePolicy(response.fields)]);
    expect(everything).not.toContain("secret-lecture-name");
    expect(response.key.endsWith("/source.mp4")).toBe(true);
    expect(logs.text()).not.toContain("secret-lecture-name");
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: "info",
        event: "upload_url.issued",
        requestId: "req-1",
        courseId: "intro-to-finance",
        videoId: response.videoId,
        key: response.key,
        contentType: "video/mp4",
        contentLength: 734_003_200,
        fileExtension: "mkv",
        expiresAt: "2025-03-01T12:15:00Z",
      }),
    ]);
  });

  it("expires after URL_TTL_SECONDS", async () => {
    const handler = await loadHandler({ ...HANDLER_ENV, URL_TTL_SECONDS: "3600" });
    const response = await handler(REQUEST, CONTEXT);
    expect(response.expiresAt).toBe("2025-03-01T13:00:00Z");
    expect(decodePolicy(response.fields).expiration).toBe("2025-03-01T13:00:00Z");
  });

  it.each([
    [
      { ...REQUEST, contentType: "video/x-msvideo" },
      'contentType must be one of video/mp4, video/quicktime, video/webm; got "video/x-msvideo"',
    ],
    [
      { ...REQUEST, contentLength: MAX_UPLOAD_BYTES + 1 },
      `contentLength must be at most ${MAX_UPLOAD_BYTES} bytes, got ${MAX_UPLOAD_BYTES + 1}`,
    ],
    [
      { ...REQUEST, contentLength: 0 },
      "contentLength must be a positive whole number of bytes, got 0",
    ],
    [{ ...REQUEST, courseId: "Finance 101" }, "courseId must match ^[a-z0-9-]{1,64}$"],
    [{ ...REQUEST, fileName: "x".repeat(256) }, "fileName must be at most 255 characters"],
    [
      { ...REQUEST, fileName: "uploads/other/source.mp4" },
      "fileName must be a bare file name, without / or \\",
    ],
  ])("rejects %j with InvalidRequestError", async (event, reason) => {
    const handler = await loadHandler();
    const error = await rejection(handler(event, CONTEXT));
    expect(error).toMatchObject({
      name: "InvalidRequestError",
      message: `invalid request: ${reason}`,
    });
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: "warn",
        event: "upload_url.rejected",
        issues: [expect.objectContaining({ reason })],
      }),
    ]);
  });

  it("fails the cold start on a bad configuration", async () => {
    await expect(
      loadHandler({ ...HANDLER_ENV, MAX_UPLOAD_BYTES: "10737418240", KMS_KEY_ARN: undefined }),
    ).rejects.toMatchObject({
      name: "ConfigurationError",
      message:
        "invalid configuration: KMS_KEY_ARN is required; MAX_UPLOAD_BYTES must be a whole number " +
        "of bytes from 1 to 5368709120 (5 GiB, the most S3 accepts in one POST), got 10737418240",
    });
  });
});
