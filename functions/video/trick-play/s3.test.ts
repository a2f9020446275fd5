import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type GetObjectCommandOutput,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { S3Store } from "./s3";

const s3 = mockClient(S3Client);
const store = new S3Store(new S3Client({ region: "me-south-1" }), "kc-media-output-me-south-1");
const signal = new AbortController().signal;

afterEach(() => {
  s3.reset();
});

function body(bytes: Uint8Array): GetObjectCommandOutput["Body"] {
  return {
    transformToByteArray: () => Promise.resolve(bytes),
  } as unknown as GetObjectCommandOutput["Body"];
}

function serverError(): S3ServiceException {
  return new S3ServiceException({
    name: "InternalError",
    $fault: "server",
    $metadata: { httpStatusCode: 500 },
    message: "We encountered an internal error",
  });
}

describe("S3Store", () => {
  it("gets an object's bytes from the bucket", async () => {
    s3.on(GetObjectCommand, {
      Bucket: "kc-media-output-me-south-1",
      Key: "courses/a/b/x.m3u8",
    }).resolves({ Body: body(Uint8Array.from([1, 2, 3])) });
    expect(await store.get("courses/a/b/x.m3u8", signal)).toEqual(Uint8Array.from([1, 2, 3]));
  });

  it("answers undefined and false for a missing key, by the error's name", async () => {
    s3.on(GetObjectCommand).rejects(
      new NoSuchKey({ message: "gone", $metadata: { httpStatusCode: 404 } }),
    );
    s3.on(HeadObjectCommand).rejects(
      new NotFound({ message: "", $metadata: { httpStatusCode: 404 } }),
    );
    expect(await store.get("k", signal)).toBeUndefined();
    expect(await store.exists("k", signal)).toBe(false);
  });

  it("passes other failures on", async () => {
    s3.on(GetObjectCommand).rejects(serverError());
    s3.on(HeadObjectCommand).rejects(serverError());
    await expect(store.get("k", signal)).rejects.toMatchObject({ name: "InternalError" });
    await expect(store.exists("k", signal)).rejects.toMatchObject({ name: "InternalError" });
  });

  it("tells an existing key by a successful HEAD", async () => {
    s3.on(HeadObjectCommand).resolves({});
    expect(await store.exists("k", signal)).toBe(true);
  });

  it("puts with the content type and the bucket's default encryption", async () => {
    s3.on(PutObjectCommand).resolves({});
    await store.put(
      "courses/a/b/trickplay/thumbnails.vtt",
      Uint8Array.from([87]),
      "text/vtt",
      signal,
    );
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: "kc-media-output-me-south-1",
      Key: "courses/a/b/trickplay/thumbnails.vtt",
      Body: Uint8Array.from([87]),
      ContentType: "text/vtt",
    });
  });
});
