/**
 * The SNS topics alarms notify: KMS-encrypted, TLS-only, publishable by this account's CloudWatch
 * alarms, with email subscriptions; and the us-east-1 topic (with its own key) of CloudFront's.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
 */
import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";
import { denyWithoutTls } from "../shared/secure-defaults";
import { dataTags } from "../shared/tags";
import {
  keyAdministration,
  keyUserStatement,
  keyUseThroughServices,
  type KeyUser,
} from "../security/key-policies";
import { CLOUDFRONT_METRICS_REGION } from "./metrics";

/** Arguments of `createAlertTopic`. */
export interface AlertTopicArgs {
  /** Account and region of the topic: only this account's alarms of this region may publish. */
  readonly context: AwsContext;
  /** Names the topic `KnowledgeCity <stack> alerts`. */
  readonly stack: string;
  /**
   * The customer-managed key of the topic, which CloudWatch must be allowed to use (an AWS-managed
   * key would not let alarms publish).
   * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
   */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Addresses subscribed by email; each must confirm its subscription. */
  readonly emails: readonly string[];
}

/**
 * An SNS topic for alerts: KMS-encrypted, a policy that lets this account's CloudWatch alarms of
 * the topic's region publish and refuses anything but TLS, and one email subscription per address.
 * Email subscriptions stay pending until the recipient confirms them.
 */
export function createAlertTopic(
  name: string,
  args: AlertTopicArgs,
  opts: pulumi.CustomResourceOptions,
): aws.sns.Topic {
  const { accountId, partition, region } = args.context;
  const topic = new aws.sns.Topic(
    name,
    {
      displayName: `KnowledgeCity ${args.stack} alerts`,
      kmsMasterKeyId: args.kmsKeyArn,
      tags: dataTags("telemetry"),
    },
    opts,
  );
  new aws.sns.TopicPolicy(
    name,
    {
      arn: topic.arn,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "CloudWatchAlarmsPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: topic.arn,
            Condition: {
              StringEquals: { "aws:SourceAccount": accountId },
              ArnLike: {
                "aws:SourceArn": `arn:${partition}:cloudwatch:${region}:${accountId}:alarm:*`,
              },
            },
          },
          denyWithoutTls("sns:Publish", topic.arn),
        ],
      }),
    },
    opts,
  );
  for (const email of args.emails) {
    // Keyed by a hash of the address: stable, and the address stays out of resource names.
    const key = createHash("sha256").update(email.toLowerCase()).digest("hex").slice(0, 8);
    new aws.sns.TopicSubscription(
      `${name}-email-${key}`,
      { topic: topic.arn, protocol: "email", endpoint: email },
      opts,
    );
  }
  return topic;
}

/** CloudWatch alarms of this account may publish to a topic encrypted with the key. */
export function alarmsPublishWithKey(accountId: string): KeyUser {
  return {
    sid: "CloudWatchAlarmsPublishAlerts",
    principal: { Service: "cloudwatch.amazonaws.com" },
    actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
    condition: { StringEquals: { "aws:SourceAccount": accountId } },
  };
}

/** Arguments of `createUsEast1AlertTopic`. */
export interface UsEast1AlertTopicArgs {
  /** The stack's account and partition; the region is always us-east-1. */
  readonly context: AwsContext;
  /** Names the topic, the key's description and its alias `alias/knowledgecity/<stack>/alerts`. */
  readonly stack: string;
  /** Addresses subscribed by email. */
  readonly emails: readonly string[];
  /** Provider of us-east-1. */
  readonly provider: aws.Provider;
}

/**
 * The alert topic of the CloudFront alarms in us-east-1, with a key of its own there: the stack's
 * keys are regional, and an AWS-managed key would not let CloudWatch publish. The key's policy lets
 * the account administer it, use it through SNS, and lets CloudWatch alarms of this account use it.
 */
export function createUsEast1AlertTopic(
  name: string,
  args: UsEast1AlertTopicArgs,
  parent: pulumi.Resource,
): aws.sns.Topic {
  const context = { ...args.context, region: CLOUDFRONT_METRICS_REGION };
  const opts = { parent, provider: args.provider };
  const policy: aws.iam.PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      keyAdministration(context),
      keyUseThroughServices("AccountUsesTheKeyThroughSns", ["sns"], context),
      keyUserStatement(alarmsPublishWithKey(context.accountId)),
    ],
  };
  const key = new aws.kms.Key(
    name,
    {
      description: `KnowledgeCity ${args.stack}: alert topic of the CloudFront alarms`,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: 30,
      keyUsage: "ENCRYPT_DECRYPT",
      customerMasterKeySpec: "SYMMETRIC_DEFAULT",
      policy: JSON.stringify(policy),
      bypassPolicyLockoutSafetyCheck: false,
      tags: dataTags("telemetry"),
    },
    opts,
  );
  new aws.kms.Alias(
    name,
    { name: `alias/knowledgecity/${args.stack}/alerts`, targetKeyId: key.keyId },
    opts,
  );
  return createAlertTopic(
    name,
    { context, stack: args.stack, kmsKeyArn: key.arn, emails: args.emails },
    opts,
  );
}
