import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { validatedCertificate } from "../shared/certificate";
import type { AwsContext } from "../shared/context";
import type { DataKeys } from "../security/data-keys";
import { helmRelease, THIRD_PARTY_CHARTS } from "../kubernetes/helm";
import { serviceTrustPolicy } from "../shared/iam";
import { placementOn } from "../kubernetes/karpenter";
import { ENCRYPTED_STORAGE_CLASS, type KubernetesCluster } from "../kubernetes/kubernetes-cluster";
import { DEFAULT_LOG_RETENTION_DAYS, type LogRetentionDays } from "../shared/logs";
import {
  API_GATEWAY_NAME,
  CONSUL_API_VERSION,
  CONSUL_NAMESPACE,
  GATEWAY_API_VERSION,
  GATEWAY_LISTENER,
  GATEWAY_PORT,
  GATEWAY_ROUTES_LABEL,
  HTTP_API_ACCESS_LOG_FORMAT,
  INTEGRATION_TIMEOUT_MS,
  MESH_INJECTION_LABEL,
  Microservice,
  serviceProblems,
  throttleProblems,
  type GatewaySpec,
  type MicroserviceOutputs,
  type PartnerAccess,
  type ServiceDefinition,
  type ServiceIntentionsSpec,
  type TargetGroupBindingSpec,
  type Throttle,
} from "./microservice";
import { dataTags } from "../shared/tags";

export {
  HTTP_METHODS,
  type HttpMethod,
  type MicroserviceOutputs,
  type ServiceDefinition,
  type ServiceRoute,
  type Throttle,
} from "./microservice";

/**
 * The Consul chart, pinned: chart 2.0.3 ships Consul 2.0.3 and serves the Gateway API's `v1`
 * Gateway and HTTPRoute (the 1.9.x charts serve only `v1beta1`). It belongs beside the other
 * pinned charts in `THIRD_PARTY_CHARTS`.
 */
export const CONSUL_CHART = THIRD_PARTY_CHARTS.consul;

/** Periods of an API-key client's quota. */
export const QUOTA_PERIODS = ["DAY", "WEEK", "MONTH"] as const;

/** How many API gateway pods run: two for availability, up to four under load. */
export const GATEWAY_REPLICAS = { min: 2, max: 4 } as const;

/** Arguments of `Microservices`. */
export interface MicroservicesArgs {
  /** Account, partition and region (ARNs, trust policies). */
  readonly context: AwsContext;
  /** The stack's name: in resource names and Consul's datacenter name. */
  readonly stack: string;
  /** The cluster the services and the mesh run on. */
  readonly cluster: KubernetesCluster;
  /** Image repositories use the content key; access logs the telemetry key. */
  readonly keys: DataKeys;
  /** The VPC of the load balancer, its target group and the security groups. */
  readonly vpcId: pulumi.Input<string>;
  /** The gateway's load balancer and the API's VPC links live here. */
  readonly privateSubnetIds: pulumi.Input<string[]>;
  /** `services.<label>.<domain>`: the HTTP API's custom domain. */
  readonly hostname: string;
  /** The zone of `hostname`: its alias record and certificate validation. */
  readonly hostedZoneId: pulumi.Input<string>;
  /** The identity provider whose tokens every route requires. */
  readonly jwt: {
    /** An https URL; API Gateway reads its OpenID configuration. */
    readonly issuer: string;
    /** Accepted `aud` (or `client_id`) values; at least one. */
    readonly audience: readonly string[];
  };
  /** The stage's default throttle, and each partner client's in its usage plans. */
  readonly throttle: Throttle;
  /** Each partner client's quota in each service it calls. */
  readonly quota: { readonly limit: number; readonly period: (typeof QUOTA_PERIODS)[number] };
  readonly consul: {
    /** Servers of the Raft quorum, one per node (and zone when there are enough). */
    readonly serverReplicas: 3 | 5;
    /** Data volume per server, on the encrypted storage class. */
    readonly storageGiB: number;
  };
  /** The services from config; `addService` adds more. */
  readonly services: readonly ServiceDefinition[];
  /** Retention of the access logs. @default 365 */
  readonly logRetentionDays?: LogRetentionDays;
  /** What the mesh waits for: the load balancer controller's release, the node pools. */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * The platform of the future services, two ways in and one mesh.
 *
 * The mesh is Consul on the cluster (AWS App Mesh was discontinued on 2026-09-30): servers with
 * TLS, auto-encrypt, gossip encryption and ACLs managed by the chart; sidecars injected only in
 * the services' namespaces, through the Consul CNI plugin so the pods pass Pod Security
 * `restricted`; a `deny-all` intention, then per service an intention admitting the API gateway
 * and its declared callers. Traffic enters through Consul's API gateway (a Gateway API `Gateway`,
 * one HTTPRoute per service for `/v1/<name>`), exposed to AWS only by an internal network load
 * balancer owned here and bound to the gateway's Service by a TargetGroupBinding.
 *
 * The HTTP API (`https://<hostname>`) is the way in for applications: versioned routes
 * `METHOD /v1/<name><path>`, every one behind a JWT authorizer, proxied over a VPC link to the
 * load balancer; default and per-service throttling; JSON access logs without headers or bodies;
 * a TLS 1.2 custom domain only (the execute-api endpoint is off).
 *
 * HTTP APIs have no API keys or usage plans, so a service that lists `apiKeyClients` also gets a
 * partner REST API of its own (regional, `ANY /v1/<name>/{proxy+}`, API key required, over a REST
 * VPC link to the same load balancer) with a usage plan holding each client's key, quota and
 * throttle. One key per client, generated by AWS and never exported; a key opens only the
 * services that list its client.
 *
 * Services from config and from `addService` are built alike. The stage's per-route settings and
 * the load balancer's PrivateLink setting depend on every service, so they are settled once the
 * program's current turn ends: `addService` must be called right after the constructor, never
 * after an `await`.
 */
export class Microservices extends pulumi.ComponentResource {
  /** `https://<hostname>`. */
  public readonly apiEndpoint: string;
  /** Every service by name. */
  public readonly services: Readonly<Record<string, MicroserviceOutputs>>;

  private readonly baseName: string;
  private readonly args: MicroservicesArgs;
  private readonly logRetentionDays: LogRetentionDays;
  private readonly registry = new Map<string, Microservice>();
  private readonly serviceOutputs: Record<string, MicroserviceOutputs> = {};
  private readonly consulRelease: k8s.helm.v3.Release;
  private readonly gateway: k8s.apiextensions.CustomResource;
  private readonly loadBalancer: aws.lb.LoadBalancer;
  private readonly httpApi: {
    readonly apiId: pulumi.Output<string>;
    readonly integrationId: pulumi.Output<string>;
    readonly authorizerId: pulumi.Output<string>;
  };
  private readonly partnerKeys = new Map<string, aws.apigateway.ApiKey>();
  private partner: PartnerAccess | undefined;
  private sealed = false;
  /** Every service, once the program's turn that built this component is over. */
  private readonly settled: Promise<readonly Microservice[]>;

  constructor(name: string, args: MicroservicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:services:Microservices", name, {}, opts);
    const problems = argsProblems(args);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }
    this.baseName = name;
    this.args = args;
    this.logRetentionDays = args.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS;
    this.services = this.serviceOutputs;
    this.apiEndpoint = `https://${args.hostname}`;
    this.settled = new Promise((resolve) => {
      setImmediate(() => {
        this.sealed = true;
        resolve([...this.registry.values()]);
      });
    });
    const parent = { parent: this };
    const { cluster } = args;
    const provider = cluster.provider;

    // The mesh
    const consulNamespace = new k8s.core.v1.Namespace(
      `${name}-consul`,
      {
        metadata: {
          name: CONSUL_NAMESPACE,
          labels: { "pod-security.kubernetes.io/enforce": "baseline" },
        },
      },
      { parent: this, provider, dependsOn: cluster.ready },
    );
    this.consulRelease = helmRelease(
      `${name}-consul`,
      {
        source: CONSUL_CHART,
        namespace: CONSUL_NAMESPACE,
        provider,
        values: consulValues(args),
        dependsOn: [consulNamespace, ...args.dependsOn],
        timeoutSeconds: 900,
      },
      this,
    );
    const meshOptions = { parent: this, provider, dependsOn: [this.consulRelease] };
    const denyAll: ServiceIntentionsSpec = {
      destination: { name: "*" },
      sources: [{ name: "*", action: "deny", description: "Nothing is allowed unless named" }],
    };
    new k8s.apiextensions.CustomResource(
      `${name}-deny-all`,
      {
        apiVersion: CONSUL_API_VERSION,
        kind: "ServiceIntentions",
        metadata: { name: "deny-all", namespace: CONSUL_NAMESPACE },
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
    this.gateway = new k8s.apiextensions.CustomResource(
      `${name}-gateway`,
      {
        apiVersion: GATEWAY_API_VERSION,
        kind: "Gateway",
        metadata: { name: API_GATEWAY_NAME, namespace: CONSUL_NAMESPACE },
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
      { parent: this, provider, dependsOn: [this.gateway] },
    );

    // The gateway's internal load balancer: reachable only from the VPC link's group.
    const loadBalancerGroup = new aws.ec2.SecurityGroup(
      `${name}-nlb`,
      {
        vpcId: args.vpcId,
        description: "Services gateway load balancer: from the API's VPC link only",
        tags: { Name: `${args.stack}-services-nlb` },
      },
      parent,
    );
    const vpcLinkGroup = new aws.ec2.SecurityGroup(
      `${name}-vpc-link`,
      {
        vpcId: args.vpcId,
        description: "HTTP API VPC link: to the services load balancer only",
        tags: { Name: `${args.stack}-services-vpc-link` },
      },
      parent,
    );
    const rule = (
      ruleName: string,
      direction: "ingress" | "egress",
      securityGroupId: pulumi.Input<string>,
      referencedSecurityGroupId: pulumi.Input<string>,
      description: string,
    ): void => {
      const ruleArgs = {
        securityGroupId,
        referencedSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: GATEWAY_PORT,
        toPort: GATEWAY_PORT,
        description,
      };
      if (direction === "ingress") {
        new aws.vpc.SecurityGroupIngressRule(`${name}-${ruleName}`, ruleArgs, parent);
      } else {
        new aws.vpc.SecurityGroupEgressRule(`${name}-${ruleName}`, ruleArgs, parent);
      }
    };
    rule("vpc-link-to-nlb", "egress", vpcLinkGroup.id, loadBalancerGroup.id, "To the gateway NLB");
    rule(
      "nlb-from-vpc-link",
      "ingress",
      loadBalancerGroup.id,
      vpcLinkGroup.id,
      "From the VPC link",
    );
    rule(
      "nlb-to-gateway",
      "egress",
      loadBalancerGroup.id,
      cluster.clusterSecurityGroupId,
      "To the API gateway pods",
    );
    rule(
      "gateway-from-nlb",
      "ingress",
      cluster.clusterSecurityGroupId,
      loadBalancerGroup.id,
      "API gateway pods from their load balancer",
    );
    this.loadBalancer = new aws.lb.LoadBalancer(
      `${name}-gateway`,
      {
        loadBalancerType: "network",
        internal: true,
        subnets: args.privateSubnetIds,
        securityGroups: [loadBalancerGroup.id],
        enableDeletionProtection: true,
        enableCrossZoneLoadBalancing: true,
        // The partner REST APIs' VPC link reaches the NLB over PrivateLink, which carries no
        // source the group could name: that path skips the inbound rules, and only then.
        enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: this.settled.then((services) =>
          services.some((service) => (service.definition.apiKeyClients ?? []).length > 0)
            ? "off"
            : "on",
        ),
      },
      parent,
    );
    const targetGroup = new aws.lb.TargetGroup(
      `${name}-gateway`,
      {
        vpcId: args.vpcId,
        targetType: "ip",
        protocol: "TCP",
        port: GATEWAY_PORT,
        deregistrationDelay: 30,
        healthCheck: { protocol: "TCP", port: "traffic-port" },
      },
      parent,
    );
    const listener = new aws.lb.Listener(
      `${name}-gateway`,
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: GATEWAY_PORT,
        protocol: "TCP",
        defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
      },
      parent,
    );
    const binding: TargetGroupBindingSpec = {
      serviceRef: { name: API_GATEWAY_NAME, port: GATEWAY_PORT },
      targetGroupARN: targetGroup.arn,
      targetType: "ip",
    };
    new k8s.apiextensions.CustomResource(
      `${name}-gateway-binding`,
      {
        apiVersion: "elbv2.k8s.aws/v1beta1",
        kind: "TargetGroupBinding",
        metadata: { name: API_GATEWAY_NAME, namespace: CONSUL_NAMESPACE },
        spec: binding,
      },
      { parent: this, provider, dependsOn: [this.gateway, ...args.dependsOn] },
    );

    // The HTTP API
    const vpcLink = new aws.apigatewayv2.VpcLink(
      `${name}-vpc-link`,
      {
        name: `kc-${args.stack}-services`,
        subnetIds: args.privateSubnetIds,
        securityGroupIds: [vpcLinkGroup.id],
      },
      parent,
    );
    const api = new aws.apigatewayv2.Api(
      `${name}-api`,
      {
        protocolType: "HTTP",
        description: "KnowledgeCity services: versioned routes behind a JWT authorizer",
        disableExecuteApiEndpoint: true,
      },
      parent,
    );
    const authorizer = new aws.apigatewayv2.Authorizer(
      `${name}-jwt`,
      {
        apiId: api.id,
        name: `kc-${args.stack}-services-jwt`,
        authorizerType: "JWT",
        identitySources: ["$request.header.Authorization"],
        jwtConfiguration: { issuer: args.jwt.issuer, audiences: [...args.jwt.audience] },
      },
      parent,
    );
    const integration = new aws.apigatewayv2.Integration(
      `${name}-gateway`,
      {
        apiId: api.id,
        description: "The mesh's API gateway, through its internal load balancer",
        integrationType: "HTTP_PROXY",
        integrationMethod: "ANY",
        integrationUri: listener.arn,
        connectionType: "VPC_LINK",
        connectionId: vpcLink.id,
        payloadFormatVersion: "1.0",
        timeoutMilliseconds: INTEGRATION_TIMEOUT_MS,
      },
      parent,
    );
    this.httpApi = { apiId: api.id, integrationId: integration.id, authorizerId: authorizer.id };
    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-access`,
      {
        retentionInDays: this.logRetentionDays,
        kmsKeyId: args.keys.policyReadyKeyArns.telemetry,
        tags: dataTags("telemetry"),
      },
      parent,
    );
    const routesCreated: Promise<pulumi.Resource[]> = this.settled.then((services) =>
      services.flatMap((service) => service.apiRoutes),
    );
    const stage = new aws.apigatewayv2.Stage(
      `${name}-default`,
      {
        apiId: api.id,
        name: "$default",
        autoDeploy: true,
        defaultRouteSettings: {
          throttlingRateLimit: args.throttle.rateLimit,
          throttlingBurstLimit: args.throttle.burstLimit,
          detailedMetricsEnabled: true,
        },
        routeSettings: this.settled.then((services) =>
          services.flatMap((service) => {
            const throttle = service.definition.throttle;
            return throttle === undefined
              ? []
              : service.routeKeys.map((routeKey) => ({
                  routeKey,
                  throttlingRateLimit: throttle.rateLimit,
                  throttlingBurstLimit: throttle.burstLimit,
                  detailedMetricsEnabled: true,
                }));
          }),
        ),
        accessLogSettings: {
          destinationArn: accessLogs.arn,
          format: JSON.stringify(HTTP_API_ACCESS_LOG_FORMAT),
        },
      },
      {
        parent: this,
        // Route settings name routes, which must exist first.
        dependsOn: routesCreated,
      },
    );
    const certificateArn = validatedCertificate(
      `${name}-tls`,
      { hostnames: [args.hostname], hostedZoneId: args.hostedZoneId },
      this,
    );
    const domain = new aws.apigatewayv2.DomainName(
      `${name}-domain`,
      {
        domainName: args.hostname,
        domainNameConfiguration: {
          certificateArn,
          endpointType: "REGIONAL",
          securityPolicy: "TLS_1_2",
        },
      },
      parent,
    );
    new aws.apigatewayv2.ApiMapping(
      `${name}-domain`,
      { apiId: api.id, domainName: domain.id, stage: stage.id },
      parent,
    );
    new aws.route53.Record(
      `${name}-domain`,
      {
        zoneId: args.hostedZoneId,
        name: args.hostname,
        type: "A",
        aliases: [
          {
            name: domain.domainNameConfiguration.targetDomainName,
            zoneId: domain.domainNameConfiguration.hostedZoneId,
            evaluateTargetHealth: false,
          },
        ],
      },
      parent,
    );

    for (const definition of args.services) {
      this.build(definition);
    }
    this.registerOutputs({
      apiEndpoint: this.apiEndpoint,
      services: this.settled.then(() => ({ ...this.serviceOutputs })),
    });
  }

  /** The typed way to add a service besides config: one call, same result as a config entry. */
  addService(definition: ServiceDefinition): MicroserviceOutputs {
    if (this.sealed) {
      throw new pulumi.ResourceError(
        `addService("${definition.name}"): the services are settled already; call addService right after constructing ${this.baseName}, before any await`,
        this,
      );
    }
    if (this.registry.has(definition.name)) {
      throw new pulumi.ResourceError(
        `addService("${definition.name}"): services.${definition.name} exists already`,
        this,
      );
    }
    const problems = serviceProblems(definition, new Set(this.registry.keys()));
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }
    return this.build(definition);
  }

  private build(definition: ServiceDefinition): MicroserviceOutputs {
    const clients = definition.apiKeyClients ?? [];
    const service = new Microservice(
      `${this.baseName}-${definition.name}`,
      {
        context: this.args.context,
        cluster: this.args.cluster,
        definition,
        repositoryKeyArn: this.args.keys.keyArns.content,
        consulRelease: this.consulRelease,
        gateway: this.gateway,
        httpApi: this.httpApi,
        ...(clients.length > 0 ? { partner: this.partnerAccess() } : {}),
        defaultThrottle: this.args.throttle,
      },
      { parent: this },
    );
    this.registry.set(definition.name, service);
    this.serviceOutputs[definition.name] = service;
    return service;
  }

  /** What partner REST APIs share, made with the first service that has API-key clients. */
  private partnerAccess(): PartnerAccess {
    if (this.partner !== undefined) {
      return this.partner;
    }
    const name = this.baseName;
    const { context, stack } = this.args;
    const parent = { parent: this };
    const vpcLink = new aws.apigateway.VpcLink(
      `${name}-partner-link`,
      {
        name: `kc-${stack}-services-partner`,
        description: "Partner REST APIs to the services gateway load balancer",
        targetArn: this.loadBalancer.arn,
      },
      parent,
    );
    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-partner-access`,
      {
        retentionInDays: this.logRetentionDays,
        kmsKeyId: this.args.keys.policyReadyKeyArns.telemetry,
        tags: dataTags("telemetry"),
      },
      parent,
    );
    // REST stages log only through the region's API Gateway account role (HTTP APIs need none).
    const role = new aws.iam.Role(
      `${name}-apigateway-logs`,
      {
        description: "API Gateway writes REST access logs to CloudWatch Logs",
        assumeRolePolicy: serviceTrustPolicy("apigateway.amazonaws.com", context.accountId),
      },
      parent,
    );
    const attachment = new aws.iam.RolePolicyAttachment(
      `${name}-apigateway-logs`,
      {
        role: role.name,
        policyArn: `arn:${context.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`,
      },
      parent,
    );
    const accountSettings = new aws.apigateway.Account(
      `${name}-apigateway-account`,
      { cloudwatchRoleArn: role.arn },
      { parent: this, dependsOn: [attachment] },
    );
    this.partner = {
      stack,
      vpcLinkId: vpcLink.id,
      loadBalancerDnsName: this.loadBalancer.dnsName,
      accessLogArn: accessLogs.arn,
      accountSettings,
      keyIdOf: (client) => this.partnerKey(client).id,
      quota: this.args.quota,
      throttle: this.args.throttle,
    };
    return this.partner;
  }

  /** A partner client's API key: one per client, its value generated by AWS. */
  private partnerKey(client: string): aws.apigateway.ApiKey {
    const existing = this.partnerKeys.get(client);
    if (existing !== undefined) {
      return existing;
    }
    const key = new aws.apigateway.ApiKey(
      `${this.baseName}-client-${client}`,
      {
        name: `kc-${this.args.stack}-${client}`,
        description: `Partner client ${client}`,
        enabled: true,
      },
      { parent: this },
    );
    this.partnerKeys.set(client, key);
    return key;
  }
}

/** Every problem of the arguments and of the services from config, each one line. */
function argsProblems(args: MicroservicesArgs): string[] {
  const names = args.services.map((service) => service.name);
  const known = new Set(names);
  let issuer: URL | undefined;
  try {
    issuer = new URL(args.jwt.issuer);
  } catch {
    issuer = undefined;
  }
  return [
    ...(!HOSTNAME.test(args.hostname)
      ? [`hostname = ${JSON.stringify(args.hostname)}: a lower-case DNS name`]
      : []),
    ...(issuer?.protocol !== "https:"
      ? [`jwt.issuer = ${JSON.stringify(args.jwt.issuer)}: an https URL`]
      : []),
    ...(args.jwt.audience.length === 0 || args.jwt.audience.some((audience) => audience === "")
      ? ["jwt.audience: at least one non-empty audience"]
      : []),
    ...throttleProblems("throttle", args.throttle),
    ...(!Number.isInteger(args.quota.limit) || args.quota.limit <= 0
      ? [`quota.limit = ${args.quota.limit}: a positive integer (requests per period)`]
      : []),
    ...(!QUOTA_PERIODS.includes(args.quota.period)
      ? [`quota.period = ${JSON.stringify(args.quota.period)}: one of ${QUOTA_PERIODS.join(", ")}`]
      : []),
    ...(args.consul.serverReplicas !== 3 && args.consul.serverReplicas !== 5
      ? [`consul.serverReplicas = ${String(args.consul.serverReplicas)}: 3 or 5`]
      : []),
    ...(!Number.isInteger(args.consul.storageGiB) || args.consul.storageGiB < 10
      ? [`consul.storageGiB = ${args.consul.storageGiB}: an integer of at least 10`]
      : []),
    ...[...new Set(names.filter((name, index) => names.indexOf(name) !== index))].map(
      (name) => `services: "${name}" is defined twice`,
    ),
    ...args.services.flatMap((service) => serviceProblems(service, known)),
  ];
}

/** Consul's chart values. Keys follow the chart's `values.yaml` of the pinned version. */
function consulValues(args: MicroservicesArgs): Record<string, unknown> {
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
