/**
 * Facts about the account and region a stack deploys to, resolved once at the stack's entry
 * (caller identity, partition) and handed to components as plain values, so components need no
 * data-source calls of their own and stay simple to test.
 */
export interface AwsContext {
  /** The AWS account id, for example 111122223333. */
  readonly accountId: string;
  /** The partition, `aws` outside China and GovCloud. */
  readonly partition: string;
  /** The region the stack deploys to. */
  readonly region: string;
  /** The partition's DNS suffix, `amazonaws.com` for `aws`. */
  readonly dnsSuffix: string;
}

/** The ARN of the account's root principal, which AWS uses to delegate key access to IAM. */
export function accountRootArn(context: AwsContext): string {
  return `arn:${context.partition}:iam::${context.accountId}:root`;
}

/** The service principal of a regional AWS service, for example `logs.me-south-1.amazonaws.com`. */
export function regionalServicePrincipal(service: string, context: AwsContext): string {
  return `${service}.${context.region}.${context.dnsSuffix}`;
}
