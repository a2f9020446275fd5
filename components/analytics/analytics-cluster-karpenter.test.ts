import { describe, expect, it } from "vitest";
import { readCrd, validateCustomObject } from "../../charts/crd";
import { upstreamValuesProblems } from "../../charts/upstream-values";
import { json, list, record, Recorded } from "../../tools/plan/engine";
import { chartsPath, THIRD_PARTY_CHARTS } from "../kubernetes/helm";
import { pricingApiRegion } from "../kubernetes/karpenter";
import {
  NODE_CLASS,
  NODE_POOL,
  releaseNamed,
  run,
  statementsOf,
  SUBNETS,
} from "./analytics-cluster-test-support";

describe("AnalyticsCluster", async () => {
  const recorded = Recorded.of(await run());
  const userDataKey = recorded.named("aws:kms/key:Key", "keys-user-data");
  const userDataKeyArn = `arn:aws:kms:me-south-1:111122223333:key/${userDataKey.id ?? ""}`;

  describe("Karpenter", () => {
    const pools = Object.fromEntries(
      recorded
        .ofType(NODE_POOL)
        .map((pool) => [String(record(pool.inputs.metadata).name), record(pool.inputs.spec)]),
    );
    const requirement = (pool: string, key: string) =>
      list(record(record(pools[pool]?.template).spec).requirements)
        .map(record)
        .find((entry) => entry.key === key)?.values;

    it("runs ClickHouse on demand and batch jobs on spot, each tainted", () => {
      expect(Object.keys(pools).sort()).toEqual(["batch", "clickhouse", "general"]);
      expect(requirement("clickhouse", "karpenter.sh/capacity-type")).toEqual(["on-demand"]);
      expect(requirement("batch", "karpenter.sh/capacity-type")).toEqual(["spot"]);
      expect(requirement("general", "karpenter.sh/capacity-type")).toEqual(["on-demand"]);
      expect(record(record(pools.clickhouse?.template).spec).taints).toEqual([
        { key: "workload", value: "clickhouse", effect: "NoSchedule" },
      ]);
      expect(record(record(pools.batch?.template).spec).taints).toEqual([
        { key: "workload", value: "batch", effect: "NoSchedule" },
      ]);
    });

    it("consolidates, gently for ClickHouse, and sets limits from config", () => {
      expect(pools.clickhouse?.disruption).toMatchObject({ consolidationPolicy: "WhenEmpty" });
      expect(pools.batch?.disruption).toMatchObject({
        consolidationPolicy: "WhenEmptyOrUnderutilized",
      });
      expect(pools.clickhouse?.limits).toEqual({ cpu: "64", memory: "512Gi" });
      expect(pools.batch?.limits).toEqual({ cpu: "128", memory: "512Gi" });
    });

    it("launches nodes from one EC2NodeClass: private subnets, IMDSv2, encrypted disks", () => {
      const nodeClass = record(
        recorded.named(NODE_CLASS, "analytics-karpenter-default").inputs.spec,
      );
      // The security group EKS made for the cluster, as the ClickHouse pods' rule also names it.
      const clusterSecurityGroup = recorded.named(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "analytics-clickhouse-pods-from-nlb",
      ).inputs.securityGroupId;
      expect(clusterSecurityGroup).toMatch(/^sg-[0-9a-f]{17}$/);
      expect(nodeClass).toMatchObject({
        securityGroupSelectorTerms: [{ id: clusterSecurityGroup }],
        subnetSelectorTerms: SUBNETS.map((id) => ({ id })),
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
      });
      expect(list(nodeClass.blockDeviceMappings).map(record)[0]?.ebs).toMatchObject({
        encrypted: true,
        kmsKeyID: userDataKeyArn,
      });
    });

    it("feeds the interruption queue from the four EventBridge rules", () => {
      const rules = recorded
        .ofType("aws:cloudwatch/eventRule:EventRule")
        .filter((rule) => rule.name.startsWith("analytics-karpenter-"))
        .map((rule) => list(json(rule.inputs.eventPattern)["detail-type"])[0])
        .sort();
      expect(rules).toEqual([
        "AWS Health Event",
        "EC2 Instance Rebalance Recommendation",
        "EC2 Instance State-change Notification",
        "EC2 Spot Instance Interruption Warning",
      ]);
      const values = record(releaseNamed(recorded, "analytics-karpenter").inputs.values);
      expect(record(values.settings).clusterName).toBe("kc-me-south-1-analytics");
    });

    // The objects as the API server gets them, checked against the CRDs of the chart version
    // installed (schema, no undeclared field, and the x-kubernetes-validations rules).
    const crds = ["karpenter.sh_nodepools.yaml", "karpenter.k8s.aws_ec2nodeclasses.yaml"].flatMap(
      (file) =>
        readCrd(
          chartsPath("upstream", `karpenter-${THIRD_PARTY_CHARTS.karpenter.version}`, "crds", file),
        ),
    );
    const karpenterObjects = [...recorded.ofType(NODE_POOL), ...recorded.ofType(NODE_CLASS)].map(
      (resource) => resource.inputs,
    );

    it("creates NodePools and an EC2NodeClass the installed CRDs accept, rules included", () => {
      expect(karpenterObjects.map((object) => object.kind).sort()).toEqual([
        "EC2NodeClass",
        "NodePool",
        "NodePool",
        "NodePool",
      ]);
      for (const object of karpenterObjects) {
        const outcome = validateCustomObject(crds, object);
        expect(outcome.errors, String(object.kind)).toEqual([]);
        expect(outcome.unevaluated, String(object.kind)).toEqual([]);
        expect(outcome.evaluated).toBeGreaterThan(5);
      }
    });

    it("would be refused with a tag Karpenter reserves for itself, as the CRD refuses it", () => {
      const nodeClass = recorded.named(NODE_CLASS, "analytics-karpenter-default").inputs;
      const tags = record(record(nodeClass.spec).tags);
      expect(Object.keys(tags).filter((key) => key.startsWith("kubernetes.io/cluster"))).toEqual(
        [],
      );
      for (const [key, message] of [
        ["kubernetes.io/cluster/kc-me-south-1-analytics", "kubernetes.io/cluster/"],
        ["eks:eks-cluster-name", "eks:eks-cluster-name"],
        ["karpenter.sh/nodepool", "karpenter.sh/nodepool"],
      ] as const) {
        const planted = {
          ...nodeClass,
          spec: { ...record(nodeClass.spec), tags: { ...tags, [key]: "owned" } },
        };
        expect(validateCustomObject(crds, planted).errors).toEqual([
          `/spec/tags: tag contains a restricted tag matching ${message}`,
        ]);
      }
    });

    it("would be refused with a field or a value the NodePool CRD does not allow", () => {
      const pool = recorded.named(NODE_POOL, "analytics-karpenter-batch").inputs;
      const spec = record(pool.spec);
      const template = record(spec.template);
      const withField = { ...pool, spec: { ...spec, consolidation: { enabled: true } } };
      expect(validateCustomObject(crds, withField).errors).toEqual([
        "/spec: must NOT have additional properties (consolidation)",
      ]);
      const emptyIn = {
        ...pool,
        spec: {
          ...spec,
          template: {
            ...template,
            spec: {
              ...record(template.spec),
              requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: [] }],
            },
          },
        },
      };
      expect(validateCustomObject(crds, emptyIn).errors.join("\n")).toContain(
        "/spec/template/spec/requirements",
      );
    });

    it("sets only values the Karpenter chart version has, none it marks deprecated", () => {
      const values = record(releaseNamed(recorded, "analytics-karpenter").inputs.values);
      const upstream = chartsPath(
        "upstream",
        `karpenter-${THIRD_PARTY_CHARTS.karpenter.version}`,
        "values.yaml",
      );
      expect(upstreamValuesProblems(values, upstream)).toEqual([]);
      expect(upstreamValuesProblems({ settings: { clusterEndpont: "x" } }, upstream)).toEqual([
        "settings.clusterEndpont: not a value of the chart",
      ]);
    });

    it("may read prices where Karpenter calls the Price List API, not in the stack's region", () => {
      const statements = statementsOf(
        recorded.named("aws:iam/rolePolicy:RolePolicy", "analytics-karpenter-controller"),
      );
      const pricing = statements.filter((s) => list(s.Action).includes("pricing:GetProducts"));
      // me-south-1 is outside ap-, cn- and eu-: Karpenter calls us-east-1.
      expect(pricing).toEqual([
        {
          Sid: "ReadPrices",
          Effect: "Allow",
          Action: ["pricing:GetProducts"],
          Resource: "*",
          Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
        },
      ]);
      expect(pricingApiRegion("me-south-1")).toBe("us-east-1");
      expect(pricingApiRegion("us-east-1")).toBe("us-east-1");
      expect(pricingApiRegion("ap-southeast-3")).toBe("ap-south-1");
      expect(pricingApiRegion("eu-west-1")).toBe("eu-central-1");
      expect(pricingApiRegion("cn-north-1")).toBe("cn-northwest-1");
    });

    it("scopes the controller's launches and terminations to this cluster's tags", () => {
      const statements = statementsOf(
        recorded.named("aws:iam/rolePolicy:RolePolicy", "analytics-karpenter-controller"),
      );
      for (const statement of statements) {
        expect(list(statement.Action).every((action) => !String(action).includes("*"))).toBe(true);
      }
      const retire = statements.find((s) => s.Sid === "RetireOwnedNodes");
      expect(retire?.Condition).toEqual({
        StringEquals: { "aws:ResourceTag/kubernetes.io/cluster/kc-me-south-1-analytics": "owned" },
      });
    });
  });
});
