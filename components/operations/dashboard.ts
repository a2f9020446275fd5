/**
 * The stack's CloudWatch dashboard: one or two metric widgets per signal group, two a row, each
 * reading its metrics in the region that publishes them.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  CLOUDFRONT_METRICS_REGION,
  cloudFrontMetric,
  dynamoMetric,
  lambdaMetric,
  rdsMetric,
  sqsMetric,
  type MetricRef,
  type ObservedResources,
  type Statistic,
} from "./metrics";

/** A line of a metric widget: namespace, name, dimension pairs, then its rendering options. */
export type DashboardMetric = readonly (pulumi.Input<string> | DashboardMetricOptions)[];

export interface DashboardMetricOptions {
  readonly stat?: Statistic | "p95";
  readonly label?: pulumi.Input<string>;
  readonly yAxis?: "left" | "right";
  /** A metric math or search expression instead of a metric. */
  readonly expression?: pulumi.Input<string>;
  readonly id?: string;
}

export interface MetricWidget {
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

export interface DashboardBody {
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
export function dashboardBody(region: string, resources: ObservedResources): DashboardBody {
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

/** Arguments of `createDashboard`. */
export interface DashboardArgs {
  /** Names the dashboard `knowledgecity-<stack>`. */
  readonly stack: string;
  /** The stack's region, where every widget but CloudFront's reads. */
  readonly region: string;
  /** What the widgets plot. */
  readonly resources: ObservedResources;
}

/** The stack's dashboard (CloudWatch dashboards are global; each widget names its region). */
export function createDashboard(
  name: string,
  args: DashboardArgs,
  parent: pulumi.Resource,
): aws.cloudwatch.Dashboard {
  return new aws.cloudwatch.Dashboard(
    `${name}-dashboard`,
    {
      dashboardName: `knowledgecity-${args.stack}`,
      dashboardBody: pulumi.jsonStringify(dashboardBody(args.region, args.resources)),
    },
    { parent },
  );
}
