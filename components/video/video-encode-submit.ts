/**
 * The `encode-submit` function and its wiring to the ingest queue: one MediaConvert job per
 * uploaded source, at most `maxConcurrentSubmissions` in flight.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SOURCE_CONTENT_TYPES, UPLOADS_PREFIX } from "../../contracts/storage";
import { NodeFunction } from "../shared/node-function";
import type { VideoFunctionDefaults } from "./video-pipeline-args";
import type { Ingest } from "./video-ingest";
import type { MediaConvert } from "./video-mediaconvert";
import type { LadderRung } from "./video-pipeline";

/** How long one batch of submissions may take, in seconds. */
export const ENCODE_SUBMIT_TIMEOUT_SECONDS = 60;

/** The source types the submit function accepts (the upload form's too). */
export const SOURCE_TYPES = Object.keys(SOURCE_CONTENT_TYPES);

/** Arguments of `createEncodeSubmit`. */
export interface EncodeSubmitArgs {
  /** What every function of the pipeline shares. */
  readonly functionDefaults: VideoFunctionDefaults;
  /** The content key, which encrypts the uploads, the queues and the catalog. */
  readonly contentKeyArn: pulumi.Input<string>;
  /** The queue jobs are submitted to and the role they run with. */
  readonly mediaConvert: MediaConvert;
  /** The queue the function consumes and its dead-letter queue. */
  readonly ingest: Ingest;
  /** The bucket the sources are in (under `uploads/`). */
  readonly rawBucketArn: pulumi.Input<string>;
  /** The bucket the renditions are written to. */
  readonly processedBucketName: pulumi.Input<string>;
  /** The catalog, which is also the submission ledger. */
  readonly catalog: aws.dynamodb.Table;
  /** Largest source measured, in bytes. */
  readonly maxUploadBytes: number;
  /** The encoding ladder. @default the function's lecture ladder */
  readonly ladder?: readonly LadderRung[];
  /** Most submissions in flight (reserved concurrency and the mapping's maximum concurrency). */
  readonly maxConcurrentSubmissions: number;
}

/** The function `${name}-encode-submit` consuming the ingest queue. */
export function createEncodeSubmit(
  name: string,
  args: EncodeSubmitArgs,
  parent: pulumi.Resource,
): NodeFunction<"encode-submit"> {
  const { accountId, partition, region } = args.functionDefaults.context;
  const { contentKeyArn, ingest, mediaConvert } = args;
  const submit = new NodeFunction(
    `${name}-encode-submit`,
    {
      ...args.functionDefaults,
      contract: "encode-submit",
      description: "Submits one MediaConvert job per uploaded source video",
      timeoutSeconds: ENCODE_SUBMIT_TIMEOUT_SECONDS,
      // Caps the jobs in flight, protecting the account's MediaConvert quota.
      reservedConcurrency: args.maxConcurrentSubmissions,
      environment: {
        MEDIACONVERT_QUEUE_ARN: mediaConvert.queue.arn,
        MEDIACONVERT_ROLE_ARN: mediaConvert.role.arn,
        OUTPUT_BUCKET: args.processedBucketName,
        DLQ_URL: ingest.deadLetterQueue.url,
        // The submission ledger: a source already submitted is never encoded again.
        CATALOG_TABLE: args.catalog.name,
        MAX_SOURCE_BYTES: String(args.maxUploadBytes),
        ALLOWED_CONTENT_TYPES: SOURCE_TYPES.join(","),
        ...(args.ladder === undefined ? {} : { LADDER: JSON.stringify(args.ladder) }),
      },
      permissions: [
        {
          sid: "InspectUploads",
          actions: ["s3:GetObject"],
          resources: [pulumi.interpolate`${args.rawBucketArn}/${UPLOADS_PREFIX}*`],
        },
        // Without ListBucket S3 answers HeadObject on a missing key with 403, not 404, and a
        // deleted upload would be retried as a permission problem instead of dead-lettered
        // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html, Permissions).
        // No s3:prefix condition: that check carries no prefix, and the raw bucket holds only
        // uploads.
        {
          sid: "TellMissingUploads",
          actions: ["s3:ListBucket"],
          resources: [args.rawBucketArn],
        },
        // Probe measures each upload so that the ladder is never upscaled. It has no resource
        // type, so "*" is the only resource it can be granted on
        // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselementalmediaconvert.html).
        // It takes no role: MediaConvert reads the upload with this function's credentials,
        // through InspectUploads and ReadUploadsThroughTheirKey.
        { sid: "ProbeUploads", actions: ["mediaconvert:Probe"], resources: ["*"] },
        {
          sid: "ReadUploadsThroughTheirKey",
          actions: ["kms:Decrypt"],
          resources: [contentKeyArn],
          condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
        },
        {
          sid: "SubmitJobs",
          actions: ["mediaconvert:CreateJob"],
          resources: [mediaConvert.queue.arn],
        },
        // Jobs are created with tags, which MediaConvert authorizes as tagging the job.
        {
          sid: "TagJobs",
          actions: ["mediaconvert:TagResource"],
          resources: [`arn:${partition}:mediaconvert:${region}:${accountId}:jobs/*`],
        },
        {
          sid: "HandMediaConvertItsRole",
          actions: ["iam:PassRole"],
          resources: [mediaConvert.role.arn],
          condition: { StringEquals: { "iam:PassedToService": "mediaconvert.amazonaws.com" } },
        },
        {
          sid: "ConsumeTheIngestQueue",
          actions: [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ChangeMessageVisibility",
          ],
          resources: [ingest.queue.arn],
        },
        {
          sid: "ParkPoisonMessages",
          actions: ["sqs:SendMessage"],
          resources: [ingest.deadLetterQueue.arn],
        },
        {
          sid: "KeepTheSubmissionLedger",
          actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
          resources: [args.catalog.arn],
        },
        {
          sid: "QueuesAndLedgerAreEncrypted",
          actions: ["kms:Decrypt", "kms:GenerateDataKey"],
          resources: [contentKeyArn],
          condition: {
            StringEquals: {
              "kms:ViaService": [`sqs.${region}.amazonaws.com`, `dynamodb.${region}.amazonaws.com`],
            },
          },
        },
      ],
    },
    { parent },
  );
  // Batch item failures let one bad upload fail alone
  // (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).
  new aws.lambda.EventSourceMapping(
    `${name}-encode-submit`,
    {
      eventSourceArn: ingest.queue.arn,
      functionName: submit.function.name,
      batchSize: 10,
      maximumBatchingWindowInSeconds: 5,
      functionResponseTypes: ["ReportBatchItemFailures"],
      scalingConfig: { maximumConcurrency: args.maxConcurrentSubmissions },
    },
    { parent, dependsOn: [ingest.notification] },
  );
  return submit;
}
