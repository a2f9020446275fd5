/**
 * The policies of a post-encode task, as plain statements: its task role (what its code calls),
 * the role EventBridge starts it with, and its dead-letter queue's policy. Each is the least the
 * task's code needs; `tools/plan/iam` checks the paths against the planned documents.
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COURSES_PREFIX } from "../../contracts/storage";
import { taskOutputKeyPattern } from "../../contracts/video-tasks";

/** What one task's role reaches. */
export interface TaskRolePolicyArgs {
  /** The region of the stack (the services' `kms:ViaService` names). */
  readonly region: string;
  /** The processed (renditions) bucket. */
  readonly bucketArn: pulumi.Input<string>;
  /** The folder the task writes inside each video's folder (`trickplay/`). */
  readonly outputFolder: string;
  /** The content key: renditions, the catalog and the dead letters are encrypted with it. */
  readonly contentKeyArn: pulumi.Input<string>;
  /** The task's own dead-letter queue. */
  readonly deadLetterQueueArn: pulumi.Input<string>;
  /** The video catalog, for a task that records its output there. */
  readonly catalogTableArn?: pulumi.Input<string>;
}

/** The statements of a task's role, in a policy document. */
export function taskRolePolicy(args: TaskRolePolicyArgs): aws.iam.PolicyDocument {
  const services = ["s3", "sqs", ...(args.catalogTableArn === undefined ? [] : ["dynamodb"])];
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadRenditions",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: [pulumi.interpolate`${args.bucketArn}/${COURSES_PREFIX}*`],
      },
      // Without ListBucket S3 answers a GET of a missing key with 403, not 404, and the skip
      // check (is the track already there?) would fail every first run
      // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, Permissions). No
      // s3:prefix condition: that check carries no prefix, so a conditioned grant never applies
      // to it; the bucket holds renditions only, under courses/.
      {
        Sid: "TellMissingRenditions",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [args.bucketArn],
      },
      {
        Sid: "WriteOwnFolder",
        Effect: "Allow",
        Action: ["s3:PutObject"],
        Resource: [
          pulumi.interpolate`${args.bucketArn}/${taskOutputKeyPattern(args.outputFolder)}`,
        ],
      },
      {
        Sid: "SendOwnDeadLetters",
        Effect: "Allow",
        Action: ["sqs:SendMessage"],
        Resource: [args.deadLetterQueueArn],
      },
      ...(args.catalogTableArn === undefined
        ? []
        : [
            {
              Sid: "RecordInCatalog",
              Effect: "Allow" as const,
              Action: ["dynamodb:UpdateItem"],
              Resource: [args.catalogTableArn],
            },
          ]),
      // Only through the services that hold the content (S3's objects, the dead letters, the
      // catalog), never directly.
      {
        Sid: "ContentIsEncrypted",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: [args.contentKeyArn],
        Condition: {
          StringEquals: {
            "kms:ViaService": services.map((service) => `${service}.${args.region}.amazonaws.com`),
          },
        },
      },
    ],
  };
}

/**
 * The statements of a dead-letter queue's policy: EventBridge sends from the rules named (the
 * task's run target parks the events it could not start a task for; the stopped-task rule sends
 * its dead letters), https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html.
 */
export function deadLetterQueueStatements(
  queueArn: pulumi.Input<string>,
  ruleArns: readonly pulumi.Input<string>[],
): aws.iam.PolicyStatement[] {
  return [
    {
      Sid: "EventBridgeSendsDeadLetters",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: queueArn,
      Condition: { ArnEquals: { "aws:SourceArn": [...ruleArns] } },
    },
  ];
}
