/**
 * The names AWS gives resources: physical names the provider generates, RDS identifiers, and the
 * fixed names and ARNs of service-linked roles.
 */
import { MOCK_ACCOUNT_ID, MOCK_PARTITION } from "./regions";
import { stableHex } from "./stable-ids";

/**
 * The name AWS gives a resource: the `name` (a bucket's `bucket`) the program set, else what the
 * provider generates: `<namePrefix><26 characters>` or `<resource name>-<7 hex>`.
 */
export function physicalNameOf(
  type: string,
  name: string,
  inputs: Readonly<Record<string, unknown>>,
): string {
  const explicit = type === "aws:s3/bucket:Bucket" ? inputs.bucket : inputs.name;
  if (typeof explicit === "string" && explicit !== "") {
    return explicit;
  }
  const prefix = type === "aws:s3/bucket:Bucket" ? inputs.bucketPrefix : inputs.namePrefix;
  if (typeof prefix === "string" && prefix !== "") {
    return `${prefix}${stableHex(26, type, name)}`;
  }
  return `${name}-${stableHex(7, type, name)}`;
}

/** An RDS identifier: the one set, else one generated from the resource name (lower case). */
export function rdsIdentifier(identifier: unknown, name: string, type: string): string {
  return typeof identifier === "string" && identifier !== ""
    ? identifier
    : `${name}-${stableHex(7, type, name)}`.toLowerCase();
}

/**
 * The names AWS gives service-linked roles, by service principal
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_aws-services-that-work-with-iam.html,
 * each service's "Using service-linked roles" page).
 */
export const SERVICE_LINKED_ROLE_NAMES: Readonly<Record<string, string>> = {
  "autoscaling.amazonaws.com": "AWSServiceRoleForAutoScaling",
  "spot.amazonaws.com": "AWSServiceRoleForEC2Spot",
  "spotfleet.amazonaws.com": "AWSServiceRoleForEC2SpotFleet",
  "elasticloadbalancing.amazonaws.com": "AWSServiceRoleForElasticLoadBalancing",
  "eks.amazonaws.com": "AWSServiceRoleForAmazonEKS",
  "eks-nodegroup.amazonaws.com": "AWSServiceRoleForAmazonEKSNodegroup",
  "rds.amazonaws.com": "AWSServiceRoleForRDS",
  "replication.dynamodb.amazonaws.com": "AWSServiceRoleForDynamoDBReplication",
  "config.amazonaws.com": "AWSServiceRoleForConfig",
  "backup.amazonaws.com": "AWSServiceRoleForBackup",
  "ecs.amazonaws.com": "AWSServiceRoleForECS",
};

/** The ARN of a service-linked role: always under `/aws-service-role/<service>/`. */
export function serviceLinkedRoleArn(service: string, roleName: string): string {
  return `arn:${MOCK_PARTITION}:iam::${MOCK_ACCOUNT_ID}:role/aws-service-role/${service}/${roleName}`;
}
