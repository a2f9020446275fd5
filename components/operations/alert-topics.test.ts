import { describe, expect, it } from "vitest";
import { list, Recorded } from "../../tools/plan/engine";
import { ACCOUNT, EMAILS, TOPIC, run, statementsOf } from "./observability.fixtures";

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
});
