/**
 * Partner access with API keys. HTTP APIs have no API keys or usage plans, so a service that lists
 * `apiKeyClients` gets a regional REST API of its own (`ANY /v1/<name>/{proxy+}`, API key
 * required, over a REST VPC link to the gateway's load balancer) with a usage plan holding each
 * client's key, quota and throttle; what those APIs share is made once.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";
import { serviceTrustPolicy } from "../shared/iam";
import type { LogRetentionDays } from "../shared/logs";
import { encryptedLogGroup } from "../shared/secure-defaults";
import { INTEGRATION_TIMEOUT_MS } from "./http-api";
import { GATEWAY_PORT } from "./mesh";
import {
  routePrefix,
  shortHash,
  type ServiceDefinition,
  type Throttle,
} from "./service-definition";

/** Periods of an API-key client's quota. */
export const QUOTA_PERIODS = ["DAY", "WEEK", "MONTH"] as const;

/** The stage of each partner REST API (its URLs read `.../partner/v1/<name>/...`). */
export const PARTNER_STAGE = "partner";

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
  readonly quota: { readonly limit: number; readonly period: (typeof QUOTA_PERIODS)[number] };
  /** Each client's throttle in each service's usage plan. */
  readonly throttle: Throttle;
}

/** Arguments of `createPartnerAccess`. */
export interface PartnerAccessArgs {
  /** The stack's account and partition (the logging role). */
  readonly context: AwsContext;
  /** Names the VPC link `kc-<stack>-services-partner`. */
  readonly stack: string;
  /** The gateway's load balancer, which the REST VPC link targets. */
  readonly loadBalancer: aws.lb.LoadBalancer;
  /** The key of the access log group (its policy must allow CloudWatch Logs already). */
  readonly telemetryKeyArn: pulumi.Input<string>;
  /** Retention of the access logs. */
  readonly logRetentionDays: LogRetentionDays;
  /** The API key of a client, created once per client. */
  readonly keyIdOf: (client: string) => pulumi.Input<string>;
  /** Each client's quota in each service's usage plan. */
  readonly quota: PartnerAccess["quota"];
  /** Each client's throttle in each service's usage plan. */
  readonly throttle: Throttle;
}

/**
 * What partner REST APIs share: the REST VPC link, the access log group, and API Gateway's
 * account settings with the role that lets REST stages write logs.
 */
export function createPartnerAccess(
  name: string,
  args: PartnerAccessArgs,
  parent: pulumi.Resource,
): PartnerAccess {
  const { context, stack } = args;
  const opts = { parent };
  const vpcLink = new aws.apigateway.VpcLink(
    `${name}-partner-link`,
    {
      name: `kc-${stack}-services-partner`,
      description: "Partner REST APIs to the services gateway load balancer",
      targetArn: args.loadBalancer.arn,
    },
    opts,
  );
  const accessLogs = encryptedLogGroup(
    `${name}-partner-access`,
    { kmsKeyArn: args.telemetryKeyArn, retentionDays: args.logRetentionDays },
    parent,
  );
  // REST stages log only through the region's API Gateway account role (HTTP APIs need none).
  const role = new aws.iam.Role(
    `${name}-apigateway-logs`,
    {
      description: "API Gateway writes REST access logs to CloudWatch Logs",
      assumeRolePolicy: serviceTrustPolicy("apigateway.amazonaws.com", context.accountId),
    },
    opts,
  );
  const attachment = new aws.iam.RolePolicyAttachment(
    `${name}-apigateway-logs`,
    {
      role: role.name,
      policyArn: `arn:${context.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs`,
    },
    opts,
  );
  const accountSettings = new aws.apigateway.Account(
    `${name}-apigateway-account`,
    { cloudwatchRoleArn: role.arn },
    { parent, dependsOn: [attachment] },
  );
  return {
    stack,
    vpcLinkId: vpcLink.id,
    loadBalancerDnsName: args.loadBalancer.dnsName,
    accessLogArn: accessLogs.arn,
    accountSettings,
    keyIdOf: args.keyIdOf,
    quota: args.quota,
    throttle: args.throttle,
  };
}

/** Arguments of `createPartnerApi`. */
export interface PartnerApiArgs {
  /** The service, with at least one API-key client. */
  readonly definition: ServiceDefinition;
  /** Its API-key clients. */
  readonly clients: readonly string[];
  /** What partner APIs share. */
  readonly partner: PartnerAccess;
  /** The stage default, used when the service sets no throttle. */
  readonly throttle: Throttle;
}

/** What `createPartnerApi` creates. */
export interface PartnerApi {
  /** The base URL of the service on its partner API. */
  readonly url: pulumi.Output<string>;
}

/**
 * A service's partner REST API: `ANY /v1/<name>/{proxy+}` requiring an API key, proxied over the
 * REST VPC link to the gateway's load balancer; a stage with access logs and method throttling;
 * a usage plan with the quota and throttle of each client, and each listed client's key in it.
 */
export function createPartnerApi(
  name: string,
  args: PartnerApiArgs,
  parent: pulumi.Resource,
): PartnerApi {
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
  return { url: pulumi.interpolate`${stage.invokeUrl}${routePrefix(service)}` };
}
