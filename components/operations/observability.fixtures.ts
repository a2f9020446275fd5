/**
 * The shared harness of the Observability tests: fixture resources and thresholds, and a run of
 * the component (with a cluster for Prometheus) on the mock engine.
 */
import {
  json,
  list,
  record,
  Recorded,
  runComponent,
  TEST_CONTEXT,
  type RecordedResource,
} from "../../tools/plan/engine";
import { DataKeys } from "../security/data-keys";
import { KubernetesCluster } from "../kubernetes/kubernetes-cluster";
import type { AlarmThresholds } from "./alarms";
import type { ObservedResources } from "./metrics";
import { Observability, type ObservabilityArgs } from "./observability";
import type { PrometheusSettings } from "./prometheus";

/** The stack the runs are for. */
export const STACK = "me-south-1";
/** The account of the mock engine. */
export const ACCOUNT = TEST_CONTEXT.accountId;

/** Thresholds of every alarm in the runs. */
export const THRESHOLDS: AlarmThresholds = {
  alb5xxPerMinute: 10,
  albP95LatencySeconds: 1.5,
  queueOldestMessageSeconds: 600,
  deadLetterMessages: 1,
  lambdaErrors: 5,
  lambdaThrottles: 10,
  mediaConvertErrors: 1,
  auroraCpuPercent: 80,
  auroraFreeableMemoryMiB: 1024,
  dynamoThrottledRequests: 25,
  dynamoSystemErrors: 1,
  cloudFront5xxRatePercent: 5,
};

/** Observed resources of every kind, two of most. */
export const RESOURCES: ObservedResources = {
  loadBalancers: [
    {
      id: "monolith",
      arnSuffix: "app/monolith-alb/50dc6c495c0c9188",
      targetGroupArnSuffix: "targetgroup/monolith-app/6d0ecf831eec9f09",
    },
    {
      id: "analytics-api",
      arnSuffix: "app/k8s-analytics-api/8e2f1c0b7a6d5e4f",
      targetGroupArnSuffix: "targetgroup/k8s-analytics-api/1a2b3c4d5e6f7a8b",
    },
  ],
  autoScalingGroups: [
    { id: "monolith", name: "monolith-app-4f2a9c1", minSize: 2 },
    { id: "monolith-workers", name: "monolith-workers-7b1e3d0", minSize: 1 },
  ],
  queues: [
    { id: "monolith-jobs", name: "monolith-jobs-1a2b3c4" },
    { id: "video-ingest", name: "video-ingest-5d6e7f8" },
  ],
  deadLetterQueues: [
    { id: "monolith-jobs-dlq", name: "monolith-jobs-dlq-9a8b7c6" },
    { id: "video-ingest-dlq", name: "video-ingest-dlq-5e4d3c2" },
  ],
  functions: [
    { id: "encode-submit", name: "video-encode-submit-fn-3c2b1a0" },
    { id: "pii-tokenize", name: "tokenization-tokenize-fn-0a1b2c3" },
  ],
  mediaConvertQueues: [
    {
      id: "video",
      arn: "arn:aws:mediaconvert:me-south-1:111122223333:queues/video-encode-7c8d9e0",
    },
  ],
  auroraClusters: [{ id: "user-store", identifier: "kc-me-south-1-users" }],
  dynamoTables: [
    { id: "video-catalog", name: "video-catalog-2b3c4d5" },
    { id: "home-region", name: "knowledgecity-home-region" },
  ],
  distributions: [
    { id: "video-cdn", distributionId: "E2QWRUHAPOMQZL" },
    { id: "edge", distributionId: "E1KTR7EXAMPLE0" },
  ],
};

/** Addresses subscribed to the alert topics. */
export const EMAILS = ["oncall@knowledgecity.com", "platform@knowledgecity.com"];

/** Scrape targets of the Prometheus stack. */
export const POD_MONITORS: PrometheusSettings["podMonitors"] = [
  {
    name: "analytics-api",
    namespace: "analytics",
    matchLabels: { "app.kubernetes.io/name": "analytics-api" },
    port: "http",
    path: "/metrics",
  },
  {
    name: "clickhouse",
    namespace: "clickhouse",
    matchLabels: { "clickhouse.altinity.com/chi": "analytics" },
    port: "metrics",
    path: "/metrics",
  },
];

/** What a run changes from the defaults above. */
export interface Overrides {
  readonly args?: Partial<Omit<ObservabilityArgs, "prometheus">>;
  readonly prometheus?: Partial<Omit<PrometheusSettings, "cluster">> | false;
  readonly region?: string;
}

/** Runs the component (with a cluster for Prometheus unless `prometheus: false`). */
export function run(overrides: Overrides = {}) {
  const region = overrides.region ?? TEST_CONTEXT.region;
  const context = { ...TEST_CONTEXT, region };
  return runComponent((provider, providerFor) => {
    const keys = new DataKeys("keys", { context, stack: STACK }, { providers: [provider] });
    const cluster =
      overrides.prometheus === false
        ? undefined
        : new KubernetesCluster(
            "eks",
            {
              context,
              clusterName: `kc-${STACK}-analytics`,
              version: "1.35",
              vpcId: "vpc-1",
              privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
              keys,
            },
            { providers: [provider] },
          );
    const observability = new Observability(
      "observability",
      {
        context,
        stack: STACK,
        keys,
        thresholds: THRESHOLDS,
        resources: RESOURCES,
        alertEmails: EMAILS,
        usEast1Provider: providerFor("us-east-1"),
        ...(cluster === undefined || overrides.prometheus === false
          ? {}
          : {
              prometheus: {
                cluster,
                retentionDays: 15,
                storageGiB: 50,
                podMonitors: POD_MONITORS,
                ...overrides.prometheus,
              },
            }),
        ...overrides.args,
      },
      { providers: [provider] },
    );
    keys.seal();
    return {
      alertTopicArn: observability.alertTopicArn,
      dashboardName: observability.dashboardName,
      ...(observability.usEast1AlertTopicArn === undefined
        ? {}
        : { usEast1AlertTopicArn: observability.usEast1AlertTopicArn }),
    };
  }, region);
}

/** The message a run fails with. */
export async function failure(overrides: Overrides): Promise<string> {
  try {
    await run(overrides);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error("expected the run to fail");
}

/** Resource types the tests look up. */
export const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
export const TOPIC = "aws:sns/topic:Topic";
export const RELEASE = "kubernetes:helm.sh/v3:Release";

/** The statements of a recorded policy document. */
export const statementsOf = (resource: RecordedResource, field = "policy") =>
  list(json(resource.inputs[field]).Statement).map(record);

/** Expected alarm names and thresholds, from the resources and thresholds above. */
export function expectedAlarms(thresholds: AlarmThresholds): Map<string, number> {
  const entries: [string, string, number][] = [
    ...RESOURCES.loadBalancers.flatMap(({ id }): [string, string, number][] => [
      [id, "alb-5xx", thresholds.alb5xxPerMinute],
      [id, "alb-p95-latency", thresholds.albP95LatencySeconds],
    ]),
    ...RESOURCES.autoScalingGroups.map(({ id, minSize }): [string, string, number] => [
      id,
      "asg-in-service",
      minSize,
    ]),
    ...RESOURCES.queues.map(({ id }): [string, string, number] => [
      id,
      "queue-oldest-message",
      thresholds.queueOldestMessageSeconds,
    ]),
    ...RESOURCES.deadLetterQueues.map(({ id }): [string, string, number] => [
      id,
      "dlq-messages",
      thresholds.deadLetterMessages,
    ]),
    ...RESOURCES.functions.flatMap(({ id }): [string, string, number][] => [
      [id, "lambda-errors", thresholds.lambdaErrors],
      [id, "lambda-throttles", thresholds.lambdaThrottles],
    ]),
    ...RESOURCES.mediaConvertQueues.map(({ id }): [string, string, number] => [
      id,
      "mediaconvert-errors",
      thresholds.mediaConvertErrors,
    ]),
    ...RESOURCES.auroraClusters.flatMap(({ id }): [string, string, number][] => [
      [id, "aurora-cpu", thresholds.auroraCpuPercent],
      [id, "aurora-freeable-memory", thresholds.auroraFreeableMemoryMiB * 1024 * 1024],
    ]),
    ...RESOURCES.dynamoTables.flatMap(({ id }): [string, string, number][] => [
      [id, "dynamodb-throttles", thresholds.dynamoThrottledRequests],
      [id, "dynamodb-system-errors", thresholds.dynamoSystemErrors],
    ]),
    ...RESOURCES.distributions.map(({ id }): [string, string, number] => [
      id,
      "cloudfront-5xx-rate",
      thresholds.cloudFront5xxRatePercent,
    ]),
  ];
  return new Map(entries.map(([id, signal, threshold]) => [`${STACK}-${id}-${signal}`, threshold]));
}

/** The recorded alarms by name. */
export const alarmsOf = (recorded: Recorded) =>
  new Map(recorded.ofType(ALARM).map((alarm) => [String(alarm.inputs.name), alarm]));
