import * as pulumi from "@pulumi/pulumi";
import type { DataKeys } from "../security/data-keys";
import type { AwsContext } from "../shared/context";
import type { LogRetentionDays } from "../shared/logs";
import { ExternalDns } from "./external-dns";
import { Karpenter, type NodePoolName, type NodePoolSettings } from "./karpenter";
import {
  KubernetesCluster,
  type KubernetesVersion,
  type SystemNodeSettings,
} from "./kubernetes-cluster";
import { LoadBalancerController } from "./load-balancer-controller";

/** How the region's EKS platform is configured. */
export interface KubernetesPlatformSettings {
  /** The EKS Kubernetes version. https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html */
  readonly kubernetesVersion: KubernetesVersion;
  /** CIDRs allowed to reach the public API endpoint; empty keeps the endpoint private. */
  readonly publicAccessCidrs: readonly string[];
  /** IAM roles with cluster-admin access (the platform team). */
  readonly adminRoleArns: readonly string[];
  /** Where `pulumi up` reaches the API from (see KubernetesClusterArgs.deployFrom). */
  readonly deployFrom: "vpc" | "cidrs";
  /** The role `pulumi up` runs as: cluster-admin as the cluster's creator. */
  readonly deployRoleArn?: string;
  /** The role `pulumi preview` runs as: read-only access. */
  readonly previewRoleArn?: string;
  /** The managed node group that runs the controllers (Karpenter, the load balancer controller). */
  readonly systemNodes: SystemNodeSettings;
  /** Karpenter's node pools, one per workload kind. */
  readonly nodePools: Readonly<Record<NodePoolName, NodePoolSettings>>;
}

/** Arguments of `KubernetesPlatform`. */
export interface KubernetesPlatformArgs {
  readonly context: AwsContext;
  /** The EKS cluster's name (at most 100 characters). */
  readonly clusterName: string;
  readonly keys: DataKeys;
  readonly settings: KubernetesPlatformSettings;
  readonly vpcId: pulumi.Input<string>;
  /** Where the nodes run: the private subnets. */
  readonly privateSubnetIds: pulumi.Input<string[]>;
  /** The public hosted zone ExternalDNS writes Service and Ingress records into. */
  readonly hostedZoneId: pulumi.Input<string>;
  /** The domain ExternalDNS may write records under. */
  readonly domain: string;
  /** @default 365 */
  readonly logRetentionDays?: LogRetentionDays;
  /**
   * The URN of the component these resources were created under before the platform became a
   * component of its own (the analytics cluster). An alias to it keeps every resource in state
   * instead of replacing the cluster. https://www.pulumi.com/docs/iac/concepts/options/aliases/
   * @default no alias
   */
  readonly formerParentUrn?: pulumi.Input<string>;
}

/**
 * The region's EKS platform that the analytics cluster, the microservices and Prometheus run on:
 * the cluster with its system node group, Karpenter for workload nodes, the AWS Load Balancer
 * Controller and ExternalDNS. The root hands it to each domain that schedules work on it.
 */
export class KubernetesPlatform extends pulumi.ComponentResource {
  public readonly cluster: KubernetesCluster;
  public readonly karpenter: Karpenter;
  /** The load balancer controller's release: TargetGroupBindings and Ingresses wait for it. */
  public readonly loadBalancerController: LoadBalancerController;
  /** ExternalDNS: the release that hostnames of Services and Ingresses wait for. */
  public readonly externalDns: ExternalDns;

  constructor(name: string, args: KubernetesPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:kubernetes:KubernetesPlatform", name, {}, opts);
    const { context, settings, clusterName } = args;
    const child: pulumi.CustomResourceOptions = {
      parent: this,
      ...(args.formerParentUrn === undefined
        ? {}
        : { aliases: [{ parent: args.formerParentUrn }] }),
    };

    this.cluster = new KubernetesCluster(
      `${name}-eks`,
      {
        context,
        clusterName,
        version: settings.kubernetesVersion,
        vpcId: args.vpcId,
        privateSubnetIds: args.privateSubnetIds,
        publicAccessCidrs: settings.publicAccessCidrs,
        adminRoleArns: settings.adminRoleArns,
        deployFrom: settings.deployFrom,
        ...(settings.deployRoleArn === undefined ? {} : { deployRoleArn: settings.deployRoleArn }),
        viewerRoleArns: settings.previewRoleArn === undefined ? [] : [settings.previewRoleArn],
        keys: args.keys,
        systemNodes: settings.systemNodes,
        ...(args.logRetentionDays === undefined ? {} : { logRetentionDays: args.logRetentionDays }),
      },
      child,
    );
    this.karpenter = new Karpenter(
      `${name}-karpenter`,
      {
        context,
        cluster: this.cluster,
        clusterName,
        privateSubnetIds: args.privateSubnetIds,
        keys: args.keys,
        pools: settings.nodePools,
      },
      child,
    );
    this.loadBalancerController = new LoadBalancerController(
      `${name}-lbc`,
      { context, cluster: this.cluster, clusterName, vpcId: args.vpcId },
      child,
    );
    this.externalDns = new ExternalDns(
      `${name}-dns`,
      {
        context,
        cluster: this.cluster,
        clusterName,
        hostedZoneId: args.hostedZoneId,
        domain: args.domain,
      },
      child,
    );
    this.registerOutputs({ clusterName: this.cluster.clusterName });
  }
}
