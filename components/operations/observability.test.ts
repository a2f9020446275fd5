import { describe, expect, it } from "vitest";
import { Recorded } from "../../tools/plan/engine";
import { ALARM, RESOURCES, THRESHOLDS, TOPIC, expectedAlarms, run } from "./observability.fixtures";

describe("Observability", () => {
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
});
