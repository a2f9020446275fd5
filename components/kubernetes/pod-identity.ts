import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";

/** One statement of a workload's policy: explicit actions on explicit resources. */
export interface WorkloadStatement {
  readonly Sid: string;
  readonly Action: readonly string[];
  readonly Resource: pulumi.Input<string> | readonly pulumi.Input<string>[];
  readonly Condition?: Record<string, Record<string, pulumi.Input<string | string[]>>>;
}

/** Arguments of `podIdentity`. */
export interface PodIdentityArgs {
  /** Account, partition and region (ARNs, trust policies). */
  readonly context: AwsContext;
  /** The cluster of the association. */
  readonly clusterName: pulumi.Input<string>;
  /**
   * The namespace and service account whose pods get the role.
   * https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html
   */
  readonly namespace: string;
  /** The service account, in `namespace`. */
  readonly serviceAccount: string;
  /** The role's inline policy. @default [] */
  readonly statements?: readonly WorkloadStatement[];
  /** AWS managed policies, only where AWS maintains the exact set a controller needs. @default [] */
  readonly managedPolicyArns?: readonly string[];
  /** Resources the association must wait for (the cluster). @default [] */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The trust policy of a role that EKS Pod Identity hands to pods: the EKS Auth service may
 * assume it and tag the session (with the cluster, namespace and service account), for this
 * account only.
 */
export function podIdentityTrustPolicy(accountId: string): string {
  const document: aws.iam.PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  };
  return JSON.stringify(document);
}

/**
 * An IAM role for one Kubernetes service account through EKS Pod Identity: the role, its policy
 * and the association, which is returned because it is what a workload must wait for (a pod that
 * starts before its association exists gets no credentials). No long-lived keys, no node role.
 */
export function podIdentity(
  name: string,
  args: PodIdentityArgs,
  parent: pulumi.Resource,
): aws.eks.PodIdentityAssociation {
  const role = new aws.iam.Role(
    name,
    {
      description: `Pod identity of ${args.namespace}/${args.serviceAccount}`,
      assumeRolePolicy: podIdentityTrustPolicy(args.context.accountId),
      maxSessionDuration: 3600,
    },
    { parent },
  );
  const attachments: pulumi.Resource[] = (args.managedPolicyArns ?? []).map(
    (policyArn, index) =>
      new aws.iam.RolePolicyAttachment(
        `${name}-${index}`,
        { role: role.name, policyArn },
        { parent },
      ),
  );
  if (args.statements !== undefined && args.statements.length > 0) {
    attachments.push(
      new aws.iam.RolePolicy(
        name,
        {
          role: role.id,
          policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: args.statements.map((statement) => ({ Effect: "Allow", ...statement })),
          }),
        },
        { parent },
      ),
    );
  }
  return new aws.eks.PodIdentityAssociation(
    name,
    {
      clusterName: args.clusterName,
      namespace: args.namespace,
      serviceAccount: args.serviceAccount,
      roleArn: role.arn,
    },
    { parent, dependsOn: [...(args.dependsOn ?? []), ...attachments] },
  );
}
