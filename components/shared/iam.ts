import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

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

/**
 * How the stack gets an account-level setting that exists once per account (or once per region):
 * `create` makes it (a fresh account), `existing` uses the one the account already has (a landing
 * zone such as Control Tower made it) and creates nothing that would collide with it.
 */
export type AccountSettingSource = "create" | "existing";

/** The service-linked roles the platform's key policies name, by the service that uses them. */
export const SERVICE_LINKED_ROLES = {
  /** Auto Scaling launches the monolith's instances, with volumes under the user-data key. */
  autoScaling: { service: "autoscaling.amazonaws.com", roleName: "AWSServiceRoleForAutoScaling" },
  /** EC2 launches Karpenter's spot instances, with volumes under the user-data key. */
  ec2Spot: { service: "spot.amazonaws.com", roleName: "AWSServiceRoleForEC2Spot" },
} as const;

/** One of the service-linked roles the platform needs. */
export type ServiceLinkedRoleId = keyof typeof SERVICE_LINKED_ROLES;

/**
 * The ARN of each service-linked role the stack needs. A service-linked role exists once per
 * account (IAM is global), and AWS creates one only when its service is first used, which in a
 * fresh account comes after the key policies that name it: KMS refuses a key policy naming a role
 * that does not exist. So the roles are either created here (`create`: every role the platform
 * may need, by one stack per account, by default the primary) or the ones this stack needs are
 * looked up (`existing`: the lookup fails the preview, naming the role, when the account does not
 * have it). Either way a key policy takes the ARN from the resource or the lookup, and so waits
 * for it. https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
 */
export function serviceLinkedRoleArns(
  name: string,
  source: AccountSettingSource,
  needed: readonly ServiceLinkedRoleId[],
  opts: { readonly parent?: pulumi.Resource; readonly provider?: aws.Provider },
): Readonly<Partial<Record<ServiceLinkedRoleId, pulumi.Output<string>>>> {
  const ids =
    source === "create" ? (Object.keys(SERVICE_LINKED_ROLES) as ServiceLinkedRoleId[]) : needed;
  return Object.fromEntries(
    ids.map((id) => {
      const { service, roleName } = SERVICE_LINKED_ROLES[id];
      const arn =
        source === "create"
          ? new aws.iam.ServiceLinkedRole(
              `${name}-${id}`,
              { awsServiceName: service },
              // Other stacks of the account rely on it: destroying this stack leaves it in place.
              { ...opts, retainOnDelete: true },
            ).arn
          : aws.iam.getRoleOutput({ name: roleName }, opts).arn;
      return [id, arn] as const;
    }),
  );
}
