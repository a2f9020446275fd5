import { describe, expect, it } from "vitest";
import { list, record, Recorded } from "../../tools/plan/engine";
import type { AlarmThresholds } from "./alarms";
import {
  RESOURCES,
  STACK,
  THRESHOLDS,
  alarmsOf,
  expectedAlarms,
  run,
} from "./observability.fixtures";

describe("Observability", async () => {
  const result = await run();
  const recorded = Recorded.of(result);
  const regionalTopicArn = String(result.outputs.alertTopicArn);
  const usEast1TopicArn = String(result.outputs.usEast1AlertTopicArn);

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
});
