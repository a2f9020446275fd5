/**
 * The S3 implementation of the core's `PostSigner`: `createPresignedPost` with the function's own
 * credentials, so the upload is made with the permissions of the function's role (s3:PutObject on
 * the raw bucket's `uploads/*`, kms:GenerateDataKey on the key).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import type { PostSigner, SignPostInput } from "./core";
import { SigningError } from "./errors";
import { describeError, log } from "../../shared/log";

/** Signs POST policies with an S3 client's credentials and region. */
export class S3PostSigner implements PostSigner {
  constructor(private readonly client: S3Client) {}

  async sign(input: SignPostInput): Promise<{ url: string; fields: Record<string, string> }> {
    try {
      return await createPresignedPost(this.client, {
        Bucket: input.bucket,
        Key: input.key,
        Conditions: input.conditions,
        Fields: input.fields,
        Expires: input.expiresInSeconds,
      });
    } catch (error) {
      log("error", "upload_url.signing_failed", { key: input.key, ...describeError(error) });
      throw new SigningError();
    }
  }
}
