/**
 * What the monolith's app sends messages through: the SQS work queue (with a dead-letter queue,
 * from `secureQueue`) and the SNS topic, encrypted with the user-data key because messages can
 * carry user data, and refusing requests without TLS.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { denyWithoutTls } from "../shared/secure-defaults";
import { secureQueue } from "../shared/secure-queue";
import { dataTags } from "../shared/tags";

/** Arguments of `createMessaging`. */
export interface MessagingArgs {
  /** The user-data key, which encrypts the queues and the topic. */
  readonly keyArn: pulumi.Input<string>;
}

/** What `createMessaging` creates. */
export interface Messaging {
  /** The work queue. */
  readonly queue: aws.sqs.Queue;
  /** Where messages go after five failed receives. */
  readonly deadLetterQueue: aws.sqs.Queue;
  /** The notifications topic. */
  readonly topic: aws.sns.Topic;
}

/** The queue `${name}-work` (dead letters in `${name}-work-dlq`) and the topic `${name}-notifications`. */
export function createMessaging(
  name: string,
  args: MessagingArgs,
  parent: pulumi.Resource,
): Messaging {
  const { queue, deadLetterQueue } = secureQueue(
    `${name}-work`,
    {
      kmsKeyArn: args.keyArn,
      dataClass: "user-data",
      kmsDataKeyReusePeriodSeconds: 300,
      visibilityTimeoutSeconds: 300,
      messageRetentionSeconds: 345_600,
      // Long polling: fewer empty receives.
      receiveWaitTimeSeconds: 20,
      // A message that fails five times goes to the dead-letter queue instead of being lost.
      deadLetter: { maxReceiveCount: 5 },
    },
    parent,
  );
  if (deadLetterQueue === undefined) {
    throw new pulumi.ResourceError(`${name}-work was created without a dead-letter queue`, parent);
  }
  const topic = new aws.sns.Topic(
    `${name}-notifications`,
    { kmsMasterKeyId: args.keyArn, tags: dataTags("user-data") },
    { parent },
  );
  new aws.sns.TopicPolicy(
    `${name}-notifications`,
    {
      arn: topic.arn,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [denyWithoutTls("sns:Publish", topic.arn)],
      }),
    },
    { parent },
  );
  return { queue, deadLetterQueue, topic };
}
