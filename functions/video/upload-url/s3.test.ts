import { S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SigningError } from "./errors";
import { S3PostSigner } from "./s3";
import { RAW_BUCKET, captureLogs } from "./test-support";

let logs: ReturnType<typeof captureLogs>;

beforeEach(() => {
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
});

describe("S3PostSigner", () => {
  it("turns a signing failure into SigningError and logs only the error's name", async () => {
    const client = new S3Client({
      region: "me-south-1",
      credentials: () => Promise.reject(new Error("Could not load credentials from any providers")),
    });
    const signer = new S3PostSigner(client);
    const key = "uploads/c/v/source.mp4";
    await expect(
      signer.sign({ bucket: RAW_BUCKET, key, conditions: [], fields: {}, expiresInSeconds: 60 }),
    ).rejects.toThrow(new SigningError());
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: "error",
        event: "upload_url.signing_failed",
        key,
        errorName: "Error",
      }),
    ]);
    expect(logs.text()).not.toContain("Could not load credentials");
  });
});
