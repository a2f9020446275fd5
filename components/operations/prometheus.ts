/**
 * kube-prometheus-stack on a Kubernetes cluster: Prometheus on the `general` pool with an
 * encrypted volume, Alertmanager publishing to the alert topic through its pod identity, no
 * Grafana, and a PodMonitor per scrape target.
 * https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";
import { helmRelease, type ChartSource } from "../kubernetes/helm";
import { placementOn } from "../kubernetes/karpenter";
import { ENCRYPTED_STORAGE_CLASS, type KubernetesCluster } from "../kubernetes/kubernetes-cluster";
import { namespacedCustomResource } from "../kubernetes/custom-resource";

/**
 * kube-prometheus-stack: the Prometheus Operator, Prometheus, Alertmanager, node-exporter and
 * kube-state-metrics. Chart 88.5.3 ships the operator v0.93.1 and Alertmanager v0.34.0.
 */
export const KUBE_PROMETHEUS_STACK_CHART = {
  repo: "https://prometheus-community.github.io/helm-charts",
  chart: "kube-prometheus-stack",
  version: "88.5.3",
} as const satisfies ChartSource;

/** The namespace of the Prometheus stack and of every PodMonitor this component creates. */
export const MONITORING_NAMESPACE = "monitoring";

/** The service account Alertmanager runs as; its pod identity may publish to the alert topic. */
export const ALERTMANAGER_SERVICE_ACCOUNT = "alertmanager";

/** The Prometheus stack on a Kubernetes cluster. */
export interface PrometheusSettings {
  /** The cluster it runs on (its provider, its `general` node pool, its encrypted storage class). */
  readonly cluster: KubernetesCluster;
  /**
   * Days of samples kept, 1-90 (Prometheus's `retention`); the oldest blocks also go when the
   * volume is 85% full. https://prometheus.io/docs/prometheus/latest/storage/#operational-aspects
   */
  readonly retentionDays: number;
  /** Persistent volume of Prometheus, GiB (an integer of at least 10). */
  readonly storageGiB: number;
  /**
   * Scrape targets as PodMonitors: namespace, pod label selector, port NAME and path.
   * https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMonitor
   */
  readonly podMonitors: readonly {
    readonly name: string;
    readonly namespace: string;
    readonly matchLabels: Readonly<Record<string, string>>;
    readonly port: string;
    readonly path: string;
  }[];
  /** Resources the release waits for (node pools, the load balancer controller). @default [] */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The `monitoring.coreos.com/v1` PodMonitor spec this component writes. */
export interface PodMonitorSpec {
  readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
  readonly namespaceSelector: { readonly matchNames: readonly string[] };
  readonly podMetricsEndpoints: readonly {
    readonly port: string;
    readonly path: string;
    readonly interval: string;
  }[];
}

/** Arguments of `createPrometheusStack`. */
export interface PrometheusStackArgs {
  /** The stack's account and region (the pod identity, Alertmanager's SNS endpoint). */
  readonly context: AwsContext;
  /** The cluster, retention, volume and scrape targets. */
  readonly settings: PrometheusSettings;
  /** The alert topic Alertmanager publishes to. */
  readonly topicArn: pulumi.Input<string>;
  /** The key of the alert topic, which publishing needs through SNS. */
  readonly telemetryKeyArn: pulumi.Input<string>;
}

/** What `createPrometheusStack` creates that others may wait for. */
export interface PrometheusStack {
  readonly namespace: k8s.core.v1.Namespace;
  readonly release: k8s.helm.v3.Release;
}

/**
 * kube-prometheus-stack in `monitoring` and a PodMonitor per scrape target. Alertmanager's pod
 * identity may publish to the alert topic and nothing else.
 */
export function createPrometheusStack(
  name: string,
  args: PrometheusStackArgs,
  parent: pulumi.Resource,
): PrometheusStack {
  const { context, settings, topicArn, telemetryKeyArn } = args;
  const { cluster } = settings;
  // node-exporter needs the host's network, PIDs and file systems, which only `privileged` admits.
  const namespace = new k8s.core.v1.Namespace(
    `${name}-namespace`,
    {
      metadata: {
        name: MONITORING_NAMESPACE,
        labels: { "pod-security.kubernetes.io/enforce": "privileged" },
      },
    },
    { parent, provider: cluster.provider, dependsOn: cluster.ready },
  );
  const alertmanagerIdentity = cluster.podIdentity(
    `${name}-alertmanager`,
    {
      context,
      namespace: MONITORING_NAMESPACE,
      serviceAccount: ALERTMANAGER_SERVICE_ACCOUNT,
      statements: [
        { Sid: "PublishAlerts", Action: ["sns:Publish"], Resource: topicArn },
        {
          Sid: "AlertTopicIsEncrypted",
          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
          Resource: telemetryKeyArn,
          Condition: {
            StringEquals: { "kms:ViaService": `sns.${context.region}.${context.dnsSuffix}` },
          },
        },
      ],
    },
    parent,
  );

  const general = placementOn("general");
  const release = helmRelease(
    `${name}-prometheus`,
    {
      source: KUBE_PROMETHEUS_STACK_CHART,
      namespace: MONITORING_NAMESPACE,
      provider: cluster.provider,
      dependsOn: [...cluster.ready, namespace, alertmanagerIdentity, ...(settings.dependsOn ?? [])],
      // CRDs, admission webhooks and a volume to provision: more than the default wait.
      timeoutSeconds: 900,
      values: {
        // The CloudWatch dashboard is the dashboard: no Grafana, so no admin password anywhere.
        grafana: { enabled: false },
        // EKS runs the control plane (nothing of it to scrape), and its kube-proxy serves metrics
        // on the node's loopback only: their rules would only ever fire "target down".
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        kubeProxy: { enabled: false },
        prometheusOperator: {
          ...general,
          resources: podResources({ cpu: "100m", memory: "128Mi", memoryLimit: "256Mi" }),
          admissionWebhooks: { patch: general },
        },
        prometheus: {
          prometheusSpec: {
            // One replica: the CloudWatch alarms do not depend on it, and Prometheus resumes from
            // its volume after a restart; a second would double scraping and storage.
            replicas: 1,
            retention: `${settings.retentionDays}d`,
            // Drop the oldest blocks before the volume fills, whatever the time retention says.
            retentionSize: `${Math.floor(settings.storageGiB * 0.85)}GB`,
            externalLabels: { cluster: cluster.clusterName, region: context.region },
            // Select every monitor and rule, not only those labelled with this release.
            podMonitorSelectorNilUsesHelmValues: false,
            serviceMonitorSelectorNilUsesHelmValues: false,
            ruleSelectorNilUsesHelmValues: false,
            probeSelectorNilUsesHelmValues: false,
            ...general,
            resources: podResources({ cpu: "500m", memory: "2Gi", memoryLimit: "4Gi" }),
            storageSpec: volumeClaim(settings.storageGiB),
          },
        },
        alertmanager: {
          enabled: true,
          serviceAccount: { create: true, name: ALERTMANAGER_SERVICE_ACCOUNT },
          config: {
            global: { resolve_timeout: "5m" },
            route: {
              receiver: "sns",
              group_by: ["alertname", "namespace"],
              group_wait: "30s",
              group_interval: "5m",
              repeat_interval: "12h",
              routes: [
                // The always-firing heartbeat, the inhibitor and informational alerts page nobody.
                { receiver: "null", matchers: ['alertname =~ "Watchdog|InfoInhibitor"'] },
                { receiver: "null", matchers: ['severity =~ "info|none"'] },
              ],
            },
            receivers: [
              { name: "null" },
              {
                name: "sns",
                sns_configs: [
                  {
                    topic_arn: topicArn,
                    // Credentials come from the pod identity through the default chain.
                    sigv4: { region: context.region },
                    send_resolved: true,
                  },
                ],
              },
            ],
            templates: ["/etc/alertmanager/config/*.tmpl"],
          },
          alertmanagerSpec: {
            // One replica, like Prometheus; its volume keeps silences across restarts.
            replicas: 1,
            ...general,
            resources: podResources({ cpu: "50m", memory: "64Mi", memoryLimit: "128Mi" }),
            storage: volumeClaim(1),
          },
        },
        "kube-state-metrics": {
          ...general,
          resources: podResources({ cpu: "50m", memory: "128Mi", memoryLimit: "256Mi" }),
        },
        // A DaemonSet on every node: the system nodes' taint and every pool's taint are tolerated.
        "prometheus-node-exporter": {
          tolerations: [{ operator: "Exists", effect: "NoSchedule" }],
          resources: podResources({ cpu: "20m", memory: "32Mi", memoryLimit: "64Mi" }),
        },
      },
    },
    parent,
  );

  for (const monitor of settings.podMonitors) {
    const spec: PodMonitorSpec = {
      selector: { matchLabels: monitor.matchLabels },
      namespaceSelector: { matchNames: [monitor.namespace] },
      podMetricsEndpoints: [{ port: monitor.port, path: monitor.path, interval: "30s" }],
    };
    // In `monitoring`, selecting the target's namespace: the monitor needs no namespace of the
    // target's to exist first.
    namespacedCustomResource(
      `${name}-podmonitor-${monitor.name}`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        name: monitor.name,
        namespace: MONITORING_NAMESPACE,
        spec: spec,
      },
      { parent, provider: cluster.provider, dependsOn: [release] },
    );
  }
  return { namespace, release };
}

/** Requests and a memory limit (no CPU limit: throttling a scraper loses samples). */
function podResources(args: PodResourcesArgs): PodResources {
  return {
    requests: { cpu: args.cpu, memory: args.memory },
    limits: { memory: args.memoryLimit },
  };
}

/** The requests and the memory limit of a container, in Kubernetes quantities. */
interface PodResourcesArgs {
  /** CPU request, such as `100m`. */
  readonly cpu: string;
  /** Memory request, such as `128Mi`. */
  readonly memory: string;
  /** Memory limit: above it the container is killed rather than starving the node. */
  readonly memoryLimit: string;
}

/** A container's `resources`, as the chart's values take it. */
interface PodResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly memory: string };
}

/** A persistent volume on the encrypted gp3 class. */
function volumeClaim(sizeGiB: number) {
  return {
    volumeClaimTemplate: {
      spec: {
        storageClassName: ENCRYPTED_STORAGE_CLASS,
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: `${sizeGiB}Gi` } },
      },
    },
  };
}
