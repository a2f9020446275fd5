/**
 * The services' HTTP API, the way in for applications: versioned routes behind a JWT authorizer,
 * proxied over a VPC link to the gateway's load balancer; default and per-service throttling;
 * JSON access logs without headers or bodies; a TLS 1.2 custom domain only.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-private-integration.html
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { validatedCertificate } from "../shared/certificate";
import type { LogRetentionDays } from "../shared/logs";
import { encryptedLogGroup } from "../shared/secure-defaults";
import type { SettledService, Throttle } from "./service-definition";

/** API Gateway's limit on an integration's wait (HTTP and REST APIs alike). */
export const INTEGRATION_TIMEOUT_MS = 29_000;

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

/** Arguments of `createHttpApi`. */
export interface HttpApiArgs {
  /** Names the VPC link `kc-<stack>-services` and the authorizer. */
  readonly stack: string;
  /** The custom domain, the API's only endpoint. */
  readonly hostname: string;
  /** The zone of `hostname`: its alias record and certificate validation. */
  readonly hostedZoneId: pulumi.Input<string>;
  /**
   * The identity provider whose tokens every route requires.
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
   */
  readonly jwt: { readonly issuer: string; readonly audience: readonly string[] };
  /** The stage's default throttle. */
  readonly throttle: Throttle;
  /** The VPC link's subnets. */
  readonly privateSubnetIds: pulumi.Input<string[]>;
  /** The VPC link's security group, the one the load balancer admits. */
  readonly vpcLinkSecurityGroupId: pulumi.Input<string>;
  /** The load balancer listener the integration proxies to. */
  readonly listenerArn: pulumi.Input<string>;
  /** The key of the access log group (its policy must allow CloudWatch Logs already). */
  readonly telemetryKeyArn: pulumi.Input<string>;
  /** Retention of the access logs. */
  readonly logRetentionDays: LogRetentionDays;
  /** Every service, once settled: the stage's per-route throttles. */
  readonly services: Promise<readonly SettledService[]>;
}

/** What a service's routes join on the HTTP API. */
export interface HttpApiTarget {
  readonly apiId: pulumi.Input<string>;
  readonly integrationId: pulumi.Input<string>;
  readonly authorizerId: pulumi.Input<string>;
}

/** The HTTP API with its authorizer, integration, `$default` stage and custom domain. */
export function createHttpApi(
  name: string,
  args: HttpApiArgs,
  parent: pulumi.Resource,
): HttpApiTarget {
  const opts = { parent };
  const vpcLink = new aws.apigatewayv2.VpcLink(
    `${name}-vpc-link`,
    {
      name: `kc-${args.stack}-services`,
      subnetIds: args.privateSubnetIds,
      securityGroupIds: [args.vpcLinkSecurityGroupId],
    },
    opts,
  );
  const api = new aws.apigatewayv2.Api(
    `${name}-api`,
    {
      protocolType: "HTTP",
      description: "KnowledgeCity services: versioned routes behind a JWT authorizer",
      disableExecuteApiEndpoint: true,
    },
    opts,
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
    opts,
  );
  const integration = new aws.apigatewayv2.Integration(
    `${name}-gateway`,
    {
      apiId: api.id,
      description: "The mesh's API gateway, through its internal load balancer",
      integrationType: "HTTP_PROXY",
      integrationMethod: "ANY",
      integrationUri: args.listenerArn,
      connectionType: "VPC_LINK",
      connectionId: vpcLink.id,
      payloadFormatVersion: "1.0",
      timeoutMilliseconds: INTEGRATION_TIMEOUT_MS,
    },
    opts,
  );
  const accessLogs = encryptedLogGroup(
    `${name}-access`,
    { kmsKeyArn: args.telemetryKeyArn, retentionDays: args.logRetentionDays },
    parent,
  );
  const routesCreated: Promise<pulumi.Resource[]> = args.services.then((services) =>
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
      routeSettings: args.services.then((services) =>
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
      parent,
      // Route settings name routes, which must exist first.
      dependsOn: routesCreated,
    },
  );
  const certificateArn = validatedCertificate(
    `${name}-tls`,
    { hostnames: [args.hostname], hostedZoneId: args.hostedZoneId },
    parent,
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
    opts,
  );
  new aws.apigatewayv2.ApiMapping(
    `${name}-domain`,
    { apiId: api.id, domainName: domain.id, stage: stage.id },
    opts,
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
    opts,
  );
  return { apiId: api.id, integrationId: integration.id, authorizerId: authorizer.id };
}
