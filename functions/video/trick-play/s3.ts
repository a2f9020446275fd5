/**
 * The renditions bucket on S3: the task's `ObjectStore`. A missing key is `undefined` (GET) or
 * `false` (HEAD), told apart by the error's name and HTTP status, never its message; anything
 * else is thrown for the core to report as `store-failed`. Every call takes the run's abort
 * signal, so the deadline also ends a call in flight
 * ([abortSignal](https://docs.aws.amazon.com/AWSJavaScriptSDK/v3/latest/Package/-smithy-types/Interface/HttpHandlerOptions/)).
 * Writes need no encryption settings: the bucket's default (the content key) applies.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { ObjectStore } from "./core";

function isNotFound(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === "NoSuchKey" || error.name === "NotFound" || status === 404;
}

/** One bucket through an S3 client. */
export class S3Store implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async get(key: string, signal: AbortSignal): Promise<Uint8Array | undefined> {
    try {
      const output = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key }),
        { abortSignal: signal },
      );
      return output.Body === undefined
        ? new Uint8Array()
        : await output.Body.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async exists(key: string, signal: AbortSignal): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), {
        abortSignal: signal,
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async put(
    key: string,
    body: Uint8Array,
    contentType: string,
    signal: AbortSignal,
  ): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
      { abortSignal: signal },
    );
  }
}
