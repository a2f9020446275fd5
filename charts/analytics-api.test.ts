/**
 * The analytics API chart: its schema refuses what must never be deployed (missing secrets, one
 * replica, inline passwords, an ALB without a certificate) and accepts a realistic deployment; its
 * templates keep the invariants the platform relies on.
 */
import { describe, expect, it } from "vitest";
import {
  apiValues,
  failures,
  missing,
  schemaErrors,
  templates,
  withPatch,
} from "./charts.fixtures";
import type { Values } from "./schema";

describe("charts/analytics-api values", () => {
  const chart = "analytics-api";

  it("refuse values.yaml alone: the image, identity and ClickHouse secrets have no defaults", () => {
    expect(missing(chart, {})).toEqual([
      "/clickhouse/migrator/passwordSecret",
      "/clickhouse/passwordSecret",
      "/clickhouse/url",
      "/image/digest",
      "/image/repository",
      "/serviceAccount/name",
    ]);
  });

  it("accept values.yaml with a complete deployment", () => {
    expect(schemaErrors(chart, apiValues)).toEqual([]);
  });

  it("fail without the API's password secret", () => {
    const values = withPatch(apiValues, { clickhouse: { passwordSecret: null } });
    expect(missing(chart, values)).toEqual(["/clickhouse/passwordSecret"]);
  });

  it("refuse an inline password, for the API or the migrator", () => {
    expect(
      schemaErrors(chart, withPatch(apiValues, { clickhouse: { password: "hunter2" } })),
    ).toEqual([
      expect.objectContaining({
        keyword: "additionalProperties",
        instancePath: "/clickhouse",
        params: { additionalProperty: "password" },
      }),
    ]);
    expect(
      failures(chart, withPatch(apiValues, { clickhouse: { migrator: { password: "x" } } })),
    ).toEqual([{ keyword: "additionalProperties", path: "/clickhouse/migrator" }]);
  });

  it("refuse a single replica and out-of-range autoscaling", () => {
    expect(failures(chart, withPatch(apiValues, { autoscaling: { minReplicas: 1 } }))).toEqual([
      { keyword: "minimum", path: "/autoscaling/minReplicas" },
    ]);
    expect(failures(chart, withPatch(apiValues, { autoscaling: { maxReplicas: 51 } }))).toEqual([
      { keyword: "maximum", path: "/autoscaling/maxReplicas" },
    ]);
    expect(
      failures(chart, withPatch(apiValues, { autoscaling: { targetCPUUtilizationPercentage: 5 } })),
    ).toEqual([{ keyword: "minimum", path: "/autoscaling/targetCPUUtilizationPercentage" }]);
    expect(
      failures(chart, withPatch(apiValues, { autoscaling: { minReplicas: 2.5 } })).map(
        (f) => f.keyword,
      ),
    ).toContain("type");
  });

  it("require host and certificate when the ingress is on, and nothing when it is off", () => {
    const noCert = withPatch(apiValues, { ingress: { certificateArn: null } });
    expect(missing(chart, noCert)).toEqual(["/ingress/certificateArn"]);
    expect(failures(chart, noCert).map((f) => f.keyword)).toContain("if");
    const off = withPatch(apiValues, {
      ingress: { enabled: false, host: null, certificateArn: null },
    });
    expect(schemaErrors(chart, off)).toEqual([]);
  });

  it("check ARNs, scheme and hostname of the ingress", () => {
    const cases: [Values, string, string][] = [
      [
        { certificateArn: "arn:aws:iam::123456789012:server-certificate/x" },
        "pattern",
        "certificateArn",
      ],
      [{ wafAclArn: "arn:aws:waf::123456789012:webacl/x" }, "pattern", "wafAclArn"],
      [{ scheme: "public" }, "enum", "scheme"],
      [{ host: "*.knowledgecity.com" }, "pattern", "host"],
      [{ groupName: "Shared_ALB" }, "pattern", "groupName"],
      [{ sslPolicy: "TLS-anything" }, "pattern", "sslPolicy"],
    ];
    for (const [ingress, keyword, field] of cases) {
      expect(failures(chart, withPatch(apiValues, { ingress }))).toEqual([
        { keyword, path: `/ingress/${field}` },
      ]);
    }
    const govCloud = withPatch(apiValues, {
      ingress: {
        certificateArn: "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/abc-1",
      },
    });
    expect(schemaErrors(chart, govCloud)).toEqual([]);
  });

  it("require a bucket when ALB access logs are on", () => {
    const logs = withPatch(apiValues, { ingress: { accessLogs: { enabled: true } } });
    expect(missing(chart, logs)).toEqual(["/ingress/accessLogs/bucket"]);
    const withBucket = withPatch(logs, { ingress: { accessLogs: { bucket: "kc-alb-logs" } } });
    expect(schemaErrors(chart, withBucket)).toEqual([]);
  });

  it("require the lake's bucket and region when the lake loader is on", () => {
    const loader = withPatch(apiValues, { lakeLoader: { enabled: true } });
    expect(missing(chart, loader)).toEqual(["/lakeLoader/bucket", "/lakeLoader/region"]);
    const located = withPatch(loader, {
      lakeLoader: { bucket: "kc-lake-me-south-1", region: "me-south-1" },
    });
    expect(schemaErrors(chart, located)).toEqual([]);
    expect(failures(chart, withPatch(located, { lakeLoader: { daysBack: 40 } }))).toEqual([
      { keyword: "maximum", path: "/lakeLoader/daysBack" },
    ]);
  });

  it("require the rollup user's password secret when the QoE rollup job is on", () => {
    const rollup = withPatch(apiValues, { qoeRollup: { enabled: true } });
    expect(missing(chart, rollup)).toEqual(["/clickhouse/rollup/passwordSecret"]);
    const withSecret = withPatch(rollup, {
      clickhouse: { rollup: { passwordSecret: { name: "clickhouse-users", key: "rollup" } } },
    });
    expect(schemaErrors(chart, withSecret)).toEqual([]);
    expect(
      failures(chart, withPatch(withSecret, { clickhouse: { rollup: { password: "x" } } })),
    ).toEqual([{ keyword: "additionalProperties", path: "/clickhouse/rollup" }]);
  });

  it("bound the QoE rollup job's grace, lookback, deadline and retries", () => {
    const cases: [Values, string, string][] = [
      [{ graceMinutes: -1 }, "minimum", "graceMinutes"],
      [{ graceMinutes: 121 }, "maximum", "graceMinutes"],
      [{ lookbackHours: 0 }, "minimum", "lookbackHours"],
      [{ lookbackHours: 745 }, "maximum", "lookbackHours"],
      [{ activeDeadlineSeconds: 60 }, "minimum", "activeDeadlineSeconds"],
      [{ backoffLimit: 7 }, "maximum", "backoffLimit"],
      [{ schedule: "hourly" }, "pattern", "schedule"],
    ];
    for (const [qoeRollup, keyword, field] of cases) {
      expect(failures(chart, withPatch(apiValues, { qoeRollup }))).toEqual([
        { keyword, path: `/qoeRollup/${field}` },
      ]);
    }
  });

  it("take each shard's servers for the QoE rollup job as the job reads them", () => {
    const servers = (shard: number, replicas: number) =>
      Array.from(
        { length: replicas },
        (_, replica) =>
          `http://chi-clickhouse-analytics-${shard}-${replica}.clickhouse.svc.cluster.local:8123`,
      ).join(",");
    for (const shardUrls of ["", servers(0, 2), `${servers(0, 2)};${servers(1, 2)}`]) {
      expect(schemaErrors(chart, withPatch(apiValues, { qoeRollup: { shardUrls } }))).toEqual([]);
    }
    for (const shardUrls of [
      "http://a:8123;;http://b:8123",
      "chi-clickhouse-analytics-0-0:8123",
      "http://a:8123,ftp://b",
      "http://a b:8123",
      "http://a:8123;",
    ]) {
      expect(
        failures(chart, withPatch(apiValues, { qoeRollup: { shardUrls } })),
        shardUrls,
      ).toEqual([{ keyword: "pattern", path: "/qoeRollup/shardUrls" }]);
    }
  });

  it("take the image by digest only: a tag, alone or beside the digest, is refused", () => {
    const byTag = withPatch(apiValues, { image: { digest: null, tag: "1.4.2" } });
    expect(missing(chart, byTag)).toEqual(["/image/digest"]);
    expect(failures(chart, byTag)).toEqual([
      { keyword: "required", path: "/image" },
      { keyword: "additionalProperties", path: "/image" },
    ]);
    expect(failures(chart, withPatch(apiValues, { image: { tag: "1.4.2" } }))).toEqual([
      { keyword: "additionalProperties", path: "/image" },
    ]);
  });

  it("refuse a malformed digest", () => {
    for (const digest of [
      "sha256:abc",
      `sha256:${"A".repeat(64)}`,
      `sha512:${"a".repeat(64)}`,
      `sha256:${"a".repeat(65)}`,
      "a".repeat(64),
      `123456789012.dkr.ecr.us-east-1.amazonaws.com/analytics-api@sha256:${"a".repeat(64)}`,
      "latest",
    ]) {
      expect(failures(chart, withPatch(apiValues, { image: { digest } }))).toEqual([
        { keyword: "pattern", path: "/image/digest" },
      ]);
    }
  });

  it("check the image's repository and pull policy", () => {
    expect(failures(chart, withPatch(apiValues, { image: { repository: "" } }))).toEqual([
      { keyword: "minLength", path: "/image/repository" },
      { keyword: "pattern", path: "/image/repository" },
    ]);
    expect(failures(chart, withPatch(apiValues, { image: { pullPolicy: "Never" } }))).toEqual([
      { keyword: "enum", path: "/image/pullPolicy" },
    ]);
  });

  it("check the ClickHouse URL and database name", () => {
    expect(
      failures(chart, withPatch(apiValues, { clickhouse: { url: "tcp://clickhouse:9000" } })),
    ).toEqual([{ keyword: "pattern", path: "/clickhouse/url" }]);
    expect(
      schemaErrors(
        chart,
        withPatch(apiValues, { clickhouse: { url: "https://ch.internal.knowledgecity.com:8443" } }),
      ),
    ).toEqual([]);
    expect(
      failures(chart, withPatch(apiValues, { clickhouse: { database: "Analytics" } })),
    ).toEqual([{ keyword: "pattern", path: "/clickhouse/database" }]);
  });

  it("require requests and a memory limit, and quantities as strings", () => {
    expect(
      missing(chart, withPatch(apiValues, { resources: { limits: { memory: null } } })),
    ).toEqual(["/resources/limits/memory"]);
    expect(failures(chart, withPatch(apiValues, { resources: { requests: { cpu: 1 } } }))).toEqual([
      { keyword: "type", path: "/resources/requests/cpu" },
    ]);
    expect(
      failures(chart, withPatch(apiValues, { resources: { requests: { memory: "1GB" } } })),
    ).toEqual([{ keyword: "pattern", path: "/resources/requests/memory" }]);
    expect(
      schemaErrors(chart, withPatch(apiValues, { resources: { limits: { cpu: "500m" } } })),
    ).toEqual([]);
  });

  it("refuse unknown keys and a privileged port", () => {
    expect(failures(chart, withPatch(apiValues, { replicaCount: 3 }))).toEqual([
      { keyword: "additionalProperties", path: "" },
    ]);
    expect(failures(chart, withPatch(apiValues, { containerPort: 80 }))).toEqual([
      { keyword: "minimum", path: "/containerPort" },
    ]);
    expect(
      failures(chart, withPatch(apiValues, { probes: { readiness: { path: "readyz" } } })),
    ).toEqual([{ keyword: "pattern", path: "/probes/readiness/path" }]);
    expect(
      failures(chart, withPatch(apiValues, { tolerations: [{ key: "a", effect: "Sometimes" }] })),
    ).toEqual([{ keyword: "enum", path: "/tolerations/0/effect" }]);
  });
});

describe("charts/analytics-api templates", () => {
  const files = templates("analytics-api");
  const text = (file: string): string => files.get(file) ?? "";

  it("has the conventional files", () => {
    expect([...files.keys()]).toEqual(
      expect.arrayContaining([
        "_helpers.tpl",
        "deployment.yaml",
        "service.yaml",
        "hpa.yaml",
        "pdb.yaml",
        "ingress.yaml",
        "serviceaccount.yaml",
        "migrations-job.yaml",
      ]),
    );
  });

  it("runs the API, the migrations Job and the batch jobs by digest, never by tag", () => {
    const helper = /\{\{- define "analytics-api\.image" -\}\}([\s\S]*?)\{\{- end \}\}/.exec(
      text("_helpers.tpl"),
    );
    expect(helper?.[1]?.trim()).toBe(
      '{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}',
    );
    for (const file of [
      "deployment.yaml",
      "migrations-job.yaml",
      "lake-loader-cronjob.yaml",
      "qoe-rollup-cronjob.yaml",
    ]) {
      expect(text(file)).toContain('image: {{ include "analytics-api.image" . | quote }}');
    }
    for (const [file, body] of files) {
      expect(`${file}: ${String(/\.Values\.image\.tag\b/.test(body))}`).toBe(`${file}: false`);
    }
  });

  it("leaves the replica count to the autoscaler", () => {
    expect(text("deployment.yaml")).not.toMatch(/^\s*replicas:/m);
    expect(text("hpa.yaml")).toContain("apiVersion: autoscaling/v2");
    expect(text("hpa.yaml")).toContain(
      "averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}",
    );
  });

  it("runs non-root with a restricted security context", () => {
    const helpers = text("_helpers.tpl");
    for (const line of [
      "runAsNonRoot: true",
      "runAsUser: 10001",
      "type: RuntimeDefault",
      "readOnlyRootFilesystem: true",
      "allowPrivilegeEscalation: false",
      "- ALL",
    ]) {
      expect(helpers).toContain(line);
    }
    for (const file of [
      "deployment.yaml",
      "migrations-job.yaml",
      "lake-loader-cronjob.yaml",
      "qoe-rollup-cronjob.yaml",
    ]) {
      expect(text(file)).toContain('include "analytics-api.podSecurityContext"');
      expect(text(file)).toContain('include "analytics-api.containerSecurityContext"');
    }
  });

  it("scales the Deployment on CPU utilisation between the configured bounds", () => {
    const hpa = text("hpa.yaml");
    expect(hpa).toContain("apiVersion: autoscaling/v2");
    expect(hpa).toContain("kind: HorizontalPodAutoscaler");
    expect(hpa).toMatch(/scaleTargetRef:[\s\S]*kind: Deployment/);
    expect(hpa).toMatch(/name: cpu[\s\S]*type: Utilization/);
    expect(hpa).toContain(
      "averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}",
    );
    for (const bound of ["minReplicas", "maxReplicas"]) {
      expect(hpa).toContain(`${bound}: {{ .Values.autoscaling.${bound} }}`);
    }
    // The autoscaler owns the replica count: the Deployment does not set one.
    expect(text("deployment.yaml")).not.toMatch(/^\s+replicas:/m);
  });

  it("spreads pods over nodes and zones", () => {
    const deployment = text("deployment.yaml");
    expect(deployment).toMatch(
      /preferredDuringSchedulingIgnoredDuringExecution[\s\S]*topologyKey: kubernetes\.io\/hostname/,
    );
    expect(deployment).toMatch(
      /topologyKey: topology\.kubernetes\.io\/zone\s+whenUnsatisfiable: ScheduleAnyway/,
    );
    expect(deployment).toContain("maxSkew: 1");
  });

  it("passes the ClickHouse password from its Secret, never as a value", () => {
    const deployment = text("deployment.yaml");
    for (const name of ["CLICKHOUSE_URL", "CLICKHOUSE_DATABASE", "PORT"]) {
      expect(deployment + text("_helpers.tpl")).toContain(`name: ${name}`);
    }
    expect(deployment).toMatch(
      /name: CLICKHOUSE_PASSWORD\s+valueFrom:\s+secretKeyRef:\s+name: \{\{ \.Values\.clickhouse\.passwordSecret\.name \}\}/,
    );
    expect(deployment).toContain("prometheus.io/path: /metrics");
  });

  it("runs migrations as a pre-install and pre-upgrade hook with the migrator's credentials", () => {
    const job = text("migrations-job.yaml");
    expect(job).toContain("helm.sh/hook: pre-install,pre-upgrade");
    expect(job).toContain("helm.sh/hook-delete-policy: before-hook-creation");
    expect(job).toContain('command: ["node", "migrate.js"]');
    expect(job).toContain("value: {{ .Values.clickhouse.migrator.username | quote }}");
    expect(job).toContain("name: {{ .Values.clickhouse.migrator.passwordSecret.name }}");
    expect(job).not.toContain('include "analytics-api.selectorLabels"');
  });

  it("runs the QoE rollup hourly, one run at a time, as the rollup user", () => {
    const job = text("qoe-rollup-cronjob.yaml");
    expect(job).toMatch(/^\{\{- if \.Values\.qoeRollup\.enabled \}\}$/m);
    expect(job).toContain("kind: CronJob");
    expect(job).toContain("schedule: {{ .Values.qoeRollup.schedule | quote }}");
    expect(job).toContain("timeZone: Etc/UTC");
    expect(job).toContain("concurrencyPolicy: Forbid");
    expect(job).toContain("backoffLimit: {{ .Values.qoeRollup.backoffLimit }}");
    expect(job).toContain("activeDeadlineSeconds: {{ .Values.qoeRollup.activeDeadlineSeconds }}");
    expect(job).toContain('command: ["node", "qoe-rollup.js"]');
    expect(job).toContain("value: {{ .Values.clickhouse.rollup.username | quote }}");
    expect(job).toContain("name: {{ .Values.clickhouse.rollup.passwordSecret.name }}");
    expect(job).not.toContain("migrator");
    for (const name of ["ROLLUP_GRACE_MINUTES", "ROLLUP_LOOKBACK_HOURS"]) {
      expect(job).toContain(`- name: ${name}`);
    }
    // Each shard's servers, only when listed (one server otherwise).
    expect(job).toMatch(
      /\{\{- with \.Values\.qoeRollup\.shardUrls \}\}\n(?:\s*#.*\n)*\s*- name: CLICKHOUSE_SHARD_URLS\n\s*value: \{\{ \. \| quote \}\}\n\s*\{\{- end \}\}/,
    );
    expect(job).toContain("automountServiceAccountToken: false");
    expect(job).not.toContain('include "analytics-api.selectorLabels"');
    expect(text("_helpers.tpl")).toContain(
      "clickhouse.rollup.username must differ from clickhouse.username",
    );
  });

  it("puts an HTTPS-only ALB in front, with the annotations of the AWS Load Balancer Controller", () => {
    const ingress = text("ingress.yaml");
    expect(ingress).toContain("apiVersion: networking.k8s.io/v1");
    expect(ingress).toContain("ingressClassName: alb");
    for (const annotation of [
      "scheme",
      "target-type",
      "listen-ports",
      "ssl-redirect",
      "certificate-arn",
      "ssl-policy",
      "wafv2-acl-arn",
      "healthcheck-path",
      "load-balancer-attributes",
      "group.name",
    ]) {
      expect(ingress).toContain(`alb.ingress.kubernetes.io/${annotation}:`);
    }
    expect(ingress).not.toMatch(/listen-ports: '\[\{"HTTP": 80\}\]'/);
  });

  it("creates the service account without an IRSA annotation", () => {
    expect(text("serviceaccount.yaml")).not.toContain("eks.amazonaws.com/role-arn");
    expect(text("serviceaccount.yaml")).toContain("name: {{ .Values.serviceAccount.name }}");
  });
});
