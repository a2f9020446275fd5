import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";
import { helmRelease, THIRD_PARTY_CHARTS, type ChartSource } from "./helm";
import type { KubernetesCluster } from "./kubernetes-cluster";
import { SYSTEM_TAINT } from "./kubernetes-cluster";
import type { WorkloadStatement } from "./pod-identity";
import { ALB_TLS_POLICY } from "../shared/load-balancing";

/** The IngressClass the controller serves (the chart creates it). */
export const ALB_INGRESS_CLASS = "alb";

/**
 * The tag the controller writes on every load balancer, target group, listener, rule and security
 * group it creates, valued with the cluster's name; its policy is fenced by this tag.
 */
export const LOAD_BALANCER_CLUSTER_TAG = "elbv2.k8s.aws/cluster";

/** The namespace and service account the controller runs as. */
const NAMESPACE = "kube-system";
const SERVICE_ACCOUNT = "aws-load-balancer-controller";

/** Arguments of `LoadBalancerController`. */
export interface LoadBalancerControllerArgs {
  /** Account, partition and region (ARNs, trust policies). */
  readonly context: AwsContext;
  /** The cluster it runs on (its provider, its pod identity). */
  readonly cluster: KubernetesCluster;
  /** The cluster's name: the controller tags what it creates with it and may touch nothing else. */
  readonly clusterName: string;
  /** The cluster's VPC, given so the controller never asks the instance metadata service. */
  readonly vpcId: pulumi.Input<string>;
  /** @default THIRD_PARTY_CHARTS.loadBalancerController */
  readonly chart?: ChartSource;
}

/**
 * The AWS Load Balancer Controller, which turns Ingresses of class `alb` into Application Load
 * Balancers. Its pod identity may create ALBs, target groups, listeners, rules and security groups
 * only tagged as this cluster's, and change or delete only what carries that tag; it may edit the
 * ingress rules of the cluster security group (to admit its load balancers to pods), associate
 * regional WAFv2 web ACLs, and read ACM certificates. Network Load Balancers are not granted: the
 * controller's Service reconciler is off, so Services of type LoadBalancer are not its business.
 * WAF Classic and Shield Advanced add-ons are off (the platform uses neither; Shield's
 * CreateProtection cannot be scoped to a resource). Two replicas on the system nodes, with a
 * disruption budget; region and VPC are passed in, because nodes give pods no access to instance
 * metadata (IMDSv2, hop limit 1).
 */
export class LoadBalancerController extends pulumi.ComponentResource {
  /** The Helm release, for Ingresses and anything else that needs the controller running. */
  public readonly release: k8s.helm.v3.Release;
  /** The IngressClass to set on Ingresses this controller should serve. */
  public readonly ingressClass: string = ALB_INGRESS_CLASS;

  constructor(
    name: string,
    args: LoadBalancerControllerArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("knowledgecity:analytics:LoadBalancerController", name, {}, opts);
    const { context, clusterName } = args;
    if (!/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(clusterName)) {
      throw new pulumi.ResourceError(
        `clusterName = ${JSON.stringify(clusterName)}: an EKS cluster name (letters, digits, - and _, at most 100, starting with a letter or digit)`,
        this,
      );
    }
    const chart = args.chart ?? THIRD_PARTY_CHARTS.loadBalancerController;

    const identity = args.cluster.podIdentity(
      `${name}-controller`,
      {
        context,
        namespace: NAMESPACE,
        serviceAccount: SERVICE_ACCOUNT,
        statements: controllerStatements({
          context,
          clusterName,
          vpcId: args.vpcId,
          clusterSecurityGroupId: args.cluster.clusterSecurityGroupId,
        }),
      },
      this,
    );

    this.release = helmRelease(
      name,
      {
        source: chart,
        namespace: NAMESPACE,
        provider: args.cluster.provider,
        dependsOn: [...args.cluster.ready, identity],
        values: {
          clusterName,
          region: context.region,
          vpcId: args.vpcId,
          serviceAccount: { create: true, name: SERVICE_ACCOUNT },
          replicaCount: 2,
          nodeSelector: { "knowledgecity.io/node-role": "system" },
          tolerations: [{ ...SYSTEM_TAINT, operator: "Equal" }],
          resources: {
            requests: { cpu: "100m", memory: "256Mi" },
            limits: { memory: "512Mi" },
          },
          podDisruptionBudget: { maxUnavailable: 1 },
          ingressClass: ALB_INGRESS_CLASS,
          defaultTargetType: "ip",
          defaultSSLPolicy: ALB_TLS_POLICY,
          // Services are not exposed through NLBs, and no webhook rewrites Service objects.
          enableServiceMutatorWebhook: false,
          controllerConfig: { featureGates: { EnableServiceController: false } },
          enableWafv2: true,
          enableWaf: false,
          enableShield: false,
        },
      },
      this,
    );
    this.registerOutputs({ release: this.release, ingressClass: this.ingressClass });
  }
}

/** What the controller's policy is fenced to. */
interface ControllerPolicyArgs {
  /** Account, partition and region of every ARN. */
  readonly context: AwsContext;
  /** The value of the cluster tag the controller's resources carry. */
  readonly clusterName: string;
  /** The only VPC it may create security groups in. */
  readonly vpcId: pulumi.Input<string>;
  /** The pods' group, the only one whose rules it may change besides its own. */
  readonly clusterSecurityGroupId: pulumi.Input<string>;
}

/**
 * The controller's policy, after its documented IAM policy but fenced to this cluster: creation
 * requires the cluster tag in the request, every change and deletion requires it on the resource,
 * and nothing may add, change or remove that tag afterwards.
 */
function controllerStatements(args: ControllerPolicyArgs): WorkloadStatement[] {
  const { context, clusterName, vpcId, clusterSecurityGroupId } = args;
  const { partition, region, accountId } = context;
  const arn = (service: string, resource: string) =>
    `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
  const loadBalancers = arn("elasticloadbalancing", "loadbalancer/app/*/*");
  const targetGroups = arn("elasticloadbalancing", "targetgroup/*/*");
  const listeners = arn("elasticloadbalancing", "listener/app/*/*/*");
  const rules = arn("elasticloadbalancing", "listener-rule/app/*/*/*/*");
  const loadBalancing = [loadBalancers, targetGroups, listeners, rules];
  const securityGroups = arn("ec2", "security-group/*");
  const webAcls = arn("wafv2", "regional/webacl/*/*");
  const requestTagged = { [`aws:RequestTag/${LOAD_BALANCER_CLUSTER_TAG}`]: clusterName };
  const owned = { [`aws:ResourceTag/${LOAD_BALANCER_CLUSTER_TAG}`]: clusterName };
  const leavesClusterTag = { [`aws:RequestTag/${LOAD_BALANCER_CLUSTER_TAG}`]: "true" };
  const inRegion = { "aws:RequestedRegion": region };
  return [
    {
      Sid: "DescribeNetworkAndLoadBalancers",
      // EC2 and Elastic Load Balancing describe calls have no resource-level permissions.
      Action: [
        "ec2:DescribeAccountAttributes",
        "ec2:DescribeAddresses",
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeInstances",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeRouteTables",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeTags",
        "ec2:DescribeVpcPeeringConnections",
        "ec2:DescribeVpcs",
        "elasticloadbalancing:DescribeCapacityReservation",
        "elasticloadbalancing:DescribeListenerAttributes",
        "elasticloadbalancing:DescribeListenerCertificates",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeSSLPolicies",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:DescribeTrustStores",
      ],
      Resource: "*",
      Condition: { StringEquals: inRegion },
    },
    {
      Sid: "ListCertificates",
      // ListCertificates has no resource-level permissions.
      Action: ["acm:ListCertificates"],
      Resource: "*",
      Condition: { StringEquals: inRegion },
    },
    {
      Sid: "DescribeCertificates",
      Action: ["acm:DescribeCertificate"],
      Resource: arn("acm", "certificate/*"),
    },
    {
      Sid: "CreateTheLoadBalancingServiceLinkedRole",
      Action: ["iam:CreateServiceLinkedRole"],
      Resource: `arn:${partition}:iam::${accountId}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`,
      Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
    },
    {
      Sid: "CreateTaggedLoadBalancing",
      Action: [
        "elasticloadbalancing:CreateListener",
        "elasticloadbalancing:CreateLoadBalancer",
        "elasticloadbalancing:CreateRule",
        "elasticloadbalancing:CreateTargetGroup",
      ],
      Resource: loadBalancing,
      Condition: { StringEquals: requestTagged },
    },
    {
      Sid: "TagLoadBalancingOnCreation",
      Action: ["elasticloadbalancing:AddTags"],
      Resource: loadBalancing,
      Condition: {
        StringEquals: {
          ...requestTagged,
          "elasticloadbalancing:CreateAction": [
            "CreateListener",
            "CreateLoadBalancer",
            "CreateRule",
            "CreateTargetGroup",
          ],
        },
      },
    },
    {
      Sid: "ManageOwnLoadBalancing",
      Action: [
        "elasticloadbalancing:AddListenerCertificates",
        "elasticloadbalancing:DeleteListener",
        "elasticloadbalancing:DeleteLoadBalancer",
        "elasticloadbalancing:DeleteRule",
        "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:DeregisterTargets",
        "elasticloadbalancing:ModifyCapacityReservation",
        "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:ModifyListenerAttributes",
        "elasticloadbalancing:ModifyLoadBalancerAttributes",
        "elasticloadbalancing:ModifyRule",
        "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes",
        "elasticloadbalancing:RegisterTargets",
        "elasticloadbalancing:RemoveListenerCertificates",
        "elasticloadbalancing:SetIpAddressType",
        "elasticloadbalancing:SetRulePriorities",
        "elasticloadbalancing:SetSecurityGroups",
        "elasticloadbalancing:SetSubnets",
      ],
      Resource: loadBalancing,
      Condition: { StringEquals: owned },
    },
    {
      Sid: "RetagOwnLoadBalancingButNotTheClusterTag",
      Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
      Resource: loadBalancing,
      Condition: { StringEquals: owned, Null: leavesClusterTag },
    },
    {
      Sid: "ReadWebAcls",
      Action: ["wafv2:GetWebACL"],
      Resource: webAcls,
    },
    {
      Sid: "AssociateWebAclsWithLoadBalancers",
      Action: ["wafv2:AssociateWebACL", "wafv2:DisassociateWebACL", "wafv2:GetWebACLForResource"],
      Resource: [webAcls, loadBalancers],
    },
    {
      Sid: "LetWafProtectLoadBalancers",
      // SetWebAcl is a permission-only action, checked with wafv2:AssociateWebACL; it has no
      // resource types, so it cannot be scoped to a load balancer.
      Action: ["elasticloadbalancing:SetWebAcl"],
      Resource: "*",
      Condition: { StringEquals: inRegion },
    },
    {
      Sid: "CreateSecurityGroupsInTheClusterVpc",
      Action: ["ec2:CreateSecurityGroup"],
      Resource: pulumi.interpolate`arn:${partition}:ec2:${region}:${accountId}:vpc/${vpcId}`,
    },
    {
      Sid: "CreateTaggedSecurityGroups",
      Action: ["ec2:CreateSecurityGroup"],
      Resource: securityGroups,
      Condition: { StringEquals: requestTagged },
    },
    {
      Sid: "TagSecurityGroupsOnCreation",
      Action: ["ec2:CreateTags"],
      Resource: securityGroups,
      Condition: { StringEquals: { ...requestTagged, "ec2:CreateAction": "CreateSecurityGroup" } },
    },
    {
      Sid: "ManageOwnSecurityGroups",
      Action: [
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:DeleteSecurityGroup",
        "ec2:RevokeSecurityGroupIngress",
      ],
      Resource: securityGroups,
      Condition: { StringEquals: owned },
    },
    {
      Sid: "RetagOwnSecurityGroupsButNotTheClusterTag",
      Action: ["ec2:CreateTags", "ec2:DeleteTags"],
      Resource: securityGroups,
      Condition: { StringEquals: owned, Null: leavesClusterTag },
    },
    {
      Sid: "LetLoadBalancersReachPods",
      // Pods use the cluster security group; the controller admits its load balancers' backend
      // security group there. IAM cannot limit which rule, so only this one group is granted.
      Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
      Resource: pulumi.interpolate`arn:${partition}:ec2:${region}:${accountId}:security-group/${clusterSecurityGroupId}`,
    },
  ];
}
