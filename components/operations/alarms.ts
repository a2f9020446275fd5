/**
 * The CloudWatch alarms: which signals each kind of observed resource gets, their thresholds and
 * evaluation windows, and the `MetricAlarm`s that notify the alert topics on ALARM and on OK.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import {
  cloudFrontMetric,
  dynamoMetric,
  lambdaMetric,
  rdsMetric,
  sqsMetric,
  type MetricRef,
  type ObservedResources,
  type Statistic,
} from "./metrics";

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

/** Every signal an alarm watches; with the resource's id it names the alarm. */
export type Signal =
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

export type AlarmRegion = "regional" | "us-east-1";

/** What an alarm evaluates: a statistic of one metric, a percentile, or a sum of metrics. */
export type AlarmMetric =
  | { readonly kind: "statistic"; readonly metric: MetricRef; readonly statistic: Statistic }
  | { readonly kind: "percentile"; readonly metric: MetricRef; readonly percentile: "p95" }
  | {
      readonly kind: "sum";
      readonly label: string;
      readonly metrics: readonly (MetricRef & { readonly id: string })[];
    };

export interface AlarmSpec {
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
export function alarmSpecs(resources: ObservedResources, thresholds: AlarmThresholds): AlarmSpec[] {
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

/** The metric part of a `MetricAlarm`'s arguments. */
export function alarmMetricArgs(spec: AlarmSpec): aws.cloudwatch.MetricAlarmArgs {
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

/** Arguments of `createAlarms`. */
export interface AlarmsArgs {
  /** Prefixes every alarm's name: `<stack>-<id>-<signal>`. */
  readonly stack: string;
  /** What the alarms watch. */
  readonly resources: ObservedResources;
  /** The alarms' thresholds. */
  readonly thresholds: AlarmThresholds;
  /** The topic the regional alarms notify. */
  readonly regionalTopicArn: pulumi.Input<string>;
  /** The topic the us-east-1 (CloudFront) alarms notify, which must be in us-east-1. */
  readonly usEast1TopicArn: pulumi.Input<string>;
  /** Provider of us-east-1, where CloudFront publishes its metrics. */
  readonly usEast1Provider: aws.Provider;
}

/** What `createAlarms` creates. */
export interface Alarms {
  /** Every alarm's name, `<stack>-<id>-<signal>`. */
  readonly alarmNames: readonly string[];
}

/**
 * One alarm per observed resource and signal, named `${name}-<id>-<signal>`, notifying its
 * region's topic on ALARM and on OK (alarm actions must be in the alarm's region).
 */
export function createAlarms(name: string, args: AlarmsArgs, parent: pulumi.Resource): Alarms {
  const specs = alarmSpecs(args.resources, args.thresholds);
  for (const spec of specs) {
    const topicArn = spec.region === "us-east-1" ? args.usEast1TopicArn : args.regionalTopicArn;
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
      spec.region === "us-east-1" ? { parent, provider: args.usEast1Provider } : { parent },
    );
  }
  return { alarmNames: specs.map((spec) => `${args.stack}-${spec.id}-${spec.signal}`) };
}
