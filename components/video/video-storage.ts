/**
 * Where the video pipeline keeps things: the raw bucket browsers upload to, the processed bucket
 * only the distribution reads, the video catalog and the topic announcing job states.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COURSES_PREFIX, UPLOADS_PREFIX } from "../../contracts/storage";
import { SecureBucket } from "../shared/secure-bucket";
import { dataTags } from "../shared/tags";
import type { RawUploadPolicy } from "./video-pipeline-args";

/** Arguments of `createVideoStorage`. */
export interface VideoStorageArgs {
  /** The apex domain: players run on it, so the raw bucket's CORS admits it and its `www`. */
  readonly domain: string;
  /** The content key, which encrypts both buckets, the catalog and the topic. */
  readonly contentKeyArn: pulumi.Input<string>;
  /** Raw uploads once encoded. */
  readonly rawUploads: RawUploadPolicy;
  /** Days before renditions move to Standard-IA. */
  readonly infrequentAccessAfterDays: number;
  /** Days before renditions move to Intelligent-Tiering. */
  readonly intelligentTieringAfterDays: number;
}

/** What `createVideoStorage` creates. */
export interface VideoStorage {
  /** The bucket browsers upload sources to. */
  readonly raw: SecureBucket;
  /** The bucket of renditions. */
  readonly processed: SecureBucket;
  /** The video catalog, also the submission ledger. */
  readonly catalog: aws.dynamodb.Table;
  /** The topic announcing job states. */
  readonly topic: aws.sns.Topic;
  /**
   * Names the distribution allowed to read renditions. The processed bucket's policy needs the
   * distribution, which needs the bucket, so the ARN is given once the distribution exists.
   */
  readonly resolveDistributionArn: (arn: pulumi.Output<string>) => void;
}

/** The pipeline's buckets, catalog and topic, as children of `parent`. */
export function createVideoStorage(
  name: string,
  args: VideoStorageArgs,
  parent: pulumi.Resource,
): VideoStorage {
  const opts = { parent };
  const raw = new SecureBucket(
    `${name}-raw`,
    {
      dataClass: "content",
      encryption: { kmsKeyArn: args.contentKeyArn },
      lifecycleRules: [
        args.rawUploads.afterEncode === "expire"
          ? {
              id: "raw-after-encode",
              status: "Enabled",
              filter: { prefix: UPLOADS_PREFIX },
              expiration: { days: args.rawUploads.days },
            }
          : {
              id: "raw-after-encode",
              status: "Enabled",
              filter: { prefix: UPLOADS_PREFIX },
              transitions: [{ days: args.rawUploads.days, storageClass: "DEEP_ARCHIVE" }],
            },
        {
          id: "old-versions",
          status: "Enabled",
          filter: {},
          noncurrentVersionExpiration: { noncurrentDays: 7 },
        },
      ],
    },
    opts,
  );
  // Browsers upload straight to the raw bucket with the presigned POST.
  new aws.s3.BucketCorsConfiguration(
    `${name}-raw`,
    {
      bucket: raw.bucket.id,
      corsRules: [
        {
          allowedMethods: ["POST"],
          allowedOrigins: [`https://${args.domain}`, `https://www.${args.domain}`],
          allowedHeaders: ["*"],
          maxAgeSeconds: 3600,
        },
      ],
    },
    opts,
  );
  const [distributionArn, resolveDistributionArn] = pulumi.deferredOutput<string>();
  const processed = new SecureBucket(
    `${name}-processed`,
    {
      dataClass: "content",
      encryption: { kmsKeyArn: args.contentKeyArn },
      statements: [
        {
          Sid: "OnlyThisDistributionReadsRenditions",
          Principal: { Service: "cloudfront.amazonaws.com" },
          Action: "s3:GetObject",
          objectPrefix: COURSES_PREFIX,
          Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
        },
      ],
      lifecycleRules: [
        {
          id: "renditions-tiering",
          status: "Enabled",
          filter: { prefix: COURSES_PREFIX },
          transitions: [
            { days: args.infrequentAccessAfterDays, storageClass: "STANDARD_IA" },
            { days: args.intelligentTieringAfterDays, storageClass: "INTELLIGENT_TIERING" },
          ],
        },
        {
          id: "old-versions",
          status: "Enabled",
          filter: {},
          noncurrentVersionExpiration: { noncurrentDays: 30 },
        },
      ],
    },
    opts,
  );
  const catalog = new aws.dynamodb.Table(
    `${name}-catalog`,
    {
      billingMode: "PAY_PER_REQUEST",
      hashKey: "videoId",
      attributes: [{ name: "videoId", type: "S" }],
      serverSideEncryption: { enabled: true, kmsKeyArn: args.contentKeyArn },
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: true,
      tags: dataTags("content"),
    },
    opts,
  );
  const topic = new aws.sns.Topic(
    `${name}-events`,
    { kmsMasterKeyId: args.contentKeyArn, tags: dataTags("content") },
    opts,
  );
  return { raw, processed, catalog, topic, resolveDistributionArn };
}
