/**
 * The monolith's front: an internet-facing Application Load Balancer (HTTPS only, HTTP
 * redirected, TLS 1.2+, invalid headers dropped, access logs, deletion protection) forwarding to
 * the app's target group.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";
import { ALB_TLS_POLICY } from "../shared/load-balancing";
import { SecureBucket } from "../shared/secure-bucket";
import { APP_PORT } from "./monolith-host";

/**
 * Accounts that deliver load balancer logs in regions older than August 2022; newer regions use
 * the log delivery service principal, which the bucket policy names as well.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 */
const ELB_LOG_ACCOUNTS: Readonly<Record<string, string>> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-2": "797873946194",
  "eu-west-1": "156460612806",
  "me-south-1": "076674570225",
};

/** Arguments of `createLoadBalancer`. */
export interface LoadBalancerArgs {
  /** The account and region: the log delivery account depends on the region. */
  readonly context: AwsContext;
  /** The VPC of the load balancer and the target group. */
  readonly vpcId: pulumi.Input<string>;
  /** The VPC's range, the only place the load balancer sends to. */
  readonly vpcCidr: string;
  /** Where the internet-facing load balancer is. */
  readonly publicSubnetIds: pulumi.Input<string[]>;
  /** The HTTPS listener's certificate. */
  readonly certificateArn: pulumi.Input<string>;
  /** Path of the target group's health check. */
  readonly healthCheckPath: string;
}

/** What `createLoadBalancer` creates. */
export interface LoadBalancer {
  /** The load balancer's security group, which the instances admit. */
  readonly securityGroup: aws.ec2.SecurityGroup;
  /** The load balancer the API hostnames point at. */
  readonly loadBalancer: aws.lb.LoadBalancer;
  /** Where the Auto Scaling group registers its instances. */
  readonly targetGroup: aws.lb.TargetGroup;
}

/** The load balancer `${name}-alb`, its logs, listeners and the target group `${name}-app`. */
export function createLoadBalancer(
  name: string,
  args: LoadBalancerArgs,
  parent: pulumi.Resource,
): LoadBalancer {
  const { accountId, partition, region } = args.context;
  const opts = { parent };
  const securityGroup = new aws.ec2.SecurityGroup(
    `${name}-alb`,
    {
      vpcId: args.vpcId,
      description: "Monolith load balancer: HTTPS (and HTTP, redirected) from anywhere",
      ingress: [443, 80].map((port) => ({
        description: port === 443 ? "HTTPS" : "HTTP, redirected to HTTPS",
        protocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrBlocks: ["0.0.0.0/0"],
        ipv6CidrBlocks: ["::/0"],
      })),
      egress: [
        {
          description: "To the app",
          protocol: "tcp",
          fromPort: APP_PORT,
          toPort: APP_PORT,
          cidrBlocks: [args.vpcCidr],
        },
      ],
      tags: { Name: `${name}-alb` },
    },
    opts,
  );

  const logDeliveryAccount = ELB_LOG_ACCOUNTS[region];
  const logPrefix = `alb/AWSLogs/${accountId}/`;
  const logs = new SecureBucket(
    `${name}-alb-logs`,
    {
      dataClass: "telemetry",
      // Load balancer access logs can only be delivered to SSE-S3 buckets.
      encryption: "s3-managed",
      lifecycleRules: [
        { id: "expire-access-logs", status: "Enabled", filter: {}, expiration: { days: 365 } },
      ],
      statements: [
        {
          Sid: "LoadBalancerWritesItsLogs",
          Principal:
            logDeliveryAccount === undefined
              ? { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }
              : { AWS: `arn:${partition}:iam::${logDeliveryAccount}:root` },
          Action: "s3:PutObject",
          objectPrefix: logPrefix,
        },
      ],
    },
    opts,
  );

  const loadBalancer = new aws.lb.LoadBalancer(
    `${name}-alb`,
    {
      loadBalancerType: "application",
      internal: false,
      subnets: args.publicSubnetIds,
      securityGroups: [securityGroup.id],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: true,
      idleTimeout: 60,
      accessLogs: { bucket: logs.bucketName, prefix: "alb", enabled: true },
      tags: { Name: `${name}-alb` },
    },
    { parent, dependsOn: [logs] },
  );
  const targetGroup = new aws.lb.TargetGroup(
    `${name}-app`,
    {
      vpcId: args.vpcId,
      targetType: "instance",
      port: APP_PORT,
      protocol: "HTTP",
      deregistrationDelay: 30,
      healthCheck: {
        path: args.healthCheckPath,
        matcher: "200",
        interval: 15,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
    },
    opts,
  );
  new aws.lb.Listener(
    `${name}-http`,
    {
      loadBalancerArn: loadBalancer.arn,
      port: 80,
      protocol: "HTTP",
      defaultActions: [
        { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
      ],
    },
    opts,
  );
  new aws.lb.Listener(
    `${name}-https`,
    {
      loadBalancerArn: loadBalancer.arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy: ALB_TLS_POLICY,
      certificateArn: args.certificateArn,
      defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
    },
    opts,
  );
  return { securityGroup, loadBalancer, targetGroup };
}
