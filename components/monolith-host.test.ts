import { describe, expect, it } from "vitest";
import { bootScript, cloudWatchAgentConfig, MEMORY_METRIC } from "./monolith-host";

const settings = {
  agentConfigParameter: "AmazonCloudWatch-app-me-south-1",
  releaseParameter: "/knowledgecity/me-south-1/app/release",
  releaseBucket: "app-releases-1234567",
  appPort: 8080,
  healthCheckPath: "/health",
};

describe("the monolith's boot", () => {
  it("publishes the memory metric the scaling policy tracks, per Auto Scaling group", () => {
    const config = JSON.parse(cloudWatchAgentConfig()) as {
      metrics: {
        namespace: string;
        append_dimensions: Record<string, string>;
        metrics_collected: { mem: { measurement: string[] } };
      };
    };
    expect(config.metrics.namespace).toBe(MEMORY_METRIC.namespace);
    expect(config.metrics.metrics_collected.mem.measurement).toEqual([MEMORY_METRIC.name]);
    expect(config.metrics.append_dimensions.AutoScalingGroupName).toBe(
      "${aws:AutoScalingGroupName}",
    );
  });

  it("starts the agent, installs the release named in SSM and serves the app and its health check", () => {
    const script = bootScript(settings);
    expect(script.startsWith("#!/bin/bash\nset -euo pipefail\n")).toBe(true);
    expect(script).toContain("-c ssm:AmazonCloudWatch-app-me-south-1");
    expect(script).toContain("--name /knowledgecity/me-south-1/app/release");
    expect(script).toContain("s3://app-releases-1234567/$release.tar.gz");
    expect(script).toContain("listen 8080 default_server;");
    expect(script).toContain("location = /health {");
  });

  it("refuses a value a shell could misread", () => {
    expect(() => bootScript({ ...settings, releaseBucket: "bucket; rm -rf /" })).toThrow(
      'boot script setting releaseBucket = "bucket; rm -rf /" has characters a shell could misread',
    );
  });
});
