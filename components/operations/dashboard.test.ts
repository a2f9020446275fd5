import { describe, expect, it } from "vitest";
import { json, list, record, Recorded } from "../../tools/plan/engine";
import { run } from "./observability.fixtures";

describe("Observability", async () => {
  const result = await run();
  const recorded = Recorded.of(result);

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
});
