import * as pulumi from "@pulumi/pulumi";
import type { DataKeys } from "../security/data-keys";
import { validatedCertificate } from "../shared/certificate";
import type { AwsContext } from "../shared/context";
import type { AliasTarget } from "../shared/load-balancing";
import type { LogRetentionDays } from "../shared/logs";
import { SecureBucket } from "../shared/secure-bucket";
import { createInstances } from "./monolith-instances";
import { createLoadBalancer } from "./monolith-load-balancer";
import { createMessaging } from "./monolith-messaging";
import {
  runtimeEnvironment,
  runtimePermissions,
  stackPermissions,
  type MonolithBackends,
  type MonolithUserStore,
} from "./monolith-runtime";
import { monolithArgsProblems, resolveMonolithArgs } from "./monolith-args";
import { createWaf } from "./monolith-waf";

/** Arguments of `Monolith`. */
export interface MonolithArgs {
  /** The account and region the stack deploys to. */
  readonly context: AwsContext;
  /** The stack's name, in the release parameter's path. */
  readonly stack: string;
  /** The API's hostnames; the first is the certificate's name, the others its alternatives. */
  readonly hostnames: readonly string[];
  /**
   * The API's certificate: issued here and validated through this Route 53 zone, or an existing
   * ACM certificate when the stack's DNS is managed elsewhere.
   */
  readonly certificate:
    { readonly hostedZoneId: pulumi.Input<string> } | { readonly certificateArn: string };
  /** The VPC the load balancer and the instances are in. */
  readonly vpcId: pulumi.Input<string>;
  /** The VPC's range: the load balancer sends only there, and an Aurora user store listens there. */
  readonly vpcCidr: string;
  /** Where the internet-facing load balancer is. */
  readonly publicSubnetIds: pulumi.Input<string[]>;
  /** Where the instances run. */
  readonly privateSubnetIds: pulumi.Input<string[]>;
  /** The stack's keys: user data for the queue, topic and volumes; telemetry for logs. */
  readonly keys: DataKeys;
  /**
   * ARN of the account's Auto Scaling service-linked role (AWSServiceRoleForAutoScaling), from
   * the resource that creates it or the lookup that finds it (`accountServiceRoles`): the
   * user-data key policy names it, and KMS refuses a policy naming a role that does not exist.
   */
  readonly autoScalingRoleArn: pulumi.Input<string>;
  /** Amazon Linux 2023 image (arm64), resolved from the public SSM parameter. */
  readonly imageId: string;
  /** The functions the app calls: it may invoke these, and learns their names from its environment. */
  readonly backends: MonolithBackends;
  /** The region's user store, which the app reads and writes. */
  readonly userStore: MonolithUserStore;
  /**
   * Instance type; Graviton, to match the arm64 image.
   * @default MONOLITH_DEFAULTS.instanceType ("m7g.large")
   */
  readonly instanceType?: string;
  /** Fewest instances in the group; at most `maxSize`. @default MONOLITH_DEFAULTS.minSize (2) */
  readonly minSize?: number;
  /** Most instances in the group. @default MONOLITH_DEFAULTS.maxSize (6) */
  readonly maxSize?: number;
  /**
   * Instances at creation, from `minSize` to `maxSize`; scaling owns it afterwards
   * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-capacity-limits.html).
   * @default minSize
   */
  readonly desiredCapacity?: number;
  /**
   * Average CPU the group keeps, in percent, by target tracking
   * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html).
   * @default MONOLITH_DEFAULTS.cpuTargetPercent (60)
   */
  readonly cpuTargetPercent?: number;
  /**
   * Average memory use the group keeps, in percent (the CloudWatch agent's metric).
   * @default MONOLITH_DEFAULTS.memoryTargetPercent (70)
   */
  readonly memoryTargetPercent?: number;
  /**
   * Path the load balancer checks the app on; it answers 200 when healthy.
   * @default MONOLITH_DEFAULTS.healthCheckPath ("/health")
   */
  readonly healthCheckPath?: string;
  /**
   * Requests per five minutes one IP may send before the WAF blocks it
   * (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html).
   * @default MONOLITH_DEFAULTS.rateLimitPerFiveMinutes (2000)
   */
  readonly rateLimitPerFiveMinutes?: number;
  /**
   * Path prefixes (`/api/`: starting and ending with `/`, at most 10) whose requests may carry
   * bodies over 8 KB. The WAF's Common rule set blocks larger bodies on every other path; behind
   * the ALB, WAF inspects only the first 8 KB of any body
   * (https://docs.aws.amazon.com/waf/latest/developerguide/web-request-body-inspection.html).
   * `[]` keeps the limit everywhere.
   * @default ["/api/"]
   */
  readonly largeBodyPathPrefixes?: readonly string[];
  /** How long the WAF's logs are kept. @default 365 */
  readonly logRetentionDays?: LogRetentionDays;
}

/** What the platform's alarms and dashboard watch in the monolith. */
export interface MonolithSignals {
  /** The load balancer and its target group, by their CloudWatch dimensions. */
  readonly loadBalancer: {
    readonly arnSuffix: pulumi.Output<string>;
    readonly targetGroupArnSuffix: pulumi.Output<string>;
  };
  /** The instances' group and the fewest instances it should have in service. */
  readonly autoScalingGroup: { readonly name: pulumi.Output<string>; readonly minSize: number };
  /** The work queue, by name. */
  readonly queueName: pulumi.Output<string>;
  /** The work queue's dead-letter queue, by name. */
  readonly deadLetterQueueName: pulumi.Output<string>;
}

/**
 * The PHP monolith of one region: an internet-facing ALB (HTTPS only, HTTP redirected, TLS 1.2+,
 * access logs, deletion protection) behind a regional WAF, in front of an Auto Scaling group of
 * Amazon Linux 2023 instances in the private subnets (IMDSv2 only, encrypted gp3 volumes, SSM
 * instead of SSH, rolling instance refresh) scaling on CPU and on memory; the SQS work queue (with
 * a dead-letter queue) and the SNS topic the app uses, encrypted with the stack's user-data key
 * because messages can carry user data. The app may invoke exactly its backend functions and
 * read and write its region's user store, and its environment names them.
 */
export class Monolith extends pulumi.ComponentResource {
  public readonly signals: MonolithSignals;
  /** Where each of the API's hostnames must point (its DNS alias target). */
  public readonly targets: Readonly<Record<string, AliasTarget>>;
  public readonly workQueueUrl: pulumi.Output<string>;
  public readonly deadLetterQueueUrl: pulumi.Output<string>;
  public readonly topicArn: pulumi.Output<string>;
  /** Bucket CI uploads release archives to. */
  public readonly releasesBucketName: pulumi.Output<string>;
  /** SSM parameter CI sets to the release the instances run. */
  public readonly releaseParameterName: pulumi.Output<string>;
  /** Security group of the app's instances, for the user store to admit. */
  public readonly computeSecurityGroupId: pulumi.Output<string>;
  /** The instances' role: what calls the backends and exports learning events to the data lake. */
  public readonly computeRoleArn: pulumi.Output<string>;
  public readonly healthCheckPath: string;

  constructor(name: string, args: MonolithArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:app:Monolith", name, {}, opts);
    const settings = resolveMonolithArgs(args);
    const problems = monolithArgsProblems(settings, args.hostnames);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }
    const { context, keys } = args;
    const userDataKey = keys.keyArns["user-data"];

    const certificateArn = createCertificate(name, args, this);
    const messaging = createMessaging(name, { keyArn: userDataKey }, this);
    const releases = new SecureBucket(
      `${name}-releases`,
      { dataClass: "content", encryption: { kmsKeyArn: keys.keyArns.content } },
      { parent: this },
    );
    const runtime = {
      context,
      stack: args.stack,
      workQueueUrl: messaging.queue.url,
      topicArn: messaging.topic.arn,
      backends: args.backends,
      userStore: args.userStore,
    };
    const front = createLoadBalancer(
      name,
      {
        context,
        vpcId: args.vpcId,
        vpcCidr: args.vpcCidr,
        publicSubnetIds: args.publicSubnetIds,
        certificateArn,
        healthCheckPath: settings.healthCheckPath,
      },
      this,
    );
    createWaf(
      name,
      {
        region: context.region,
        loadBalancerArn: front.loadBalancer.arn,
        rateLimitPerFiveMinutes: settings.rateLimitPerFiveMinutes,
        largeBodyPathPrefixes: settings.largeBodyPathPrefixes,
        logsKeyArn: keys.policyReadyKeyArns.telemetry,
        logRetentionDays: settings.logRetentionDays,
      },
      this,
    );
    const instances = createInstances(
      name,
      {
        context,
        stack: args.stack,
        vpcId: args.vpcId,
        vpcCidr: args.vpcCidr,
        privateSubnetIds: args.privateSubnetIds,
        keys,
        autoScalingRoleArn: args.autoScalingRoleArn,
        imageId: args.imageId,
        settings,
        userStore: args.userStore,
        loadBalancerSecurityGroupId: front.securityGroup.id,
        targetGroupArn: front.targetGroup.arn,
        releasesBucketName: releases.bucketName,
        appPermissions: [
          ...stackPermissions({
            region: context.region,
            workQueueArn: messaging.queue.arn,
            topicArn: messaging.topic.arn,
            userDataKeyArn: userDataKey,
            releasesBucketArn: releases.arn,
            contentKeyArn: keys.keyArns.content,
          }),
          ...runtimePermissions(runtime),
        ],
        environment: runtimeEnvironment(runtime),
      },
      this,
    );

    this.healthCheckPath = settings.healthCheckPath;
    this.workQueueUrl = messaging.queue.url;
    this.deadLetterQueueUrl = messaging.deadLetterQueue.url;
    this.topicArn = messaging.topic.arn;
    this.releasesBucketName = releases.bucketName;
    // Every hostname points at the load balancer.
    const target: AliasTarget = {
      dnsName: front.loadBalancer.dnsName,
      zoneId: front.loadBalancer.zoneId,
    };
    this.targets = Object.fromEntries(args.hostnames.map((hostname) => [hostname, target]));
    this.computeSecurityGroupId = instances.securityGroup.id;
    this.computeRoleArn = instances.role.arn;
    this.releaseParameterName = instances.releaseParameter.name;
    this.signals = {
      loadBalancer: {
        arnSuffix: front.loadBalancer.arnSuffix,
        targetGroupArnSuffix: front.targetGroup.arnSuffix,
      },
      autoScalingGroup: { name: instances.group.name, minSize: settings.minSize },
      queueName: messaging.queue.name,
      deadLetterQueueName: messaging.deadLetterQueue.name,
    };
    this.registerOutputs({ workQueueUrl: this.workQueueUrl, topicArn: this.topicArn });
  }
}

/** The API's certificate: the one given, or one issued here and validated through DNS. */
function createCertificate(
  name: string,
  args: MonolithArgs,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  if ("certificateArn" in args.certificate) {
    return pulumi.output(args.certificate.certificateArn);
  }
  return validatedCertificate(
    `${name}-api`,
    { hostnames: args.hostnames, hostedZoneId: args.certificate.hostedZoneId },
    parent,
  );
}
