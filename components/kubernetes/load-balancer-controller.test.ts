import { describe, expect, it } from "vitest";
import {
  json,
  list,
  record,
  Recorded,
  runComponent,
  TEST_CONTEXT,
  type RecordedResource,
  platformProviders,
} from "../../tools/plan/engine";
import { DataKeys } from "../security/data-keys";
import { THIRD_PARTY_CHARTS } from "./helm";
import { KubernetesCluster } from "./kubernetes-cluster";
import {
  LoadBalancerController,
  type LoadBalancerControllerArgs,
} from "./load-balancer-controller";

const CLUSTER = "analytics-me-south-1";
const VPC = "vpc-0a1b2c3d4e5f60718";
const ELB = "arn:aws:elasticloadbalancing:me-south-1:111122223333";

let controller: LoadBalancerController | undefined;

function run(overrides: Partial<Omit<LoadBalancerControllerArgs, "cluster">> = {}) {
  return runComponent((provider) => {
    const keys = new DataKeys(
      "keys",
      { context: TEST_CONTEXT, stack: "me-south-1" },
      { providers: platformProviders(provider) },
    );
    const cluster = new KubernetesCluster(
      "eks",
      {
        context: TEST_CONTEXT,
        clusterName: CLUSTER,
        version: "1.35",
        vpcId: VPC,
        privateSubnetIds: ["subnet-a", "subnet-b"],
        keys,
      },
      { providers: platformProviders(provider) },
    );
    controller = new LoadBalancerController(
      "lbc",
      { context: TEST_CONTEXT, cluster, clusterName: CLUSTER, vpcId: VPC, ...overrides },
      { providers: platformProviders(provider) },
    );
    keys.seal();
    return { clusterSecurityGroupId: cluster.clusterSecurityGroupId };
  });
}

interface Statement {
  readonly Sid: string;
  readonly Action: string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const statementsOf = (policy: RecordedResource): Statement[] =>
  list(json(policy.inputs.policy).Statement).map((statement) => record(statement) as never);
const resources = (statement: Statement): string[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
const bySid = (statements: readonly Statement[], sid: string): Statement => {
  const found = statements.find((statement) => statement.Sid === sid);
  if (found === undefined) {
    throw new Error(`no statement ${sid}`);
  }
  return found;
};

describe("LoadBalancerController", () => {
  it("gives kube-system/aws-load-balancer-controller its role through pod identity", async () => {
    const recorded = Recorded.of(await run());
    const association = recorded.named(
      "aws:eks/podIdentityAssociation:PodIdentityAssociation",
      "lbc-controller",
    );
    expect(association.inputs).toMatchObject({
      clusterName: CLUSTER,
      namespace: "kube-system",
      serviceAccount: "aws-load-balancer-controller",
    });
    const role = recorded.named("aws:iam/role:Role", "lbc-controller");
    expect(recorded.referencedBy(String(association.inputs.roleArn).split("/").pop())).toBe(role);
    const trust = list(json(role.inputs.assumeRolePolicy).Statement).map(record);
    expect(trust).toEqual([
      expect.objectContaining({ Principal: { Service: "pods.eks.amazonaws.com" } }),
    ]);
    const policy = recorded.named("aws:iam/rolePolicy:RolePolicy", "lbc-controller");
    expect(recorded.referencedBy(policy.inputs.role)).toBe(role);
  });

  it("writes a least-privilege policy fenced by the cluster tag", async () => {
    const engineRun = await run();
    const recorded = Recorded.of(engineRun);
    const statements = statementsOf(
      recorded.named("aws:iam/rolePolicy:RolePolicy", "lbc-controller"),
    );
    const clusterTag = "elbv2.k8s.aws/cluster";

    // No wildcard actions; every statement allows.
    for (const statement of statements) {
      expect(statement.Action.filter((action) => action.includes("*"))).toEqual([]);
      expect(record(statement)).toMatchObject({ Effect: "Allow" });
    }

    // "*" only for the calls that have no resource-level permissions, each pinned to the region.
    const unscoped = statements.filter((statement) => resources(statement).includes("*"));
    expect(unscoped.flatMap((statement) => statement.Action).sort()).toEqual(
      [
        ...[
          "DescribeAccountAttributes",
          "DescribeAddresses",
          "DescribeAvailabilityZones",
          "DescribeInstances",
          "DescribeInternetGateways",
          "DescribeNetworkInterfaces",
          "DescribeRouteTables",
          "DescribeSecurityGroups",
          "DescribeSubnets",
          "DescribeTags",
          "DescribeVpcPeeringConnections",
          "DescribeVpcs",
        ].map((action) => `ec2:${action}`),
        ...[
          "DescribeCapacityReservation",
          "DescribeListenerAttributes",
          "DescribeListenerCertificates",
          "DescribeListeners",
          "DescribeLoadBalancerAttributes",
          "DescribeLoadBalancers",
          "DescribeRules",
          "DescribeSSLPolicies",
          "DescribeTags",
          "DescribeTargetGroupAttributes",
          "DescribeTargetGroups",
          "DescribeTargetHealth",
          "DescribeTrustStores",
          // Permission-only, without resource types: checked with wafv2:AssociateWebACL.
          "SetWebAcl",
        ].map((action) => `elasticloadbalancing:${action}`),
        "acm:ListCertificates",
      ].sort(),
    );
    for (const statement of unscoped) {
      expect(statement.Resource).toBe("*");
      expect(statement.Condition).toEqual({
        StringEquals: { "aws:RequestedRegion": "me-south-1" },
      });
    }

    // Every scoped resource is in the stack's account and region (IAM roles are global).
    for (const resource of statements.flatMap(resources).filter((arn) => arn !== "*")) {
      expect(resource).toMatch(/^arn:aws:[a-z0-9-]+:(me-south-1)?:111122223333:/);
    }

    // Creation only with the cluster tag in the request, and only ALBs.
    const create = bySid(statements, "CreateTaggedLoadBalancing");
    expect(create.Action).toEqual([
      "elasticloadbalancing:CreateListener",
      "elasticloadbalancing:CreateLoadBalancer",
      "elasticloadbalancing:CreateRule",
      "elasticloadbalancing:CreateTargetGroup",
    ]);
    expect(create.Resource).toEqual([
      `${ELB}:loadbalancer/app/*/*`,
      `${ELB}:targetgroup/*/*`,
      `${ELB}:listener/app/*/*/*`,
      `${ELB}:listener-rule/app/*/*/*/*`,
    ]);
    expect(create.Condition).toEqual({
      StringEquals: { [`aws:RequestTag/${clusterTag}`]: CLUSTER },
    });
    expect(bySid(statements, "TagLoadBalancingOnCreation").Condition).toEqual({
      StringEquals: {
        [`aws:RequestTag/${clusterTag}`]: CLUSTER,
        "elasticloadbalancing:CreateAction": [
          "CreateListener",
          "CreateLoadBalancer",
          "CreateRule",
          "CreateTargetGroup",
        ],
      },
    });
    const createGroups = bySid(statements, "CreateTaggedSecurityGroups");
    expect(createGroups).toMatchObject({
      Action: ["ec2:CreateSecurityGroup"],
      Resource: "arn:aws:ec2:me-south-1:111122223333:security-group/*",
      Condition: { StringEquals: { [`aws:RequestTag/${clusterTag}`]: CLUSTER } },
    });
    expect(bySid(statements, "CreateSecurityGroupsInTheClusterVpc").Resource).toBe(
      `arn:aws:ec2:me-south-1:111122223333:vpc/${VPC}`,
    );
    expect(bySid(statements, "TagSecurityGroupsOnCreation").Condition).toEqual({
      StringEquals: {
        [`aws:RequestTag/${clusterTag}`]: CLUSTER,
        "ec2:CreateAction": "CreateSecurityGroup",
      },
    });

    // Every other write needs the tag on the resource, and retagging may not touch it.
    const owned = { [`aws:ResourceTag/${clusterTag}`]: CLUSTER };
    const manage = bySid(statements, "ManageOwnLoadBalancing");
    expect(manage.Action).toEqual(
      expect.arrayContaining([
        "elasticloadbalancing:DeleteLoadBalancer",
        "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:ModifyLoadBalancerAttributes",
        "elasticloadbalancing:RegisterTargets",
        "elasticloadbalancing:SetSecurityGroups",
      ]),
    );
    expect(manage.Condition).toEqual({ StringEquals: owned });
    expect(bySid(statements, "ManageOwnSecurityGroups")).toMatchObject({
      Action: [
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:DeleteSecurityGroup",
        "ec2:RevokeSecurityGroupIngress",
      ],
      Condition: { StringEquals: owned },
    });
    for (const sid of [
      "RetagOwnLoadBalancingButNotTheClusterTag",
      "RetagOwnSecurityGroupsButNotTheClusterTag",
    ]) {
      expect(bySid(statements, sid).Condition).toEqual({
        StringEquals: owned,
        Null: { [`aws:RequestTag/${clusterTag}`]: "true" },
      });
    }

    // Untagged writes: only the cluster security group, the WAF association, the service role.
    const untaggedWrites = statements.filter(
      (statement) =>
        !resources(statement).includes("*") &&
        statement.Condition === undefined &&
        statement.Action.some((action) => !/:(Describe|Get|List)/.test(action)),
    );
    expect(untaggedWrites.map((statement) => statement.Sid).sort()).toEqual([
      "AssociateWebAclsWithLoadBalancers",
      "CreateSecurityGroupsInTheClusterVpc",
      "LetLoadBalancersReachPods",
    ]);
    // Ingress rules only on the cluster security group, which pods use.
    expect(bySid(statements, "LetLoadBalancersReachPods").Resource).toBe(
      `arn:aws:ec2:me-south-1:111122223333:security-group/${String(engineRun.outputs.clusterSecurityGroupId)}`,
    );
    expect(bySid(statements, "AssociateWebAclsWithLoadBalancers").Resource).toEqual([
      "arn:aws:wafv2:me-south-1:111122223333:regional/webacl/*/*",
      `${ELB}:loadbalancer/app/*/*`,
    ]);
    expect(bySid(statements, "CreateTheLoadBalancingServiceLinkedRole")).toMatchObject({
      Resource:
        "arn:aws:iam::111122223333:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing",
      Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
    });
    expect(bySid(statements, "DescribeCertificates")).toMatchObject({
      Action: ["acm:DescribeCertificate"],
      Resource: "arn:aws:acm:me-south-1:111122223333:certificate/*",
    });
    // Neither WAF Classic nor Shield: the controller has those add-ons off.
    expect(
      statements
        .flatMap((statement) => statement.Action)
        .filter((action) => /^(waf-regional|shield):/.test(action)),
    ).toEqual([]);
  });

  it("installs the pinned chart in kube-system on the system nodes, without instance metadata", async () => {
    const recorded = Recorded.of(await run());
    const release = recorded.named("kubernetes:helm.sh/v3:Release", "lbc");
    expect(release.inputs).toMatchObject({
      name: "lbc",
      chart: "aws-load-balancer-controller",
      version: THIRD_PARTY_CHARTS.loadBalancerController.version,
      repositoryOpts: { repo: "https://aws.github.io/eks-charts" },
      namespace: "kube-system",
      atomic: true,
    });
    expect(record(release.inputs.values)).toEqual({
      clusterName: CLUSTER,
      region: "me-south-1",
      vpcId: VPC,
      serviceAccount: { create: true, name: "aws-load-balancer-controller" },
      replicaCount: 2,
      nodeSelector: { "knowledgecity.io/node-role": "system" },
      tolerations: [
        { key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule", operator: "Equal" },
      ],
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
      podDisruptionBudget: { maxUnavailable: 1 },
      ingressClass: "alb",
      defaultTargetType: "ip",
      defaultSSLPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      enableServiceMutatorWebhook: false,
      controllerConfig: { featureGates: { EnableServiceController: false } },
      enableWafv2: true,
      enableWaf: false,
      enableShield: false,
    });
    // The release waits for the cluster's nodes and add-ons and for the controller's identity.
    const dependsOn = release.dependsOn;
    expect(dependsOn).toContain(recorded.named("aws:eks/nodeGroup:NodeGroup", "eks-system").urn);
    expect(dependsOn).toContain(
      recorded.named("aws:eks/podIdentityAssociation:PodIdentityAssociation", "lbc-controller").urn,
    );
    expect(release.provider).toBe(recorded.ofType("pulumi:providers:kubernetes")[0]?.urn);
    expect(controller?.ingressClass).toBe("alb");
  });

  it("takes another chart, and refuses a cluster name that cannot be a tag value of EKS", async () => {
    const chart = { repo: "https://charts.example.com", chart: "lbc", version: "9.9.9" };
    const recorded = Recorded.of(await run({ chart }));
    expect(recorded.named("kubernetes:helm.sh/v3:Release", "lbc").inputs).toMatchObject({
      chart: "lbc",
      version: "9.9.9",
      repositoryOpts: { repo: "https://charts.example.com" },
    });
    await expect(run({ clusterName: "analytics cluster" })).rejects.toThrow(
      /clusterName = "analytics cluster": an EKS cluster name/,
    );
  });
});
