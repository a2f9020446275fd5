import type * as aws from "@pulumi/aws";

/**
 * The trust policy of a role that an AWS service assumes for this account only: the
 * `aws:SourceAccount` condition stops another account's use of the service from assuming it
 * (the confused-deputy guard), and `sourceArnLike` narrows it to named resources.
 */
export function serviceTrustPolicy(
  service: string,
  accountId: string,
  sourceArnLike?: string,
): string {
  const document: aws.iam.PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": accountId },
          ...(sourceArnLike === undefined ? {} : { ArnLike: { "aws:SourceArn": sourceArnLike } }),
        },
      },
    ],
  };
  return JSON.stringify(document);
}
