import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";
import type { DataKeys } from "../security/data-keys";
import { helmRelease, THIRD_PARTY_CHARTS } from "./helm";
import { serviceTrustPolicy } from "../shared/iam";
import { DEFAULT_LOG_RETENTION_DAYS, type LogRetentionDays } from "../shared/logs";
import { encryptedLogGroup } from "../shared/secure-defaults";
import { podIdentity, podIdentityTrustPolicy } from "./pod-identity";

/**
 * Kubernetes minor versions in EKS standard support on 2026-12-05: 1.35 (EKS release 2026-01-27,
 * standard support to 2027-03-27) and 1.36 (EKS release 2026-06); 1.34's ended on 2026-12-02.
 * Every chart here is pinned to a release that supports both (Karpenter 1.14: 1.35 needs >= 1.9,
 * 1.36 >= 1.13). Review this list when EKS announces an end of standard support:
 * https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar
 */
export const KUBERNETES_VERSIONS = ["1.35", "1.36"] as const;
export type KubernetesVersion = (typeof KUBERNETES_VERSIONS)[number];

/** The version a stack gets unless it sets one. */
export const DEFAULT_KUBERNETES_VERSION: KubernetesVersion = "1.35";

/** The control-plane log types EKS can send to CloudWatch Logs; all are on. */
export const CONTROL_PLANE_LOG_TYPES = [
  "api",
  "audit",
  "authenticator",
  "controllerManager",
  "scheduler",
] as const;

/** The encrypted gp3 StorageClass every persistent volume uses. */
export const ENCRYPTED_STORAGE_CLASS = "gp3-encrypted";

/** The taint that keeps ordinary workloads off the system nodes. */
export const SYSTEM_TAINT = { key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule" };

/**
 * The system node group's defaults, in one place: the cluster applies them to args it is not
 * given, and the analytics settings' schema gives them to a stack that sets nothing.
 */
export const SYSTEM_NODE_DEFAULTS = {
  instanceTypes: ["m7g.large"],
  minSize: 2,
  maxSize: 4,
  diskGiB: 50,
} as const;

/** Fewest system nodes: one per zone over two zones, so the controllers outlive a zone. */
export const MIN_SYSTEM_NODES = 2;

/** Where the deploy reaches the Kubernetes API from unless told: a runner in the VPC. */
export const DEFAULT_DEPLOY_FROM = "vpc";

/** The small managed node group that runs the cluster's own controllers. */
export interface SystemNodeSettings {
  /** Graviton instance types. @default SYSTEM_NODE_DEFAULTS.instanceTypes (["m7g.large"]) */
  readonly instanceTypes?: readonly string[];
  /** At least MIN_SYSTEM_NODES (2). @default SYSTEM_NODE_DEFAULTS.minSize (2) */
  readonly minSize?: number;
  /** At least minSize. @default SYSTEM_NODE_DEFAULTS.maxSize (4) */
  readonly maxSize?: number;
  /** @default minSize */
  readonly desiredSize?: number;
  /** @default SYSTEM_NODE_DEFAULTS.diskGiB (50) */
  readonly diskGiB?: number;
}

/** Arguments of `KubernetesCluster`. */
export interface KubernetesClusterArgs {
  /** Account, partition and region (ARNs, trust policies). */
  readonly context: AwsContext;
  /** Cluster name, unique in the account and region. */
  readonly clusterName: string;
  /**
   * The Kubernetes minor version, one EKS supports in standard support.
   * https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
   */
  readonly version: KubernetesVersion;
  /** The VPC of the cluster's security group and of every node. */
  readonly vpcId: pulumi.Input<string>;
  /** Private subnets over 2+ zones: control-plane interfaces and every node. */
  readonly privateSubnetIds: pulumi.Input<string[]>;
  /** The public endpoint, off unless CIDRs are listed. @default [] (private only) */
  readonly publicAccessCidrs?: readonly string[];
  /** Keys: secrets and volumes use the user-data key. */
  readonly keys: DataKeys;
  /** IAM roles given cluster-admin through access entries (the platform team's role). */
  readonly adminRoleArns?: readonly string[];
  /**
   * Where `pulumi up` reaches the Kubernetes API from: "vpc" (a runner in the private subnets,
   * through the private endpoint) or "cidrs" (outside the VPC, through the public endpoint, which
   * needs publicAccessCidrs). @default DEFAULT_DEPLOY_FROM ("vpc")
   */
  readonly deployFrom?: "vpc" | "cidrs";
  /**
   * The role `pulumi up` runs as. It creates the cluster, and EKS gives the creator an access entry
   * with AmazonEKSClusterAdminPolicy at cluster scope (@pulumi/eks 4 always sets
   * bootstrapClusterCreatorAdminPermissions), so it gets no entry here: a second one for the same
   * principal fails (https://github.com/pulumi/pulumi-eks/issues/2373).
   */
  readonly deployRoleArn?: string;
  /** IAM roles given read-only access (AmazonEKSViewPolicy at cluster scope): the preview role. */
  readonly viewerRoleArns?: readonly string[];
  /** The managed node group of the system pods (CoreDNS, the controllers). @default see `SystemNodeSettings` */
  readonly systemNodes?: SystemNodeSettings;
  /**
   * Retention of the control-plane logs.
   * https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html
   * @default DEFAULT_LOG_RETENTION_DAYS (365)
   */
  readonly logRetentionDays?: LogRetentionDays;
}

/**
 * An EKS cluster built with `@pulumi/eks`: private endpoint (public only for listed CIDRs),
 * secrets encrypted with the user-data key, every control-plane log on, access entries
 * (API authentication mode), no default node group; a small managed system node group over the
 * private subnets (AL2023 on Graviton, IMDSv2 only with hop limit 1, encrypted gp3 disks, SSM
 * instead of SSH, tainted for add-ons only); the Pod Identity agent, the EBS CSI driver with its
 * own pod identity, an encrypted gp3 StorageClass that keeps volumes on delete, and metrics-server.
 */
export class KubernetesCluster extends pulumi.ComponentResource {
  public readonly clusterName: pulumi.Output<string>;
  /** The provider every Kubernetes resource of this cluster uses. */
  public readonly provider: k8s.Provider;
  /** The security group EKS attaches to the control plane and managed nodes. */
  public readonly clusterSecurityGroupId: pulumi.Output<string>;
  /** What workloads must wait for: the cluster, its nodes and its add-ons. */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: KubernetesClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:analytics:KubernetesCluster", name, {}, opts);
    const { context } = args;
    const nodes = {
      instanceTypes: args.systemNodes?.instanceTypes ?? SYSTEM_NODE_DEFAULTS.instanceTypes,
      minSize: args.systemNodes?.minSize ?? SYSTEM_NODE_DEFAULTS.minSize,
      maxSize: args.systemNodes?.maxSize ?? SYSTEM_NODE_DEFAULTS.maxSize,
      diskGiB: args.systemNodes?.diskGiB ?? SYSTEM_NODE_DEFAULTS.diskGiB,
    };
    const desiredSize = args.systemNodes?.desiredSize ?? nodes.minSize;
    const problems = [
      ...(nodes.minSize < MIN_SYSTEM_NODES
        ? [`systemNodes.minSize = ${nodes.minSize}: at least ${MIN_SYSTEM_NODES}, one per zone`]
        : []),
      ...(nodes.maxSize < nodes.minSize
        ? [`systemNodes.maxSize = ${nodes.maxSize}: at least minSize (${nodes.minSize})`]
        : []),
      ...(desiredSize < nodes.minSize || desiredSize > nodes.maxSize
        ? [`systemNodes.desiredSize = ${desiredSize}: between minSize and maxSize`]
        : []),
      ...(args.publicAccessCidrs ?? [])
        .filter((cidr) => cidr === "0.0.0.0/0" || !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(cidr))
        .map((cidr) => `publicAccessCidrs: ${cidr} is not a limited IPv4 CIDR`),
      ...accessProblems(args),
    ];
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }
    const parent = { parent: this };
    const userDataKeyArn = args.keys.keyArns["user-data"];
    const policy = (arn: string) => `arn:${context.partition}:iam::aws:policy/${arn}`;
    const accessEntry = (key: string, principalArn: string, accessPolicy: string) =>
      [
        key,
        {
          principalArn,
          accessPolicies: {
            [key]: {
              policyArn: `arn:${context.partition}:eks::aws:cluster-access-policy/${accessPolicy}`,
              accessScope: { type: "cluster" },
            },
          },
        },
      ] as const;

    const clusterRole = new aws.iam.Role(
      `${name}-cluster`,
      {
        description: `EKS control plane of ${args.clusterName}`,
        assumeRolePolicy: serviceTrustPolicy("eks.amazonaws.com", context.accountId),
      },
      parent,
    );
    const clusterPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-cluster`,
      { role: clusterRole.name, policyArn: policy("AmazonEKSClusterPolicy") },
      parent,
    );
    args.keys.allow("user-data", {
      sid: "EksEncryptsSecrets",
      principal: { AWS: clusterRole.arn },
      actions: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"],
    });

    // EKS writes the control-plane logs to this group; made here first so it has a retention and
    // the telemetry key rather than EKS's default of keeping them forever, unencrypted.
    const controlPlaneLogs = encryptedLogGroup(
      `${name}-control-plane`,
      {
        // The name EKS writes to: https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html
        name: `/aws/eks/${args.clusterName}/cluster`,
        // CloudWatch Logs checks the key policy when it creates the group: wait for it.
        kmsKeyArn: args.keys.policyReadyKeyArns.telemetry,
        retentionDays: args.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
      },
      this,
    );
    const publicCidrs = args.publicAccessCidrs ?? [];
    // eks.Cluster is a remote component: its inner AWS resources get only the providers passed
    // to it explicitly (the eks provider itself is inherited from the parent), so the AWS
    // provider this component inherited is handed on by package.
    const awsProvider = this.getProvider("aws:eks/cluster:Cluster");
    if (awsProvider === undefined) {
      throw new pulumi.ResourceError(
        `${name}: no aws provider to hand to eks.Cluster; pass one in the parent's providers`,
        this,
      );
    }
    const cluster = new eks.Cluster(
      name,
      {
        name: args.clusterName,
        version: args.version,
        vpcId: args.vpcId,
        privateSubnetIds: args.privateSubnetIds,
        nodeAssociatePublicIpAddress: false,
        endpointPrivateAccess: true,
        endpointPublicAccess: publicCidrs.length > 0,
        ...(publicCidrs.length > 0 ? { publicAccessCidrs: [...publicCidrs] } : {}),
        // EKS checks at create that the cluster role may use the key, which the key policy grants
        // (EksEncryptsSecrets above): the policy-ready ARN makes the cluster wait for the policy.
        // The role is made here, not by eks.Cluster, so the policy can name it first.
        // https://docs.aws.amazon.com/eks/latest/userguide/envelope-encryption.html
        encryptionConfigKeyArn: args.keys.policyReadyKeyArns["user-data"],
        enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
        authenticationMode: eks.AuthenticationMode.Api,
        // Access policies: https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
        // AmazonEKSViewPolicy reads most objects but not Secrets, which a preview has no need of.
        accessEntries: Object.fromEntries([
          ...(args.adminRoleArns ?? []).map((principalArn, index) =>
            accessEntry(`admin${index}`, principalArn, "AmazonEKSClusterAdminPolicy"),
          ),
          ...(args.viewerRoleArns ?? []).map((principalArn, index) =>
            accessEntry(`viewer${index}`, principalArn, "AmazonEKSViewPolicy"),
          ),
        ]),
        serviceRole: clusterRole,
        skipDefaultNodeGroup: true,
        skipDefaultSecurityGroups: true,
        createOidcProvider: false,
        useDefaultVpcCni: true,
        deletionProtection: true,
        tags: { Name: args.clusterName },
      },
      {
        parent: this,
        providers: { aws: awsProvider },
        dependsOn: [clusterPolicy, controlPlaneLogs],
      },
    );
    // The name is known up front; taken through the cluster's URN so users wait for the cluster.
    this.clusterName = cluster.urn.apply(() => args.clusterName);
    this.clusterSecurityGroupId = cluster.clusterSecurityGroupId;
    this.provider = new k8s.Provider(
      name,
      { kubeconfig: cluster.kubeconfigJson, enableServerSideApply: true },
      parent,
    );

    const { role: nodeRole, attachments: nodePolicies } = eksNodeRole(
      `${name}-system-nodes`,
      { context, description: `System nodes of ${args.clusterName}` },
      this,
    );
    const launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-system-nodes`,
      {
        description: `System nodes of ${args.clusterName}`,
        updateDefaultVersion: true,
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: "disabled",
        },
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: {
              volumeSize: nodes.diskGiB,
              volumeType: "gp3",
              encrypted: "true",
              kmsKeyId: userDataKeyArn,
              deleteOnTermination: "true",
            },
          },
        ],
        monitoring: { enabled: true },
        tagSpecifications: [
          { resourceType: "instance", tags: { Name: `${args.clusterName}-system` } },
          { resourceType: "volume", tags: { Name: `${args.clusterName}-system` } },
        ],
      },
      parent,
    );
    const nodeGroup = new aws.eks.NodeGroup(
      `${name}-system`,
      {
        clusterName: args.clusterName,
        nodeRoleArn: nodeRole.arn,
        subnetIds: args.privateSubnetIds,
        amiType: "AL2023_ARM_64_STANDARD",
        capacityType: "ON_DEMAND",
        instanceTypes: [...nodes.instanceTypes],
        scalingConfig: { minSize: nodes.minSize, maxSize: nodes.maxSize, desiredSize },
        updateConfig: { maxUnavailable: 1 },
        nodeRepairConfig: { enabled: true },
        launchTemplate: {
          id: launchTemplate.id,
          version: launchTemplate.latestVersion.apply(String),
        },
        labels: { "knowledgecity.io/node-role": "system" },
        taints: [{ ...SYSTEM_TAINT, effect: "NO_SCHEDULE" }],
      },
      {
        parent: this,
        dependsOn: [cluster, ...nodePolicies],
        ignoreChanges: ["scalingConfig.desiredSize"],
      },
    );

    const podIdentityAgent = new aws.eks.Addon(
      `${name}-pod-identity-agent`,
      {
        clusterName: args.clusterName,
        addonName: "eks-pod-identity-agent",
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "PRESERVE",
      },
      { parent: this, dependsOn: [nodeGroup] },
    );
    const ebsRole = new aws.iam.Role(
      `${name}-ebs-csi`,
      {
        description: "EBS CSI controller (kube-system/ebs-csi-controller-sa)",
        assumeRolePolicy: podIdentityTrustPolicy(context.accountId),
      },
      parent,
    );
    const ebsPolicies = [
      new aws.iam.RolePolicyAttachment(
        `${name}-ebs-csi`,
        {
          role: ebsRole.name,
          policyArn: policy("service-role/AmazonEBSCSIDriverPolicy"),
        },
        parent,
      ),
      new aws.iam.RolePolicy(
        `${name}-ebs-csi-kms`,
        {
          role: ebsRole.id,
          policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "EncryptVolumesWithTheUserDataKey",
                Effect: "Allow",
                Action: [
                  "kms:CreateGrant",
                  "kms:Decrypt",
                  "kms:DescribeKey",
                  "kms:GenerateDataKeyWithoutPlaintext",
                  "kms:ReEncryptFrom",
                  "kms:ReEncryptTo",
                ],
                Resource: userDataKeyArn,
                Condition: {
                  StringEquals: { "kms:ViaService": `ec2.${context.region}.amazonaws.com` },
                },
              },
            ],
          }),
        },
        parent,
      ),
    ];
    const ebsDriver = new aws.eks.Addon(
      `${name}-ebs-csi`,
      {
        clusterName: args.clusterName,
        addonName: "aws-ebs-csi-driver",
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "PRESERVE",
        podIdentityAssociations: [
          { roleArn: ebsRole.arn, serviceAccount: "ebs-csi-controller-sa" },
        ],
      },
      { parent: this, dependsOn: [podIdentityAgent, ...ebsPolicies] },
    );
    const k8sParent = { parent: this, provider: this.provider, dependsOn: [ebsDriver] };
    const storageClass = new k8s.storage.v1.StorageClass(
      `${name}-${ENCRYPTED_STORAGE_CLASS}`,
      {
        metadata: {
          name: ENCRYPTED_STORAGE_CLASS,
          annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
        },
        provisioner: "ebs.csi.aws.com",
        parameters: {
          type: "gp3",
          encrypted: "true",
          kmsKeyId: userDataKeyArn,
          "csi.storage.k8s.io/fstype": "ext4",
        },
        // Volumes of user data outlive their claims: deleting one is a deliberate act.
        reclaimPolicy: "Retain",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
      },
      k8sParent,
    );
    const metricsServer = helmRelease(
      `${name}-metrics-server`,
      {
        source: THIRD_PARTY_CHARTS.metricsServer,
        namespace: "kube-system",
        provider: this.provider,
        dependsOn: [nodeGroup],
        values: {
          replicas: 2,
          podDisruptionBudget: { enabled: true, minAvailable: 1 },
          tolerations: [{ ...SYSTEM_TAINT, operator: "Equal" }],
          nodeSelector: { "knowledgecity.io/node-role": "system" },
        },
      },
      this,
    );
    this.ready = [cluster, nodeGroup, podIdentityAgent, ebsDriver, storageClass, metricsServer];
    this.registerOutputs({
      clusterName: this.clusterName,
      clusterSecurityGroupId: this.clusterSecurityGroupId,
    });
  }

  /**
   * A role for one service account of this cluster through EKS Pod Identity (see `podIdentity`).
   */
  podIdentity(
    name: string,
    args: Omit<Parameters<typeof podIdentity>[1], "clusterName" | "dependsOn">,
    parent: pulumi.Resource,
  ): aws.eks.PodIdentityAssociation {
    return podIdentity(
      name,
      { ...args, clusterName: this.clusterName, dependsOn: this.ready },
      parent,
    );
  }
}

/**
 * What makes the API unreachable by the deploy, or an access entry EKS would refuse: a deploy from
 * outside the VPC with no public CIDR, and a principal given two entries (the deploy role already
 * has the creator's).
 */
function accessProblems(args: KubernetesClusterArgs): string[] {
  const admins = args.adminRoleArns ?? [];
  const viewers = args.viewerRoleArns ?? [];
  const listed = [...admins, ...viewers];
  return [
    ...((args.deployFrom ?? DEFAULT_DEPLOY_FROM) === "cidrs" &&
    (args.publicAccessCidrs ?? []).length === 0
      ? ["deployFrom = cidrs: the endpoint is private only; list publicAccessCidrs"]
      : []),
    ...(args.deployRoleArn !== undefined && listed.includes(args.deployRoleArn)
      ? [
          `deployRoleArn ${args.deployRoleArn}: already cluster-admin as the creator; list it nowhere`,
        ]
      : []),
    ...listed
      .filter((arn, index) => listed.indexOf(arn) !== index)
      .map((arn) => `${arn}: one access entry per principal; listed twice`),
  ];
}

/** The AWS managed policies every EKS node needs: kubelet, the VPC CNI, image pulls and SSM. */
const NODE_POLICIES = [
  "AmazonEKSWorkerNodePolicy",
  "AmazonEKS_CNI_Policy",
  "AmazonEC2ContainerRegistryPullOnly",
  "AmazonSSMManagedInstanceCore",
] as const;

/** An EC2 role for EKS nodes of this account, with the managed policies nodes need. */
export function eksNodeRole(
  name: string,
  args: { readonly context: AwsContext; readonly description: string; readonly roleName?: string },
  parent: pulumi.Resource,
): { role: aws.iam.Role; attachments: aws.iam.RolePolicyAttachment[] } {
  const role = new aws.iam.Role(
    name,
    {
      ...(args.roleName === undefined ? {} : { name: args.roleName }),
      description: args.description,
      assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com", args.context.accountId),
    },
    { parent },
  );
  const attachments = NODE_POLICIES.map(
    (policy) =>
      new aws.iam.RolePolicyAttachment(
        `${name}-${policy}`,
        {
          role: role.name,
          policyArn: `arn:${args.context.partition}:iam::aws:policy/${policy}`,
        },
        { parent },
      ),
  );
  return { role, attachments };
}
