import { describe, expect, it } from "vitest";
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
import {
  KUBE_PROMETHEUS_STACK_CHART,
  Observability,
  type AlarmThresholds,
  type ObservabilityArgs,
  type ObservedResources,
  type PrometheusSettings,
} from "./observability";

const STACK = "me-south-1";
const ACCOUNT = TEST_CONTEXT.accountId;

const THRESHOLDS: AlarmThresholds = {
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

const RESOURCES: ObservedResources = {
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

const EMAILS = ["oncall@knowledgecity.com", "platform@knowledgecity.com"];

const POD_MONITORS: PrometheusSettings["podMonitors"] = [
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

interface Overrides {
  readonly args?: Partial<Omit<ObservabilityArgs, "prometheus">>;
  readonly prometheus?: Partial<Omit<PrometheusSettings, "cluster">> | false;
  readonly region?: string;
}

/** Runs the component (with a cluster for Prometheus unless `prometheus: false`). */
function run(overrides: Overrides = {}) {
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
async function failure(overrides: Overrides): Promise<string> {
  try {
    await run(overrides);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error("expected the run to fail");
}

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";
const RELEASE = "kubernetes:helm.sh/v3:Release";

const statementsOf = (resource: RecordedResource, field = "policy") =>
  list(json(resource.inputs[field]).Statement).map(record);

/** Expected alarm names and thresholds, from the resources and thresholds above. */
function expectedAlarms(thresholds: AlarmThresholds): Map<string, number> {
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

const alarmsOf = (recorded: Recorded) =>
  new Map(recorded.ofType(ALARM).map((alarm) => [String(alarm.inputs.name), alarm]));

describe("Observability", async () => {
  const result = await run();
  const recorded = Recorded.of(result);
  const regionalTopicArn = String(result.outputs.alertTopicArn);
  const usEast1TopicArn = String(result.outputs.usEast1AlertTopicArn);

  describe("alert topics", () => {
    it("has a topic in the stack's region and one in us-east-1 for CloudFront", () => {
      expect(regionalTopicArn).toMatch(/^arn:aws:sns:me-south-1:111122223333:/);
      expect(usEast1TopicArn).toMatch(/^arn:aws:sns:us-east-1:111122223333:/);
      const regions = recorded
        .ofType(TOPIC)
        .map((topic) => topic.region)
        .sort();
      expect(regions).toEqual(["me-south-1", "us-east-1"]);
    });

    it("encrypts the regional topic with the telemetry key", () => {
      const telemetryKey = recorded.named("aws:kms/key:Key", "keys-telemetry");
      const topic = recorded.named(TOPIC, "observability-alerts");
      expect(topic.inputs.kmsMasterKeyId).toBe(
        `arn:aws:kms:me-south-1:${ACCOUNT}:key/${telemetryKey.id ?? ""}`,
      );
      expect(topic.inputs.tags).toEqual({ DataClass: "telemetry" });
    });

    it("encrypts the us-east-1 topic with a telemetry key of its own there", () => {
      const key = recorded.named("aws:kms/key:Key", "observability-alerts-us-east-1");
      expect(key.region).toBe("us-east-1");
      expect(key.inputs).toMatchObject({
        enableKeyRotation: true,
        tags: { DataClass: "telemetry" },
      });
      const topic = recorded.named(TOPIC, "observability-alerts-us-east-1");
      expect(topic.inputs.kmsMasterKeyId).toBe(
        `arn:aws:kms:us-east-1:${ACCOUNT}:key/${key.id ?? ""}`,
      );
      const statements = statementsOf(key);
      const cloudWatch = statements.find((s) => s.Sid === "CloudWatchAlarmsPublishAlerts");
      expect(cloudWatch).toMatchObject({
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
      });
      const admin = statements.find((s) => s.Sid === "AccountAdministersTheKey");
      expect(admin?.Principal).toEqual({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
      expect(list(admin?.Action)).not.toContain("kms:Decrypt");
    });

    it("names CloudWatch in the telemetry key's policy, so alarms can publish", () => {
      const statement = statementsOf(
        recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-telemetry"),
      ).find((s) => s.Sid === "CloudWatchAlarmsPublishAlerts");
      expect(statement).toMatchObject({
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
      });
    });

    it("lets this account's alarms of the topic's region publish, over TLS only", () => {
      for (const [topicName, region] of [
        ["observability-alerts", "me-south-1"],
        ["observability-alerts-us-east-1", "us-east-1"],
      ] as const) {
        const policy = recorded.named("aws:sns/topicPolicy:TopicPolicy", topicName);
        expect(policy.region).toBe(region);
        const [publish, tls] = statementsOf(policy);
        expect(publish).toMatchObject({
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT },
            ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:*` },
          },
        });
        expect(tls).toMatchObject({
          Effect: "Deny",
          Principal: "*",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        });
      }
    });

    it("subscribes every address to both topics by email", () => {
      const subscriptions = recorded.ofType("aws:sns/topicSubscription:TopicSubscription");
      expect(subscriptions).toHaveLength(EMAILS.length * 2);
      for (const topicArn of [regionalTopicArn, usEast1TopicArn]) {
        const endpoints = subscriptions
          .filter((subscription) => subscription.inputs.topic === topicArn)
          .map((subscription) => {
            expect(subscription.inputs.protocol).toBe("email");
            return subscription.inputs.endpoint;
          });
        expect(endpoints.sort()).toEqual([...EMAILS].sort());
      }
      for (const subscription of subscriptions) {
        expect(subscription.name).not.toContain("@");
      }
    });
  });

  describe("alarms", () => {
    const alarms = alarmsOf(recorded);

    it("are exactly one per observed resource and signal", () => {
      expect([...alarms.keys()].sort()).toEqual([...expectedAlarms(THRESHOLDS).keys()].sort());
      const perSignal = (signal: string) =>
        [...alarms.keys()].filter((alarmName) => alarmName.endsWith(`-${signal}`)).length;
      expect(perSignal("alb-5xx")).toBe(2);
      expect(perSignal("alb-p95-latency")).toBe(2);
      expect(perSignal("asg-in-service")).toBe(2);
      expect(perSignal("queue-oldest-message")).toBe(2);
      expect(perSignal("dlq-messages")).toBe(2);
      expect(perSignal("lambda-errors")).toBe(2);
      expect(perSignal("lambda-throttles")).toBe(2);
      expect(perSignal("mediaconvert-errors")).toBe(1);
      expect(perSignal("aurora-cpu")).toBe(1);
      expect(perSignal("aurora-freeable-memory")).toBe(1);
      expect(perSignal("dynamodb-throttles")).toBe(2);
      expect(perSignal("dynamodb-system-errors")).toBe(2);
      expect(perSignal("cloudfront-5xx-rate")).toBe(2);
    });

    it("every one notifies the topic of its own region on ALARM and on OK", () => {
      expect(alarms.size).toBeGreaterThan(0);
      for (const alarm of alarms.values()) {
        const topicArn = alarm.region === "us-east-1" ? usEast1TopicArn : regionalTopicArn;
        expect(alarm.region).toBe(
          String(alarm.inputs.name).endsWith("-cloudfront-5xx-rate") ? "us-east-1" : "me-south-1",
        );
        expect(alarm.inputs.alarmActions).toEqual([topicArn]);
        expect(alarm.inputs.okActions).toEqual([topicArn]);
        expect(String(alarm.inputs.alarmDescription).length).toBeGreaterThan(20);
        expect(["notBreaching", "breaching"]).toContain(alarm.inputs.treatMissingData);
      }
    });

    it("take their thresholds from the configuration, and follow it", async () => {
      for (const [alarmName, threshold] of expectedAlarms(THRESHOLDS)) {
        expect(alarms.get(alarmName)?.inputs.threshold).toBe(threshold);
      }
      const changed: AlarmThresholds = {
        ...THRESHOLDS,
        lambdaErrors: 7,
        auroraFreeableMemoryMiB: 512,
        cloudFront5xxRatePercent: 2.5,
        deadLetterMessages: 3,
      };
      const rerun = alarmsOf(
        Recorded.of(await run({ args: { thresholds: changed }, prometheus: false })),
      );
      for (const [alarmName, threshold] of expectedAlarms(changed)) {
        expect(rerun.get(alarmName)?.inputs.threshold).toBe(threshold);
      }
      expect(rerun.get(`${STACK}-encode-submit-lambda-errors`)?.inputs.threshold).toBe(7);
      expect(rerun.get(`${STACK}-user-store-aurora-freeable-memory`)?.inputs.threshold).toBe(
        512 * 1024 * 1024,
      );
    });

    it("sum target and load balancer 5xx per load balancer with metric math", () => {
      const alarm = alarms.get(`${STACK}-monolith-alb-5xx`);
      const queries = list(alarm?.inputs.metricQueries).map(record);
      const metrics = queries
        .filter((query) => query.metric !== undefined)
        .map((query) => record(query.metric));
      expect(metrics.map((metric) => metric.metricName)).toEqual([
        "HTTPCode_Target_5XX_Count",
        "HTTPCode_ELB_5XX_Count",
      ]);
      for (const metric of metrics) {
        expect(metric).toMatchObject({
          namespace: "AWS/ApplicationELB",
          stat: "Sum",
          period: 60,
          dimensions: { LoadBalancer: "app/monolith-alb/50dc6c495c0c9188" },
        });
      }
      const expression = queries.find((query) => query.expression !== undefined);
      expect(expression).toMatchObject({
        expression: "FILL(target, 0) + FILL(elb, 0)",
        returnData: true,
      });
      expect(alarm?.inputs).toMatchObject({
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: "notBreaching",
      });
      expect(alarm?.inputs.metricName).toBeUndefined();
    });

    it("watch p95 target response time", () => {
      expect(alarms.get(`${STACK}-analytics-api-alb-p95-latency`)?.inputs).toMatchObject({
        namespace: "AWS/ApplicationELB",
        metricName: "TargetResponseTime",
        extendedStatistic: "p95",
        dimensions: { LoadBalancer: "app/k8s-analytics-api/8e2f1c0b7a6d5e4f" },
        comparisonOperator: "GreaterThanThreshold",
        period: 60,
      });
    });

    it("treat a silent Auto Scaling group as below its minimum", () => {
      expect(alarms.get(`${STACK}-monolith-asg-in-service`)?.inputs).toMatchObject({
        namespace: "AWS/AutoScaling",
        metricName: "GroupInServiceInstances",
        dimensions: { AutoScalingGroupName: "monolith-app-4f2a9c1" },
        comparisonOperator: "LessThanThreshold",
        threshold: 2,
        treatMissingData: "breaching",
      });
    });

    it("watch work queues by age and dead-letter queues by depth", () => {
      expect(alarms.get(`${STACK}-video-ingest-queue-oldest-message`)?.inputs).toMatchObject({
        namespace: "AWS/SQS",
        metricName: "ApproximateAgeOfOldestMessage",
        dimensions: { QueueName: "video-ingest-5d6e7f8" },
      });
      expect(alarms.get(`${STACK}-video-ingest-dlq-dlq-messages`)?.inputs).toMatchObject({
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: "video-ingest-dlq-5e4d3c2" },
        comparisonOperator: "GreaterThanOrEqualToThreshold",
      });
    });

    it("watch Lambda, MediaConvert and Aurora on their own dimensions", () => {
      expect(alarms.get(`${STACK}-pii-tokenize-lambda-throttles`)?.inputs).toMatchObject({
        namespace: "AWS/Lambda",
        metricName: "Throttles",
        statistic: "Sum",
        period: 300,
        dimensions: { FunctionName: "tokenization-tokenize-fn-0a1b2c3" },
      });
      expect(alarms.get(`${STACK}-video-mediaconvert-errors`)?.inputs).toMatchObject({
        namespace: "AWS/MediaConvert",
        metricName: "JobsErroredCount",
        dimensions: { Queue: RESOURCES.mediaConvertQueues[0]?.arn },
      });
      expect(alarms.get(`${STACK}-user-store-aurora-cpu`)?.inputs).toMatchObject({
        namespace: "AWS/RDS",
        metricName: "CPUUtilization",
        statistic: "Average",
        dimensions: { DBClusterIdentifier: "kc-me-south-1-users" },
      });
      expect(alarms.get(`${STACK}-user-store-aurora-freeable-memory`)?.inputs).toMatchObject({
        metricName: "FreeableMemory",
        comparisonOperator: "LessThanThreshold",
      });
    });

    it("sum DynamoDB throttle events and per-operation system errors within alarm limits", () => {
      const queriesOf = (alarmName: string) =>
        list(alarms.get(alarmName)?.inputs.metricQueries).map(record);
      const throttles = queriesOf(`${STACK}-video-catalog-dynamodb-throttles`)
        .filter((query) => query.metric !== undefined)
        .map((query) => record(query.metric));
      expect(throttles.map((metric) => metric.metricName)).toEqual([
        "ReadThrottleEvents",
        "WriteThrottleEvents",
      ]);
      for (const metric of throttles) {
        expect(metric.dimensions).toEqual({ TableName: "video-catalog-2b3c4d5" });
      }
      const systemErrors = queriesOf(`${STACK}-home-region-dynamodb-system-errors`);
      expect(systemErrors.length).toBeLessThanOrEqual(10);
      const operations = systemErrors
        .filter((query) => query.metric !== undefined)
        .map((query) => record(query.metric))
        .map((metric) => {
          expect(metric.metricName).toBe("SystemErrors");
          return record(metric.dimensions);
        });
      for (const dimensions of operations) {
        expect(dimensions.TableName).toBe("knowledgecity-home-region");
      }
      expect(operations.map((dimensions) => dimensions.Operation)).toEqual(
        expect.arrayContaining([
          "GetItem",
          "PutItem",
          "UpdateItem",
          "Query",
          "DeleteItem",
          "TransactWriteItems",
        ]),
      );
      expect(systemErrors.filter((query) => query.returnData === true)).toHaveLength(1);
    });

    it("watch CloudFront in us-east-1 on the Global region dimension", () => {
      const alarm = alarms.get(`${STACK}-video-cdn-cloudfront-5xx-rate`);
      expect(alarm?.region).toBe("us-east-1");
      expect(alarm?.inputs).toMatchObject({
        namespace: "AWS/CloudFront",
        metricName: "5xxErrorRate",
        dimensions: { DistributionId: "E2QWRUHAPOMQZL", Region: "Global" },
        alarmActions: [usEast1TopicArn],
      });
    });
  });

  describe("dashboard", () => {
    const dashboard = recorded.named(
      "aws:cloudwatch/dashboard:Dashboard",
      "observability-dashboard",
    );
    const widgets = list(json(dashboard.inputs.dashboardBody).widgets)
      .map(record)
      .map((widget) => ({ type: widget.type, properties: record(widget.properties) }));

    it("is named after the stack", () => {
      expect(dashboard.inputs.dashboardName).toBe("knowledgecity-me-south-1");
      expect(result.outputs.dashboardName).toBe("knowledgecity-me-south-1");
    });

    it("has a widget for every signal group, each with metrics", () => {
      const groups = new Set(
        widgets.map((widget) => String(widget.properties.title).split(":")[0]),
      );
      expect([...groups].sort()).toEqual(
        [
          "Load balancers",
          "Auto Scaling groups",
          "Queues",
          "Lambda functions",
          "MediaConvert",
          "Databases",
          "CloudFront",
        ].sort(),
      );
      for (const widget of widgets) {
        expect(widget.type).toBe("metric");
        expect(list(widget.properties.metrics).length).toBeGreaterThan(0);
      }
    });

    it("reads CloudFront in us-east-1 and everything else in the stack's region", () => {
      for (const widget of widgets) {
        const title = String(widget.properties.title);
        expect(widget.properties.region).toBe(
          title.startsWith("CloudFront") ? "us-east-1" : "me-south-1",
        );
      }
      const cloudFront = widgets.find((widget) =>
        String(widget.properties.title).startsWith("CloudFront"),
      );
      expect(JSON.stringify(cloudFront?.properties.metrics)).toContain("E2QWRUHAPOMQZL");
    });

    it("shows target health per target group", () => {
      const health = widgets.find((widget) => String(widget.properties.title).includes("healthy"));
      expect(JSON.stringify(health?.properties.metrics)).toContain(
        "targetgroup/monolith-app/6d0ecf831eec9f09",
      );
    });
  });

  describe("Prometheus", () => {
    const release = recorded.named(RELEASE, "observability-prometheus");
    const values = record(release.inputs.values);
    const prometheusSpec = record(record(values.prometheus).prometheusSpec);
    const alertmanager = record(values.alertmanager);

    it("installs kube-prometheus-stack, pinned, atomically, in monitoring", () => {
      expect(release.inputs).toMatchObject({
        chart: "kube-prometheus-stack",
        version: KUBE_PROMETHEUS_STACK_CHART.version,
        repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" },
        namespace: "monitoring",
        atomic: true,
      });
      expect(release.inputs.version).toMatch(/^\d+\.\d+\.\d+$/);
      const namespace = recorded.named("kubernetes:core/v1:Namespace", "observability-namespace");
      expect(record(namespace.inputs.metadata).name).toBe("monitoring");
      expect(release.dependsOn).toContain(namespace.urn);
    });

    it("keeps the configured retention on an encrypted volume", () => {
      expect(prometheusSpec.retention).toBe("15d");
      expect(record(prometheusSpec.storageSpec)).toEqual({
        volumeClaimTemplate: {
          spec: {
            storageClassName: "gp3-encrypted",
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: "50Gi" } },
          },
        },
      });
      expect(prometheusSpec).toMatchObject({
        podMonitorSelectorNilUsesHelmValues: false,
        serviceMonitorSelectorNilUsesHelmValues: false,
        nodeSelector: { "karpenter.sh/nodepool": "general" },
      });
      expect(record(values.prometheusOperator).nodeSelector).toEqual({
        "karpenter.sh/nodepool": "general",
      });
    });

    it("follows a changed retention", async () => {
      const rerun = Recorded.of(await run({ prometheus: { retentionDays: 30 } }));
      const spec = record(
        record(record(rerun.named(RELEASE, "observability-prometheus").inputs.values).prometheus)
          .prometheusSpec,
      );
      expect(spec.retention).toBe("30d");
    });

    it("runs no Grafana and sets no password", () => {
      expect(values.grafana).toEqual({ enabled: false });
      expect(JSON.stringify(values)).not.toMatch(/password/i);
    });

    it("sends Alertmanager's notifications to the regional alert topic through SNS", () => {
      expect(alertmanager.enabled).toBe(true);
      expect(alertmanager.serviceAccount).toEqual({ create: true, name: "alertmanager" });
      const config = record(alertmanager.config);
      expect(record(config.route).receiver).toBe("sns");
      const receiver = list(config.receivers)
        .map(record)
        .find((entry) => entry.name === "sns");
      expect(list(receiver?.sns_configs).map(record)).toEqual([
        { topic_arn: regionalTopicArn, sigv4: { region: "me-south-1" }, send_resolved: true },
      ]);
    });

    it("gives Alertmanager a pod identity that may only publish to the topic", () => {
      const association = recorded.named(
        "aws:eks/podIdentityAssociation:PodIdentityAssociation",
        "observability-alertmanager",
      );
      expect(association.inputs).toMatchObject({
        namespace: "monitoring",
        serviceAccount: "alertmanager",
      });
      expect(release.dependsOn).toContain(association.urn);
      const statements = statementsOf(
        recorded.named("aws:iam/rolePolicy:RolePolicy", "observability-alertmanager"),
      );
      const actions = statements.flatMap((statement) => list(statement.Action)).sort();
      expect(actions).toEqual(["kms:Decrypt", "kms:GenerateDataKey", "sns:Publish"]);
      const publish = statements.find((statement) =>
        list(statement.Action).includes("sns:Publish"),
      );
      expect(publish?.Resource).toBe(regionalTopicArn);
      const telemetryKey = recorded.named("aws:kms/key:Key", "keys-telemetry");
      const encrypt = statements.find((statement) => statement !== publish);
      expect(encrypt).toMatchObject({
        Resource: `arn:aws:kms:me-south-1:${ACCOUNT}:key/${telemetryKey.id ?? ""}`,
        Condition: { StringEquals: { "kms:ViaService": "sns.me-south-1.amazonaws.com" } },
      });
    });

    it("runs node-exporter on every node, the tainted system nodes included", () => {
      const tolerations = list(record(values["prometheus-node-exporter"]).tolerations).map(record);
      const tolerated = tolerations.some(
        (toleration) =>
          (toleration.key === undefined || toleration.key === "CriticalAddonsOnly") &&
          (toleration.effect === undefined || toleration.effect === "NoSchedule") &&
          (toleration.operator === "Exists" || toleration.value === "true"),
      );
      expect(tolerated).toBe(true);
    });

    it("creates a PodMonitor per target once the release exists", () => {
      const monitors = recorded.ofType("kubernetes:monitoring.coreos.com/v1:PodMonitor");
      expect(monitors).toHaveLength(POD_MONITORS.length);
      for (const target of POD_MONITORS) {
        const monitor = recorded.named(
          "kubernetes:monitoring.coreos.com/v1:PodMonitor",
          `observability-podmonitor-${target.name}`,
        );
        expect(record(monitor.inputs.metadata)).toMatchObject({
          name: target.name,
          namespace: "monitoring",
        });
        expect(record(monitor.inputs.spec)).toMatchObject({
          selector: { matchLabels: target.matchLabels },
          namespaceSelector: { matchNames: [target.namespace] },
          podMetricsEndpoints: [{ port: target.port, path: target.path }],
        });
        expect(monitor.dependsOn).toContain(release.urn);
      }
    });
  });

  describe("variants", () => {
    it("creates nothing in Kubernetes without Prometheus settings", async () => {
      const plain = Recorded.of(await run({ prometheus: false }));
      expect(plain.resources.filter((resource) => resource.type.startsWith("kubernetes:"))).toEqual(
        [],
      );
      expect(plain.ofType(ALARM).length).toBe(expectedAlarms(THRESHOLDS).size);
    });

    it("uses the regional topic for CloudFront in a us-east-1 stack", async () => {
      const east = await run({ region: "us-east-1", prometheus: false });
      const eastRecorded = Recorded.of(east);
      expect(eastRecorded.ofType(TOPIC)).toHaveLength(1);
      expect(
        eastRecorded
          .ofType("aws:kms/key:Key")
          .map((key) => key.name)
          .sort(),
      ).toEqual(["keys-content", "keys-telemetry", "keys-user-data"]);
      const topicArn = String(east.outputs.alertTopicArn);
      for (const alarm of eastRecorded.ofType(ALARM)) {
        expect(alarm.region).toBe("us-east-1");
        expect(alarm.inputs.alarmActions).toEqual([topicArn]);
      }
    });

    it("needs no us-east-1 topic without distributions", async () => {
      const noEdge = Recorded.of(
        await run({
          args: { resources: { ...RESOURCES, distributions: [] } },
          prometheus: false,
        }),
      );
      expect(noEdge.ofType(TOPIC).map((topic) => topic.region)).toEqual(["me-south-1"]);
      const dashboard = noEdge.named(
        "aws:cloudwatch/dashboard:Dashboard",
        "observability-dashboard",
      );
      expect(String(dashboard.inputs.dashboardBody)).not.toContain("CloudFront");
    });
  });

  describe("validation", () => {
    const expectOneLine = (message: string, field: string) => {
      expect(message).toContain(field);
      expect(message).not.toContain("\n");
    };

    it("refuses thresholds that are not finite positive numbers", async () => {
      expectOneLine(
        await failure({ args: { thresholds: { ...THRESHOLDS, lambdaErrors: 0 } } }),
        "thresholds.lambdaErrors = 0",
      );
      expectOneLine(
        await failure({ args: { thresholds: { ...THRESHOLDS, albP95LatencySeconds: NaN } } }),
        "thresholds.albP95LatencySeconds = NaN",
      );
      expectOneLine(
        await failure({ args: { thresholds: { ...THRESHOLDS, deadLetterMessages: 0.5 } } }),
        "thresholds.deadLetterMessages = 0.5: expected an integer of at least 1",
      );
    });

    it("refuses ids that are malformed or repeated within a kind", async () => {
      expectOneLine(
        await failure({
          args: {
            resources: {
              ...RESOURCES,
              queues: [{ id: "Video_Ingest", name: "video-ingest-5d6e7f8" }],
            },
          },
        }),
        'resources.queues[0].id = "Video_Ingest"',
      );
      expectOneLine(
        await failure({
          args: {
            resources: {
              ...RESOURCES,
              functions: [
                { id: "encode-submit", name: "a" },
                { id: "encode-submit", name: "b" },
              ],
            },
          },
        }),
        'resources.functions[1].id = "encode-submit": already used',
      );
    });

    it("refuses malformed email addresses", async () => {
      expectOneLine(
        await failure({ args: { alertEmails: ["oncall@knowledgecity.com", "not-an-email"] } }),
        'alertEmails[1] = "not-an-email"',
      );
    });

    it("refuses a retention outside 1 to 90 days", async () => {
      for (const retentionDays of [0, 91]) {
        expectOneLine(
          await failure({ prometheus: { retentionDays } }),
          `prometheus.retentionDays = ${retentionDays}: expected an integer from 1 to 90`,
        );
      }
    });

    it("reports every problem at once, on one line", async () => {
      const message = await failure({
        args: {
          thresholds: { ...THRESHOLDS, lambdaErrors: -1 },
          alertEmails: ["nope"],
        },
        prometheus: { retentionDays: 120 },
      });
      expectOneLine(message, "thresholds.lambdaErrors");
      expect(message).toContain("alertEmails[0]");
      expect(message).toContain("prometheus.retentionDays");
    });
  });
});
