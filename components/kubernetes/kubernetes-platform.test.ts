import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { platformProviders, runComponent, TEST_CONTEXT } from "../../tools/plan/engine";
import { ANALYTICS_CLUSTER_TYPE } from "../analytics/analytics-cluster";
import { DataKeys } from "../security/data-keys";
import { KubernetesPlatform, type KubernetesPlatformSettings } from "./kubernetes-platform";

const SETTINGS: KubernetesPlatformSettings = {
  kubernetesVersion: "1.35",
  publicAccessCidrs: [],
  adminRoleArns: ["arn:aws:iam::111122223333:role/platform-admin"],
  deployFrom: "vpc",
  systemNodes: { instanceTypes: ["m7g.large"], minSize: 2, maxSize: 4 },
  nodePools: {
    clickhouse: { cpuLimit: 64, memoryLimitGiB: 512 },
    batch: { cpuLimit: 128, memoryLimitGiB: 512 },
    general: { cpuLimit: 32, memoryLimitGiB: 128 },
  },
};

/** The value an input resolves to. */
function resolved(input: pulumi.Input<string>): Promise<string> {
  return new Promise((resolve) => pulumi.output(input).apply(resolve));
}

/** The URNs a resource's aliases resolve to (the SDK keeps them on the resource). */
function aliasUrns(resource: pulumi.Resource): Promise<string[]> {
  const { __aliases: aliases } = resource as unknown as { __aliases: pulumi.Input<string>[] };
  return Promise.all(aliases.map(resolved));
}

/** A stand-in for the root component the platform and the analytics cluster live under. */
class Root extends pulumi.ComponentResource {
  constructor(name: string) {
    super("knowledgecity:platform:RegionalPlatform", name, {});
  }
}

describe("KubernetesPlatform", () => {
  it("keeps the cluster and its controllers in state: each aliases its former parent, the analytics cluster", async () => {
    let platform: KubernetesPlatform | undefined;
    let root: Root | undefined;
    await runComponent((provider) => {
      root = new Root("kc");
      const keys = new DataKeys(
        "keys",
        { context: TEST_CONTEXT, stack: "test" },
        { parent: root, providers: platformProviders(provider) },
      );
      platform = new KubernetesPlatform(
        "kc-analytics",
        {
          context: TEST_CONTEXT,
          clusterName: "kc-test-analytics",
          keys,
          settings: SETTINGS,
          vpcId: "vpc-1",
          privateSubnetIds: ["subnet-a", "subnet-b"],
          hostedZoneId: "Z0ZONE0000",
          domain: "knowledgecity.com",
          formerParentUrn: pulumi.createUrn("kc-analytics", ANALYTICS_CLUSTER_TYPE, root),
        },
        { parent: root, providers: platformProviders(provider) },
      );
      keys.seal();
    });
    if (platform === undefined || root === undefined) {
      throw new Error("the platform was not built");
    }
    // The URNs these resources had under the analytics cluster: the root's qualified type, then
    // the analytics cluster's, then their own (how the engine qualifies a child's type).
    const rootType = (await resolved(root.urn)).split("::")[2] ?? "";
    expect(rootType).toMatch(/knowledgecity:platform:RegionalPlatform$/);
    const former = `urn:pulumi:test::knowledgecity::${rootType}$knowledgecity:analytics:AnalyticsCluster`;
    expect(await aliasUrns(platform.cluster)).toEqual([
      `${former}$knowledgecity:analytics:KubernetesCluster::kc-analytics-eks`,
    ]);
    expect(await aliasUrns(platform.karpenter)).toEqual([
      `${former}$knowledgecity:analytics:Karpenter::kc-analytics-karpenter`,
    ]);
    expect(await aliasUrns(platform.loadBalancerController)).toEqual([
      `${former}$knowledgecity:analytics:LoadBalancerController::kc-analytics-lbc`,
    ]);
    expect(await aliasUrns(platform.externalDns)).toEqual([
      `${former}$knowledgecity:analytics:ExternalDns::kc-analytics-dns`,
    ]);
  });
});
