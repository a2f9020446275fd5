/**
 * The API gateway's way in from AWS: an internal network load balancer owned here, reachable
 * only from the API's VPC link, bound to the gateway's Service by a TargetGroupBinding.
 * https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/targetgroupbinding/targetgroupbinding/
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { KubernetesCluster } from "../kubernetes/kubernetes-cluster";
import { API_GATEWAY_NAME, CONSUL_NAMESPACE, GATEWAY_PORT } from "./mesh";
import type { SettledService } from "./service-definition";
import { namespacedCustomResource } from "../kubernetes/custom-resource";

/** `elbv2.k8s.aws/v1beta1` TargetGroupBinding of the AWS Load Balancer Controller. */
export interface TargetGroupBindingSpec {
  readonly serviceRef: { readonly name: string; readonly port: number };
  readonly targetGroupARN: pulumi.Input<string>;
  readonly targetType: "ip" | "instance";
}

/** Arguments of `createGatewayLoadBalancer`. */
export interface GatewayLoadBalancerArgs {
  /** Tags the security groups `<stack>-services-nlb` and `<stack>-services-vpc-link`. */
  readonly stack: string;
  /** The cluster of the gateway pods (its security group, its provider). */
  readonly cluster: KubernetesCluster;
  /** The VPC of the load balancer, its target group and the security groups. */
  readonly vpcId: pulumi.Input<string>;
  /** Where the load balancer lives. */
  readonly privateSubnetIds: pulumi.Input<string[]>;
  /** The gateway, whose Service the binding names. */
  readonly gateway: pulumi.Resource;
  /** Every service, once settled: partner access turns PrivateLink inbound rules off. */
  readonly services: Promise<readonly SettledService[]>;
  /** What the binding waits for: the load balancer controller's release. */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** What `createGatewayLoadBalancer` creates that the APIs reach the gateway through. */
export interface GatewayLoadBalancer {
  readonly loadBalancer: aws.lb.LoadBalancer;
  /** The TCP listener the HTTP API's integration names. */
  readonly listener: aws.lb.Listener;
  /** The group of the HTTP API's VPC link, the only one the load balancer admits. */
  readonly vpcLinkSecurityGroupId: pulumi.Output<string>;
}

/** A rule between two groups on the gateway's port. */
interface GatewayPortRule {
  readonly direction: "ingress" | "egress";
  readonly securityGroupId: pulumi.Input<string>;
  readonly referencedSecurityGroupId: pulumi.Input<string>;
  readonly description: string;
}

/** The gateway's internal load balancer: reachable only from the VPC link's group. */
export function createGatewayLoadBalancer(
  name: string,
  args: GatewayLoadBalancerArgs,
  parent: pulumi.Resource,
): GatewayLoadBalancer {
  const { cluster } = args;
  const opts = { parent };
  const loadBalancerGroup = new aws.ec2.SecurityGroup(
    `${name}-nlb`,
    {
      vpcId: args.vpcId,
      description: "Services gateway load balancer: from the API's VPC link only",
      tags: { Name: `${args.stack}-services-nlb` },
    },
    opts,
  );
  const vpcLinkGroup = new aws.ec2.SecurityGroup(
    `${name}-vpc-link`,
    {
      vpcId: args.vpcId,
      description: "HTTP API VPC link: to the services load balancer only",
      tags: { Name: `${args.stack}-services-vpc-link` },
    },
    opts,
  );
  const rule = (ruleName: string, rule: GatewayPortRule): void => {
    const ruleArgs = {
      securityGroupId: rule.securityGroupId,
      referencedSecurityGroupId: rule.referencedSecurityGroupId,
      ipProtocol: "tcp",
      fromPort: GATEWAY_PORT,
      toPort: GATEWAY_PORT,
      description: rule.description,
    };
    if (rule.direction === "ingress") {
      new aws.vpc.SecurityGroupIngressRule(`${name}-${ruleName}`, ruleArgs, opts);
    } else {
      new aws.vpc.SecurityGroupEgressRule(`${name}-${ruleName}`, ruleArgs, opts);
    }
  };
  rule("vpc-link-to-nlb", {
    direction: "egress",
    securityGroupId: vpcLinkGroup.id,
    referencedSecurityGroupId: loadBalancerGroup.id,
    description: "To the gateway NLB",
  });
  rule("nlb-from-vpc-link", {
    direction: "ingress",
    securityGroupId: loadBalancerGroup.id,
    referencedSecurityGroupId: vpcLinkGroup.id,
    description: "From the VPC link",
  });
  rule("nlb-to-gateway", {
    direction: "egress",
    securityGroupId: loadBalancerGroup.id,
    referencedSecurityGroupId: cluster.clusterSecurityGroupId,
    description: "To the API gateway pods",
  });
  rule("gateway-from-nlb", {
    direction: "ingress",
    securityGroupId: cluster.clusterSecurityGroupId,
    referencedSecurityGroupId: loadBalancerGroup.id,
    description: "API gateway pods from their load balancer",
  });
  const loadBalancer = new aws.lb.LoadBalancer(
    `${name}-gateway`,
    {
      loadBalancerType: "network",
      internal: true,
      subnets: args.privateSubnetIds,
      securityGroups: [loadBalancerGroup.id],
      enableDeletionProtection: true,
      enableCrossZoneLoadBalancing: true,
      // The partner REST APIs' VPC link reaches the NLB over PrivateLink, which carries no
      // source the group could name: that path skips the inbound rules, and only then.
      enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: args.services.then((services) =>
        services.some((service) => (service.definition.apiKeyClients ?? []).length > 0)
          ? "off"
          : "on",
      ),
    },
    opts,
  );
  const targetGroup = new aws.lb.TargetGroup(
    `${name}-gateway`,
    {
      vpcId: args.vpcId,
      targetType: "ip",
      protocol: "TCP",
      port: GATEWAY_PORT,
      deregistrationDelay: 30,
      healthCheck: { protocol: "TCP", port: "traffic-port" },
    },
    opts,
  );
  const listener = new aws.lb.Listener(
    `${name}-gateway`,
    {
      loadBalancerArn: loadBalancer.arn,
      port: GATEWAY_PORT,
      protocol: "TCP",
      defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
    },
    opts,
  );
  const binding: TargetGroupBindingSpec = {
    serviceRef: { name: API_GATEWAY_NAME, port: GATEWAY_PORT },
    targetGroupARN: targetGroup.arn,
    targetType: "ip",
  };
  namespacedCustomResource(
    `${name}-gateway-binding`,
    {
      apiVersion: "elbv2.k8s.aws/v1beta1",
      kind: "TargetGroupBinding",
      name: API_GATEWAY_NAME,
      namespace: CONSUL_NAMESPACE,
      spec: binding,
    },
    { parent, provider: cluster.provider, dependsOn: [args.gateway, ...args.dependsOn] },
  );
  return { loadBalancer, listener, vpcLinkSecurityGroupId: vpcLinkGroup.id };
}
