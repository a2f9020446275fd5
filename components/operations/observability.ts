import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";
import type { DataKeys } from "../security/data-keys";
import { helmRelease, type ChartSource } from "../kubernetes/helm";
import { placementOn } from "../kubernetes/karpenter";
import {
  keyAdministration,
  keyUserStatement,
  keyUseThroughServices,
  type KeyUser,
} from "../security/key-policies";
import { ENCRYPTED_STORAGE_CLASS, type KubernetesCluster } from "../kubernetes/kubernetes-cluster";
import type { LogRetentionDays } from "../shared/logs";
import { dataTags } from "../shared/tags";

/**
 * kube-prometheus-stack: the Prometheus Operator, Prometheus, Alertmanager, node-exporter and
 * kube-state-metrics. Chart 88.5.3 ships the operator v0.93.1 and Alertmanager v0.34.0.
 */
export const KUBE_PROMETHEUS_STACK_CHART = {
  repo: "https://prometheus-community.github.io/helm-charts",
  chart: "kube-prometheus-stack",
  version: "88.5.3",
} as const satisfies ChartSource;

/** The namespace of the Prometheus stack and of every PodMonitor this component creates. */
export const MONITORING_NAMESPACE = "monitoring";

/** The service account Alertmanager runs as; its pod identity may publish to the alert topic. */
export const ALERTMANAGER_SERVICE_ACCOUNT = "alertmanager";

/** Where CloudFront publishes its metrics, so where its alarms and their topic must be. */
const CLOUDFRONT_METRICS_REGION = "us-east-1";

/**
 * The thresholds of the alarms. A breach notifies the alert topic, and so does the return to OK.
 */
export interface AlarmThresholds {
  /** 5xx responses (target + load balancer) per minute, for 3 of 5 minutes (>=). */
  readonly alb5xxPerMinute: number;
  /** Target response time p95, seconds, for 3 of 5 minutes (>). */
  readonly albP95LatencySeconds: number;
  /** Age of the oldest message of a work queue, seconds, for 3 of 5 minutes (>). */
  readonly queueOldestMessageSeconds: number;
  /** Messages visible in a dead-letter queue (>=). An integer of at least 1. */
  readonly deadLetterMessages: number;
  /** Lambda errors per 5 minutes (sum, >=). */
  readonly lambdaErrors: number;
  /** Lambda throttles per 5 minutes (sum, >=). */
  readonly lambdaThrottles: number;
  /** MediaConvert JobsErroredCount per 5 minutes (>=). */
  readonly mediaConvertErrors: number;
  /** Aurora CPUUtilization % (average over 5 minutes, >=, for 15 minutes). */
  readonly auroraCpuPercent: number;
  /** Aurora FreeableMemory below this many MiB (the lowest instance, for 10 minutes). */
  readonly auroraFreeableMemoryMiB: number;
  /**
   * DynamoDB throttled requests per 5 minutes (>=), counted as the table's
   * `ReadThrottleEvents` + `WriteThrottleEvents` (`ThrottledRequests` exists per operation only).
   */
  readonly dynamoThrottledRequests: number;
  /** DynamoDB SystemErrors per 5 minutes (>=), summed over the operations users' requests make. */
  readonly dynamoSystemErrors: number;
  /** CloudFront 5xxErrorRate % (average over 5 minutes, >=). */
  readonly cloudFront5xxRatePercent: number;
}

/**
 * What the alarms watch. Each entry has an `id` (lower-case letters, digits and hyphens, unique
 * within its kind) that names its alarms `<stack>-<id>-<signal>`; changing an id replaces them.
 */
export interface ObservedResources {
  /** Application load balancers: the `arnSuffix` of the balancer and of its target group. */
  readonly loadBalancers: readonly {
    readonly id: string;
    readonly arnSuffix: pulumi.Input<string>;
    readonly targetGroupArnSuffix: pulumi.Input<string>;
  }[];
  /** Auto Scaling groups with group metrics on; `minSize` (1 or more) is the alarm's floor. */
  readonly autoScalingGroups: readonly {
    readonly id: string;
    readonly name: pulumi.Input<string>;
    readonly minSize: number;
  }[];
  /** SQS work queues, by name. */
  readonly queues: readonly { readonly id: string; readonly name: pulumi.Input<string> }[];
  /** SQS dead-letter queues, by name. */
  readonly deadLetterQueues: readonly {
    readonly id: string;
    readonly name: pulumi.Input<string>;
  }[];
  /** Lambda functions, by name. */
  readonly functions: readonly { readonly id: string; readonly name: pulumi.Input<string> }[];
  /** MediaConvert queues, by ARN (the `Queue` dimension). */
  readonly mediaConvertQueues: readonly {
    readonly id: string;
    readonly arn: pulumi.Input<string>;
  }[];
  /** Aurora clusters, by cluster identifier. */
  readonly auroraClusters: readonly {
    readonly id: string;
    readonly identifier: pulumi.Input<string>;
  }[];
  /** DynamoDB tables, by name. */
  readonly dynamoTables: readonly { readonly id: string; readonly name: pulumi.Input<string> }[];
  /** CloudFront distributions: their metrics exist only in us-east-1 (dimension Region=Global). */
  readonly distributions: readonly {
    readonly id: string;
    readonly distributionId: pulumi.Input<string>;
  }[];
}

/** The Prometheus stack on a Kubernetes cluster. */
export interface PrometheusSettings {
  readonly cluster: KubernetesCluster;
  /** Days of samples kept, 1-90. */
  readonly retentionDays: number;
  /** Persistent volume of Prometheus, GiB (an integer of at least 10). */
  readonly storageGiB: number;
  /** Scrape targets as PodMonitors: namespace, pod label selector, port NAME and path. */
  readonly podMonitors: readonly {
    readonly name: string;
    readonly namespace: string;
    readonly matchLabels: Readonly<Record<string, string>>;
    readonly port: string;
    readonly path: string;
  }[];
  /** Resources the release waits for (node pools, the load balancer controller). */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Arguments of `Observability`. */
export interface ObservabilityArgs {
  readonly context: AwsContext;
  /** Stack name: prefixes alarm names and names the dashboard `knowledgecity-<stack>`. */
  readonly stack: string;
  /**
   * The stack's keys: the regional alert topic uses the telemetry key, whose policy this
   * component extends so CloudWatch alarms can publish to it. The caller seals the keys afterwards.
   */
  readonly keys: DataKeys;
  readonly thresholds: AlarmThresholds;
  readonly resources: ObservedResources;
  /** Email addresses subscribed to the alert topics (may be empty). */
  readonly alertEmails: readonly string[];
  /**
   * Provider of us-east-1, for CloudFront alarms and their own alert topic there (alarm actions
   * must be in the alarm's region). That topic has a small key of its own in us-east-1; in a
   * us-east-1 stack the regional topic serves instead.
   */
  readonly usEast1Provider: aws.Provider;
  /** The Prometheus stack on a cluster. @default none */
  readonly prometheus?: PrometheusSettings;
  /**
   * Retention of any log group this component creates; it creates none today (alarms, topics and
   * dashboards keep no logs). @default 365
   */
  readonly logRetentionDays?: LogRetentionDays;
}

/** The `monitoring.coreos.com/v1` PodMonitor spec this component writes. */
export interface PodMonitorSpec {
  readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
  readonly namespaceSelector: { readonly matchNames: readonly string[] };
  readonly podMetricsEndpoints: readonly {
    readonly port: string;
    readonly path: string;
    readonly interval: string;
  }[];
}

/**
 * The region's alerting and dashboards. A KMS-encrypted, TLS-only SNS alert topic (the telemetry
 * key) with email subscriptions, and one CloudWatch alarm per observed resource and signal, each
 * notifying the topic on ALARM and on OK. CloudFront publishes metrics only in us-east-1, so its
 * alarms live there with a topic of their own (a dedicated key in us-east-1; the regional topic
 * in a us-east-1 stack). One CloudWatch dashboard, `knowledgecity-<stack>`, shows every signal
 * group. Optionally kube-prometheus-stack on the analytics cluster: Prometheus on the `general`
 * pool with an encrypted volume, Alertmanager publishing to the alert topic through its pod
 * identity, no Grafana (the CloudWatch dashboard is the dashboard), and a PodMonitor per target.
 */
export class Observability extends pulumi.ComponentResource {
  /** The regional alert topic. */
  public readonly alertTopicArn: pulumi.Output<string>;
  /** The topic of the CloudFront alarms in us-east-1, when there are distributions. */
  public readonly usEast1AlertTopicArn: pulumi.Output<string> | undefined;
  public readonly dashboardName: pulumi.Output<string>;
  /** Every alarm's name, `<stack>-<id>-<signal>`. */
  public readonly alarmNames: readonly string[];

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:observability:Observability", name, {}, opts);
    const problems = observabilityProblems(args);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }
    const { context } = args;
    // CloudFront alarms need a topic in us-east-1; a us-east-1 stack's own topic is there already.
    const needsUsEast1Topic =
      args.resources.distributions.length > 0 && context.region !== CLOUDFRONT_METRICS_REGION;

    // Alert topics.
    args.keys.allow("telemetry", alarmsPublishWithKey(context.accountId));
    const regionalTopic = createAlertTopic(
      `${name}-alerts`,
      {
        context,
        stack: args.stack,
        kmsKeyArn: args.keys.keyArns.telemetry,
        emails: args.alertEmails,
      },
      { parent: this },
    );
    const usEast1Topic = needsUsEast1Topic
      ? createUsEast1AlertTopic(`${name}-alerts-${CLOUDFRONT_METRICS_REGION}`, args, this)
      : undefined;
    const topicOf = (region: AlarmRegion): pulumi.Output<string> =>
      region === "us-east-1" ? (usEast1Topic ?? regionalTopic).arn : regionalTopic.arn;

    // Alarms.
    const specs = alarmSpecs(args.resources, args.thresholds);
    for (const spec of specs) {
      const topicArn = topicOf(spec.region);
      new aws.cloudwatch.MetricAlarm(
        `${name}-${spec.id}-${spec.signal}`,
        {
          name: `${args.stack}-${spec.id}-${spec.signal}`,
          alarmDescription: spec.description,
          ...alarmMetricArgs(spec),
          evaluationPeriods: spec.evaluationPeriods,
          datapointsToAlarm: spec.datapointsToAlarm,
          comparisonOperator: spec.comparison,
          threshold: spec.threshold,
          treatMissingData: spec.treatMissingData,
          alarmActions: [topicArn],
          okActions: [topicArn],
        },
        spec.region === "us-east-1"
          ? { parent: this, provider: args.usEast1Provider }
          : { parent: this },
      );
    }

    // Dashboard: one per stack (CloudWatch dashboards are global; each widget names its region).
    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: `knowledgecity-${args.stack}`,
        dashboardBody: pulumi.jsonStringify(dashboardBody(context.region, args.resources)),
      },
      { parent: this },
    );

    if (args.prometheus !== undefined) {
      createPrometheusStack(name, args, args.prometheus, regionalTopic.arn, this);
    }

    this.alertTopicArn = regionalTopic.arn;
    this.usEast1AlertTopicArn = usEast1Topic?.arn;
    this.dashboardName = dashboard.dashboardName;
    this.alarmNames = specs.map((spec) => `${args.stack}-${spec.id}-${spec.signal}`);
    this.registerOutputs({
      alertTopicArn: this.alertTopicArn,
      usEast1AlertTopicArn: this.usEast1AlertTopicArn,
      dashboardName: this.dashboardName,
      alarmNames: this.alarmNames,
    });
  }
}

// Validation

const ID_PATTERN = /^[a-z][a-z0-9-]*$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** A Kubernetes object name or namespace (DNS-1123 label). */
const K8S_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A container port name (IANA service name). */
const PORT_NAME_PATTERN = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;

/** Every problem with the arguments, each naming its field, the value and what is expected. */
function observabilityProblems(args: ObservabilityArgs): string[] {
  const thresholdProblems = (
    Object.entries(args.thresholds) as [keyof AlarmThresholds, number][]
  ).flatMap(([field, value]) => {
    if (field === "deadLetterMessages") {
      return Number.isInteger(value) && value >= 1
        ? []
        : [`thresholds.${field} = ${value}: expected an integer of at least 1`];
    }
    return Number.isFinite(value) && value > 0
      ? []
      : [`thresholds.${field} = ${value}: expected a finite number above 0`];
  });
  const idProblems = (
    Object.entries(args.resources) as [keyof ObservedResources, readonly { id: string }[]][]
  ).flatMap(([kind, entries]) => {
    const seen = new Set<string>();
    return entries.flatMap(({ id }, index) => {
      const problems: string[] = [];
      if (!ID_PATTERN.test(id)) {
        problems.push(
          `resources.${kind}[${index}].id = "${id}": expected lower-case letters, digits and hyphens, starting with a letter`,
        );
      }
      if (seen.has(id)) {
        problems.push(`resources.${kind}[${index}].id = "${id}": already used by another entry`);
      }
      seen.add(id);
      return problems;
    });
  });
  const groupProblems = args.resources.autoScalingGroups.flatMap(({ minSize }, index) =>
    Number.isInteger(minSize) && minSize >= 1
      ? []
      : [
          `resources.autoScalingGroups[${index}].minSize = ${minSize}: expected an integer of at least 1 (a group allowed to be empty has no floor to alarm on)`,
        ],
  );
  const lowerCaseEmails = args.alertEmails.map((email) => email.toLowerCase());
  const emailProblems = args.alertEmails.flatMap((email, index) => [
    ...(EMAIL_PATTERN.test(email)
      ? []
      : [`alertEmails[${index}] = "${email}": expected an email address such as ops@example.com`]),
    ...(lowerCaseEmails.indexOf(email.toLowerCase()) < index
      ? [`alertEmails[${index}] = "${email}": listed twice`]
      : []),
  ]);
  return [
    ...thresholdProblems,
    ...idProblems,
    ...groupProblems,
    ...emailProblems,
    ...(args.prometheus === undefined ? [] : prometheusProblems(args.prometheus)),
  ];
}

function prometheusProblems(settings: PrometheusSettings): string[] {
  const { retentionDays, storageGiB } = settings;
  const names = settings.podMonitors.map((monitor) => monitor.name);
  return [
    ...(Number.isInteger(retentionDays) && retentionDays >= 1 && retentionDays <= 90
      ? []
      : [`prometheus.retentionDays = ${retentionDays}: expected an integer from 1 to 90`]),
    ...(Number.isInteger(storageGiB) && storageGiB >= 10
      ? []
      : [`prometheus.storageGiB = ${storageGiB}: expected an integer of at least 10`]),
    ...settings.podMonitors.flatMap((monitor, index) => {
      const field = `prometheus.podMonitors[${index}]`;
      return [
        ...(K8S_NAME_PATTERN.test(monitor.name)
          ? []
          : [`${field}.name = "${monitor.name}": expected a Kubernetes name (DNS label)`]),
        ...(names.indexOf(monitor.name) < index
          ? [`${field}.name = "${monitor.name}": already used by another PodMonitor`]
          : []),
        ...(K8S_NAME_PATTERN.test(monitor.namespace)
          ? []
          : [`${field}.namespace = "${monitor.namespace}": expected a Kubernetes namespace`]),
        ...(Object.keys(monitor.matchLabels).length > 0
          ? []
          : [`${field}.matchLabels: empty; it would scrape every pod of the namespace`]),
        ...(PORT_NAME_PATTERN.test(monitor.port)
          ? []
          : [`${field}.port = "${monitor.port}": expected a container port name (not a number)`]),
        ...(monitor.path.startsWith("/")
          ? []
          : [`${field}.path = "${monitor.path}": expected an absolute path such as /metrics`]),
      ];
    }),
  ];
}

// Alert topics

interface AlertTopicArgs {
  /** Account and region of the topic. */
  readonly context: AwsContext;
  readonly stack: string;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly emails: readonly string[];
}

/**
 * An SNS topic for alerts: KMS-encrypted, a policy that lets this account's CloudWatch alarms of
 * the topic's region publish and refuses anything but TLS, and one email subscription per address.
 * Email subscriptions stay pending until the recipient confirms them.
 */
function createAlertTopic(
  name: string,
  args: AlertTopicArgs,
  opts: pulumi.CustomResourceOptions,
): aws.sns.Topic {
  const { accountId, partition, region } = args.context;
  const topic = new aws.sns.Topic(
    name,
    {
      displayName: `KnowledgeCity ${args.stack} alerts`,
      kmsMasterKeyId: args.kmsKeyArn,
      tags: dataTags("telemetry"),
    },
    opts,
  );
  new aws.sns.TopicPolicy(
    name,
    {
      arn: topic.arn,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "CloudWatchAlarmsPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: topic.arn,
            Condition: {
              StringEquals: { "aws:SourceAccount": accountId },
              ArnLike: {
                "aws:SourceArn": `arn:${partition}:cloudwatch:${region}:${accountId}:alarm:*`,
              },
            },
          },
          {
            Sid: "DenyAnythingButTls",
            Effect: "Deny",
            Principal: "*",
            Action: "sns:Publish",
            Resource: topic.arn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    },
    opts,
  );
  for (const email of args.emails) {
    // Keyed by a hash of the address: stable, and the address stays out of resource names.
    const key = createHash("sha256").update(email.toLowerCase()).digest("hex").slice(0, 8);
    new aws.sns.TopicSubscription(
      `${name}-email-${key}`,
      { topic: topic.arn, protocol: "email", endpoint: email },
      opts,
    );
  }
  return topic;
}

/** CloudWatch alarms of this account may publish to a topic encrypted with the key. */
function alarmsPublishWithKey(accountId: string): KeyUser {
  return {
    sid: "CloudWatchAlarmsPublishAlerts",
    principal: { Service: "cloudwatch.amazonaws.com" },
    actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
    condition: { StringEquals: { "aws:SourceAccount": accountId } },
  };
}

/**
 * The alert topic of the CloudFront alarms in us-east-1, with a key of its own there: the stack's
 * keys are regional, and an AWS-managed key would not let CloudWatch publish. The key's policy lets
 * the account administer it, use it through SNS, and lets CloudWatch alarms of this account use it.
 */
function createUsEast1AlertTopic(
  name: string,
  args: ObservabilityArgs,
  parent: pulumi.Resource,
): aws.sns.Topic {
  const context = { ...args.context, region: CLOUDFRONT_METRICS_REGION };
  const opts = { parent, provider: args.usEast1Provider };
  const policy: aws.iam.PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      keyAdministration(context),
      keyUseThroughServices("AccountUsesTheKeyThroughSns", ["sns"], context),
      keyUserStatement(alarmsPublishWithKey(context.accountId)),
    ],
  };
  const key = new aws.kms.Key(
    name,
    {
      description: `KnowledgeCity ${args.stack}: alert topic of the CloudFront alarms`,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: 30,
      keyUsage: "ENCRYPT_DECRYPT",
      customerMasterKeySpec: "SYMMETRIC_DEFAULT",
      policy: JSON.stringify(policy),
      bypassPolicyLockoutSafetyCheck: false,
      tags: dataTags("telemetry"),
    },
    opts,
  );
  new aws.kms.Alias(
    name,
    { name: `alias/knowledgecity/${args.stack}/alerts`, targetKeyId: key.keyId },
    opts,
  );
  return createAlertTopic(
    name,
    { context, stack: args.stack, kmsKeyArn: key.arn, emails: args.alertEmails },
    opts,
  );
}

// Alarms

/** Every signal an alarm watches; with the resource's id it names the alarm. */
type Signal =
  | "alb-5xx"
  | "alb-p95-latency"
  | "asg-in-service"
  | "queue-oldest-message"
  | "dlq-messages"
  | "lambda-errors"
  | "lambda-throttles"
  | "mediaconvert-errors"
  | "aurora-cpu"
  | "aurora-freeable-memory"
  | "dynamodb-throttles"
  | "dynamodb-system-errors"
  | "cloudfront-5xx-rate";

type AlarmRegion = "regional" | "us-east-1";
type Statistic = "Sum" | "Average" | "Maximum" | "Minimum";

/** One CloudWatch metric. */
interface MetricRef {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, pulumi.Input<string>>>;
}

/** What an alarm evaluates: a statistic of one metric, a percentile, or a sum of metrics. */
type AlarmMetric =
  | { readonly kind: "statistic"; readonly metric: MetricRef; readonly statistic: Statistic }
  | { readonly kind: "percentile"; readonly metric: MetricRef; readonly percentile: "p95" }
  | {
      readonly kind: "sum";
      readonly label: string;
      readonly metrics: readonly (MetricRef & { readonly id: string })[];
    };

interface AlarmSpec {
  readonly id: string;
  readonly signal: Signal;
  readonly region: AlarmRegion;
  /** What breaks for users when the alarm fires. */
  readonly description: string;
  readonly metric: AlarmMetric;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly comparison:
    "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
  readonly threshold: number;
  readonly treatMissingData: "notBreaching" | "breaching";
}

/** Three bad minutes out of five: a blip does not page, a sustained problem does quickly. */
const THREE_OF_FIVE_MINUTES = { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 3 };
/** One five-minute sum: counts of failures, where any breach matters. */
const ONE_FIVE_MINUTE_SUM = { periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1 };

const MIB = 1024 * 1024;

/** The DynamoDB operations whose system errors fail users' requests (alarm math holds 10 metrics). */
const DYNAMODB_OPERATIONS = [
  "GetItem",
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "Query",
  "BatchGetItem",
  "BatchWriteItem",
  "TransactWriteItems",
] as const;

/** The alarms the observed resources imply, per resource and signal. */
function alarmSpecs(resources: ObservedResources, thresholds: AlarmThresholds): AlarmSpec[] {
  const regional = { region: "regional" } as const;
  const notBreaching = { treatMissingData: "notBreaching" } as const;
  return [
    ...resources.loadBalancers.flatMap(({ id, arnSuffix }): AlarmSpec[] => {
      const alb = (metricName: string): MetricRef => ({
        namespace: "AWS/ApplicationELB",
        metricName,
        dimensions: { LoadBalancer: arnSuffix },
      });
      return [
        {
          id,
          signal: "alb-5xx",
          ...regional,
          description: `${id}: at least ${thresholds.alb5xxPerMinute} server errors (5xx from the targets or the load balancer) a minute; users see failed pages and API calls.`,
          metric: {
            kind: "sum",
            label: "5xx responses",
            metrics: [
              { id: "target", ...alb("HTTPCode_Target_5XX_Count") },
              { id: "elb", ...alb("HTTPCode_ELB_5XX_Count") },
            ],
          },
          ...THREE_OF_FIVE_MINUTES,
          comparison: "GreaterThanOrEqualToThreshold",
          threshold: thresholds.alb5xxPerMinute,
          // No requests, no errors: both counts are only published when there are some.
          ...notBreaching,
        },
        {
          id,
          signal: "alb-p95-latency",
          ...regional,
          description: `${id}: the slowest 5% of requests take more than ${thresholds.albP95LatencySeconds} s at the targets; users wait on pages and API calls.`,
          metric: { kind: "percentile", metric: alb("TargetResponseTime"), percentile: "p95" },
          ...THREE_OF_FIVE_MINUTES,
          comparison: "GreaterThanThreshold",
          threshold: thresholds.albP95LatencySeconds,
          ...notBreaching,
        },
      ];
    }),
    ...resources.autoScalingGroups.map(({ id, name, minSize }): AlarmSpec => ({
      id,
      signal: "asg-in-service",
      ...regional,
      description: `${id}: fewer than ${minSize} instances (the group's minimum) in service for five minutes; capacity is short and users see slow or failed requests. Also fires when the group's metrics collection is off.`,
      metric: {
        kind: "statistic",
        metric: {
          namespace: "AWS/AutoScaling",
          metricName: "GroupInServiceInstances",
          dimensions: { AutoScalingGroupName: name },
        },
        statistic: "Minimum",
      },
      // Five minutes straight: longer than replacing one unhealthy instance takes.
      periodSeconds: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      comparison: "LessThanThreshold",
      threshold: minSize,
      // A group always publishes this metric while group metrics collection is on; silence
      // means collection was turned off (or the group is gone), and a blind alarm must not
      // look healthy.
      treatMissingData: "breaching",
    })),
    ...resources.queues.map(({ id, name }): AlarmSpec => ({
      id,
      signal: "queue-oldest-message",
      ...regional,
      description: `${id}: the oldest message has waited more than ${thresholds.queueOldestMessageSeconds} s; work users started is delayed (the consumer is failing, throttled or too slow).`,
      metric: {
        kind: "statistic",
        metric: sqsMetric("ApproximateAgeOfOldestMessage", name),
        statistic: "Maximum",
      },
      ...THREE_OF_FIVE_MINUTES,
      comparison: "GreaterThanThreshold",
      threshold: thresholds.queueOldestMessageSeconds,
      // SQS stops publishing for a queue idle for six hours: nothing is waiting.
      ...notBreaching,
    })),
    ...resources.deadLetterQueues.map(({ id, name }): AlarmSpec => ({
      id,
      signal: "dlq-messages",
      ...regional,
      description: `${id}: ${thresholds.deadLetterMessages} or more messages gave up and wait in the dead-letter queue; the work they carry did not happen for users until they are redriven.`,
      metric: {
        kind: "statistic",
        metric: sqsMetric("ApproximateNumberOfMessagesVisible", name),
        statistic: "Maximum",
      },
      ...ONE_FIVE_MINUTE_SUM,
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: thresholds.deadLetterMessages,
      ...notBreaching,
    })),
    ...resources.functions.flatMap(({ id, name }): AlarmSpec[] => [
      {
        id,
        signal: "lambda-errors",
        ...regional,
        description: `${id}: the function failed ${thresholds.lambdaErrors} or more times in five minutes; the requests or events it handles failed for users.`,
        metric: { kind: "statistic", metric: lambdaMetric("Errors", name), statistic: "Sum" },
        ...ONE_FIVE_MINUTE_SUM,
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: thresholds.lambdaErrors,
        // Lambda publishes nothing for a function that did not run.
        ...notBreaching,
      },
      {
        id,
        signal: "lambda-throttles",
        ...regional,
        description: `${id}: the function was throttled ${thresholds.lambdaThrottles} or more times in five minutes; requests were refused or delayed for lack of concurrency.`,
        metric: { kind: "statistic", metric: lambdaMetric("Throttles", name), statistic: "Sum" },
        ...ONE_FIVE_MINUTE_SUM,
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: thresholds.lambdaThrottles,
        ...notBreaching,
      },
    ]),
    ...resources.mediaConvertQueues.map(({ id, arn }): AlarmSpec => ({
      id,
      signal: "mediaconvert-errors",
      ...regional,
      description: `${id}: ${thresholds.mediaConvertErrors} or more encoding jobs failed in five minutes; uploaded lectures are not becoming playable.`,
      metric: {
        kind: "statistic",
        metric: {
          namespace: "AWS/MediaConvert",
          metricName: "JobsErroredCount",
          dimensions: { Queue: arn },
        },
        statistic: "Sum",
      },
      ...ONE_FIVE_MINUTE_SUM,
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: thresholds.mediaConvertErrors,
      ...notBreaching,
    })),
    ...resources.auroraClusters.flatMap(({ id, identifier }): AlarmSpec[] => [
      {
        id,
        signal: "aurora-cpu",
        ...regional,
        description: `${id}: database CPU averaged ${thresholds.auroraCpuPercent}% or more for fifteen minutes; queries slow down and users see slow pages and timeouts.`,
        metric: {
          kind: "statistic",
          metric: rdsMetric("CPUUtilization", identifier),
          statistic: "Average",
        },
        periodSeconds: 300,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: thresholds.auroraCpuPercent,
        // A silent cluster is the memory alarm's to report, once.
        ...notBreaching,
      },
      {
        id,
        signal: "aurora-freeable-memory",
        ...regional,
        description: `${id}: an instance of the database has less than ${thresholds.auroraFreeableMemoryMiB} MiB of free memory, or reports nothing; queries spill to disk or the instance restarts, and users see errors.`,
        metric: {
          kind: "statistic",
          metric: rdsMetric("FreeableMemory", identifier),
          // The cluster dimension aggregates its instances: the minimum is the tightest one.
          statistic: "Minimum",
        },
        periodSeconds: 300,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        comparison: "LessThanThreshold",
        threshold: thresholds.auroraFreeableMemoryMiB * MIB,
        // A provisioned cluster always reports memory; silence means it is down for users too.
        treatMissingData: "breaching",
      },
    ]),
    ...resources.dynamoTables.flatMap(({ id, name }): AlarmSpec[] => [
      {
        id,
        signal: "dynamodb-throttles",
        ...regional,
        description: `${id}: ${thresholds.dynamoThrottledRequests} or more reads or writes were throttled in five minutes; users' requests on this table failed or were retried.`,
        metric: {
          kind: "sum",
          label: "throttle events",
          metrics: [
            { id: "reads", ...dynamoMetric("ReadThrottleEvents", { TableName: name }) },
            { id: "writes", ...dynamoMetric("WriteThrottleEvents", { TableName: name }) },
          ],
        },
        ...ONE_FIVE_MINUTE_SUM,
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: thresholds.dynamoThrottledRequests,
        ...notBreaching,
      },
      {
        id,
        signal: "dynamodb-system-errors",
        ...regional,
        description: `${id}: DynamoDB answered ${thresholds.dynamoSystemErrors} or more requests on this table with an internal error in five minutes; those user requests failed.`,
        metric: {
          kind: "sum",
          label: "system errors",
          // SystemErrors exists per operation only, and alarms cannot SEARCH: one metric each.
          metrics: DYNAMODB_OPERATIONS.map((operation) => ({
            id: operation.toLowerCase(),
            ...dynamoMetric("SystemErrors", { TableName: name, Operation: operation }),
          })),
        },
        ...ONE_FIVE_MINUTE_SUM,
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: thresholds.dynamoSystemErrors,
        ...notBreaching,
      },
    ]),
    ...resources.distributions.map(({ id, distributionId }): AlarmSpec => ({
      id,
      signal: "cloudfront-5xx-rate",
      region: "us-east-1",
      description: `${id}: ${thresholds.cloudFront5xxRatePercent}% or more of viewer requests got a server error over five minutes; users cannot load what the distribution serves.`,
      metric: {
        kind: "statistic",
        metric: cloudFrontMetric("5xxErrorRate", distributionId),
        statistic: "Average",
      },
      ...ONE_FIVE_MINUTE_SUM,
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: thresholds.cloudFront5xxRatePercent,
      // No viewers, no rate.
      ...notBreaching,
    })),
  ];
}

function sqsMetric(metricName: string, queueName: pulumi.Input<string>): MetricRef {
  return { namespace: "AWS/SQS", metricName, dimensions: { QueueName: queueName } };
}

function lambdaMetric(metricName: string, functionName: pulumi.Input<string>): MetricRef {
  return { namespace: "AWS/Lambda", metricName, dimensions: { FunctionName: functionName } };
}

function rdsMetric(metricName: string, identifier: pulumi.Input<string>): MetricRef {
  return { namespace: "AWS/RDS", metricName, dimensions: { DBClusterIdentifier: identifier } };
}

function dynamoMetric(
  metricName: string,
  dimensions: Readonly<Record<string, pulumi.Input<string>>>,
): MetricRef {
  return { namespace: "AWS/DynamoDB", metricName, dimensions };
}

function cloudFrontMetric(metricName: string, distributionId: pulumi.Input<string>): MetricRef {
  return {
    namespace: "AWS/CloudFront",
    metricName,
    dimensions: { DistributionId: distributionId, Region: "Global" },
  };
}

/** The metric part of a `MetricAlarm`'s arguments. */
function alarmMetricArgs(spec: AlarmSpec): aws.cloudwatch.MetricAlarmArgs {
  const { metric, periodSeconds } = spec;
  switch (metric.kind) {
    case "statistic":
      return { ...metric.metric, statistic: metric.statistic, period: periodSeconds };
    case "percentile":
      return {
        ...metric.metric,
        extendedStatistic: metric.percentile,
        period: periodSeconds,
        // A percentile of a handful of requests is noise: keep the state until there are enough.
        evaluateLowSampleCountPercentiles: "ignore",
      };
    case "sum":
      return {
        metricQueries: [
          ...metric.metrics.map(({ id, ...ref }) => ({
            id,
            returnData: false,
            metric: { ...ref, stat: "Sum", period: periodSeconds },
          })),
          {
            id: "total",
            // Each count is published only when non-zero: a gap in one is a zero, not a gap in all.
            expression: metric.metrics.map(({ id }) => `FILL(${id}, 0)`).join(" + "),
            label: metric.label,
            returnData: true,
          },
        ],
      };
  }
}

// Dashboard

/** A line of a metric widget: namespace, name, dimension pairs, then its rendering options. */
type DashboardMetric = readonly (pulumi.Input<string> | DashboardMetricOptions)[];

interface DashboardMetricOptions {
  readonly stat?: Statistic | "p95";
  readonly label?: pulumi.Input<string>;
  readonly yAxis?: "left" | "right";
  /** A metric math or search expression instead of a metric. */
  readonly expression?: pulumi.Input<string>;
  readonly id?: string;
}

interface MetricWidget {
  readonly type: "metric";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: {
    readonly title: string;
    readonly region: string;
    readonly view: "timeSeries";
    readonly stacked: false;
    readonly period: number;
    readonly metrics: readonly DashboardMetric[];
    readonly yAxis?: {
      readonly left?: { readonly label: string; readonly showUnits: false };
      readonly right?: { readonly label: string; readonly showUnits: false };
    };
  };
}

interface DashboardBody {
  readonly widgets: readonly MetricWidget[];
}

/** A widget before layout: its group (the title's prefix) and what it plots. */
interface WidgetContent {
  readonly group: string;
  readonly title: string;
  readonly region: string;
  readonly period: number;
  readonly metrics: readonly DashboardMetric[];
  readonly axes?: { readonly left: string; readonly right?: string };
}

const WIDGET_WIDTH = 12;
const WIDGET_HEIGHT = 6;

/**
 * The stack's dashboard: one or two widgets per signal group, two a row. Groups without resources
 * are left out (CloudWatch refuses a metric widget without metrics).
 */
function dashboardBody(region: string, resources: ObservedResources): DashboardBody {
  const line = (ref: MetricRef, options: DashboardMetricOptions): DashboardMetric => [
    ref.namespace,
    ref.metricName,
    ...Object.entries(ref.dimensions).flat(),
    options,
  ];
  const alb = (metricName: string, arnSuffix: pulumi.Input<string>): MetricRef => ({
    namespace: "AWS/ApplicationELB",
    metricName,
    dimensions: { LoadBalancer: arnSuffix },
  });
  const targetGroup = (
    metricName: string,
    lb: ObservedResources["loadBalancers"][number],
  ): MetricRef => ({
    namespace: "AWS/ApplicationELB",
    metricName,
    dimensions: { TargetGroup: lb.targetGroupArnSuffix, LoadBalancer: lb.arnSuffix },
  });
  const contents: WidgetContent[] = [];
  if (resources.loadBalancers.length > 0) {
    contents.push(
      {
        group: "Load balancers",
        title: "Load balancers: requests, 5xx and p95 latency",
        region,
        period: 60,
        axes: { left: "requests / minute", right: "seconds" },
        metrics: resources.loadBalancers.flatMap(({ id, arnSuffix }) => [
          line(alb("RequestCount", arnSuffix), { stat: "Sum", label: `${id} requests` }),
          line(alb("HTTPCode_Target_5XX_Count", arnSuffix), {
            stat: "Sum",
            label: `${id} target 5xx`,
          }),
          line(alb("HTTPCode_ELB_5XX_Count", arnSuffix), {
            stat: "Sum",
            label: `${id} load balancer 5xx`,
          }),
          line(alb("TargetResponseTime", arnSuffix), {
            stat: "p95",
            label: `${id} p95 latency`,
            yAxis: "right",
          }),
        ]),
      },
      {
        group: "Load balancers",
        title: "Load balancers: healthy and unhealthy targets",
        region,
        period: 60,
        axes: { left: "targets" },
        metrics: resources.loadBalancers.flatMap((lb) => [
          line(targetGroup("HealthyHostCount", lb), { stat: "Minimum", label: `${lb.id} healthy` }),
          line(targetGroup("UnHealthyHostCount", lb), {
            stat: "Maximum",
            label: `${lb.id} unhealthy`,
          }),
        ]),
      },
    );
  }
  if (resources.autoScalingGroups.length > 0) {
    contents.push({
      group: "Auto Scaling groups",
      title: "Auto Scaling groups: instances in service and desired",
      region,
      period: 60,
      axes: { left: "instances" },
      metrics: resources.autoScalingGroups.flatMap(({ id, name }) => {
        const asg = (metricName: string): MetricRef => ({
          namespace: "AWS/AutoScaling",
          metricName,
          dimensions: { AutoScalingGroupName: name },
        });
        return [
          line(asg("GroupInServiceInstances"), { stat: "Minimum", label: `${id} in service` }),
          line(asg("GroupDesiredCapacity"), { stat: "Maximum", label: `${id} desired` }),
        ];
      }),
    });
  }
  if (resources.queues.length + resources.deadLetterQueues.length > 0) {
    contents.push({
      group: "Queues",
      title: "Queues: age of the oldest message and dead letters",
      region,
      period: 60,
      axes: { left: "seconds", right: "messages" },
      metrics: [
        ...resources.queues.map(({ id, name }) =>
          line(sqsMetric("ApproximateAgeOfOldestMessage", name), {
            stat: "Maximum",
            label: `${id} oldest message`,
          }),
        ),
        ...resources.deadLetterQueues.map(({ id, name }) =>
          line(sqsMetric("ApproximateNumberOfMessagesVisible", name), {
            stat: "Maximum",
            label: `${id} dead letters`,
            yAxis: "right",
          }),
        ),
      ],
    });
  }
  if (resources.functions.length > 0) {
    contents.push({
      group: "Lambda functions",
      title: "Lambda functions: errors, throttles and p95 duration",
      region,
      period: 300,
      axes: { left: "count / 5 minutes", right: "milliseconds" },
      metrics: resources.functions.flatMap(({ id, name }) => [
        line(lambdaMetric("Errors", name), { stat: "Sum", label: `${id} errors` }),
        line(lambdaMetric("Throttles", name), { stat: "Sum", label: `${id} throttles` }),
        line(lambdaMetric("Duration", name), {
          stat: "p95",
          label: `${id} p95 duration`,
          yAxis: "right",
        }),
      ]),
    });
  }
  if (resources.mediaConvertQueues.length > 0) {
    contents.push({
      group: "MediaConvert",
      title: "MediaConvert: jobs completed and errored",
      region,
      period: 300,
      axes: { left: "jobs / 5 minutes" },
      metrics: resources.mediaConvertQueues.flatMap(({ id, arn }) => {
        const queue = (metricName: string): MetricRef => ({
          namespace: "AWS/MediaConvert",
          metricName,
          dimensions: { Queue: arn },
        });
        return [
          line(queue("JobsCompletedCount"), { stat: "Sum", label: `${id} completed` }),
          line(queue("JobsErroredCount"), { stat: "Sum", label: `${id} errored` }),
        ];
      }),
    });
  }
  if (resources.auroraClusters.length > 0) {
    contents.push({
      group: "Databases",
      title: "Databases: Aurora CPU and freeable memory",
      region,
      period: 300,
      axes: { left: "percent", right: "bytes" },
      metrics: resources.auroraClusters.flatMap(({ id, identifier }) => [
        line(rdsMetric("CPUUtilization", identifier), { stat: "Average", label: `${id} CPU` }),
        line(rdsMetric("FreeableMemory", identifier), {
          stat: "Minimum",
          label: `${id} freeable memory`,
          yAxis: "right",
        }),
      ]),
    });
  }
  if (resources.dynamoTables.length > 0) {
    contents.push({
      group: "Databases",
      title: "Databases: DynamoDB throttle events and system errors",
      region,
      period: 300,
      axes: { left: "count / 5 minutes" },
      metrics: resources.dynamoTables.flatMap(({ id, name }, index) => [
        line(dynamoMetric("ReadThrottleEvents", { TableName: name }), {
          stat: "Sum",
          label: `${id} read throttles`,
        }),
        line(dynamoMetric("WriteThrottleEvents", { TableName: name }), {
          stat: "Sum",
          label: `${id} write throttles`,
        }),
        // Dashboards may SEARCH (alarms may not): every operation's system errors, summed.
        [
          {
            expression: pulumi.interpolate`SUM(SEARCH('{AWS/DynamoDB,Operation,TableName} MetricName="SystemErrors" TableName="${name}"', 'Sum', 300))`,
            label: `${id} system errors`,
            id: `systemerrors${index}`,
          },
        ],
      ]),
    });
  }
  if (resources.distributions.length > 0) {
    contents.push({
      group: "CloudFront",
      title: "CloudFront: requests and 5xx error rate",
      region: CLOUDFRONT_METRICS_REGION,
      period: 300,
      axes: { left: "requests / 5 minutes", right: "percent" },
      metrics: resources.distributions.flatMap(({ id, distributionId }) => [
        line(cloudFrontMetric("Requests", distributionId), {
          stat: "Sum",
          label: `${id} requests`,
        }),
        line(cloudFrontMetric("5xxErrorRate", distributionId), {
          stat: "Average",
          label: `${id} 5xx rate`,
          yAxis: "right",
        }),
      ]),
    });
  }
  return {
    widgets: contents.map((content, index): MetricWidget => ({
      type: "metric",
      x: (index % 2) * WIDGET_WIDTH,
      y: Math.floor(index / 2) * WIDGET_HEIGHT,
      width: WIDGET_WIDTH,
      height: WIDGET_HEIGHT,
      properties: {
        title: content.title,
        region: content.region,
        view: "timeSeries",
        stacked: false,
        period: content.period,
        metrics: content.metrics,
        ...(content.axes === undefined
          ? {}
          : {
              yAxis: {
                left: { label: content.axes.left, showUnits: false },
                ...(content.axes.right === undefined
                  ? {}
                  : { right: { label: content.axes.right, showUnits: false } }),
              },
            }),
      },
    })),
  };
}

// Prometheus

/**
 * kube-prometheus-stack in `monitoring` and a PodMonitor per scrape target. Alertmanager's pod
 * identity may publish to the alert topic and nothing else.
 */
function createPrometheusStack(
  name: string,
  args: ObservabilityArgs,
  settings: PrometheusSettings,
  topicArn: pulumi.Output<string>,
  parent: pulumi.Resource,
): void {
  const { context } = args;
  const { cluster } = settings;
  const telemetryKeyArn = args.keys.keyArns.telemetry;
  // node-exporter needs the host's network, PIDs and file systems, which only `privileged` admits.
  const namespace = new k8s.core.v1.Namespace(
    `${name}-namespace`,
    {
      metadata: {
        name: MONITORING_NAMESPACE,
        labels: { "pod-security.kubernetes.io/enforce": "privileged" },
      },
    },
    { parent, provider: cluster.provider, dependsOn: cluster.ready },
  );
  const alertmanagerIdentity = cluster.podIdentity(
    `${name}-alertmanager`,
    {
      context,
      namespace: MONITORING_NAMESPACE,
      serviceAccount: ALERTMANAGER_SERVICE_ACCOUNT,
      statements: [
        { Sid: "PublishAlerts", Action: ["sns:Publish"], Resource: topicArn },
        {
          Sid: "AlertTopicIsEncrypted",
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: telemetryKeyArn,
          Condition: {
            StringEquals: { "kms:ViaService": `sns.${context.region}.${context.dnsSuffix}` },
          },
        },
      ],
    },
    parent,
  );

  const general = placementOn("general");
  const release = helmRelease(
    `${name}-prometheus`,
    {
      source: KUBE_PROMETHEUS_STACK_CHART,
      namespace: MONITORING_NAMESPACE,
      provider: cluster.provider,
      dependsOn: [...cluster.ready, namespace, alertmanagerIdentity, ...(settings.dependsOn ?? [])],
      // CRDs, admission webhooks and a volume to provision: more than the default wait.
      timeoutSeconds: 900,
      values: {
        // The CloudWatch dashboard is the dashboard: no Grafana, so no admin password anywhere.
        grafana: { enabled: false },
        // EKS runs the control plane (nothing of it to scrape), and its kube-proxy serves metrics
        // on the node's loopback only: their rules would only ever fire "target down".
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        kubeProxy: { enabled: false },
        prometheusOperator: {
          ...general,
          resources: podResources("100m", "128Mi", "256Mi"),
          admissionWebhooks: { patch: general },
        },
        prometheus: {
          prometheusSpec: {
            // One replica: the CloudWatch alarms do not depend on it, and Prometheus resumes from
            // its volume after a restart; a second would double scraping and storage.
            replicas: 1,
            retention: `${settings.retentionDays}d`,
            // Drop the oldest blocks before the volume fills, whatever the time retention says.
            retentionSize: `${Math.floor(settings.storageGiB * 0.85)}GB`,
            externalLabels: { cluster: cluster.clusterName, region: context.region },
            // Select every monitor and rule, not only those labelled with this release.
            podMonitorSelectorNilUsesHelmValues: false,
            serviceMonitorSelectorNilUsesHelmValues: false,
            ruleSelectorNilUsesHelmValues: false,
            probeSelectorNilUsesHelmValues: false,
            ...general,
            resources: podResources("500m", "2Gi", "4Gi"),
            storageSpec: volumeClaim(settings.storageGiB),
          },
        },
        alertmanager: {
          enabled: true,
          serviceAccount: { create: true, name: ALERTMANAGER_SERVICE_ACCOUNT },
          config: {
            global: { resolve_timeout: "5m" },
            route: {
              receiver: "sns",
              group_by: ["alertname", "namespace"],
              group_wait: "30s",
              group_interval: "5m",
              repeat_interval: "12h",
              routes: [
                // The always-firing heartbeat, the inhibitor and informational alerts page nobody.
                { receiver: "null", matchers: ['alertname =~ "Watchdog|InfoInhibitor"'] },
                { receiver: "null", matchers: ['severity =~ "info|none"'] },
              ],
            },
            receivers: [
              { name: "null" },
              {
                name: "sns",
                sns_configs: [
                  {
                    topic_arn: topicArn,
                    // Credentials come from the pod identity through the default chain.
                    sigv4: { region: context.region },
                    send_resolved: true,
                  },
                ],
              },
            ],
            templates: ["/etc/alertmanager/config/*.tmpl"],
          },
          alertmanagerSpec: {
            // One replica, like Prometheus; its volume keeps silences across restarts.
            replicas: 1,
            ...general,
            resources: podResources("50m", "64Mi", "128Mi"),
            storage: volumeClaim(1),
          },
        },
        "kube-state-metrics": { ...general, resources: podResources("50m", "128Mi", "256Mi") },
        // A DaemonSet on every node: the system nodes' taint and every pool's taint are tolerated.
        "prometheus-node-exporter": {
          tolerations: [{ operator: "Exists", effect: "NoSchedule" }],
          resources: podResources("20m", "32Mi", "64Mi"),
        },
      },
    },
    parent,
  );

  for (const monitor of settings.podMonitors) {
    const spec: PodMonitorSpec = {
      selector: { matchLabels: monitor.matchLabels },
      namespaceSelector: { matchNames: [monitor.namespace] },
      podMetricsEndpoints: [{ port: monitor.port, path: monitor.path, interval: "30s" }],
    };
    // In `monitoring`, selecting the target's namespace: the monitor needs no namespace of the
    // target's to exist first.
    new k8s.apiextensions.CustomResource(
      `${name}-podmonitor-${monitor.name}`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: { name: monitor.name, namespace: MONITORING_NAMESPACE },
        spec,
      },
      { parent, provider: cluster.provider, dependsOn: [release] },
    );
  }
}

/** Requests and a memory limit (no CPU limit: throttling a scraper loses samples). */
function podResources(cpu: string, memory: string, memoryLimit: string) {
  return { requests: { cpu, memory }, limits: { memory: memoryLimit } };
}

/** A persistent volume on the encrypted gp3 class. */
function volumeClaim(sizeGiB: number) {
  return {
    volumeClaimTemplate: {
      spec: {
        storageClassName: ENCRYPTED_STORAGE_CLASS,
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: `${sizeGiB}Gi` } },
      },
    },
  };
}
