import { describe, expect, it } from "vitest";
import { json, record, Recorded, type RecordedResource } from "../../tools/plan/engine";
import { COURSES, ENROLMENTS, run, T } from "./microservices.fixtures";

describe("Microservices", async () => {
  const recorded = Recorded.of(await run());
  const telemetryKey = recorded.named("aws:kms/key:Key", "keys-telemetry");
  const keyArn = (key: RecordedResource) =>
    `arn:aws:kms:me-south-1:111122223333:key/${key.id ?? ""}`;

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
});
