/**
 * Job tracking: MediaConvert's job state changes of the pipeline's queue reach `encode-status`
 * through EventBridge, which records them in the catalog and announces them on the topic. An
 * event neither EventBridge nor the function can deliver is kept in a dead-letter queue.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DataKeys } from "../security/data-keys";
import { NodeFunction } from "../shared/node-function";
import { DEAD_LETTER_RETENTION_SECONDS, queuePolicy, secureQueue } from "../shared/secure-queue";
import type { VideoFunctionDefaults } from "./video-pipeline-args";

/** Arguments of `createEncodeStatus`. */
export interface EncodeStatusArgs {
  /** What every function of the pipeline shares. */
  readonly functionDefaults: VideoFunctionDefaults;
  /** The stack's keys: the content key encrypts the catalog, the topic and the dead letters. */
  readonly keys: DataKeys;
  /** The MediaConvert queue whose jobs are tracked. */
  readonly mediaConvertQueueArn: pulumi.Input<string>;
  /** The video catalog the job states are recorded in. */
  readonly catalog: aws.dynamodb.Table;
  /** The topic job states are announced on. */
  readonly topic: aws.sns.Topic;
}

/** What `createEncodeStatus` creates. */
export interface EncodeStatus {
  /** The function recording job states. */
  readonly statusFunction: NodeFunction<"encode-status">;
  /** Where undeliverable and failed job events are kept. */
  readonly deadLetterQueue: aws.sqs.Queue;
}

/** The function `${name}-encode-status`, the rule `${name}-job-state` and their dead letters. */
export function createEncodeStatus(
  name: string,
  args: EncodeStatusArgs,
  parent: pulumi.Resource,
): EncodeStatus {
  const opts = { parent };
  const { accountId, region } = args.functionDefaults.context;
  const contentKey = args.keys.keyArns.content;
  // Where undeliverable events end: no dead-letter queue of its own; its policy names the rule,
  // created below.
  const { queue: deadLetterQueue } = secureQueue(
    `${name}-status-dlq`,
    {
      sqsManagedSseEnabled: false,
      kmsKeyArn: contentKey,
      dataClass: "content",
      messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
      deadLetter: false,
      writePolicy: false,
    },
    parent,
  );
  const status = new NodeFunction(
    `${name}-encode-status`,
    {
      ...args.functionDefaults,
      contract: "encode-status",
      description: "Records MediaConvert job states in the video catalog",
      environment: { CATALOG_TABLE: args.catalog.name, TOPIC_ARN: args.topic.arn },
      permissions: [
        { sid: "RecordJobs", actions: ["dynamodb:UpdateItem"], resources: [args.catalog.arn] },
        { sid: "AnnounceJobs", actions: ["sns:Publish"], resources: [args.topic.arn] },
        {
          sid: "ParkFailedEvents",
          actions: ["sqs:SendMessage"],
          resources: [deadLetterQueue.arn],
        },
        {
          sid: "StoresAreEncrypted",
          actions: ["kms:Decrypt", "kms:GenerateDataKey"],
          resources: [contentKey],
          condition: {
            StringEquals: {
              "kms:ViaService": [`dynamodb.${region}.amazonaws.com`, `sns.${region}.amazonaws.com`],
            },
          },
        },
      ],
    },
    opts,
  );
  const rule = new aws.cloudwatch.EventRule(
    `${name}-job-state`,
    {
      description: "MediaConvert job state changes of this pipeline's queue",
      eventPattern: pulumi.jsonStringify({
        source: ["aws.mediaconvert"],
        "detail-type": ["MediaConvert Job State Change"],
        detail: { queue: [args.mediaConvertQueueArn] },
      }),
    },
    opts,
  );
  // EventBridge's dead letters need the queue's policy and the key's to let it send
  // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
  queuePolicy(
    `${name}-status-dlq`,
    deadLetterQueue,
    [
      {
        Sid: "EventBridgeParksUndeliveredEvents",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: deadLetterQueue.arn,
        Condition: { ArnEquals: { "aws:SourceArn": rule.arn } },
      },
    ],
    parent,
  );
  args.keys.allow("content", {
    sid: "EventBridgeParksUndeliveredEvents",
    principal: { Service: "events.amazonaws.com" },
    actions: ["kms:GenerateDataKey", "kms:Decrypt"],
    condition: { StringEquals: { "aws:SourceAccount": accountId } },
  });
  new aws.cloudwatch.EventTarget(
    `${name}-job-state`,
    {
      rule: rule.name,
      arn: status.arn,
      retryPolicy: { maximumRetryAttempts: 20, maximumEventAgeInSeconds: 86_400 },
      deadLetterConfig: { arn: deadLetterQueue.arn },
    },
    opts,
  );
  // An event the function fails on (after Lambda's two retries) is kept, not dropped.
  new aws.lambda.FunctionEventInvokeConfig(
    `${name}-encode-status`,
    {
      functionName: status.function.name,
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 21_600,
      destinationConfig: { onFailure: { destination: deadLetterQueue.arn } },
    },
    opts,
  );
  new aws.lambda.Permission(
    `${name}-job-state`,
    {
      action: "lambda:InvokeFunction",
      function: status.function.name,
      principal: "events.amazonaws.com",
      sourceArn: rule.arn,
    },
    opts,
  );
  return { statusFunction: status, deadLetterQueue };
}
