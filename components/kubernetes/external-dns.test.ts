import { describe, expect, it } from "vitest";
import {
  json,
  list,
  record,
  Recorded,
  runComponent,
  TEST_CONTEXT,
  platformProviders,
} from "../../tools/plan/engine";
import { DataKeys } from "../security/data-keys";
import { EXTERNAL_DNS_CHART, ExternalDns, type ExternalDnsArgs } from "./external-dns";
import { KubernetesCluster } from "./kubernetes-cluster";

const CLUSTER = "analytics-me-south-1";
const ZONE = "Z0123456789ABCDEFGHIJ";

function run(overrides: Partial<Omit<ExternalDnsArgs, "cluster">> = {}) {
  return runComponent((provider) => {
    const keys = new DataKeys(
      "keys",
      { context: TEST_CONTEXT, stack: "me-south-1" },
      { providers: platformProviders(provider) },
    );
    const cluster = new KubernetesCluster(
      "eks",
      {
        context: TEST_CONTEXT,
        clusterName: CLUSTER,
        version: "1.35",
        vpcId: "vpc-0a1b2c3d4e5f60718",
        privateSubnetIds: ["subnet-a", "subnet-b"],
        keys,
      },
      { providers: platformProviders(provider) },
    );
    new ExternalDns(
      "external-dns",
      {
        context: TEST_CONTEXT,
        cluster,
        clusterName: CLUSTER,
        hostedZoneId: ZONE,
        domain: "me.analytics.knowledgecity.com",
        ...overrides,
      },
      { providers: platformProviders(provider) },
    );
    keys.seal();
  });
}

describe("ExternalDns", () => {
  it("gives kube-system/external-dns a role that changes only the stack's zone, in its domain", async () => {
    const recorded = Recorded.of(await run());
    const association = recorded.named(
      "aws:eks/podIdentityAssociation:PodIdentityAssociation",
      "external-dns-controller",
    );
    expect(association.inputs).toMatchObject({
      clusterName: CLUSTER,
      namespace: "kube-system",
      serviceAccount: "external-dns",
    });
    const role = recorded.named("aws:iam/role:Role", "external-dns-controller");
    expect(recorded.referencedBy(String(association.inputs.roleArn).split("/").pop())).toBe(role);
    const policy = recorded.named("aws:iam/rolePolicy:RolePolicy", "external-dns-controller");
    expect(recorded.referencedBy(policy.inputs.role)).toBe(role);

    const zone = `arn:aws:route53:::hostedzone/${ZONE}`;
    expect(list(json(policy.inputs.policy).Statement).map(record)).toEqual([
      {
        Effect: "Allow",
        Sid: "ChangeRecordsInTheDomain",
        Action: ["route53:ChangeResourceRecordSets"],
        Resource: zone,
        Condition: {
          "ForAllValues:StringLike": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
              "me.analytics.knowledgecity.com",
              "*.me.analytics.knowledgecity.com",
              // The TXT ownership records of the domain's own name.
              "a-me.analytics.knowledgecity.com",
              "aaaa-me.analytics.knowledgecity.com",
              "cname-me.analytics.knowledgecity.com",
            ],
          },
          "ForAllValues:StringEquals": {
            "route53:ChangeResourceRecordSetsRecordTypes": ["A", "AAAA", "CNAME", "TXT"],
          },
        },
      },
      {
        Effect: "Allow",
        Sid: "ReadTheZone",
        Action: ["route53:ListResourceRecordSets", "route53:ListTagsForResources"],
        Resource: zone,
      },
      {
        Effect: "Allow",
        Sid: "FindTheZone",
        // The one unscoped call: ListHostedZones has no resource-level permissions.
        Action: ["route53:ListHostedZones"],
        Resource: "*",
      },
    ]);
  });

  it("installs the pinned chart, upsert-only and filtered to the zone and domain, on the system nodes", async () => {
    const recorded = Recorded.of(await run());
    const release = recorded.named("kubernetes:helm.sh/v3:Release", "external-dns");
    expect(release.inputs).toMatchObject({
      name: "external-dns",
      chart: "external-dns",
      version: EXTERNAL_DNS_CHART.version,
      repositoryOpts: { repo: "https://kubernetes-sigs.github.io/external-dns/" },
      namespace: "kube-system",
      atomic: true,
    });
    expect(record(release.inputs.values)).toEqual({
      provider: { name: "aws" },
      policy: "upsert-only",
      registry: "txt",
      txtOwnerId: CLUSTER,
      sources: ["ingress", "service"],
      domainFilters: ["me.analytics.knowledgecity.com"],
      managedRecordTypes: ["A", "AAAA", "CNAME"],
      extraArgs: { "zone-id-filter": [ZONE], "aws-zone-type": "public" },
      env: [{ name: "AWS_REGION", value: "me-south-1" }],
      serviceAccount: { create: true, name: "external-dns" },
      nodeSelector: { "knowledgecity.io/node-role": "system" },
      tolerations: [
        { key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule", operator: "Equal" },
      ],
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
    });
    expect(release.dependsOn).toContain(
      recorded.named("aws:eks/nodeGroup:NodeGroup", "eks-system").urn,
    );
    expect(release.dependsOn).toContain(
      recorded.named(
        "aws:eks/podIdentityAssociation:PodIdentityAssociation",
        "external-dns-controller",
      ).urn,
    );
    expect(release.provider).toBe(recorded.ofType("pulumi:providers:kubernetes")[0]?.urn);
  });

  it("normalises the domain, and refuses a bad domain and cluster name together", async () => {
    const recorded = Recorded.of(await run({ domain: "Analytics.KnowledgeCity.com." }));
    const values = record(
      recorded.named("kubernetes:helm.sh/v3:Release", "external-dns").inputs.values,
    );
    expect(values.domainFilters).toEqual(["analytics.knowledgecity.com"]);
    await expect(run({ domain: "*.knowledgecity.com", clusterName: "" })).rejects.toThrow(
      /clusterName = "": an EKS cluster name.*; domain = "\*\.knowledgecity\.com": a DNS name/,
    );
  });
});
