import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";
import type { KubernetesCluster } from "../kubernetes/kubernetes-cluster";
import type { WorkloadStatement } from "../kubernetes/pod-identity";
import { imageRepository } from "../shared/image-repository";

/** The HTTP methods a route may name; `ANY` matches every method. */
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "ANY"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One route of a service's public API, below the service's prefix `/v1/<name>`. */
export interface ServiceRoute {
  readonly method: HttpMethod;
  /** Below the prefix, e.g. `/courses/{id}` or `/{proxy+}` (a greedy parameter comes last). */
  readonly path: string;
}

/** API Gateway throttling: steady requests per second and the burst above it. */
export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** A service of the platform: what config (or `Microservices.addService`) declares. */
export interface ServiceDefinition {
  /**
   * `^[a-z][a-z0-9-]{1,30}$`, not ending with a hyphen: the namespace, the service account, the
   * mesh name, the ECR repository `knowledgecity/<name>` and the route prefix `/v1/<name>`.
   */
  readonly name: string;
  /**
   * The service's container port (1024-65535), which its Kubernetes Service `<name>` also
   * exposes; the sidecar's own ports are refused.
   */
  readonly port: number;
  /** Its public routes; at least one. */
  readonly routes: readonly ServiceRoute[];
  /**
   * Other mesh services allowed to call it: services from config, or added before it.
   * @default []
   */
  readonly callers?: readonly string[];
  /**
   * Partner clients that call it with an API key, through a REST API of its own with a usage
   * plan (HTTP APIs have no API keys). @default [] (no partner access)
   */
  readonly apiKeyClients?: readonly string[];
  /** Throttling of each of its routes, instead of the stage's default. @default the default */
  readonly throttle?: Throttle;
  /** AWS permissions of its pods, through EKS Pod Identity. @default [] (no role at all) */
  readonly permissions?: readonly WorkloadStatement[];
}

/** What a service gets: where its pods run and what its image and clients use. */
export interface MicroserviceOutputs {
  /** The Kubernetes namespace, named after the service. */
  readonly namespace: string;
  /** The service account its pods must run as (Consul's ACLs require this exact name). */
  readonly serviceAccount: string;
  /** Where CI pushes its images (immutable tags). */
  readonly repositoryUrl: pulumi.Output<string>;
  /** Its routes on the HTTP API, e.g. `GET /v1/courses/{id}`. */
  readonly routeKeys: readonly string[];
  /** Base URL of its partner REST API, when it has API-key clients. */
  readonly partnerUrl?: pulumi.Output<string>;
}

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

/** API Gateway's limit on an integration's wait (HTTP and REST APIs alike). */
export const INTEGRATION_TIMEOUT_MS = 29_000;

/** The stage of each partner REST API (its URLs read `.../partner/v1/<name>/...`). */
export const PARTNER_STAGE = "partner";

/** The prefix of a service's routes. */
export function routePrefix(service: string): string {
  return `/v1/${service}`;
}

/** The HTTP API route key of a service's route: `GET /v1/courses/{id}`. */
export function routeKeyOf(service: string, route: ServiceRoute): string {
  return `${route.method} ${routePrefix(service)}${route.path}`;
}

/**
 * The JSON access log line of the HTTP API. It names the caller, the route and what went wrong,
 * and never a header or a body: no token or personal payload reaches the logs.
 */
export const HTTP_API_ACCESS_LOG_FORMAT: Readonly<Record<string, string>> = {
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  routeKey: "$context.routeKey",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  latencyMs: "$context.responseLatency",
  integrationLatencyMs: "$context.integrationLatency",
  integrationStatus: "$context.integrationStatus",
  integrationError: "$context.integrationErrorMessage",
  authorizerError: "$context.authorizer.error",
  error: "$context.error.message",
};

/** The JSON access log line of the partner REST APIs: the same, plus the API key's id. */
export const REST_API_ACCESS_LOG_FORMAT: Readonly<Record<string, string>> = {
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  latencyMs: "$context.responseLatency",
  integrationLatencyMs: "$context.integration.latency",
  integrationStatus: "$context.integration.status",
  integrationError: "$context.integration.error",
  apiKeyId: "$context.identity.apiKeyId",
  error: "$context.error.message",
};

// Typed specs of the custom resources this component writes.

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

/** `elbv2.k8s.aws/v1beta1` TargetGroupBinding of the AWS Load Balancer Controller. */
export interface TargetGroupBindingSpec {
  readonly serviceRef: { readonly name: string; readonly port: number };
  readonly targetGroupARN: pulumi.Input<string>;
  readonly targetType: "ip" | "instance";
}

// Validation

const SERVICE_NAME = /^[a-z][a-z0-9-]{1,30}$/;
const CLIENT_NAME = /^[a-z][a-z0-9-]{1,62}$/;
const LITERAL_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const PARAMETER_SEGMENT = /^\{[A-Za-z_][A-Za-z0-9_]*\}$/;
const GREEDY_SEGMENT = /^\{[A-Za-z_][A-Za-z0-9_]*\+\}$/;

/** Names a service cannot take: namespaces the platform already uses, and the gateway's. */
export const RESERVED_SERVICE_NAMES: readonly string[] = [
  CONSUL_NAMESPACE,
  API_GATEWAY_NAME,
  "default",
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "analytics",
  "clickhouse",
];

/**
 * Ports of the injected Consul dataplane in each pod (inbound listener, transparent-proxy
 * outbound, Envoy admin, merged and proxy metrics, graceful shutdown), which a service cannot use.
 */
export const SIDECAR_PORTS: readonly number[] = [15001, 19000, 20000, 20100, 20200, 20600];

/** The problems of a throttle, each naming `field`. */
export function throttleProblems(field: string, throttle: Throttle): string[] {
  return [
    ...(!Number.isInteger(throttle.rateLimit) || throttle.rateLimit <= 0
      ? [`${field}.rateLimit = ${throttle.rateLimit}: a positive integer (requests per second)`]
      : []),
    ...(!Number.isInteger(throttle.burstLimit) || throttle.burstLimit <= 0
      ? [`${field}.burstLimit = ${throttle.burstLimit}: a positive integer (requests)`]
      : []),
  ];
}

/** The problem of a route path, if any. */
function pathProblem(path: string): string | undefined {
  if (!path.startsWith("/")) {
    return 'must start with "/"';
  }
  const segments = path.slice(1).split("/");
  if (segments.some((segment) => segment === "")) {
    return 'no empty segment ("//" or a trailing "/")';
  }
  const last = segments.length - 1;
  const bad = segments.find(
    (segment, index) =>
      !LITERAL_SEGMENT.test(segment) &&
      !PARAMETER_SEGMENT.test(segment) &&
      !(index === last && GREEDY_SEGMENT.test(segment)),
  );
  return bad === undefined
    ? undefined
    : `segment "${bad}": letters, digits and "._~-", a {parameter}, or a greedy {name+} last`;
}

function duplicates(values: readonly string[]): string[] {
  return [...new Set(values.filter((value, index) => values.indexOf(value) !== index))];
}

/**
 * Every problem of a service definition, each one line naming the field, the value and what is
 * allowed. `knownServices` are the services a caller may name (defined before this one).
 */
export function serviceProblems(
  definition: ServiceDefinition,
  knownServices: ReadonlySet<string>,
): string[] {
  const name = definition.name;
  const field = `services.${SERVICE_NAME.test(name) ? name : JSON.stringify(name)}`;
  const callers = definition.callers ?? [];
  const clients = definition.apiKeyClients ?? [];
  const routeKeys = definition.routes.map((route) => `${route.method} ${route.path}`);
  return [
    ...(!SERVICE_NAME.test(name) || name.endsWith("-")
      ? [
          `${field}.name = ${JSON.stringify(name)}: 2-31 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen`,
        ]
      : []),
    ...(RESERVED_SERVICE_NAMES.includes(name)
      ? [`${field}.name = "${name}": reserved by the platform`]
      : []),
    ...(!Number.isInteger(definition.port) || definition.port < 1024 || definition.port > 65535
      ? [`${field}.port = ${definition.port}: an integer from 1024 to 65535`]
      : []),
    ...(SIDECAR_PORTS.includes(definition.port)
      ? [
          `${field}.port = ${definition.port}: used by the mesh sidecar (${SIDECAR_PORTS.join(", ")})`,
        ]
      : []),
    ...(definition.routes.length === 0 ? [`${field}.routes: at least one route`] : []),
    ...definition.routes.flatMap((route, index) => {
      const problem = pathProblem(route.path);
      return [
        ...(HTTP_METHODS.includes(route.method)
          ? []
          : [
              `${field}.routes[${index}].method = ${JSON.stringify(route.method)}: one of ${HTTP_METHODS.join(", ")}`,
            ]),
        ...(problem === undefined
          ? []
          : [`${field}.routes[${index}].path = ${JSON.stringify(route.path)}: ${problem}`]),
      ];
    }),
    ...duplicates(routeKeys).map((key) => `${field}.routes: "${key}" is listed twice`),
    ...callers
      .filter((caller) => caller === name || !knownServices.has(caller))
      .map((caller) =>
        caller === name
          ? `${field}.callers: "${caller}" is the service itself`
          : `${field}.callers: "${caller}" is not a service defined before it (known: ${[...knownServices].join(", ") || "none"})`,
      ),
    ...duplicates(callers).map((caller) => `${field}.callers: "${caller}" is listed twice`),
    ...clients
      .filter((client) => !CLIENT_NAME.test(client) || client.endsWith("-"))
      .map(
        (client) =>
          `${field}.apiKeyClients: ${JSON.stringify(client)} is not 2-63 lower-case letters, digits and hyphens starting with a letter`,
      ),
    ...duplicates(clients).map((client) => `${field}.apiKeyClients: "${client}" is listed twice`),
    ...(definition.throttle === undefined
      ? []
      : throttleProblems(`${field}.throttle`, definition.throttle)),
    ...(definition.permissions ?? []).flatMap((statement, index) =>
      statement.Action.length === 0 || statement.Action.includes("*")
        ? [`${field}.permissions[${index}] (${statement.Sid}): explicit actions, never "*"`]
        : [],
    ),
    ...duplicates((definition.permissions ?? []).map((statement) => statement.Sid)).map(
      (sid) => `${field}.permissions: Sid "${sid}" is used twice`,
    ),
  ];
}

/** A short, stable hash of a text, for child names and redeployment triggers. */
export function shortHash(text: string, length = 8): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** The child-name suffix of a route: readable, and unique through the hash of its key. */
function routeSlug(route: ServiceRoute): string {
  const readable = route.path
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
  return `${route.method.toLowerCase()}-${readable === "" ? "root" : readable}-${shortHash(`${route.method} ${route.path}`, 6)}`;
}

/** What a service's partner REST API shares with the others. */
export interface PartnerAccess {
  readonly stack: string;
  /** The REST VPC link to the gateway's load balancer. */
  readonly vpcLinkId: pulumi.Input<string>;
  /** The load balancer's DNS name (the integration's URL; the gateway ignores the host). */
  readonly loadBalancerDnsName: pulumi.Input<string>;
  /** The log group of every partner stage. */
  readonly accessLogArn: pulumi.Input<string>;
  /** API Gateway's account settings (the logging role), which stages with logs wait for. */
  readonly accountSettings: pulumi.Resource;
  /** The API key of each client, created once per client whatever the number of its services. */
  readonly keyIdOf: (client: string) => pulumi.Input<string>;
  /** Each client's quota in each service's usage plan. */
  readonly quota: { readonly limit: number; readonly period: "DAY" | "WEEK" | "MONTH" };
  /** Each client's throttle in each service's usage plan. */
  readonly throttle: Throttle;
}

/** Arguments of `Microservice`. */
export interface MicroserviceArgs {
  readonly context: AwsContext;
  readonly cluster: KubernetesCluster;
  /** A valid definition (see `serviceProblems`). */
  readonly definition: ServiceDefinition;
  /** KMS key of the image repository (the stack's content key). */
  readonly repositoryKeyArn: pulumi.Input<string>;
  /** The Consul release, whose CRDs the mesh resources need. */
  readonly consulRelease: pulumi.Resource;
  /** The API gateway, which the service's HTTPRoute attaches to. */
  readonly gateway: pulumi.Resource;
  /** The HTTP API the service's routes join. */
  readonly httpApi: {
    readonly apiId: pulumi.Input<string>;
    readonly integrationId: pulumi.Input<string>;
    readonly authorizerId: pulumi.Input<string>;
  };
  /** Shared partner settings; required when the definition lists API-key clients. */
  readonly partner?: PartnerAccess;
  /** The stage default, used by the partner stage when the service sets no throttle. */
  readonly defaultThrottle: Throttle;
}

/**
 * One service of the platform: its namespace (Pod Security `restricted`, selected for sidecar
 * injection, allowed to attach routes to the gateway) and service account, a Pod Identity role
 * only when it needs AWS permissions, its ECR repository, its mesh settings (HTTP protocol, an
 * intention admitting the API gateway and its callers), an HTTPRoute from the gateway for
 * `/v1/<name>`, its JWT-protected routes on the HTTP API, and, when partners call it with API
 * keys, a REST API of its own with a usage plan (so a partner's key opens only the services that
 * list the partner).
 *
 * Its Deployment and Service come from the service's own chart: the pods run as the service
 * account `<name>`, carry the annotation `consul.hashicorp.com/connect-inject: "true"`, and the
 * Service `<name>` exposes `port`.
 */
export class Microservice extends pulumi.ComponentResource implements MicroserviceOutputs {
  public readonly namespace: string;
  public readonly serviceAccount: string;
  public readonly repositoryUrl: pulumi.Output<string>;
  public readonly routeKeys: readonly string[];
  public readonly partnerUrl?: pulumi.Output<string>;
  /** The definition it was built from. */
  public readonly definition: ServiceDefinition;
  /** Its HTTP API routes, which the stage's route settings wait for. */
  public readonly apiRoutes: readonly aws.apigatewayv2.Route[];

  constructor(name: string, args: MicroserviceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:services:Microservice", name, {}, opts);
    const definition = args.definition;
    const service = definition.name;
    this.definition = definition;
    this.namespace = service;
    this.serviceAccount = service;
    this.routeKeys = definition.routes.map((route) => routeKeyOf(service, route));
    const parent = { parent: this };
    const provider = args.cluster.provider;

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: service,
          labels: {
            "pod-security.kubernetes.io/enforce": "restricted",
            [MESH_INJECTION_LABEL.key]: MESH_INJECTION_LABEL.value,
            [GATEWAY_ROUTES_LABEL.key]: GATEWAY_ROUTES_LABEL.value,
          },
        },
      },
      { parent: this, provider, dependsOn: args.cluster.ready },
    );
    new k8s.core.v1.ServiceAccount(
      `${name}-service-account`,
      { metadata: { name: service, namespace: service } },
      { parent: this, provider, dependsOn: [namespace] },
    );
    const permissions = definition.permissions ?? [];
    if (permissions.length > 0) {
      args.cluster.podIdentity(
        `${name}-identity`,
        {
          context: args.context,
          namespace: service,
          serviceAccount: service,
          statements: permissions,
        },
        this,
      );
    }

    const repository = imageRepository(
      `${name}-image`,
      { repositoryName: `knowledgecity/${service}`, kmsKeyArn: args.repositoryKeyArn },
      this,
    );
    this.repositoryUrl = repository.repositoryUrl;

    // Mesh: speaks HTTP (so intentions and the gateway work at L7), admits its callers only.
    const meshOptions = { parent: this, provider, dependsOn: [namespace, args.consulRelease] };
    const defaults: ServiceDefaultsSpec = { protocol: "http" };
    new k8s.apiextensions.CustomResource(
      `${name}-defaults`,
      {
        apiVersion: CONSUL_API_VERSION,
        kind: "ServiceDefaults",
        metadata: { name: service, namespace: service },
        spec: defaults,
      },
      meshOptions,
    );
    const intentions: ServiceIntentionsSpec = {
      destination: { name: service },
      sources: [
        { name: API_GATEWAY_NAME, action: "allow", description: "Requests from the HTTP API" },
        ...(definition.callers ?? []).map((caller): IntentionSource => ({
          name: caller,
          action: "allow",
          description: "Declared caller",
        })),
      ],
    };
    new k8s.apiextensions.CustomResource(
      `${name}-intentions`,
      {
        apiVersion: CONSUL_API_VERSION,
        kind: "ServiceIntentions",
        metadata: { name: service, namespace: service },
        spec: intentions,
      },
      meshOptions,
    );
    const route: HttpRouteSpec = {
      parentRefs: [
        { name: API_GATEWAY_NAME, namespace: CONSUL_NAMESPACE, sectionName: GATEWAY_LISTENER },
      ],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: routePrefix(service) } }],
          backendRefs: [{ name: service, port: definition.port }],
        },
      ],
    };
    new k8s.apiextensions.CustomResource(
      `${name}-route`,
      {
        apiVersion: GATEWAY_API_VERSION,
        kind: "HTTPRoute",
        metadata: { name: service, namespace: service },
        spec: route,
      },
      { parent: this, provider, dependsOn: [namespace, args.gateway] },
    );

    // Public routes: every one behind the JWT authorizer, all to the gateway's integration.
    this.apiRoutes = definition.routes.map(
      (apiRoute) =>
        new aws.apigatewayv2.Route(
          `${name}-${routeSlug(apiRoute)}`,
          {
            apiId: args.httpApi.apiId,
            routeKey: routeKeyOf(service, apiRoute),
            target: pulumi.interpolate`integrations/${args.httpApi.integrationId}`,
            authorizationType: "JWT",
            authorizerId: args.httpApi.authorizerId,
          },
          parent,
        ),
    );

    const clients = definition.apiKeyClients ?? [];
    if (clients.length > 0) {
      if (args.partner === undefined) {
        throw new pulumi.ResourceError(
          `${name}: apiKeyClients need the shared partner settings`,
          this,
        );
      }
      this.partnerUrl = partnerApi(
        name,
        { definition, clients, partner: args.partner, throttle: args.defaultThrottle },
        this,
      );
    }
    this.registerOutputs({
      namespace: this.namespace,
      repositoryUrl: this.repositoryUrl,
      routeKeys: this.routeKeys,
      ...(this.partnerUrl === undefined ? {} : { partnerUrl: this.partnerUrl }),
    });
  }
}

/**
 * A service's partner REST API: `ANY /v1/<name>/{proxy+}` requiring an API key, proxied over the
 * REST VPC link to the gateway's load balancer; a stage with access logs and method throttling;
 * a usage plan with the quota and throttle of each client, and each listed client's key in it.
 * Returns the base URL of the service on that API.
 */
function partnerApi(
  name: string,
  args: {
    readonly definition: ServiceDefinition;
    readonly clients: readonly string[];
    readonly partner: PartnerAccess;
    readonly throttle: Throttle;
  },
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const { definition, partner } = args;
  const service = definition.name;
  const opts = { parent };
  const api = new aws.apigateway.RestApi(
    `${name}-partner`,
    {
      name: `kc-${partner.stack}-${service}-partner`,
      description: `Partner access to ${service} with API keys`,
      endpointConfiguration: { types: "REGIONAL" },
      apiKeySource: "HEADER",
    },
    opts,
  );
  const version = new aws.apigateway.Resource(
    `${name}-partner-v1`,
    { restApi: api.id, parentId: api.rootResourceId, pathPart: "v1" },
    opts,
  );
  const prefix = new aws.apigateway.Resource(
    `${name}-partner-prefix`,
    { restApi: api.id, parentId: version.id, pathPart: service },
    opts,
  );
  const proxy = new aws.apigateway.Resource(
    `${name}-partner-proxy`,
    { restApi: api.id, parentId: prefix.id, pathPart: "{proxy+}" },
    opts,
  );
  const method = new aws.apigateway.Method(
    `${name}-partner-any`,
    {
      restApi: api.id,
      resourceId: proxy.id,
      httpMethod: "ANY",
      authorization: "NONE",
      apiKeyRequired: true,
      requestParameters: { "method.request.path.proxy": true },
    },
    opts,
  );
  const uriPath = `${routePrefix(service)}/{proxy}`;
  const integration = new aws.apigateway.Integration(
    `${name}-partner-any`,
    {
      restApi: api.id,
      resourceId: proxy.id,
      httpMethod: method.httpMethod,
      type: "HTTP_PROXY",
      integrationHttpMethod: "ANY",
      uri: pulumi.interpolate`http://${partner.loadBalancerDnsName}:${GATEWAY_PORT}${uriPath}`,
      connectionType: "VPC_LINK",
      connectionId: partner.vpcLinkId,
      requestParameters: { "integration.request.path.proxy": "method.request.path.proxy" },
      timeoutMilliseconds: INTEGRATION_TIMEOUT_MS,
    },
    opts,
  );
  // A REST API serves only what a deployment snapshots: a new design redeploys.
  const design = JSON.stringify({ path: `${uriPath}+`, method: "ANY", apiKeyRequired: true });
  const deployment = new aws.apigateway.Deployment(
    `${name}-partner`,
    {
      restApi: api.id,
      description: `Partner API of ${service}`,
      triggers: { design: shortHash(design, 16) },
    },
    { parent, dependsOn: [method, integration] },
  );
  const stage = new aws.apigateway.Stage(
    `${name}-partner`,
    {
      restApi: api.id,
      deployment: deployment.id,
      stageName: PARTNER_STAGE,
      accessLogSettings: {
        destinationArn: partner.accessLogArn,
        format: JSON.stringify(REST_API_ACCESS_LOG_FORMAT),
      },
    },
    { parent, dependsOn: [partner.accountSettings] },
  );
  const throttle = definition.throttle ?? args.throttle;
  new aws.apigateway.MethodSettings(
    `${name}-partner-throttle`,
    {
      restApi: api.id,
      stageName: stage.stageName,
      methodPath: "*/*",
      settings: {
        metricsEnabled: true,
        // Execution logs can carry request bodies and headers: off; the access log is enough.
        loggingLevel: "OFF",
        dataTraceEnabled: false,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
      },
    },
    opts,
  );
  const plan = new aws.apigateway.UsagePlan(
    `${name}-partner`,
    {
      name: `kc-${partner.stack}-${service}-partner`,
      description: `Partner clients of ${service}: quota and throttle per API key`,
      apiStages: [{ apiId: api.id, stage: stage.stageName }],
      quotaSettings: { limit: partner.quota.limit, period: partner.quota.period },
      throttleSettings: {
        rateLimit: partner.throttle.rateLimit,
        burstLimit: partner.throttle.burstLimit,
      },
    },
    opts,
  );
  for (const client of args.clients) {
    new aws.apigateway.UsagePlanKey(
      `${name}-partner-${client}`,
      { keyId: partner.keyIdOf(client), keyType: "API_KEY", usagePlanId: plan.id },
      opts,
    );
  }
  return pulumi.interpolate`${stage.invokeUrl}${routePrefix(service)}`;
}
