/**
 * Secure defaults shared by resource kinds that have no building block of their own: the
 * statement every resource policy carries to refuse requests without TLS, and log groups that are
 * always encrypted with a customer-managed key and never kept forever.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_LOG_RETENTION_DAYS, type LogRetentionDays } from "./logs";
import { dataTags } from "./tags";

/**
 * The resource-policy statement that denies every request not made over TLS
 * (`aws:SecureTransport` is false for plain HTTP), for anyone, so no later Allow can open it.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-securetransport
 * @param action the service's actions to refuse, such as `sqs:*`
 * @param resource the resources the policy governs
 */
export function denyWithoutTls(
  action: string,
  resource: pulumi.Input<string> | readonly pulumi.Input<string>[],
): aws.iam.PolicyStatement {
  return {
    Sid: "DenyAnythingButTls",
    Effect: "Deny",
    Principal: "*",
    Action: action,
    Resource: resource as aws.iam.PolicyStatement["Resource"],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** Arguments of `encryptedLogGroup`. */
export interface EncryptedLogGroupArgs {
  /** The log group's name. @default a name derived from the resource's */
  readonly name?: pulumi.Input<string>;
  /** The telemetry key that encrypts the events (CloudWatch Logs must be allowed to use it). */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** @default DEFAULT_LOG_RETENTION_DAYS (365) */
  readonly retentionDays?: LogRetentionDays;
  /** Resources the group waits for, such as the key's policy. @default none */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * A CloudWatch log group encrypted with a customer-managed key, with a bounded retention and the
 * telemetry data class.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export function encryptedLogGroup(
  name: string,
  args: EncryptedLogGroupArgs,
  parent: pulumi.Resource,
): aws.cloudwatch.LogGroup {
  return new aws.cloudwatch.LogGroup(
    name,
    {
      ...(args.name === undefined ? {} : { name: args.name }),
      retentionInDays: args.retentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
      kmsKeyId: args.kmsKeyArn,
      tags: dataTags("telemetry"),
    },
    { parent, ...(args.dependsOn === undefined ? {} : { dependsOn: args.dependsOn }) },
  );
}
