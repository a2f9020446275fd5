import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bootScript, cloudWatchAgentConfig, MEMORY_METRIC } from "./monolith-host";

const settings = {
  agentConfigParameter: "AmazonCloudWatch-app-me-south-1",
  releaseParameter: "/knowledgecity/me-south-1/app/release",
  releaseBucket: "app-releases-1234567",
  appPort: 8080,
  healthCheckPath: "/health",
  environment: {
    KC_FUNCTION_TOKENIZE: "kc-pii-tokenize-1a2b3c4",
    KC_WORK_QUEUE_URL: "https://sqs.me-south-1.amazonaws.com/111122223333/kc-work-1a2b3c4",
  },
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
    // bash parses the whole script (a broken heredoc fails here).
    expect(() => execFileSync("bash", ["-n", "-c", script])).not.toThrow();
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
    expect(() =>
      bootScript({ ...settings, environment: { KC_TABLE_USERS: "users$(reboot)" } }),
    ).toThrow('boot script environment KC_TABLE_USERS = "users$(reboot)"');
    expect(() => bootScript({ ...settings, environment: { PATH: "/tmp" } })).toThrow(
      'boot script environment PATH = "/tmp"',
    );
  });

  it("writes the app's environment for PHP-FPM's pool and for workers, verbatim", () => {
    const script = bootScript(settings);
    // Run the part that writes the environment, into a scratch directory instead of /etc.
    const start = script.indexOf("install -d -m 0755 /etc/knowledgecity");
    const end = script.indexOf("systemctl enable --now php-fpm nginx");
    expect(start).toBeGreaterThan(0);
    const root = mkdtempSync(join(tmpdir(), "boot-"));
    const part = script
      .slice(start, end)
      .replaceAll("/etc/", `${root}/etc/`)
      .replace("cat > ", `mkdir -p ${root}/etc/php-fpm.d\ncat > `);
    execFileSync("bash", ["-euo", "pipefail", "-c", part]);
    expect(readFileSync(join(root, "etc/knowledgecity/app.env"), "utf8")).toBe(
      "KC_FUNCTION_TOKENIZE=kc-pii-tokenize-1a2b3c4\n" +
        "KC_WORK_QUEUE_URL=https://sqs.me-south-1.amazonaws.com/111122223333/kc-work-1a2b3c4\n",
    );
    expect(readFileSync(join(root, "etc/php-fpm.d/zz-knowledgecity.conf"), "utf8")).toBe(
      "[www]\n" +
        "env[KC_FUNCTION_TOKENIZE] = kc-pii-tokenize-1a2b3c4\n" +
        "env[KC_WORK_QUEUE_URL] = https://sqs.me-south-1.amazonaws.com/111122223333/kc-work-1a2b3c4\n",
    );
  });
});
