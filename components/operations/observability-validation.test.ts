import { describe, expect, it } from "vitest";
import { RESOURCES, THRESHOLDS, failure } from "./observability.fixtures";
import { prometheusProblems } from "./observability-validation";

describe("Observability", () => {
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

describe("prometheusProblems", () => {
  it("names each bad scrape target's field", () => {
    const problems = prometheusProblems({
      retentionDays: 15,
      storageGiB: 50,
      podMonitors: [
        { name: "api", namespace: "Api", matchLabels: {}, port: "8080", path: "metrics" },
      ],
    });
    expect(problems).toEqual([
      'prometheus.podMonitors[0].namespace = "Api": expected a Kubernetes namespace',
      "prometheus.podMonitors[0].matchLabels: empty; it would scrape every pod of the namespace",
      'prometheus.podMonitors[0].port = "8080": expected a container port name (not a number)',
      'prometheus.podMonitors[0].path = "metrics": expected an absolute path such as /metrics',
    ]);
  });
});
