/**
 * The Consul service mesh on the cluster: the chart (TLS, auto-encrypt, gossip encryption, ACLs,
 * the CNI plugin), a `deny-all` intention, and Consul's API gateway (a Gateway API `Gateway`
 * scaled by an HPA). Also the typed specs of the mesh's custom resources.
 * https://developer.hashicorp.com/consul/docs/k8s/helm
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { helmRelease, THIRD_PARTY_CHARTS } from "../kubernetes/helm";
import { placementOn } from "../kubernetes/karpenter";
import { ENCRYPTED_STORAGE_CLASS, type KubernetesCluster } from "../kubernetes/kubernetes-cluster";
import { namespacedCustomResource } from "../kubernetes/custom-resource";

/**
 * The Consul chart, pinned: chart 2.0.3 ships Consul 2.0.3 and serves the Gateway API's `v1`
 * Gateway and HTTPRoute (the 1.9.x charts serve only `v1beta1`). It belongs beside the other
 * pinned charts in `THIRD_PARTY_CHARTS`.
 */
export const CONSUL_CHART = THIRD_PARTY_CHARTS.consul;

/** How many API gateway pods run: two for availability, up to four under load. */
export const GATEWAY_REPLICAS = { min: 2, max: 4 } as const;

/** The namespace of the mesh's control plane and of the API gateway. */
export const CONSUL_NAMESPACE = "consul";

/** The Consul API gateway: its Gateway, its Kubernetes Service and its name in the mesh. */
export const API_GATEWAY_NAME = "api-gateway";

/** The gateway's HTTP listener: unprivileged, so its pods need no added capability. */
export const GATEWAY_LISTENER = "http";
export const GATEWAY_PORT = 8080;

/** Gateway API version of the Gateway and HTTPRoutes (served by the Consul chart's CRDs). */
export const GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1";

/** Consul's CRDs (config entries). */
export const CONSUL_API_VERSION = "consul.hashicorp.com/v1alpha1";

/**
 * The namespace label the connect injector's webhook selects: only labelled namespaces are
 * considered for sidecar injection.
 */
export const MESH_INJECTION_LABEL = { key: "connect-inject", value: "enabled" } as const;

/** The namespace label the gateway's listener admits HTTPRoutes from. */
export const GATEWAY_ROUTES_LABEL = {
  key: "knowledgecity.io/api-gateway-routes",
  value: "allowed",
} as const;

/** One source of a Consul intention. */
export interface IntentionSource {
  readonly name: string;
  readonly action: "allow" | "deny";
  readonly description?: string;
}

/** `consul.hashicorp.com/v1alpha1` ServiceIntentions: who may call a destination. */
export interface ServiceIntentionsSpec {
  readonly destination: { readonly name: string };
  readonly sources: readonly IntentionSource[];
}

/** `consul.hashicorp.com/v1alpha1` ServiceDefaults, as far as the platform sets it. */
export interface ServiceDefaultsSpec {
  readonly protocol: "http" | "http2" | "grpc" | "tcp";
}

/** A Gateway API listener. */
export interface GatewayListener {
  readonly name: string;
  readonly protocol: "HTTP" | "HTTPS" | "TCP";
  readonly port: number;
  readonly allowedRoutes: {
    readonly namespaces: {
      readonly from: "Same" | "All" | "Selector";
      readonly selector?: { readonly matchLabels: Readonly<Record<string, string>> };
    };
  };
}

/** `gateway.networking.k8s.io` Gateway. */
export interface GatewaySpec {
  readonly gatewayClassName: string;
  readonly listeners: readonly GatewayListener[];
}

/** `gateway.networking.k8s.io` HTTPRoute, as far as the platform sets it. */
export interface HttpRouteSpec {
  readonly parentRefs: readonly {
    readonly name: string;
    readonly namespace: string;
    readonly sectionName: string;
  }[];
  readonly rules: readonly {
    readonly matches: readonly {
      readonly path: { readonly type: "PathPrefix" | "Exact"; readonly value: string };
    }[];
    readonly backendRefs: readonly { readonly name: string; readonly port: number }[];
  }[];
}

/** Consul's settings, as `Microservices` takes them. */
export interface ConsulSettings {
  /**
   * Servers of the Raft quorum, one per node (and zone when there are enough): 3 tolerates one
   * failure, 5 two. https://developer.hashicorp.com/consul/docs/architecture/consensus#deployment-table
   */
  readonly serverReplicas: 3 | 5;
  /** Data volume per server, GiB, on the encrypted storage class (an integer of at least 10). */
  readonly storageGiB: number;
}

/** Arguments of `createMesh`. */
export interface MeshArgs {
  /** Consul's datacenter name. */
  readonly stack: string;
  /** The cluster the mesh runs on. */
  readonly cluster: KubernetesCluster;
  /** Consul's servers. */
  readonly consul: ConsulSettings;
  /** What the chart waits for: the load balancer controller's release, the node pools. */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** What `createMesh` creates that the services wait for or attach to. */
export interface Mesh {
  /** The Consul release, whose CRDs every mesh resource needs. */
  readonly consulRelease: k8s.helm.v3.Release;
  /** The API gateway, which each service's HTTPRoute attaches to. */
  readonly gateway: k8s.apiextensions.CustomResource;
}

/** Consul in `consul`, the `deny-all` intention, the API gateway and its autoscaler. */
export function createMesh(name: string, args: MeshArgs, parent: pulumi.Resource): Mesh {
  const { cluster } = args;
  const provider = cluster.provider;
  const consulNamespace = new k8s.core.v1.Namespace(
    `${name}-consul`,
    {
      metadata: {
        name: CONSUL_NAMESPACE,
        labels: { "pod-security.kubernetes.io/enforce": "baseline" },
      },
    },
    { parent, provider, dependsOn: cluster.ready },
  );
  const consulRelease = helmRelease(
    `${name}-consul`,
    {
      source: CONSUL_CHART,
      namespace: CONSUL_NAMESPACE,
      provider,
      values: consulValues(args),
      dependsOn: [consulNamespace, ...args.dependsOn],
      timeoutSeconds: 900,
    },
    parent,
  );
  const meshOptions = { parent, provider, dependsOn: [consulRelease] };
  const denyAll: ServiceIntentionsSpec = {
    destination: { name: "*" },
    sources: [{ name: "*", action: "deny", description: "Nothing is allowed unless named" }],
  };
  namespacedCustomResource(
    `${name}-deny-all`,
    {
      apiVersion: CONSUL_API_VERSION,
      kind: "ServiceIntentions",
      name: "deny-all",
      namespace: CONSUL_NAMESPACE,
      spec: denyAll,
    },
    meshOptions,
  );
  const gatewaySpec: GatewaySpec = {
    gatewayClassName: "consul",
    listeners: [
      {
        name: GATEWAY_LISTENER,
        protocol: "HTTP",
        port: GATEWAY_PORT,
        allowedRoutes: {
          namespaces: {
            from: "Selector",
            selector: { matchLabels: { [GATEWAY_ROUTES_LABEL.key]: GATEWAY_ROUTES_LABEL.value } },
          },
        },
      },
    ],
  };
  const gateway = namespacedCustomResource(
    `${name}-gateway`,
    {
      apiVersion: GATEWAY_API_VERSION,
      kind: "Gateway",
      name: API_GATEWAY_NAME,
      namespace: CONSUL_NAMESPACE,
      spec: gatewaySpec,
    },
    meshOptions,
  );

  // The gateway's replicas. Consul 2.0 deprecates the GatewayClassConfig `deployment.*Instances`
  // values for Gateway annotations (consul.hashicorp.com/default-replicas, hpa-*), which only
  // Consul Enterprise with managedGatewayClass.scaling.enabled reads; the community controller
  // keeps a gateway Deployment's current scale when neither is set (consul-k8s v2.0.3,
  // control-plane/api-gateway/gatekeeper/deployment.go `deploymentReplicas`), so an HPA owns it.
  new k8s.autoscaling.v2.HorizontalPodAutoscaler(
    `${name}-gateway`,
    {
      metadata: { name: API_GATEWAY_NAME, namespace: CONSUL_NAMESPACE },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: API_GATEWAY_NAME },
        minReplicas: GATEWAY_REPLICAS.min,
        maxReplicas: GATEWAY_REPLICAS.max,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
          },
        ],
      },
    },
    { parent, provider, dependsOn: [gateway] },
  );
  return { consulRelease, gateway };
}

/** Consul's chart values. Keys follow the chart's `values.yaml` of the pinned version. */
function consulValues(args: MeshArgs): Record<string, unknown> {
  const placement = placementOn("general");
  // The chart takes node selectors and tolerations as YAML text (templated), not as maps.
  const nodeSelector = stringify(placement.nodeSelector);
  const tolerations = placement.tolerations.length > 0 ? stringify(placement.tolerations) : "";
  return {
    global: {
      name: "consul",
      datacenter: args.stack,
      tls: { enabled: true, enableAutoEncrypt: true, verify: true, httpsOnly: true },
      acls: { manageSystemACLs: true },
      gossipEncryption: { autoGenerate: true },
      metrics: { enabled: true, enableAgentMetrics: true },
    },
    server: {
      replicas: args.consul.serverReplicas,
      storage: `${args.consul.storageGiB}Gi`,
      storageClass: ENCRYPTED_STORAGE_CLASS,
      nodeSelector,
      tolerations,
      // One server per zone where the zones allow it (the chart already keeps one per node).
      topologySpreadConstraints: stringify([
        {
          maxSkew: 1,
          topologyKey: "topology.kubernetes.io/zone",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: {
            matchLabels: {
              app: '{{ template "consul.name" . }}',
              release: "{{ .Release.Name }}",
              component: "server",
            },
          },
        },
      ]),
    },
    ui: { enabled: false },
    connectInject: {
      enabled: true,
      // Opt-in twice: the webhook sees only labelled namespaces, and pods carry the annotation.
      default: false,
      replicas: 2,
      nodeSelector,
      namespaceSelector: stringify({
        matchLabels: { [MESH_INJECTION_LABEL.key]: MESH_INJECTION_LABEL.value },
      }),
      // Redirection by the CNI plugin: injected pods need no NET_ADMIN init container, so they
      // pass Pod Security `restricted`. The privileged plugin runs in kube-system.
      cni: { enabled: true, namespace: "kube-system" },
      apiGateway: {
        manageExternalCRDs: true,
        managedGatewayClass: {
          // The load balancer is Pulumi's, bound by a TargetGroupBinding: no Service of type
          // LoadBalancer for the controller to turn into another one.
          serviceType: "ClusterIP",
          nodeSelector,
          ...(tolerations === "" ? {} : { tolerations }),
        },
      },
    },
  };
}
