import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";
import type { DataKeys } from "../security/data-keys";
import { helmRelease, THIRD_PARTY_CHARTS } from "./helm";
import { queuePolicy, secureQueue } from "../shared/secure-queue";
import type { KubernetesCluster } from "./kubernetes-cluster";
import { eksNodeRole, SYSTEM_TAINT } from "./kubernetes-cluster";

/** A Kubernetes taint as Karpenter writes it on the nodes of a pool. */
export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: "NoSchedule" | "NoExecute" | "PreferNoSchedule";
}

/** A node requirement of a NodePool (a label selector over well-known node labels). */
export interface NodeRequirement {
  readonly key: string;
  readonly operator: "In" | "NotIn" | "Exists" | "Gt" | "Lt";
  readonly values?: readonly string[];
}

/** The subset of `karpenter.sh/v1` NodePool spec the platform sets. */
export interface NodePoolSpec {
  readonly template: {
    readonly metadata: { readonly labels: Readonly<Record<string, string>> };
    readonly spec: {
      readonly nodeClassRef: {
        readonly group: string;
        readonly kind: string;
        readonly name: string;
      };
      readonly requirements: readonly NodeRequirement[];
      readonly taints: readonly Taint[];
      readonly expireAfter: string;
    };
  };
  readonly disruption: {
    readonly consolidationPolicy: "WhenEmpty" | "WhenEmptyOrUnderutilized";
    readonly consolidateAfter: string;
    readonly budgets: readonly { readonly nodes: string }[];
  };
  readonly limits: { readonly cpu: string; readonly memory: string };
  readonly weight?: number;
}

/** The subset of `karpenter.k8s.aws/v1` EC2NodeClass spec the platform sets. */
export interface Ec2NodeClassSpec {
  readonly role: pulumi.Input<string>;
  readonly amiSelectorTerms: readonly { readonly alias: string }[];
  readonly subnetSelectorTerms: pulumi.Input<readonly { readonly id: string }[]>;
  readonly securityGroupSelectorTerms: pulumi.Input<
    readonly { readonly id: pulumi.Input<string> }[]
  >;
  readonly metadataOptions: {
    readonly httpEndpoint: "enabled";
    readonly httpTokens: "required";
    readonly httpPutResponseHopLimit: number;
    readonly httpProtocolIPv6: "disabled";
  };
  readonly blockDeviceMappings: readonly {
    readonly deviceName: string;
    readonly ebs: {
      readonly volumeSize: string;
      readonly volumeType: "gp3";
      readonly encrypted: true;
      readonly kmsKeyID: pulumi.Input<string>;
      readonly deleteOnTermination: true;
    };
  }[];
  readonly tags: Readonly<Record<string, string>>;
}

/** A pool's capacity: what it may buy and how much. */
export interface NodePoolSettings {
  /** Upper bound of the pool's vCPUs. */
  readonly cpuLimit: number;
  /** Upper bound of the pool's memory in GiB. */
  readonly memoryLimitGiB: number;
}

/** The pools the platform runs: each workload kind on its own, tainted so nothing strays. */
export const NODE_POOLS = {
  /** ClickHouse and Keeper: on-demand (a reclaimed replica costs a resync), memory-heavy. */
  clickhouse: {
    capacityTypes: ["on-demand"],
    categories: ["r", "m"],
    taint: { key: "workload", value: "clickhouse", effect: "NoSchedule" },
    consolidationPolicy: "WhenEmpty",
    consolidateAfter: "10m",
    budget: "1",
    expireAfter: "2160h",
  },
  /** Batch and analytics jobs: spot (the seed's spot instances), freely consolidated. */
  batch: {
    capacityTypes: ["spot"],
    categories: ["c", "m", "r"],
    taint: { key: "workload", value: "batch", effect: "NoSchedule" },
    consolidationPolicy: "WhenEmptyOrUnderutilized",
    consolidateAfter: "1m",
    budget: "20%",
    expireAfter: "168h",
  },
  /** Stateless services such as the analytics API: on-demand, consolidated when underused. */
  general: {
    capacityTypes: ["on-demand"],
    categories: ["c", "m"],
    taint: undefined,
    consolidationPolicy: "WhenEmptyOrUnderutilized",
    consolidateAfter: "5m",
    budget: "10%",
    expireAfter: "720h",
  },
} as const;

export type NodePoolName = keyof typeof NODE_POOLS;

/** The label every node carries with its pool's name (set by Karpenter). */
export const NODE_POOL_LABEL = "karpenter.sh/nodepool";

/** The scheduling a workload needs to land on a pool: node selector and toleration. */
export function placementOn(pool: NodePoolName): {
  nodeSelector: Record<string, string>;
  tolerations: { key: string; operator: "Equal"; value: string; effect: string }[];
} {
  const taint = NODE_POOLS[pool].taint;
  return {
    nodeSelector: { [NODE_POOL_LABEL]: pool },
    tolerations: taint === undefined ? [] : [{ ...taint, operator: "Equal" }],
  };
}

/**
 * The region whose Price List API endpoint Karpenter calls from a cluster in `region`: ap-south-1
 * for ap-*, cn-northwest-1 for cn-*, eu-central-1 for eu-*, us-east-1 for every other region
 * (me-south-1 included). The Price List API is served from a few regions only and Karpenter's
 * `NewAPI` picks one this way, so an `aws:RequestedRegion` condition naming the cluster's own
 * region would deny every call outside those prefixes.
 * https://github.com/aws/karpenter-provider-aws/blob/v1.14.1/pkg/providers/pricing/pricing.go
 * https://karpenter.sh/docs/reference/cloudformation/#allowpricingreadactions
 */
export function pricingApiRegion(region: string): string {
  if (region.startsWith("ap-")) {
    return "ap-south-1";
  }
  if (region.startsWith("cn-")) {
    return "cn-northwest-1";
  }
  if (region.startsWith("eu-")) {
    return "eu-central-1";
  }
  return "us-east-1";
}

/** Arguments of `Karpenter`. */
export interface KarpenterArgs {
  /** Account, partition and region (ARNs, trust policies). */
  readonly context: AwsContext;
  /** The cluster Karpenter runs on and launches nodes for. */
  readonly cluster: KubernetesCluster;
  /** The cluster's name: Karpenter tags what it launches with it and may touch nothing else. */
  readonly clusterName: string;
  /** Where nodes launch (selected by their ids in each EC2NodeClass). */
  readonly privateSubnetIds: pulumi.Input<string[]>;
  /**
   * The stack's keys: the interruption queue uses the telemetry key, whose policy this component
   * extends so EventBridge can write to the queue.
   * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sqs-permissions
   */
  readonly keys: DataKeys;
  /**
   * Limits and instance choices of each node pool.
   * https://karpenter.sh/docs/concepts/nodepools/
   */
  readonly pools: Readonly<Record<NodePoolName, NodePoolSettings>>;
  /** The AL2023 image alias nodes boot, pinned by the platform team. @default "al2023@latest" */
  readonly amiAlias?: string;
}

/** The EventBridge events that warn of a node going away, which Karpenter drains ahead of. */
const INTERRUPTION_EVENTS: Readonly<Record<string, { source: string; detailType: string }>> = {
  "spot-interruption": { source: "aws.ec2", detailType: "EC2 Spot Instance Interruption Warning" },
  rebalance: { source: "aws.ec2", detailType: "EC2 Instance Rebalance Recommendation" },
  "state-change": { source: "aws.ec2", detailType: "EC2 Instance State-change Notification" },
  "scheduled-change": { source: "aws.health", detailType: "AWS Health Event" },
};

/**
 * Karpenter: its node role (with an EKS access entry), its interruption queue fed by EventBridge,
 * its controller role through Pod Identity with a policy scoped to this cluster's tags, the OCI
 * Helm chart on the system nodes, one EC2NodeClass (AL2023, private subnets, IMDSv2 with hop
 * limit 1, encrypted gp3 disks) and a NodePool per workload kind with limits and consolidation.
 */
export class Karpenter extends pulumi.ComponentResource {
  public readonly nodeRoleArn: pulumi.Output<string>;
  public readonly interruptionQueueUrl: pulumi.Output<string>;
  /** The NodePools by name, for workloads to wait on. */
  public readonly nodePools: Readonly<Record<NodePoolName, k8s.apiextensions.CustomResource>>;

  constructor(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:analytics:Karpenter", name, {}, opts);
    const { context, clusterName } = args;
    const problems = Object.entries(args.pools).flatMap(([pool, settings]) => [
      ...(!Number.isInteger(settings.cpuLimit) ||
      settings.cpuLimit < 2 ||
      settings.cpuLimit > 10_000
        ? [`pools.${pool}.cpuLimit = ${settings.cpuLimit}: an integer from 2 to 10000`]
        : []),
      ...(!Number.isInteger(settings.memoryLimitGiB) || settings.memoryLimitGiB < 4
        ? [`pools.${pool}.memoryLimitGiB = ${settings.memoryLimitGiB}: an integer of at least 4`]
        : []),
    ]);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }
    const parent = { parent: this };
    const ec2 = (resource: string) =>
      `arn:${context.partition}:ec2:${context.region}:${context.accountId}:${resource}`;
    const clusterTag = `kubernetes.io/cluster/${clusterName}`;

    // Nodes
    const { role: nodeRole, attachments: nodePolicies } = eksNodeRole(
      `${name}-node`,
      {
        context,
        roleName: `${clusterName}-karpenter-node`,
        description: `Nodes Karpenter launches for ${clusterName}`,
      },
      this,
    );
    const accessEntry = new aws.eks.AccessEntry(
      `${name}-node`,
      { clusterName: args.cluster.clusterName, principalArn: nodeRole.arn, type: "EC2_LINUX" },
      { parent: this, dependsOn: nodePolicies },
    );
    this.nodeRoleArn = nodeRole.arn;

    // Interruption queue
    const telemetryKeyArn = args.keys.keyArns.telemetry;
    // Its own policy names the EventBridge rules, created after it: written below.
    const { queue } = secureQueue(
      `${name}-interruptions`,
      {
        kmsKeyArn: telemetryKeyArn,
        dataClass: "telemetry",
        // Karpenter acts on an interruption within minutes or not at all.
        messageRetentionSeconds: 300,
        kmsDataKeyReusePeriodSeconds: 300,
        // An interruption notice is worthless once late: nothing to redrive.
        deadLetter: false,
        writePolicy: false,
      },
      this,
    );
    const rules = Object.entries(INTERRUPTION_EVENTS).map(([event, pattern]) => {
      const rule = new aws.cloudwatch.EventRule(
        `${name}-${event}`,
        {
          description: `${pattern.detailType} for Karpenter of ${clusterName}`,
          eventPattern: JSON.stringify({
            source: [pattern.source],
            "detail-type": [pattern.detailType],
          }),
        },
        parent,
      );
      new aws.cloudwatch.EventTarget(
        `${name}-${event}`,
        { rule: rule.name, arn: queue.arn },
        parent,
      );
      return rule;
    });
    queuePolicy(
      `${name}-interruptions`,
      queue,
      [
        {
          Sid: "EventBridgeSendsInterruptions",
          Effect: "Allow",
          Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] },
          Action: "sqs:SendMessage",
          Resource: queue.arn,
          Condition: { ArnEquals: { "aws:SourceArn": rules.map((rule) => rule.arn) } },
        },
      ],
      this,
    );
    args.keys.allow("telemetry", {
      sid: "EventBridgeWritesKarpenterInterruptions",
      principal: { Service: "events.amazonaws.com" },
      actions: ["kms:GenerateDataKey", "kms:Decrypt"],
      condition: { StringEquals: { "aws:SourceAccount": context.accountId } },
    });
    this.interruptionQueueUrl = queue.url;

    // Controller
    // What a launch creates, which Karpenter creates and tags only for this cluster.
    const launched = [
      "fleet/*",
      "instance/*",
      "volume/*",
      "network-interface/*",
      "launch-template/*",
      "spot-instances-request/*",
    ].map(ec2);
    const tagged = { [`aws:RequestTag/${clusterTag}`]: "owned" };
    const owned = { [`aws:ResourceTag/${clusterTag}`]: "owned" };
    const regionOnly = { "aws:RequestedRegion": context.region };
    const pricingRegion = pricingApiRegion(context.region);
    const controllerIdentity = args.cluster.podIdentity(
      `${name}-controller`,
      {
        context,
        namespace: "kube-system",
        serviceAccount: "karpenter",
        statements: [
          {
            Sid: "ReadWhatNodesCanBe",
            // EC2 describe calls have no resource-level permissions; they go to this region.
            // DescribeInstanceStatus: the interruption controller's health checks (Karpenter 1.12+).
            Action: [
              "ec2:DescribeAvailabilityZones",
              "ec2:DescribeImages",
              "ec2:DescribeInstances",
              "ec2:DescribeInstanceStatus",
              "ec2:DescribeInstanceTypeOfferings",
              "ec2:DescribeInstanceTypes",
              "ec2:DescribeLaunchTemplates",
              "ec2:DescribeSecurityGroups",
              "ec2:DescribeSpotPriceHistory",
              "ec2:DescribeSubnets",
            ],
            Resource: "*",
            Condition: { StringEquals: regionOnly },
          },
          {
            Sid: "ReadPrices",
            // The Price List API has no resource-level permissions and is served from a few
            // regions only: Karpenter calls the one pricingApiRegion names, not the cluster's.
            Action: ["pricing:GetProducts"],
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestedRegion": pricingRegion } },
          },
          {
            Sid: "LaunchFromSharedResources",
            Action: ["ec2:RunInstances", "ec2:CreateFleet"],
            Resource: [
              `arn:${context.partition}:ec2:${context.region}::image/*`,
              `arn:${context.partition}:ec2:${context.region}::snapshot/*`,
              ec2("security-group/*"),
              ec2("subnet/*"),
              ec2("capacity-reservation/*"),
            ],
          },
          {
            Sid: "LaunchOwnedNodes",
            Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            Resource: launched,
            Condition: {
              StringEquals: tagged,
              StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
            },
          },
          {
            Sid: "LaunchWithOwnTemplates",
            Action: ["ec2:RunInstances", "ec2:CreateFleet"],
            Resource: ec2("launch-template/*"),
            Condition: { StringEquals: owned },
          },
          {
            Sid: "TagWhatItLaunches",
            Action: ["ec2:CreateTags"],
            Resource: launched,
            Condition: {
              StringEquals: {
                ...tagged,
                "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
              },
            },
          },
          {
            Sid: "RetireOwnedNodes",
            Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate", "ec2:CreateTags"],
            Resource: [ec2("instance/*"), ec2("launch-template/*")],
            Condition: { StringEquals: owned },
          },
          {
            Sid: "PassTheNodeRole",
            Action: ["iam:PassRole"],
            Resource: nodeRole.arn,
            Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
          },
          {
            Sid: "ManageOwnInstanceProfiles",
            Action: [
              "iam:TagInstanceProfile",
              "iam:AddRoleToInstanceProfile",
              "iam:RemoveRoleFromInstanceProfile",
              "iam:DeleteInstanceProfile",
              "iam:GetInstanceProfile",
            ],
            Resource: `arn:${context.partition}:iam::${context.accountId}:instance-profile/*`,
            Condition: { StringEquals: { [`aws:ResourceTag/${clusterTag}`]: "owned" } },
          },
          {
            Sid: "ListInstanceProfiles",
            // Karpenter lists profiles to find and delete the ones it created for this cluster.
            Action: ["iam:ListInstanceProfiles"],
            Resource: `arn:${context.partition}:iam::${context.accountId}:instance-profile/*`,
          },
          {
            Sid: "CreateOwnInstanceProfiles",
            Action: ["iam:CreateInstanceProfile", "iam:TagInstanceProfile"],
            Resource: `arn:${context.partition}:iam::${context.accountId}:instance-profile/*`,
            Condition: { StringEquals: tagged },
          },
          {
            Sid: "ReadPublicImageParameters",
            Action: ["ssm:GetParameter"],
            Resource: `arn:${context.partition}:ssm:${context.region}::parameter/aws/service/*`,
          },
          {
            Sid: "ReadInterruptions",
            Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
            Resource: queue.arn,
          },
          {
            Sid: "DecryptInterruptions",
            Action: ["kms:Decrypt"],
            Resource: telemetryKeyArn,
            Condition: {
              StringEquals: { "kms:ViaService": `sqs.${context.region}.amazonaws.com` },
            },
          },
          {
            Sid: "EncryptNodeVolumes",
            Action: [
              "kms:CreateGrant",
              "kms:Decrypt",
              "kms:DescribeKey",
              "kms:GenerateDataKeyWithoutPlaintext",
            ],
            Resource: args.keys.keyArns["user-data"],
            Condition: {
              StringEquals: { "kms:ViaService": `ec2.${context.region}.amazonaws.com` },
            },
          },
          {
            Sid: "DescribeTheCluster",
            Action: ["eks:DescribeCluster"],
            Resource: `arn:${context.partition}:eks:${context.region}:${context.accountId}:cluster/${clusterName}`,
          },
        ],
      },
      this,
    );

    const release = helmRelease(
      name,
      {
        source: THIRD_PARTY_CHARTS.karpenter,
        namespace: "kube-system",
        provider: args.cluster.provider,
        dependsOn: [...args.cluster.ready, accessEntry, controllerIdentity],
        values: {
          replicas: 2,
          serviceAccount: { create: true, name: "karpenter" },
          settings: { clusterName, interruptionQueue: queue.name },
          nodeSelector: { "knowledgecity.io/node-role": "system" },
          tolerations: [{ ...SYSTEM_TAINT, operator: "Equal" }],
          podDisruptionBudget: { name: "karpenter", maxUnavailable: 1 },
          controller: {
            resources: {
              requests: { cpu: "500m", memory: "512Mi" },
              limits: { memory: "1Gi" },
            },
          },
        },
      },
      this,
    );

    const nodeClassName = "default";
    const nodeClassSpec: Ec2NodeClassSpec = {
      role: nodeRole.name,
      amiSelectorTerms: [{ alias: args.amiAlias ?? "al2023@latest" }],
      subnetSelectorTerms: pulumi
        .output(args.privateSubnetIds)
        .apply((ids) => ids.map((id) => ({ id }))),
      securityGroupSelectorTerms: [{ id: args.cluster.clusterSecurityGroupId }],
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        httpProtocolIPv6: "disabled",
      },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: {
            volumeSize: "100Gi",
            volumeType: "gp3",
            encrypted: true,
            kmsKeyID: args.keys.keyArns["user-data"],
            deleteOnTermination: true,
          },
        },
      ],
      // Karpenter tags what it launches with kubernetes.io/cluster/<name> itself, and the CRD
      // refuses that key here (with eks:eks-cluster-name, karpenter.sh/nodepool,
      // karpenter.sh/nodeclaim and karpenter.k8s.aws/ec2nodeclass): spec.tags'
      // x-kubernetes-validations in karpenter.k8s.aws_ec2nodeclasses.yaml since 1.8.
      tags: { "karpenter.sh/discovery": clusterName },
    };
    const k8sOptions = { parent: this, provider: args.cluster.provider, dependsOn: [release] };
    const nodeClass = new k8s.apiextensions.CustomResource(
      `${name}-${nodeClassName}`,
      {
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name: nodeClassName },
        spec: nodeClassSpec,
      },
      k8sOptions,
    );
    const pools = Object.fromEntries(
      (Object.keys(NODE_POOLS) as NodePoolName[]).map((pool) => {
        const shape = NODE_POOLS[pool];
        const settings = args.pools[pool];
        const spec: NodePoolSpec = {
          template: {
            metadata: { labels: { "knowledgecity.io/workload": pool } },
            spec: {
              nodeClassRef: {
                group: "karpenter.k8s.aws",
                kind: "EC2NodeClass",
                name: nodeClassName,
              },
              requirements: [
                { key: "karpenter.sh/capacity-type", operator: "In", values: shape.capacityTypes },
                { key: "kubernetes.io/arch", operator: "In", values: ["arm64"] },
                { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                {
                  key: "karpenter.k8s.aws/instance-category",
                  operator: "In",
                  values: shape.categories,
                },
                { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["6"] },
              ],
              taints: shape.taint === undefined ? [] : [shape.taint],
              expireAfter: shape.expireAfter,
            },
          },
          disruption: {
            consolidationPolicy: shape.consolidationPolicy,
            consolidateAfter: shape.consolidateAfter,
            budgets: [{ nodes: shape.budget }],
          },
          limits: { cpu: String(settings.cpuLimit), memory: `${settings.memoryLimitGiB}Gi` },
        };
        const resource = new k8s.apiextensions.CustomResource(
          `${name}-${pool}`,
          { apiVersion: "karpenter.sh/v1", kind: "NodePool", metadata: { name: pool }, spec },
          { ...k8sOptions, dependsOn: [release, nodeClass] },
        );
        return [pool, resource];
      }),
    ) as Record<NodePoolName, k8s.apiextensions.CustomResource>;
    this.nodePools = pools;
    this.registerOutputs({
      nodeRoleArn: this.nodeRoleArn,
      interruptionQueueUrl: this.interruptionQueueUrl,
    });
  }
}
