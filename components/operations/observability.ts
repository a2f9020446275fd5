import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";
import type { LogRetentionDays } from "../shared/logs";
import type { DataKeys } from "../security/data-keys";
import { createAlarms, type AlarmThresholds } from "./alarms";
import { alarmsPublishWithKey, createAlertTopic, createUsEast1AlertTopic } from "./alert-topics";
import { createDashboard } from "./dashboard";
import { CLOUDFRONT_METRICS_REGION, type ObservedResources } from "./metrics";
import { observabilityProblems } from "./observability-validation";
import { createPrometheusStack, type PrometheusSettings } from "./prometheus";

// The types of the arguments, for callers that import them with the component.

/** Arguments of `Observability`. */
export interface ObservabilityArgs {
  /** Account, partition and region of the stack: the topics' policies and the alarms' region. */
  readonly context: AwsContext;
  /** Stack name: prefixes alarm names and names the dashboard `knowledgecity-<stack>`. */
  readonly stack: string;
  /**
   * The stack's keys: the regional alert topic uses the telemetry key, whose policy this
   * component extends so CloudWatch alarms can publish to it. The caller seals the keys afterwards.
   * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
   */
  readonly keys: DataKeys;
  /**
   * The alarms' thresholds, one per signal (no defaults: each is a decision of the stack).
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ConsoleAlarms.html
   */
  readonly thresholds: AlarmThresholds;
  /** What the alarms and the dashboard watch; an empty kind gets no alarm and no widget. */
  readonly resources: ObservedResources;
  /**
   * Email addresses subscribed to the alert topics (may be empty); each must confirm.
   * https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html
   */
  readonly alertEmails: readonly string[];
  /**
   * Provider of us-east-1, for CloudFront alarms and their own alert topic there (alarm actions
   * must be in the alarm's region). That topic has a small key of its own in us-east-1; in a
   * us-east-1 stack the regional topic serves instead.
   * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html
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

/**
 * The region's alerting and dashboards. A KMS-encrypted, TLS-only SNS alert topic (the telemetry
 * key) with email subscriptions, and one CloudWatch alarm per observed resource and signal, each
 * notifying the topic on ALARM and on OK. CloudFront publishes metrics only in us-east-1, so its
 * alarms live there with a topic of their own (a dedicated key in us-east-1; the regional topic
 * in a us-east-1 stack). One CloudWatch dashboard, `knowledgecity-<stack>`, shows every signal
 * group. Optionally kube-prometheus-stack on the analytics cluster: Prometheus on the `general`
 * pool with an encrypted volume, Alertmanager publishing to the alert topic through its pod
 * identity, no Grafana (the CloudWatch dashboard is the dashboard), and a PodMonitor per target.
 *
 * The parts live beside it: `alert-topics.ts`, `alarms.ts`, `dashboard.ts`, `prometheus.ts`,
 * `metrics.ts` (what is watched) and `observability-validation.ts`.
 */
export class Observability extends pulumi.ComponentResource {
  /** The regional alert topic. */
  public readonly alertTopicArn: pulumi.Output<string>;
  /** The topic of the CloudFront alarms in us-east-1, when there are distributions. */
  public readonly usEast1AlertTopicArn: pulumi.Output<string> | undefined;
  /** `knowledgecity-<stack>`. */
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
      ? createUsEast1AlertTopic(
          `${name}-alerts-${CLOUDFRONT_METRICS_REGION}`,
          {
            context,
            stack: args.stack,
            emails: args.alertEmails,
            provider: args.usEast1Provider,
          },
          this,
        )
      : undefined;

    const alarms = createAlarms(
      name,
      {
        stack: args.stack,
        resources: args.resources,
        thresholds: args.thresholds,
        regionalTopicArn: regionalTopic.arn,
        usEast1TopicArn: (usEast1Topic ?? regionalTopic).arn,
        usEast1Provider: args.usEast1Provider,
      },
      this,
    );
    const dashboard = createDashboard(
      name,
      { stack: args.stack, region: context.region, resources: args.resources },
      this,
    );
    if (args.prometheus !== undefined) {
      createPrometheusStack(
        name,
        {
          context,
          settings: args.prometheus,
          topicArn: regionalTopic.arn,
          telemetryKeyArn: args.keys.keyArns.telemetry,
        },
        this,
      );
    }

    this.alertTopicArn = regionalTopic.arn;
    this.usEast1AlertTopicArn = usEast1Topic?.arn;
    this.dashboardName = dashboard.dashboardName;
    this.alarmNames = alarms.alarmNames;
    this.registerOutputs({
      alertTopicArn: this.alertTopicArn,
      usEast1AlertTopicArn: this.usEast1AlertTopicArn,
      dashboardName: this.dashboardName,
      alarmNames: this.alarmNames,
    });
  }
}
