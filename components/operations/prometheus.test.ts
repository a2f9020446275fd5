import { describe, expect, it } from "vitest";
import { list, record, Recorded } from "../../tools/plan/engine";
import { KUBE_PROMETHEUS_STACK_CHART } from "./prometheus";
import { ACCOUNT, POD_MONITORS, RELEASE, run, statementsOf } from "./observability.fixtures";

describe("Observability", async () => {
  const result = await run();
  const recorded = Recorded.of(result);
  const regionalTopicArn = String(result.outputs.alertTopicArn);

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
});
