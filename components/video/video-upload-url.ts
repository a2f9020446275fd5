/**
 * The upload front door: `upload-url` issues presigned POSTs that let a browser put one source
 * video under `uploads/` in the raw bucket, encrypted with the content key.
 */
import * as pulumi from "@pulumi/pulumi";
import { UPLOADS_PREFIX } from "../../contracts/storage";
import { NodeFunction } from "../shared/node-function";
import type { SecureBucket } from "../shared/secure-bucket";
import { SOURCE_TYPES } from "./video-encode-submit";
import type { VideoFunctionDefaults } from "./video-pipeline-args";

/** Arguments of `createUploadUrl`. */
export interface UploadUrlArgs {
  /** What every function of the pipeline shares. */
  readonly functionDefaults: VideoFunctionDefaults;
  /** The bucket the forms upload to. */
  readonly rawBucket: SecureBucket;
  /** The content key, which encrypts the raw bucket. */
  readonly contentKeyArn: pulumi.Input<string>;
  /** Largest upload a form admits, in bytes. */
  readonly maxUploadBytes: number;
}

/** The function `${name}-upload-url`. */
export function createUploadUrl(
  name: string,
  args: UploadUrlArgs,
  parent: pulumi.Resource,
): NodeFunction<"upload-url"> {
  const { region } = args.functionDefaults.context;
  return new NodeFunction(
    `${name}-upload-url`,
    {
      ...args.functionDefaults,
      contract: "upload-url",
      description: "Issues presigned POSTs for source videos",
      environment: {
        RAW_BUCKET: args.rawBucket.bucketName,
        KMS_KEY_ARN: args.contentKeyArn,
        MAX_UPLOAD_BYTES: String(args.maxUploadBytes),
        ALLOWED_CONTENT_TYPES: SOURCE_TYPES.join(","),
      },
      permissions: [
        // A presigned POST carries the function's own permission to write there, and no other.
        {
          sid: "SignUploads",
          actions: ["s3:PutObject"],
          resources: [pulumi.interpolate`${args.rawBucket.arn}/${UPLOADS_PREFIX}*`],
        },
        {
          sid: "UploadsAreEncrypted",
          actions: ["kms:GenerateDataKey"],
          resources: [args.contentKeyArn],
          condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
        },
      ],
    },
    { parent },
  );
}
