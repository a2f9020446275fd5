import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  json,
  list,
  record,
  Recorded,
  runComponent,
  TEST_CONTEXT,
  type EngineRun,
  type RecordedResource,
  platformProviders,
} from "../../tools/plan/engine";
import { DataKeys } from "../security/data-keys";
import { KubernetesCluster } from "../kubernetes/kubernetes-cluster";
import { CONSUL_CHART, Microservices, type MicroservicesArgs } from "./microservices";
import { chartsPath } from "../kubernetes/helm";
import { upstreamValuesProblems } from "../../charts/upstream-values";
import type { ServiceDefinition } from "./microservice";

const SUBNETS = ["subnet-a", "subnet-b", "subnet-c"];
const HOSTNAME = "services.sa.knowledgecity.com";
const ISSUER = "https://auth.knowledgecity.com/";

/** From config: partner clients, a throttle of its own, AWS permissions, a caller. */
const COURSES: ServiceDefinition = {
  name: "courses",
  port: 8080,
  routes: [
    { method: "GET", path: "/courses" },
    { method: "GET", path: "/courses/{id}" },
    { method: "POST", path: "/courses" },
  ],
  callers: ["enrolments"],
  apiKeyClients: ["acme", "globex"],
  throttle: { rateLimit: 50, burstLimit: 100 },
  permissions: [
    {
      Sid: "ReadCatalog",
      Action: ["s3:GetObject"],
      Resource: "arn:aws:s3:::kc-course-catalog/*",
    },
  ],
};

/** From config: the bare minimum. */
const ENROLMENTS: ServiceDefinition = {
  name: "enrolments",
  port: 9000,
  routes: [{ method: "ANY", path: "/{proxy+}" }],
};

/** Added through `addService`: a caller from config and a partner client shared with courses. */
const CERTIFICATES: ServiceDefinition = {
  name: "certificates",
  port: 8443,
  routes: [{ method: "GET", path: "/certificates/{id}" }],
  callers: ["courses"],
  apiKeyClients: ["acme"],
};

interface RunOptions {
  readonly services?: readonly ServiceDefinition[];
  readonly added?: readonly ServiceDefinition[];
  /** Added after an await, once the component has settled. */
  readonly late?: ServiceDefinition;
  readonly args?: Partial<MicroservicesArgs>;
}

function run(options: RunOptions = {}): Promise<EngineRun> {
  return runComponent(async (provider) => {
    const keys = new DataKeys(
      "keys",
      { context: TEST_CONTEXT, stack: "me-south-1" },
      { providers: platformProviders(provider) },
    );
    const cluster = new KubernetesCluster(
      "eks",
      {
        context: TEST_CONTEXT,
        clusterName: "kc-me-south-1-analytics",
        version: "1.35",
        vpcId: "vpc-1",
        privateSubnetIds: SUBNETS,
        keys,
      },
      { providers: platformProviders(provider) },
    );
    const microservices = new Microservices(
      "services",
      {
        context: TEST_CONTEXT,
        stack: "me-south-1",
        cluster,
        keys,
        vpcId: "vpc-1",
        privateSubnetIds: SUBNETS,
        hostname: HOSTNAME,
        hostedZoneId: "Z0ZONE0000",
        jwt: { issuer: ISSUER, audience: ["knowledgecity-web", "knowledgecity-mobile"] },
        throttle: { rateLimit: 1000, burstLimit: 2000 },
        quota: { limit: 100_000, period: "MONTH" },
        consul: { serverReplicas: 3, storageGiB: 20 },
        services: options.services ?? [COURSES, ENROLMENTS],
        dependsOn: [],
        ...options.args,
      },
      { providers: platformProviders(provider) },
    );
    for (const definition of options.added ?? [CERTIFICATES]) {
      microservices.addService(definition);
    }
    keys.seal();
    if (options.late !== undefined) {
      await new Promise((resolve) => setImmediate(resolve));
      microservices.addService(options.late);
    }
  });
}

/** The message a failing run throws. */
async function failure(options: RunOptions): Promise<string> {
  try {
    await run(options);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error("the run did not fail");
}

const T = {
  route: "aws:apigatewayv2/route:Route",
  stage: "aws:apigatewayv2/stage:Stage",
  integration: "aws:apigatewayv2/integration:Integration",
  authorizer: "aws:apigatewayv2/authorizer:Authorizer",
  vpcLink: "aws:apigatewayv2/vpcLink:VpcLink",
  restApi: "aws:apigateway/restApi:RestApi",
  restVpcLink: "aws:apigateway/vpcLink:VpcLink",
  restMethod: "aws:apigateway/method:Method",
  restIntegration: "aws:apigateway/integration:Integration",
  restStage: "aws:apigateway/stage:Stage",
  methodSettings: "aws:apigateway/methodSettings:MethodSettings",
  usagePlan: "aws:apigateway/usagePlan:UsagePlan",
  usagePlanKey: "aws:apigateway/usagePlanKey:UsagePlanKey",
  apiKey: "aws:apigateway/apiKey:ApiKey",
  account: "aws:apigateway/account:Account",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  listener: "aws:lb/listener:Listener",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  repository: "aws:ecr/repository:Repository",
  lifecycle: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  association: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
  release: "kubernetes:helm.sh/v3:Release",
  namespace: "kubernetes:core/v1:Namespace",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  intentions: "kubernetes:consul.hashicorp.com/v1alpha1:ServiceIntentions",
  defaults: "kubernetes:consul.hashicorp.com/v1alpha1:ServiceDefaults",
  gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
  httpRoute: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
  binding: "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding",
} as const;

const metadataOf = (resource: RecordedResource) => record(resource.inputs.metadata);
const specOf = (resource: RecordedResource) => record(resource.inputs.spec);
const byMetadataName = (resources: RecordedResource[], name: string): RecordedResource => {
  const found = resources.filter((resource) => metadataOf(resource).name === name);
  if (found.length !== 1) {
    throw new Error(`expected one resource named ${name}, found ${found.length}`);
  }
  return found[0] as RecordedResource;
};

/** Counts of resources per type, the component's own children only. */
function typeCounts(recorded: Recorded): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of recorded.resources) {
    if (resource.name.startsWith("services")) {
      counts[resource.type] = (counts[resource.type] ?? 0) + 1;
    }
  }
  return counts;
}

describe("Microservices", async () => {
  const recorded = Recorded.of(await run());
  const contentKey = recorded.named("aws:kms/key:Key", "keys-content");
  const telemetryKey = recorded.named("aws:kms/key:Key", "keys-telemetry");
  const keyArn = (key: RecordedResource) =>
    `arn:aws:kms:me-south-1:111122223333:key/${key.id ?? ""}`;
  const authorizer = recorded.named(T.authorizer, "services-jwt");
  const integration = recorded.named(T.integration, "services-gateway");
  const stage = recorded.named(T.stage, "services-default");

  describe("the HTTP API", () => {
    it("serves versioned routes under each service's prefix, all behind the JWT authorizer", () => {
      const routes = recorded.ofType(T.route);
      expect(routes.map((route) => route.inputs.routeKey).sort()).toEqual([
        "ANY /v1/enrolments/{proxy+}",
        "GET /v1/certificates/certificates/{id}",
        "GET /v1/courses/courses",
        "GET /v1/courses/courses/{id}",
        "POST /v1/courses/courses",
      ]);
      for (const route of routes) {
        expect(route.inputs.authorizationType).toBe("JWT");
        expect(recorded.referencedBy(route.inputs.authorizerId)).toBe(authorizer);
        expect(route.inputs.target).toBe(`integrations/${integration.id ?? ""}`);
      }
    });

    it("accepts tokens of the configured issuer and audiences from the Authorization header", () => {
      expect(authorizer.inputs).toMatchObject({
        authorizerType: "JWT",
        identitySources: ["$request.header.Authorization"],
        jwtConfiguration: {
          issuer: ISSUER,
          audiences: ["knowledgecity-web", "knowledgecity-mobile"],
        },
      });
    });

    it("throttles the stage by default and a service's routes by its own override", () => {
      expect(stage.inputs).toMatchObject({
        name: "$default",
        autoDeploy: true,
        defaultRouteSettings: { throttlingRateLimit: 1000, throttlingBurstLimit: 2000 },
      });
      const settings = list(stage.inputs.routeSettings).map(record);
      expect(settings.map((setting) => setting.routeKey).sort()).toEqual([
        "GET /v1/courses/courses",
        "GET /v1/courses/courses/{id}",
        "POST /v1/courses/courses",
      ]);
      for (const setting of settings) {
        expect(setting).toMatchObject({ throttlingRateLimit: 50, throttlingBurstLimit: 100 });
      }
      // Route settings name routes, so the stage waits for every route.
      for (const route of recorded.ofType(T.route)) {
        expect(stage.dependsOn).toContain(route.urn);
      }
    });

    it("proxies over a VPC link in the private subnets to the gateway's NLB listener", () => {
      const vpcLink = recorded.named(T.vpcLink, "services-vpc-link");
      const linkGroup = recorded.named(T.securityGroup, "services-vpc-link");
      const nlbGroup = recorded.named(T.securityGroup, "services-nlb");
      const listener = recorded.named(T.listener, "services-gateway");
      expect(vpcLink.inputs).toMatchObject({
        subnetIds: SUBNETS,
        securityGroupIds: [linkGroup.id],
      });
      expect(integration.inputs).toMatchObject({
        integrationType: "HTTP_PROXY",
        connectionType: "VPC_LINK",
        integrationMethod: "ANY",
      });
      expect(recorded.referencedBy(integration.inputs.connectionId)).toBe(vpcLink);
      // An HTTP API's private integration names the NLB listener by its ARN (the listener's id).
      expect(integration.inputs.integrationUri).toBe(listener.id);
      expect(String(listener.id)).toMatch(
        /^arn:aws:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/net\/[^/]+\/[0-9a-f]{16}\/[0-9a-f]{16}$/,
      );
      expect(integration.dependsOn).toContain(listener.urn);
      // The link may reach the NLB on the gateway port, and nothing else reaches it.
      expect(
        recorded
          .ofType(T.ingress)
          .filter((rule) => rule.inputs.securityGroupId === nlbGroup.id)
          .map((rule) => rule.inputs),
      ).toEqual([
        {
          securityGroupId: nlbGroup.id,
          referencedSecurityGroupId: linkGroup.id,
          ipProtocol: "tcp",
          fromPort: 8080,
          toPort: 8080,
          description: "From the VPC link",
        },
      ]);
      expect(
        recorded
          .ofType(T.egress)
          .filter((rule) => rule.inputs.securityGroupId === linkGroup.id)
          .map((rule) => rule.inputs.referencedSecurityGroupId),
      ).toEqual([nlbGroup.id]);
    });

    it("logs JSON access lines with the request's outcome and no header or body", () => {
      const settings = record(stage.inputs.accessLogSettings);
      const group = recorded.named(T.logGroup, "services-access");
      expect(String(settings.destinationArn)).toMatch(
        /^arn:aws:logs:me-south-1:111122223333:log-group:services-access-[0-9a-f]+$/,
      );
      expect(stage.dependsOn).toContain(group.urn);
      const format = json(settings.format);
      expect(format).toMatchObject({
        requestId: "$context.requestId",
        ip: "$context.identity.sourceIp",
        routeKey: "$context.routeKey",
        status: "$context.status",
        latencyMs: "$context.responseLatency",
        integrationError: "$context.integrationErrorMessage",
        authorizerError: "$context.authorizer.error",
      });
      expect(String(settings.format)).not.toMatch(/authorization|header|body/i);
      expect(group.inputs).toMatchObject({
        retentionInDays: 365,
        kmsKeyId: keyArn(telemetryKey),
        tags: { DataClass: "telemetry" },
      });
    });

    it("answers only on its TLS 1.2 custom domain, with a certificate and an alias record", () => {
      const api = recorded.named("aws:apigatewayv2/api:Api", "services-api");
      expect(api.inputs).toMatchObject({ protocolType: "HTTP", disableExecuteApiEndpoint: true });
      const domain = recorded.named("aws:apigatewayv2/domainName:DomainName", "services-domain");
      expect(domain.inputs).toMatchObject({
        domainName: HOSTNAME,
        domainNameConfiguration: { endpointType: "REGIONAL", securityPolicy: "TLS_1_2" },
      });
      expect(String(record(domain.inputs.domainNameConfiguration).certificateArn)).toMatch(
        /^arn:aws:acm:me-south-1:111122223333:certificate\//,
      );
      expect(
        recorded.named("aws:acm/certificate:Certificate", "services-tls").inputs.domainName,
      ).toBe(HOSTNAME);
      const mapping = recorded.named("aws:apigatewayv2/apiMapping:ApiMapping", "services-domain");
      expect(recorded.referencedBy(mapping.inputs.apiId)).toBe(api);
      expect(recorded.referencedBy(mapping.inputs.domainName)).toBe(domain);
      expect(recorded.referencedBy(mapping.inputs.stage)).toBe(stage);
      const alias = recorded.named("aws:route53/record:Record", "services-domain");
      expect(alias.inputs).toMatchObject({ zoneId: "Z0ZONE0000", name: HOSTNAME, type: "A" });
      expect(String(list(alias.inputs.aliases).map(record)[0]?.name)).toMatch(
        /^d-[0-9a-f]+\.execute-api\.me-south-1\.amazonaws\.com$/,
      );
    });
  });

  describe("partner access with API keys", () => {
    it("gives each service with clients a REST API of its own, and no other service one", () => {
      expect(
        recorded
          .ofType(T.restApi)
          .map((api) => api.inputs.name)
          .sort(),
      ).toEqual(["kc-me-south-1-certificates-partner", "kc-me-south-1-courses-partner"]);
      for (const api of recorded.ofType(T.restApi)) {
        expect(api.inputs.endpointConfiguration).toEqual({ types: "REGIONAL" });
      }
    });

    it("requires a key on /v1/<name>/{proxy+}, proxied over a REST VPC link to the NLB", () => {
      const link = recorded.named(T.restVpcLink, "services-partner-link");
      const loadBalancer = recorded.named(T.loadBalancer, "services-gateway");
      expect(link.dependsOn).toContain(loadBalancer.urn);
      expect(String(link.inputs.targetArn)).toMatch(/^arn:aws:elasticloadbalancing:me-south-1:/);
      const proxies = recorded
        .ofType("aws:apigateway/resource:Resource")
        .filter((resource) => resource.name.endsWith("-partner-proxy"));
      expect(proxies).toHaveLength(2);
      for (const method of recorded.ofType(T.restMethod)) {
        expect(method.inputs).toMatchObject({
          httpMethod: "ANY",
          authorization: "NONE",
          apiKeyRequired: true,
        });
      }
      const courses = recorded.named(T.restIntegration, "services-courses-partner-any");
      expect(courses.inputs).toMatchObject({
        type: "HTTP_PROXY",
        connectionType: "VPC_LINK",
        integrationHttpMethod: "ANY",
        requestParameters: { "integration.request.path.proxy": "method.request.path.proxy" },
      });
      expect(recorded.referencedBy(courses.inputs.connectionId)).toBe(link);
      expect(String(courses.inputs.uri)).toMatch(
        /^http:\/\/[a-z0-9-]+\.me-south-1\.elb\.amazonaws\.com:8080\/v1\/courses\/\{proxy\}$/,
      );
    });

    it("puts quota and throttle from config in each usage plan, with one key per client", () => {
      for (const plan of recorded.ofType(T.usagePlan)) {
        expect(plan.inputs).toMatchObject({
          quotaSettings: { limit: 100_000, period: "MONTH" },
          throttleSettings: { rateLimit: 1000, burstLimit: 2000 },
        });
      }
      const keys = recorded.ofType(T.apiKey);
      expect(keys.map((key) => key.inputs.name).sort()).toEqual([
        "kc-me-south-1-acme",
        "kc-me-south-1-globex",
      ]);
      for (const key of keys) {
        expect(key.inputs.enabled).toBe(true);
        expect(key.inputs.value).toBeUndefined();
      }
      // Plans and REST APIs are both named after the service, so compare ids, not lookups.
      const clientsOf = (service: string) => {
        const plan = recorded.named(T.usagePlan, `services-${service}-partner`);
        return recorded
          .ofType(T.usagePlanKey)
          .filter((planKey) => planKey.inputs.usagePlanId === plan.id)
          .map((planKey) => recorded.referencedBy(planKey.inputs.keyId).inputs.name)
          .sort();
      };
      expect(clientsOf("courses")).toEqual(["kc-me-south-1-acme", "kc-me-south-1-globex"]);
      expect(clientsOf("certificates")).toEqual(["kc-me-south-1-acme"]);
    });

    it("logs partner stages without headers or bodies, and throttles their methods", () => {
      for (const partnerStage of recorded.ofType(T.restStage)) {
        const settings = record(partnerStage.inputs.accessLogSettings);
        expect(String(settings.format)).not.toMatch(/authorization|header|body/i);
        expect(json(settings.format)).toMatchObject({ apiKeyId: "$context.identity.apiKeyId" });
        expect(partnerStage.dependsOn).toContain(
          recorded.named(T.account, "services-apigateway-account").urn,
        );
      }
      const group = recorded.named(T.logGroup, "services-partner-access");
      expect(group.inputs).toMatchObject({
        kmsKeyId: keyArn(telemetryKey),
        tags: { DataClass: "telemetry" },
      });
      const throttleOf = (service: string) =>
        record(recorded.named(T.methodSettings, `services-${service}-partner-throttle`).inputs)
          .settings;
      expect(
        recorded.named(T.methodSettings, "services-courses-partner-throttle").inputs.methodPath,
      ).toBe("*/*");
      expect(throttleOf("courses")).toMatchObject({
        throttlingRateLimit: 50,
        throttlingBurstLimit: 100,
        loggingLevel: "OFF",
        dataTraceEnabled: false,
      });
      expect(throttleOf("certificates")).toMatchObject({
        throttlingRateLimit: 1000,
        throttlingBurstLimit: 2000,
      });
    });

    it("creates no REST API, key or account setting when no client needs a key", async () => {
      const plain = Recorded.of(
        await run({ services: [{ ...COURSES, apiKeyClients: [] }, ENROLMENTS], added: [] }),
      );
      for (const type of [
        T.restApi,
        T.restVpcLink,
        T.usagePlan,
        T.apiKey,
        T.account,
        T.restStage,
      ]) {
        expect(plain.ofType(type)).toEqual([]);
      }
      expect(
        plain.named(T.loadBalancer, "services-gateway").inputs
          .enforceSecurityGroupInboundRulesOnPrivateLinkTraffic,
      ).toBe("on");
      expect(
        recorded.named(T.loadBalancer, "services-gateway").inputs
          .enforceSecurityGroupInboundRulesOnPrivateLinkTraffic,
      ).toBe("off");
    });
  });

  describe("the gateway's load balancer", () => {
    it("is internal, protected, cross-zone, in the private subnets, with its own group", () => {
      const loadBalancer = recorded.named(T.loadBalancer, "services-gateway");
      expect(loadBalancer.inputs).toMatchObject({
        loadBalancerType: "network",
        internal: true,
        subnets: SUBNETS,
        securityGroups: [recorded.named(T.securityGroup, "services-nlb").id],
        enableDeletionProtection: true,
        enableCrossZoneLoadBalancing: true,
      });
      expect(recorded.named(T.listener, "services-gateway").inputs).toMatchObject({
        protocol: "TCP",
        port: 8080,
      });
      expect(recorded.named(T.targetGroup, "services-gateway").inputs).toMatchObject({
        targetType: "ip",
        protocol: "TCP",
        port: 8080,
      });
    });

    it("is bound to the gateway's Service, whose pods admit its group on the gateway port", () => {
      const binding = recorded.named(T.binding, "services-gateway-binding");
      expect(metadataOf(binding)).toMatchObject({ name: "api-gateway", namespace: "consul" });
      expect(specOf(binding)).toMatchObject({
        serviceRef: { name: "api-gateway", port: 8080 },
        targetType: "ip",
      });
      expect(binding.dependsOn).toContain(recorded.named(T.targetGroup, "services-gateway").urn);
      const rule = recorded.named(T.ingress, "services-gateway-from-nlb");
      expect(String(rule.inputs.securityGroupId)).toMatch(/^sg-[0-9a-f]{17}$/);
      expect(rule.inputs).toMatchObject({
        referencedSecurityGroupId: recorded.named(T.securityGroup, "services-nlb").id,
        fromPort: 8080,
        toPort: 8080,
      });
    });
  });

  describe("the Consul mesh", () => {
    const release = recorded.named(T.release, "services-consul");
    const values = record(release.inputs.values);

    it("installs the pinned chart in its own namespace", () => {
      expect(release.inputs).toMatchObject({
        chart: "consul",
        version: CONSUL_CHART.version,
        repositoryOpts: { repo: "https://helm.releases.hashicorp.com" },
        namespace: "consul",
        atomic: true,
      });
      expect(CONSUL_CHART.version).toMatch(/^\d+\.\d+\.\d+$/);
      const namespace = byMetadataName(recorded.ofType(T.namespace), "consul");
      expect(release.dependsOn).toContain(namespace.urn);
    });

    it("sets only values the chart version has, none it marks deprecated", () => {
      const upstream = chartsPath("upstream", `consul-${CONSUL_CHART.version}`, "values.yaml");
      expect(upstreamValuesProblems(values, upstream)).toEqual([]);
      // The check sees what Consul 2.0 deprecated: the gateway class's instance counts.
      const planted = {
        ...values,
        connectInject: {
          apiGateway: { managedGatewayClass: { deployment: { defaultInstances: 2 } } },
        },
      };
      expect(upstreamValuesProblems(planted, upstream)).toEqual([
        expect.stringMatching(
          /^connectInject\.apiGateway\.managedGatewayClass\.deployment: deprecated by the chart/,
        ),
      ]);
      expect(upstreamValuesProblems({ connectInject: { apiGatway: {} } }, upstream)).toEqual([
        "connectInject.apiGatway: not a value of the chart",
      ]);
    });

    it("scales the API gateway with an HPA, which the community controller leaves in charge", () => {
      const hpa = recorded.named(
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        "services-gateway",
      );
      expect(hpa.inputs).toMatchObject({
        metadata: { name: "api-gateway", namespace: "consul" },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api-gateway" },
          minReplicas: 2,
          maxReplicas: 4,
        },
      });
      expect(hpa.dependsOn).toContain(recorded.named(T.gateway, "services-gateway").urn);
    });

    it("turns on TLS, auto-encrypt, verification, ACLs, gossip encryption and metrics", () => {
      expect(values.global).toMatchObject({
        name: "consul",
        tls: { enabled: true, enableAutoEncrypt: true, verify: true },
        acls: { manageSystemACLs: true },
        gossipEncryption: { autoGenerate: true },
        metrics: { enabled: true, enableAgentMetrics: true },
      });
      expect(values.ui).toEqual({ enabled: false });
    });

    it("runs the configured servers on the general pool with encrypted storage", () => {
      const server = record(values.server);
      expect(server).toMatchObject({
        replicas: 3,
        storage: "20Gi",
        storageClass: "gp3-encrypted",
      });
      expect(parse(String(server.nodeSelector))).toEqual({ "karpenter.sh/nodepool": "general" });
    });

    it("injects sidecars only where asked, through the CNI plugin, with the API gateway on", () => {
      const inject = record(values.connectInject);
      expect(inject).toMatchObject({
        enabled: true,
        default: false,
        cni: { enabled: true },
        apiGateway: {
          manageExternalCRDs: true,
          managedGatewayClass: { serviceType: "ClusterIP" },
        },
      });
      expect(parse(String(inject.namespaceSelector))).toEqual({
        matchLabels: { "connect-inject": "enabled" },
      });
    });

    it("denies everything by default and allows each service's gateway and callers", () => {
      const intentions = recorded.ofType(T.intentions);
      const denyAll = byMetadataName(intentions, "deny-all");
      expect(metadataOf(denyAll).namespace).toBe("consul");
      expect(specOf(denyAll)).toEqual({
        destination: { name: "*" },
        sources: [{ name: "*", action: "deny", description: "Nothing is allowed unless named" }],
      });
      const allowed = (service: string) => {
        const spec = specOf(byMetadataName(intentions, service));
        expect(spec.destination).toEqual({ name: service });
        return list(spec.sources)
          .map(record)
          .map((source) => `${String(source.name)}:${String(source.action)}`);
      };
      expect(allowed("courses")).toEqual(["api-gateway:allow", "enrolments:allow"]);
      expect(allowed("enrolments")).toEqual(["api-gateway:allow"]);
      expect(allowed("certificates")).toEqual(["api-gateway:allow", "courses:allow"]);
      expect(intentions).toHaveLength(4);
      for (const defaults of recorded.ofType(T.defaults)) {
        expect(specOf(defaults)).toEqual({ protocol: "http" });
      }
      expect(recorded.ofType(T.defaults)).toHaveLength(3);
    });

    it("routes /v1/<name> from the gateway to each service's Service", () => {
      const gateway = recorded.named(T.gateway, "services-gateway");
      expect(metadataOf(gateway)).toMatchObject({ name: "api-gateway", namespace: "consul" });
      expect(specOf(gateway)).toMatchObject({
        gatewayClassName: "consul",
        listeners: [{ name: "http", protocol: "HTTP", port: 8080 }],
      });
      const route = byMetadataName(recorded.ofType(T.httpRoute), "enrolments");
      expect(metadataOf(route).namespace).toBe("enrolments");
      expect(specOf(route)).toEqual({
        parentRefs: [{ name: "api-gateway", namespace: "consul", sectionName: "http" }],
        rules: [
          {
            matches: [{ path: { type: "PathPrefix", value: "/v1/enrolments" } }],
            backendRefs: [{ name: "enrolments", port: 9000 }],
          },
        ],
      });
      expect(recorded.ofType(T.httpRoute)).toHaveLength(3);
    });
  });

  describe("each service", () => {
    it("gets a restricted namespace selected for injection and its service account", () => {
      for (const service of ["courses", "enrolments", "certificates"]) {
        const namespace = byMetadataName(recorded.ofType(T.namespace), service);
        expect(metadataOf(namespace).labels).toEqual({
          "pod-security.kubernetes.io/enforce": "restricted",
          "connect-inject": "enabled",
          "knowledgecity.io/api-gateway-routes": "allowed",
        });
        const account = byMetadataName(recorded.ofType(T.serviceAccount), service);
        expect(metadataOf(account).namespace).toBe(service);
      }
    });

    it("gets a Pod Identity role only when it declares permissions", () => {
      const associations = recorded
        .ofType(T.association)
        .filter((association) => association.name.startsWith("services-"));
      expect(
        associations.map(
          (association) =>
            `${String(association.inputs.namespace)}/${String(association.inputs.serviceAccount)}`,
        ),
      ).toEqual(["courses/courses"]);
      const policy = json(
        recorded.named("aws:iam/rolePolicy:RolePolicy", "services-courses-identity").inputs.policy,
      );
      expect(policy.Statement).toEqual([
        {
          Effect: "Allow",
          Sid: "ReadCatalog",
          Action: ["s3:GetObject"],
          Resource: "arn:aws:s3:::kc-course-catalog/*",
        },
      ]);
    });

    it("gets an immutable, scanned, KMS-encrypted image repository with a lifecycle", () => {
      const repositories = recorded.ofType(T.repository);
      expect(repositories.map((repository) => repository.inputs.name).sort()).toEqual([
        "knowledgecity/certificates",
        "knowledgecity/courses",
        "knowledgecity/enrolments",
      ]);
      for (const repository of repositories) {
        expect(repository.inputs).toMatchObject({
          imageTagMutability: "IMMUTABLE",
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: keyArn(contentKey) }],
          tags: { DataClass: "content" },
        });
      }
      const policies = recorded.ofType(T.lifecycle);
      expect(policies).toHaveLength(3);
      const rules = list(json(policies[0]?.inputs.policy).rules).map(record);
      expect(rules.map((rule) => rule.selection)).toEqual([
        { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
        {
          tagStatus: "tagged",
          tagPatternList: ["*"],
          countType: "imageCountMoreThan",
          countNumber: 50,
        },
      ]);
    });

    it("is built the same whether it comes from config or from addService", async () => {
      const fromConfig = Recorded.of(
        await run({ services: [COURSES, ENROLMENTS, CERTIFICATES], added: [] }),
      );
      expect(typeCounts(fromConfig)).toEqual(typeCounts(recorded));
      const names = (result: Recorded) =>
        result.resources
          .filter((resource) => resource.name.startsWith("services"))
          .map((resource) => `${resource.type} ${resource.name}`)
          .sort();
      expect(names(fromConfig)).toEqual(names(recorded));
    });
  });

  describe("refuses", () => {
    const oneLine = async (options: RunOptions, expected: string) => {
      const message = await failure(options);
      expect(message).toContain(expected);
      expect(message).not.toContain("\n");
    };

    it("a service added twice", async () => {
      await oneLine(
        { added: [CERTIFICATES, CERTIFICATES] },
        'addService("certificates"): services.certificates exists already',
      );
      await oneLine({ added: [ENROLMENTS] }, 'addService("enrolments"): services.enrolments');
    });

    it("a service added once the services are settled", async () => {
      await oneLine({ added: [], late: CERTIFICATES }, "the services are settled already");
    });

    it("bad service definitions, naming the field", async () => {
      const bad = (definition: Partial<ServiceDefinition>) => ({
        added: [{ ...CERTIFICATES, ...definition }],
      });
      await oneLine(bad({ name: "Certificates" }), 'services."Certificates".name = "Certificates"');
      await oneLine(bad({ name: "consul" }), 'services.consul.name = "consul": reserved');
      await oneLine(bad({ port: 80 }), "services.certificates.port = 80: an integer from 1024");
      await oneLine(bad({ port: 20000 }), "services.certificates.port = 20000: used by the mesh");
      await oneLine(bad({ routes: [] }), "services.certificates.routes: at least one route");
      await oneLine(
        bad({ routes: [{ method: "GET", path: "certificates" }] }),
        'services.certificates.routes[0].path = "certificates": must start with "/"',
      );
      await oneLine(
        bad({ routes: [{ method: "GET", path: "/a//b" }] }),
        'services.certificates.routes[0].path = "/a//b": no empty segment',
      );
      await oneLine(
        bad({ routes: [{ method: "GET", path: "/{proxy+}/x" }] }),
        'services.certificates.routes[0].path = "/{proxy+}/x": segment "{proxy+}"',
      );
      await oneLine(
        bad({ callers: ["billing"] }),
        'services.certificates.callers: "billing" is not a service defined before it',
      );
      await oneLine(
        bad({ throttle: { rateLimit: 0, burstLimit: 1.5 } }),
        "services.certificates.throttle.rateLimit = 0: a positive integer",
      );
      await oneLine(
        bad({ apiKeyClients: ["Acme Corp"] }),
        'services.certificates.apiKeyClients: "Acme Corp" is not',
      );
    });

    it("bad settings, naming the field, all at once", async () => {
      const message = await failure({
        args: {
          jwt: { issuer: "http://auth.knowledgecity.com/", audience: ["web"] },
          throttle: { rateLimit: -1, burstLimit: 10 },
          quota: { limit: 0, period: "MONTH" },
          consul: { serverReplicas: 4 as 3, storageGiB: 20 },
        },
      });
      expect(message).not.toContain("\n");
      for (const expected of [
        'jwt.issuer = "http://auth.knowledgecity.com/": an https URL',
        "throttle.rateLimit = -1: a positive integer",
        "quota.limit = 0: a positive integer",
        "consul.serverReplicas = 4: 3 or 5",
      ]) {
        expect(message).toContain(expected);
      }
    });

    it("callers of config services that are not services", async () => {
      await oneLine(
        { services: [{ ...ENROLMENTS, callers: ["billing"] }], added: [] },
        'services.enrolments.callers: "billing" is not a service defined before it',
      );
    });
  });
});
