/**
 * SQS queues with the platform's defaults, as `SecureBucket` is for buckets: encrypted with a
 * customer-managed key, a dead-letter queue with a redrive policy (and a redrive-allow policy on
 * it naming its one source), and a queue policy on each that refuses requests without TLS.
 * A plain function rather than a component, so the queues keep their names and parents in state.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-security-best-practices.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { KeyedDataClass } from "../security/key-policies";
import { denyWithoutTls } from "./secure-defaults";
import { dataTags } from "./tags";

/** The longest retention SQS allows: what a dead-letter queue keeps, 14 days. */
export const DEAD_LETTER_RETENTION_SECONDS = 1_209_600;

/** The dead-letter queue of a `secureQueue`. */
export interface DeadLetterSettings {
  /** Receives before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
}

/** Arguments of `secureQueue`. */
export interface SecureQueueArgs {
  /** The customer-managed key of the data class the messages belong to. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** The data class of the messages (tags both queues). */
  readonly dataClass: KeyedDataClass;
  /** @default 345600 (four days, SQS's default) */
  readonly messageRetentionSeconds?: number;
  /** @default SQS's default (30) */
  readonly visibilityTimeoutSeconds?: number;
  /** Long polling. @default SQS's default (0) */
  readonly receiveWaitTimeSeconds?: number;
  /** How long SQS reuses a data key before calling KMS again. @default SQS's default (300) */
  readonly kmsDataKeyReusePeriodSeconds?: number;
  /**
   * States SQS-managed encryption off explicitly (the customer-managed key encrypts either way),
   * for a queue whose state already records it. @default unset
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html
   */
  readonly sqsManagedSseEnabled?: false;
  /**
   * The dead-letter queue: `false` for a queue that is itself where failures end (a function's
   * failure destination). @default { maxReceiveCount: 5 }
   */
  readonly deadLetter?: DeadLetterSettings | false;
  /**
   * Statements the queue's policy grants besides the TLS-only deny, given the queue's ARN.
   * `undefined` leaves the policy to the caller (`queuePolicy`), for statements that name
   * resources created after the queue. @default []
   */
  readonly statements?:
    ((queueArn: pulumi.Output<string>) => aws.iam.PolicyStatement[]) | undefined;
  /** Whether this function writes the queue's policy; see `statements`. @default true */
  readonly writePolicy?: boolean;
}

/** What `secureQueue` creates. */
export interface SecureQueue {
  /** The queue. */
  readonly queue: aws.sqs.Queue;
  /** Its dead-letter queue, unless `deadLetter: false`. */
  readonly deadLetterQueue?: aws.sqs.Queue;
}

/**
 * A queue named `name` (and its dead-letter queue `${name}-dlq`) with the platform's defaults.
 * Explicit settings win over the defaults; encryption, the redrive and the TLS-only policies are
 * always set.
 */
export function secureQueue(
  name: string,
  args: SecureQueueArgs,
  parent: pulumi.Resource,
): SecureQueue {
  const opts = { parent };
  const encryption = {
    ...(args.sqsManagedSseEnabled === undefined ? {} : { sqsManagedSseEnabled: false }),
    kmsMasterKeyId: args.kmsKeyArn,
    ...(args.kmsDataKeyReusePeriodSeconds === undefined
      ? {}
      : { kmsDataKeyReusePeriodSeconds: args.kmsDataKeyReusePeriodSeconds }),
  };
  const deadLetter = args.deadLetter ?? { maxReceiveCount: 5 };
  const deadLetterQueue =
    deadLetter === false
      ? undefined
      : new aws.sqs.Queue(
          `${name}-dlq`,
          {
            ...encryption,
            messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
            tags: dataTags(args.dataClass),
          },
          opts,
        );
  const queue = new aws.sqs.Queue(
    name,
    {
      ...encryption,
      ...(args.visibilityTimeoutSeconds === undefined
        ? {}
        : { visibilityTimeoutSeconds: args.visibilityTimeoutSeconds }),
      ...(args.messageRetentionSeconds === undefined
        ? {}
        : { messageRetentionSeconds: args.messageRetentionSeconds }),
      ...(args.receiveWaitTimeSeconds === undefined
        ? {}
        : { receiveWaitTimeSeconds: args.receiveWaitTimeSeconds }),
      ...(deadLetterQueue === undefined || deadLetter === false
        ? {}
        : {
            redrivePolicy: pulumi.jsonStringify({
              deadLetterTargetArn: deadLetterQueue.arn,
              maxReceiveCount: deadLetter.maxReceiveCount,
            }),
          }),
      tags: dataTags(args.dataClass),
    },
    opts,
  );
  if (args.writePolicy ?? true) {
    queuePolicy(name, queue, args.statements?.(queue.arn) ?? [], parent);
  }
  if (deadLetterQueue !== undefined) {
    // Only its own source may move messages into it.
    new aws.sqs.RedriveAllowPolicy(
      `${name}-dlq`,
      {
        queueUrl: deadLetterQueue.url,
        redriveAllowPolicy: pulumi.jsonStringify({
          redrivePermission: "byQueue",
          sourceQueueArns: [queue.arn],
        }),
      },
      opts,
    );
    queuePolicy(`${name}-dlq`, deadLetterQueue, [], parent);
  }
  return deadLetterQueue === undefined ? { queue } : { queue, deadLetterQueue };
}

/** The policy of `queue`: `statements`, then the deny of every request without TLS. */
export function queuePolicy(
  name: string,
  queue: aws.sqs.Queue,
  statements: readonly aws.iam.PolicyStatement[],
  parent: pulumi.Resource,
): aws.sqs.QueuePolicy {
  return new aws.sqs.QueuePolicy(
    name,
    {
      queueUrl: queue.url,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [...statements, denyWithoutTls("sqs:*", queue.arn)],
      }),
    },
    { parent },
  );
}
