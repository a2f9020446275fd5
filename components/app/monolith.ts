import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { validatedCertificate } from "../shared/certificate";
import type { AwsContext } from "../shared/context";
import type { DataKeys } from "../security/data-keys";
import { volumeLauncherKeyUsers } from "../security/key-policies";
import { DEFAULT_LOG_RETENTION_DAYS, type LogRetentionDays } from "../shared/logs";
import { bootScript, cloudWatchAgentConfig, MEMORY_METRIC } from "./monolith-host";
import {
  runtimeEnvironment,
  runtimePermissions,
  type MonolithBackends,
  type MonolithUserStore,
} from "./monolith-runtime";
import { SecureBucket } from "../shared/secure-bucket";
import { ALB_TLS_POLICY, type AliasTarget } from "../shared/load-balancing";
import { dataTags } from "../shared/tags";
import { largeBodyPathPrefixProblems, webAclRules } from "../security/waf-rules";

/**
 * Accounts that deliver load balancer logs in regions older than August 2022; newer regions use
 * the log delivery service principal, which the bucket policy names as well.
 */
const ELB_LOG_ACCOUNTS: Readonly<Record<string, string>> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-2": "797873946194",
  "eu-west-1": "156460612806",
  "me-south-1": "076674570225",
};

/** Arguments of `Monolith`. */
export interface MonolithArgs {
  readonly context: AwsContext;
  readonly stack: string;
  /** The API's hostnames; the first is the certificate's name, the others its alternatives. */
  readonly hostnames: readonly string[];
  /**
   * The API's certificate: issued here and validated through this Route 53 zone, or an existing
   * ACM certificate when the stack's DNS is managed elsewhere.
   */
  readonly certificate:
    { readonly hostedZoneId: pulumi.Input<string> } | { readonly certificateArn: string };
  readonly vpcId: pulumi.Input<string>;
  readonly vpcCidr: string;
  readonly publicSubnetIds: pulumi.Input<string[]>;
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
  /** @default "m7g.large" */
  readonly instanceType?: string;
  /** @default 2 */
  readonly minSize?: number;
  /** @default 6 */
  readonly maxSize?: number;
  /** @default minSize */
  readonly desiredCapacity?: number;
  /** Average CPU the group keeps, in percent. @default 60 */
  readonly cpuTargetPercent?: number;
  /** Average memory use the group keeps, in percent. @default 70 */
  readonly memoryTargetPercent?: number;
  /** @default "/health" */
  readonly healthCheckPath?: string;
  /** Requests per five minutes one IP may send before the WAF blocks it. @default 2000 */
  readonly rateLimitPerFiveMinutes?: number;
  /**
   * Path prefixes (`/api/`: starting and ending with `/`, at most 10) whose requests may carry
   * bodies over 8 KB. The WAF's Common rule set blocks larger bodies on every other path; behind
   * the ALB, WAF inspects only the first 8 KB of any body. `[]` keeps the limit everywhere.
   * @default ["/api/"]
   */
  readonly largeBodyPathPrefixes?: readonly string[];
  /** @default 365 */
  readonly logRetentionDays?: LogRetentionDays;
}

const APP_PORT = 8080;

/** Where the monolith's API takes request bodies over 8 KB. */
export const DEFAULT_LARGE_BODY_PATH_PREFIXES: readonly string[] = ["/api/"];

/** What the platform's alarms and dashboard watch in the monolith. */
export interface MonolithSignals {
  /** The load balancer and its target group, by their CloudWatch dimensions. */
  readonly loadBalancer: {
    readonly arnSuffix: pulumi.Output<string>;
    readonly targetGroupArnSuffix: pulumi.Output<string>;
  };
  /** The instances' group and the fewest instances it should have in service. */
  readonly autoScalingGroup: { readonly name: pulumi.Output<string>; readonly minSize: number };
  readonly queueName: pulumi.Output<string>;
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
    const settings = {
      instanceType: args.instanceType ?? "m7g.large",
      minSize: args.minSize ?? 2,
      maxSize: args.maxSize ?? 6,
      cpuTargetPercent: args.cpuTargetPercent ?? 60,
      memoryTargetPercent: args.memoryTargetPercent ?? 70,
      healthCheckPath: args.healthCheckPath ?? "/health",
      rateLimitPerFiveMinutes: args.rateLimitPerFiveMinutes ?? 2000,
      largeBodyPathPrefixes: args.largeBodyPathPrefixes ?? DEFAULT_LARGE_BODY_PATH_PREFIXES,
      logRetentionDays: args.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    };
    const desiredCapacity = args.desiredCapacity ?? settings.minSize;
    const problems = [
      settings.minSize > settings.maxSize
        ? `minSize ${settings.minSize} is larger than maxSize ${settings.maxSize}`
        : undefined,
      desiredCapacity < settings.minSize || desiredCapacity > settings.maxSize
        ? `desiredCapacity ${desiredCapacity} is outside minSize..maxSize (${settings.minSize}..${settings.maxSize})`
        : undefined,
      args.hostnames.length === 0 ? "at least one hostname is needed" : undefined,
      ...largeBodyPathPrefixProblems(settings.largeBodyPathPrefixes),
    ].filter((problem): problem is string => problem !== undefined);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }
    const parent = { parent: this };
    const userDataKey = args.keys.keyArns["user-data"];

    const certificate = createCertificate(name, args, this);
    const messaging = createMessaging(name, userDataKey, this);
    const releases = new SecureBucket(
      `${name}-releases`,
      { dataClass: "content", encryption: { kmsKeyArn: args.keys.keyArns.content } },
      parent,
    );

    const appPermissions: aws.iam.PolicyStatement[] = [
      {
        Sid: "UseTheWorkQueue",
        Effect: "Allow",
        Action: [
          "sqs:SendMessage",
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:ChangeMessageVisibility",
          "sqs:GetQueueAttributes",
        ],
        Resource: [messaging.queue.arn],
      },
      { Sid: "Notify", Effect: "Allow", Action: ["sns:Publish"], Resource: [messaging.topic.arn] },
      {
        Sid: "MessagesAreEncrypted",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: [userDataKey],
        Condition: {
          StringEquals: {
            "kms:ViaService": [
              `sqs.${args.context.region}.amazonaws.com`,
              `sns.${args.context.region}.amazonaws.com`,
            ],
          },
        },
      },
      {
        Sid: "ReadReleases",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: [pulumi.interpolate`${releases.arn}/*`],
      },
      {
        Sid: "ReleasesAreEncrypted",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [args.keys.keyArns.content],
        Condition: {
          StringEquals: { "kms:ViaService": `s3.${args.context.region}.amazonaws.com` },
        },
      },
    ];

    const runtime = {
      context: args.context,
      stack: args.stack,
      workQueueUrl: messaging.queue.url,
      topicArn: messaging.topic.arn,
      backends: args.backends,
      userStore: args.userStore,
    };
    appPermissions.push(...runtimePermissions(runtime));

    this.healthCheckPath = settings.healthCheckPath;
    this.workQueueUrl = messaging.queue.url;
    this.deadLetterQueueUrl = messaging.deadLetterQueue.url;
    this.topicArn = messaging.topic.arn;
    this.releasesBucketName = releases.bucketName;

    const ec2 = createEc2(
      name,
      args,
      { ...settings, desiredCapacity },
      certificate,
      releases,
      appPermissions,
      runtimeEnvironment(runtime),
      this,
    );
    // Every hostname points at the load balancer.
    this.targets = Object.fromEntries(args.hostnames.map((hostname) => [hostname, ec2.target]));
    this.computeSecurityGroupId = ec2.instanceSecurityGroupId;
    this.computeRoleArn = ec2.roleArn;
    this.releaseParameterName = ec2.releaseParameterName;
    this.signals = {
      loadBalancer: ec2.loadBalancer,
      autoScalingGroup: { name: ec2.groupName, minSize: settings.minSize },
      queueName: messaging.queue.name,
      deadLetterQueueName: messaging.deadLetterQueue.name,
    };
    this.registerOutputs({ workQueueUrl: this.workQueueUrl, topicArn: this.topicArn });
  }
}

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

function createMessaging(name: string, keyArn: pulumi.Output<string>, parent: pulumi.Resource) {
  const deadLetterQueue = new aws.sqs.Queue(
    `${name}-work-dlq`,
    {
      kmsMasterKeyId: keyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: 1_209_600,
      tags: dataTags("user-data"),
    },
    { parent },
  );
  const queue = new aws.sqs.Queue(
    `${name}-work`,
    {
      kmsMasterKeyId: keyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      visibilityTimeoutSeconds: 300,
      messageRetentionSeconds: 345_600,
      receiveWaitTimeSeconds: 20,
      // A message that fails five times goes to the dead-letter queue instead of being lost.
      redrivePolicy: pulumi.jsonStringify({
        deadLetterTargetArn: deadLetterQueue.arn,
        maxReceiveCount: 5,
      }),
      tags: dataTags("user-data"),
    },
    { parent },
  );
  new aws.sqs.RedriveAllowPolicy(
    `${name}-work-dlq`,
    {
      queueUrl: deadLetterQueue.url,
      redriveAllowPolicy: pulumi.jsonStringify({
        redrivePermission: "byQueue",
        sourceQueueArns: [queue.arn],
      }),
    },
    { parent },
  );
  for (const [role, target] of [
    ["work", queue],
    ["work-dlq", deadLetterQueue],
  ] as const) {
    new aws.sqs.QueuePolicy(
      `${name}-${role}`,
      {
        queueUrl: target.url,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [denyWithoutTls("sqs:*", target.arn)],
        }),
      },
      { parent },
    );
  }
  const topic = new aws.sns.Topic(
    `${name}-notifications`,
    { kmsMasterKeyId: keyArn, tags: dataTags("user-data") },
    { parent },
  );
  new aws.sns.TopicPolicy(
    `${name}-notifications`,
    {
      arn: topic.arn,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [denyWithoutTls("sns:Publish", topic.arn)],
      }),
    },
    { parent },
  );
  return { queue, deadLetterQueue, topic };
}

function denyWithoutTls(action: string, resource: pulumi.Input<string>) {
  return {
    Sid: "DenyAnythingButTls",
    Effect: "Deny",
    Principal: "*",
    Action: action,
    Resource: resource,
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

interface Ec2Settings {
  readonly instanceType: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  readonly cpuTargetPercent: number;
  readonly memoryTargetPercent: number;
  readonly healthCheckPath: string;
  readonly rateLimitPerFiveMinutes: number;
  readonly largeBodyPathPrefixes: readonly string[];
  readonly logRetentionDays: LogRetentionDays;
}

function createEc2(
  name: string,
  args: MonolithArgs,
  settings: Ec2Settings,
  certificateArn: pulumi.Output<string>,
  releases: SecureBucket,
  appPermissions: aws.iam.PolicyStatement[],
  environment: Readonly<Record<string, pulumi.Input<string>>>,
  parent: pulumi.Resource,
): {
  target: AliasTarget;
  instanceSecurityGroupId: pulumi.Output<string>;
  roleArn: pulumi.Output<string>;
  loadBalancer: { arnSuffix: pulumi.Output<string>; targetGroupArnSuffix: pulumi.Output<string> };
  groupName: pulumi.Output<string>;
  releaseParameterName: pulumi.Output<string>;
} {
  const { accountId, partition, region } = args.context;
  const opts = { parent };

  const albGroup = new aws.ec2.SecurityGroup(
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
  const instanceGroup = new aws.ec2.SecurityGroup(
    `${name}-app`,
    {
      vpcId: args.vpcId,
      description: "Monolith instances: the app port from the load balancer only",
      ingress: [
        {
          description: "From the load balancer",
          protocol: "tcp",
          fromPort: APP_PORT,
          toPort: APP_PORT,
          securityGroups: [albGroup.id],
        },
      ],
      egress: [
        {
          description: "HTTPS: AWS APIs, packages",
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: ["0.0.0.0/0"],
        },
        ...(args.userStore.kind === "aurora"
          ? [
              {
                description: "The user store's database",
                protocol: "tcp",
                fromPort: args.userStore.port,
                toPort: args.userStore.port,
                cidrBlocks: [args.vpcCidr],
              },
            ]
          : []),
      ],
      tags: { Name: `${name}-app` },
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

  const alb = new aws.lb.LoadBalancer(
    `${name}-alb`,
    {
      loadBalancerType: "application",
      internal: false,
      subnets: args.publicSubnetIds,
      securityGroups: [albGroup.id],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: true,
      idleTimeout: 60,
      accessLogs: { bucket: logs.bucketName, prefix: "alb", enabled: true },
      tags: { Name: `${name}-alb` },
    },
    { parent, dependsOn: [logs] },
  );
  const targets = new aws.lb.TargetGroup(
    `${name}-app`,
    {
      vpcId: args.vpcId,
      targetType: "instance",
      port: APP_PORT,
      protocol: "HTTP",
      deregistrationDelay: 30,
      healthCheck: {
        path: settings.healthCheckPath,
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
      loadBalancerArn: alb.arn,
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
      loadBalancerArn: alb.arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy: ALB_TLS_POLICY,
      certificateArn,
      defaultActions: [{ type: "forward", targetGroupArn: targets.arn }],
    },
    opts,
  );

  const webAcl = new aws.wafv2.WebAcl(
    `${name}-waf`,
    {
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      rules: webAclRules(
        `${name}-waf`,
        settings.rateLimitPerFiveMinutes,
        settings.largeBodyPathPrefixes,
      ),
      visibilityConfig: {
        cloudwatchMetricsEnabled: true,
        sampledRequestsEnabled: true,
        metricName: `${name}-waf`,
      },
    },
    opts,
  );
  new aws.wafv2.WebAclAssociation(
    `${name}-waf`,
    { resourceArn: alb.arn, webAclArn: webAcl.arn },
    opts,
  );
  // WAF only logs to log groups whose name starts with aws-waf-logs-.
  const wafLogs = new aws.cloudwatch.LogGroup(
    `${name}-waf-logs`,
    {
      name: `aws-waf-logs-${name}-${region}`,
      retentionInDays: settings.logRetentionDays,
      kmsKeyId: args.keys.policyReadyKeyArns.telemetry,
      tags: dataTags("telemetry"),
    },
    opts,
  );
  new aws.wafv2.WebAclLoggingConfiguration(
    `${name}-waf`,
    {
      resourceArn: webAcl.arn,
      logDestinationConfigs: [wafLogs.arn],
      // Credentials and session cookies never reach the logs.
      redactedFields: [
        { singleHeader: { name: "authorization" } },
        { singleHeader: { name: "cookie" } },
      ],
    },
    opts,
  );

  const agentConfig = new aws.ssm.Parameter(
    `${name}-agent-config`,
    { name: `AmazonCloudWatch-${name}-${region}`, type: "String", value: cloudWatchAgentConfig() },
    opts,
  );
  const release = new aws.ssm.Parameter(
    `${name}-release`,
    {
      name: `/knowledgecity/${args.stack}/${name}/release`,
      type: "String",
      value: "none",
      description:
        "Release archive the monolith instances run (<name>.tar.gz in the releases bucket)",
    },
    // Deployments change the value; Pulumi only creates it.
    { parent, ignoreChanges: ["value"] },
  );

  const role = new aws.iam.Role(
    `${name}-instance`,
    {
      description: "Monolith instances",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "ec2.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      } satisfies aws.iam.PolicyDocument),
      managedPolicyArns: [
        // Session Manager instead of SSH, and the CloudWatch agent.
        `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
        `arn:${partition}:iam::aws:policy/CloudWatchAgentServerPolicy`,
      ],
    },
    opts,
  );
  new aws.iam.RolePolicy(
    `${name}-instance`,
    {
      role: role.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          ...appPermissions,
          {
            Sid: "ReadTheRelease",
            Effect: "Allow",
            Action: ["ssm:GetParameter"],
            Resource: [release.arn],
          },
        ],
      }),
    },
    opts,
  );
  const profile = new aws.iam.InstanceProfile(`${name}-instance`, { role: role.name }, opts);
  // Auto Scaling launches instances with encrypted volumes through its service-linked role,
  // which the key policy names: it must exist first (see AccountServiceRoles).
  for (const user of volumeLauncherKeyUsers("AutoScaling", args.autoScalingRoleArn)) {
    args.keys.allow("user-data", user);
  }

  const template = new aws.ec2.LaunchTemplate(
    `${name}-app`,
    {
      imageId: args.imageId,
      instanceType: settings.instanceType,
      iamInstanceProfile: { arn: profile.arn },
      vpcSecurityGroupIds: [instanceGroup.id],
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "enabled",
      },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: {
            volumeSize: 30,
            volumeType: "gp3",
            encrypted: "true",
            // Instances launch only once the key policy lets Auto Scaling use the key.
            kmsKeyId: args.keys.policyReadyKeyArns["user-data"],
            deleteOnTermination: "true",
          },
        },
      ],
      monitoring: { enabled: true },
      ebsOptimized: "true",
      updateDefaultVersion: true,
      userData: pulumi
        .all([agentConfig.name, release.name, releases.bucketName, pulumi.output(environment)])
        .apply(([agentConfigParameter, releaseParameter, releaseBucket, appEnvironment]) =>
          Buffer.from(
            // A changed backend or table name changes the script, so instances are refreshed.
            bootScript({
              agentConfigParameter,
              releaseParameter,
              releaseBucket,
              appPort: APP_PORT,
              healthCheckPath: settings.healthCheckPath,
              environment: appEnvironment,
            }),
          ).toString("base64"),
        ),
      tagSpecifications: [
        { resourceType: "instance", tags: { Name: `${name}-app` } },
        { resourceType: "volume", tags: { Name: `${name}-app`, ...dataTags("user-data") } },
      ],
    },
    opts,
  );
  const group = new aws.autoscaling.Group(
    `${name}-app`,
    {
      vpcZoneIdentifiers: args.privateSubnetIds,
      minSize: settings.minSize,
      maxSize: settings.maxSize,
      desiredCapacity: settings.desiredCapacity,
      launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
      targetGroupArns: [targets.arn],
      healthCheckType: "ELB",
      healthCheckGracePeriod: 300,
      defaultInstanceWarmup: 300,
      // A new launch template version replaces instances gradually, never all at once.
      instanceRefresh: {
        strategy: "Rolling",
        preferences: {
          minHealthyPercentage: 90,
          instanceWarmup: "300",
          skipMatching: true,
          autoRollback: true,
        },
      },
      enabledMetrics: [
        "GroupInServiceInstances",
        "GroupDesiredCapacity",
        "GroupPendingInstances",
        "GroupTerminatingInstances",
      ],
      terminationPolicies: ["OldestLaunchTemplate", "Default"],
      tags: [{ key: "Name", value: `${name}-app`, propagateAtLaunch: true }],
    },
    { parent, ignoreChanges: ["desiredCapacity"] },
  );
  new aws.autoscaling.Policy(
    `${name}-cpu`,
    {
      autoscalingGroupName: group.name,
      policyType: "TargetTrackingScaling",
      targetTrackingConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" },
        targetValue: settings.cpuTargetPercent,
      },
    },
    opts,
  );
  new aws.autoscaling.Policy(
    `${name}-memory`,
    {
      autoscalingGroupName: group.name,
      policyType: "TargetTrackingScaling",
      targetTrackingConfiguration: {
        customizedMetricSpecification: {
          namespace: MEMORY_METRIC.namespace,
          metricName: MEMORY_METRIC.name,
          statistic: "Average",
          metricDimensions: [{ name: "AutoScalingGroupName", value: group.name }],
        },
        targetValue: settings.memoryTargetPercent,
      },
    },
    opts,
  );
  return {
    target: { dnsName: alb.dnsName, zoneId: alb.zoneId },
    instanceSecurityGroupId: instanceGroup.id,
    roleArn: role.arn,
    loadBalancer: { arnSuffix: alb.arnSuffix, targetGroupArnSuffix: targets.arnSuffix },
    groupName: group.name,
    releaseParameterName: release.name,
  };
}
