import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { list, record, Recorded } from "../../tools/plan/engine";
import { chartsPath } from "../kubernetes/helm";
import { upstreamValuesProblems } from "../../charts/upstream-values";
import { CONSUL_CHART } from "./mesh";
import { run, T, metadataOf, specOf, byMetadataName } from "./microservices.fixtures";

describe("Microservices", async () => {
  const recorded = Recorded.of(await run());

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
});
