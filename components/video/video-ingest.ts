/**
 * The pipeline's ingest: S3 announces each upload to an SQS queue (with a dead-letter queue),
 * which the submit function consumes. The queues take the platform's defaults from `secureQueue`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { UPLOADS_PREFIX } from "../../contracts/storage";
import type { DataKeys } from "../security/data-keys";
import type { SecureBucket } from "../shared/secure-bucket";
import { queuePolicy, secureQueue } from "../shared/secure-queue";

/** SQS's default retention, set explicitly: four days to recover from a stopped consumer. */
const INGEST_RETENTION_SECONDS = 345_600;

/** Arguments of `createIngest`. */
export interface IngestArgs {
  /** The account S3 must notify from. */
  readonly accountId: string;
  /** The stack's keys: the queues use the content key, whose policy must let S3 use it. */
  readonly keys: DataKeys;
  /** The bucket whose uploads (under `uploads/`) are announced. */
  readonly rawBucket: SecureBucket;
  /**
   * How long a received message stays hidden. AWS asks for at least six times the consuming
   * function's timeout, so a message is not redelivered mid-run
   * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
   */
  readonly visibilityTimeoutSeconds: number;
}

/** What `createIngest` creates. */
export interface Ingest {
  /** The ingest queue. */
  readonly queue: aws.sqs.Queue;
  /** Where uploads that fail five times are kept. */
  readonly deadLetterQueue: aws.sqs.Queue;
  /** The bucket's notification: whatever consumes the queue waits for it. */
  readonly notification: aws.s3.BucketNotification;
}

/** The ingest queue `${name}-ingest`, its dead-letter queue and the raw bucket's notification. */
export function createIngest(name: string, args: IngestArgs, parent: pulumi.Resource): Ingest {
  const contentKey = args.keys.keyArns.content;
  const { queue, deadLetterQueue } = secureQueue(
    `${name}-ingest`,
    {
      kmsKeyArn: contentKey,
      dataClass: "content",
      visibilityTimeoutSeconds: args.visibilityTimeoutSeconds,
      messageRetentionSeconds: INGEST_RETENTION_SECONDS,
      // The notification must wait for the policy, so it is written here.
      writePolicy: false,
    },
    parent,
  );
  if (deadLetterQueue === undefined) {
    throw new pulumi.ResourceError(
      `${name}-ingest was created without a dead-letter queue`,
      parent,
    );
  }
  const policy = queuePolicy(
    `${name}-ingest`,
    queue,
    [
      {
        Sid: "RawBucketNotifies",
        Effect: "Allow",
        Principal: { Service: "s3.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queue.arn,
        Condition: {
          ArnEquals: { "aws:SourceArn": args.rawBucket.arn },
          StringEquals: { "aws:SourceAccount": args.accountId },
        },
      },
    ],
    parent,
  );
  args.keys.allow("content", {
    sid: "S3NotifiesTheIngestQueue",
    principal: { Service: "s3.amazonaws.com" },
    actions: ["kms:GenerateDataKey", "kms:Decrypt"],
    condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
  });
  // Writing the notification makes S3 send the queue a test message, which fails unless the
  // queue policy and the content key's policy already let S3 send and encrypt it:
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
  const notification = new aws.s3.BucketNotification(
    `${name}-raw`,
    {
      bucket: args.rawBucket.bucket.id,
      queues: [
        {
          queueArn: pulumi
            .all([queue.arn, args.keys.policyReadyKeyArns.content])
            .apply(([queueArn]) => queueArn),
          events: ["s3:ObjectCreated:*"],
          filterPrefix: UPLOADS_PREFIX,
        },
      ],
    },
    { parent, dependsOn: [policy] },
  );
  return { queue, deadLetterQueue, notification };
}
