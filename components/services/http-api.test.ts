import { describe, expect, it } from "vitest";
import { json, list, record, Recorded, type RecordedResource } from "../../tools/plan/engine";
import { SUBNETS, HOSTNAME, ISSUER, run, T } from "./microservices.fixtures";

describe("Microservices", async () => {
  const recorded = Recorded.of(await run());
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
});
