import type * as aws from "@pulumi/aws";
import { accountRootArn, regionalServicePrincipal, type AwsContext } from "./context";
import type { DataClass } from "./tags";

/** Data classes that get a customer-managed key of their own. */
export type KeyedDataClass = Exclude<DataClass, "none">;
export const KEYED_DATA_CLASSES: readonly KeyedDataClass[] = ["user-data", "content", "telemetry"];

/**
 * The key policy of a data class's CMK. The account root statement lets IAM policies grant use of
 * the key (AWS's default for customer-managed keys); service statements are scoped with
 * encryption-context conditions to this account and region, so a service can use the key only for
 * this account's resources.
 */
export function dataKeyPolicy(
  dataClass: KeyedDataClass,
  context: AwsContext,
): aws.iam.PolicyDocument {
  const statements: aws.iam.PolicyStatement[] = [
    {
      Sid: "AccountAdministersThroughIam",
      Effect: "Allow",
      Principal: { AWS: accountRootArn(context) },
      Action: "kms:*",
      Resource: "*",
    },
  ];
  if (dataClass === "telemetry") {
    statements.push({
      Sid: "CloudWatchLogsEncryptsThisAccountsLogGroups",
      Effect: "Allow",
      Principal: { Service: regionalServicePrincipal("logs", context) },
      Action: [
        "kms:Encrypt*",
        "kms:Decrypt*",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:Describe*",
      ],
      Resource: "*",
      Condition: {
        ArnLike: {
          "kms:EncryptionContext:aws:logs:arn": `arn:${context.partition}:logs:${context.region}:${context.accountId}:log-group:*`,
        },
      },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}
