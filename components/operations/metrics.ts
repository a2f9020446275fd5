/**
 * What the alarms and the dashboard watch: the observed resources, and the CloudWatch metrics
 * each kind of resource publishes (namespace, metric name and dimensions as AWS documents them).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/aws-services-cloudwatch-metrics.html
 */
import type * as pulumi from "@pulumi/pulumi";

/** Where CloudFront publishes its metrics, so where its alarms and their topic must be. */
export const CLOUDFRONT_METRICS_REGION = "us-east-1";

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

/** The statistics alarms and widgets use. */
export type Statistic = "Sum" | "Average" | "Maximum" | "Minimum";

/** One CloudWatch metric. */
export interface MetricRef {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, pulumi.Input<string>>>;
}

/** An SQS metric of a queue. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html */
export function sqsMetric(metricName: string, queueName: pulumi.Input<string>): MetricRef {
  return { namespace: "AWS/SQS", metricName, dimensions: { QueueName: queueName } };
}

/** A Lambda metric of a function. https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html */
export function lambdaMetric(metricName: string, functionName: pulumi.Input<string>): MetricRef {
  return { namespace: "AWS/Lambda", metricName, dimensions: { FunctionName: functionName } };
}

/** An Aurora metric of a cluster. https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html */
export function rdsMetric(metricName: string, identifier: pulumi.Input<string>): MetricRef {
  return { namespace: "AWS/RDS", metricName, dimensions: { DBClusterIdentifier: identifier } };
}

/** A DynamoDB metric with its dimensions. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html */
export function dynamoMetric(
  metricName: string,
  dimensions: Readonly<Record<string, pulumi.Input<string>>>,
): MetricRef {
  return { namespace: "AWS/DynamoDB", metricName, dimensions };
}

/**
 * A CloudFront metric of a distribution (published in us-east-1 with `Region=Global`).
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html
 */
export function cloudFrontMetric(
  metricName: string,
  distributionId: pulumi.Input<string>,
): MetricRef {
  return {
    namespace: "AWS/CloudFront",
    metricName,
    dimensions: { DistributionId: distributionId, Region: "Global" },
  };
}
