import * as k8s from "@pulumi/kubernetes";
import { join, relative } from "node:path";
import * as pulumi from "@pulumi/pulumi";

/** Where a chart comes from: a repository (HTTP or OCI) with a pinned version, or this project. */
export type ChartSource =
  | { readonly repo: string; readonly chart: string; readonly version: string }
  | { readonly oci: string; readonly version: string }
  | { readonly local: string };

/** The charts the platform installs from elsewhere, each pinned to a version. */
export const THIRD_PARTY_CHARTS = {
  /** Karpenter 1.14 supports Kubernetes 1.35 (>= 1.9) and 1.36 (>= 1.13). */
  karpenter: { oci: "oci://public.ecr.aws/karpenter/karpenter", version: "1.14.1" },
  loadBalancerController: {
    repo: "https://aws.github.io/eks-charts",
    chart: "aws-load-balancer-controller",
    version: "1.14.0",
  },
  metricsServer: {
    repo: "https://kubernetes-sigs.github.io/metrics-server/",
    chart: "metrics-server",
    version: "3.13.0",
  },
  /** Chart 1.21.1 ships ExternalDNS 0.21.0. */
  externalDns: {
    repo: "https://kubernetes-sigs.github.io/external-dns/",
    chart: "external-dns",
    version: "1.21.1",
  },
  /** Consul 2.0: the first line whose CRDs serve Gateway API v1. */
  consul: { repo: "https://helm.releases.hashicorp.com", chart: "consul", version: "2.0.3" },
  clickhouseOperator: {
    repo: "https://helm.altinity.com",
    chart: "altinity-clickhouse-operator",
    version: "0.25.3",
  },
} as const satisfies Record<string, ChartSource>;

/**
 * A path under this project's `charts/` folder, relative to the working directory the program
 * runs in (the project root in tests and the plan; possibly `stacks/`, where `main` points, under
 * the Pulumi CLI), so it resolves either way and a plan carries no machine's paths.
 */
export function chartsPath(...parts: readonly string[]): string {
  const path = relative(process.cwd(), join(__dirname, "..", "..", "charts", ...parts));
  return path.startsWith("..") ? path : `./${path}`;
}

/** One of this project's charts, `charts/<name>`. */
export function localChart(name: string): string {
  return chartsPath(name);
}

/** Arguments of `helmRelease`. */
export interface HelmReleaseArgs {
  /** The chart: a pinned repository chart or one of `charts/`. */
  readonly source: ChartSource;
  /** The release's namespace, which must exist (the release never creates it). */
  readonly namespace: pulumi.Input<string>;
  /** Values, applied after `valueFiles`. https://helm.sh/docs/chart_template_guide/values_files/ */
  readonly values: pulumi.Input<Record<string, unknown>>;
  /** Values files of this project's `charts/` folder, applied before `values`. */
  readonly valueFiles?: readonly string[];
  /** The cluster's Kubernetes provider. */
  readonly provider: k8s.Provider;
  /** Resources the release waits for. @default [] */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** Seconds to wait for the release's resources. @default 600 */
  readonly timeoutSeconds?: number;
}

/**
 * A Helm release with the platform's settings: atomic (a failed upgrade rolls back), cleaned up on
 * failure, a bounded history, and an explicit namespace.
 */
export function helmRelease(
  name: string,
  args: HelmReleaseArgs,
  parent: pulumi.Resource,
): k8s.helm.v3.Release {
  const source = args.source;
  const chart =
    "local" in source
      ? { chart: localChart(source.local) }
      : "oci" in source
        ? { chart: source.oci, version: source.version }
        : { chart: source.chart, version: source.version, repositoryOpts: { repo: source.repo } };
  return new k8s.helm.v3.Release(
    name,
    {
      name,
      ...chart,
      namespace: args.namespace,
      ...(args.valueFiles === undefined
        ? {}
        : {
            valueYamlFiles: args.valueFiles.map(
              (file) => new pulumi.asset.FileAsset(chartsPath(file)),
            ),
          }),
      values: args.values,
      atomic: true,
      cleanupOnFail: true,
      maxHistory: 10,
      timeout: args.timeoutSeconds ?? 600,
    },
    {
      parent,
      provider: args.provider,
      ...(args.dependsOn === undefined ? {} : { dependsOn: args.dependsOn }),
    },
  );
}
