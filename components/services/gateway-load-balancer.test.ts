import { describe, expect, it } from "vitest";
import { Recorded } from "../../tools/plan/engine";
import { SUBNETS, run, T, metadataOf, specOf } from "./microservices.fixtures";

describe("Microservices", async () => {
  const recorded = Recorded.of(await run());

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
});
