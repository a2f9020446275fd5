import { describe, expect, it } from "vitest";
import { readCrd, validateCustomObject } from "../../charts/crd";
import { upstreamValuesProblems } from "../../charts/upstream-values";
import { chartValuesValidator } from "../../charts/schema";
import { CLICKHOUSE_USER_ACCESS } from "../../contracts/clickhouse-users";
import {
  json,
  list,
  record,
  Recorded,
  runComponent,
  TEST_CONTEXT,
  type RecordedResource,
  platformProviders,
} from "../../tools/plan/engine";
import { AnalyticsCluster, type AnalyticsSettings } from "./analytics-cluster";
import { DataKeys } from "../security/data-keys";
import { chartsPath, THIRD_PARTY_CHARTS } from "../kubernetes/helm";
import { pricingApiRegion } from "../kubernetes/karpenter";

const SUBNETS = ["subnet-a", "subnet-b", "subnet-c"];
const DEPLOY_ROLE = "arn:aws:iam::111122223333:role/platform-deploy";

const SETTINGS: AnalyticsSettings = {
  kubernetesVersion: "1.35",
  publicAccessCidrs: [],
  adminRoleArns: ["arn:aws:iam::111122223333:role/platform-admin"],
  deployFrom: "vpc",
  deployRoleArn: DEPLOY_ROLE,
  previewRoleArn: "arn:aws:iam::111122223333:role/platform-preview",
  systemNodes: { instanceTypes: ["m7g.large"], minSize: 2, maxSize: 4 },
  nodePools: {
    clickhouse: { cpuLimit: 64, memoryLimitGiB: 512 },
    batch: { cpuLimit: 128, memoryLimitGiB: 512 },
    general: { cpuLimit: 32, memoryLimitGiB: 128 },
  },
  clickhouse: {
    replicas: 2,
    storageGiB: 200,
    cpu: 2,
    memoryGiB: 16,
    keeperReplicas: 3,
    version: "25.8",
    backupRetentionDays: 35,
  },
  api: {
    minReplicas: 2,
    maxReplicas: 10,
    cpuTargetPercent: 70,
    internetFacing: false,
    rawRetentionDays: 400,
  },
  ingest: {
    batchSize: 1000,
    batchingWindowSeconds: 5,
    parallelizationFactor: 1,
    maximumRetryAttempts: 10,
  },
  lake: { workers: 2, executionClass: "FLEX" },
};

const STREAM_ARN = "arn:aws:kinesis:me-south-1:111122223333:stream/playback-logs";

function run(settings: Partial<AnalyticsSettings> = {}) {
  return runComponent((provider) => {
    const keys = new DataKeys(
      "keys",
      { context: TEST_CONTEXT, stack: "me-south-1" },
      { providers: platformProviders(provider) },
    );
    new AnalyticsCluster(
      "analytics",
      {
        context: TEST_CONTEXT,
        stack: "me-south-1",
        keys,
        settings: { ...SETTINGS, ...settings },
        network: { vpcId: "vpc-1", cidr: "10.20.0.0/16", privateSubnetIds: SUBNETS },
        dns: { domain: "knowledgecity.com", regionLabel: "sa", hostedZoneId: "Z0ZONE0000" },
        playbackLogStreamArn: STREAM_ARN,
      },
      { providers: platformProviders(provider) },
    );
    keys.seal();
  });
}

const RELEASE = "kubernetes:helm.sh/v3:Release";
const NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool";
const NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";

const statementsOf = (resource: RecordedResource, field = "policy") =>
  list(json(resource.inputs[field]).Statement).map(record);

function releaseNamed(recorded: Recorded, name: string): RecordedResource {
  return recorded.named(RELEASE, name);
}

function keyPolicy(recorded: Recorded, dataClass: string): Record<string, unknown>[] {
  return statementsOf(recorded.named("aws:kms/keyPolicy:KeyPolicy", `keys-${dataClass}`));
}

describe("AnalyticsCluster", async () => {
  const recorded = Recorded.of(await run());
  const userDataKey = recorded.named("aws:kms/key:Key", "keys-user-data");
  const userDataKeyArn = `arn:aws:kms:me-south-1:111122223333:key/${userDataKey.id ?? ""}`;

  describe("the EKS cluster", () => {
    const cluster = recorded.named("eks:index:Cluster", "analytics-eks");

    it("runs a supported version with a private endpoint, encrypted secrets and every log", () => {
      expect(cluster.inputs).toMatchObject({
        name: "kc-me-south-1-analytics",
        version: "1.35",
        endpointPrivateAccess: true,
        endpointPublicAccess: false,
        encryptionConfigKeyArn: userDataKeyArn,
        enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        authenticationMode: "API",
        skipDefaultNodeGroup: true,
        createOidcProvider: false,
        deletionProtection: true,
        privateSubnetIds: SUBNETS,
      });
      expect(cluster.inputs.publicAccessCidrs).toBeUndefined();
    });

    it("opens the public endpoint only to the listed CIDRs", async () => {
      const open = Recorded.of(await run({ publicAccessCidrs: ["203.0.113.0/24"] }));
      expect(open.named("eks:index:Cluster", "analytics-eks").inputs).toMatchObject({
        endpointPublicAccess: true,
        publicAccessCidrs: ["203.0.113.0/24"],
      });
      await expect(run({ publicAccessCidrs: ["0.0.0.0/0"] })).rejects.toThrow(
        "publicAccessCidrs: 0.0.0.0/0 is not a limited IPv4 CIDR",
      );
    });

    it("gives admins cluster-admin and the preview role read-only access, nothing to the deployer", () => {
      // The deploy role creates the cluster and EKS gives the creator its cluster-admin entry.
      const policy = (name: string) => `arn:aws:eks::aws:cluster-access-policy/${name}`;
      expect(cluster.inputs.accessEntries).toEqual({
        admin0: {
          principalArn: "arn:aws:iam::111122223333:role/platform-admin",
          accessPolicies: {
            admin0: {
              policyArn: policy("AmazonEKSClusterAdminPolicy"),
              accessScope: { type: "cluster" },
            },
          },
        },
        viewer0: {
          principalArn: "arn:aws:iam::111122223333:role/platform-preview",
          accessPolicies: {
            viewer0: { policyArn: policy("AmazonEKSViewPolicy"), accessScope: { type: "cluster" } },
          },
        },
      });
    });

    it("refuses a deploy that cannot reach the API or an access entry EKS would refuse", async () => {
      await expect(run({ deployFrom: "cidrs" })).rejects.toThrow(
        "deployFrom = cidrs: the endpoint is private only; list publicAccessCidrs",
      );
      await expect(
        run({ adminRoleArns: ["arn:aws:iam::111122223333:role/platform-admin", DEPLOY_ROLE] }),
      ).rejects.toThrow(
        `deployRoleArn ${DEPLOY_ROLE}: already cluster-admin as the creator; list it nowhere`,
      );
    });

    it("waits for the user-data key's policy, which names the cluster role made before it", () => {
      // EKS checks at create that its role may use the secrets key.
      const keyPolicy = recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-user-data");
      expect(cluster.dependsOn).toContain(keyPolicy.urn);
      const role = recorded.named("aws:iam/role:Role", "analytics-eks-cluster");
      const grant = keyPolicy.inputs.policy;
      const statement = list(json(grant).Statement)
        .map(record)
        .find((entry) => entry.Sid === "EksEncryptsSecrets");
      expect(record(statement?.Principal).AWS).toMatch(/^arn:aws:iam::111122223333:role\//);
      expect(keyPolicy.dependsOn).toContain(role.urn);
      expect(keyPolicy.dependsOn).not.toContain(cluster.urn);
    });

    it("is registered with the explicit eks provider the platform was given", () => {
      expect(cluster.provider).toBe(recorded.ofType("pulumi:providers:eks")[0]?.urn);
      expect(cluster.provider).toMatch(/\$pulumi:providers:eks::eks$/);
    });

    it("keeps the control-plane logs in a group with retention and the telemetry key", () => {
      const group = recorded.named(
        "aws:cloudwatch/logGroup:LogGroup",
        "analytics-eks-control-plane",
      );
      expect(group.inputs).toMatchObject({
        name: "/aws/eks/kc-me-south-1-analytics/cluster",
        retentionInDays: 365,
      });
      expect(String(group.inputs.kmsKeyId)).toMatch(/^arn:aws:kms:me-south-1:111122223333:key\//);
      expect(cluster.dependsOn).toContain(group.urn);
    });

    it("lets only the EKS role use the user-data key directly, for its secrets", () => {
      const statement = keyPolicy(recorded, "user-data").find(
        (s) => s.Sid === "EksEncryptsSecrets",
      );
      expect(String(record(statement?.Principal).AWS)).toMatch(
        /^arn:aws:iam::111122223333:role\/analytics-eks-cluster-[0-9a-f]+$/,
      );
      expect(statement?.Action).toEqual([
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:CreateGrant",
      ]);
    });

    it("runs a small managed system node group over every private subnet, IMDSv2 only", () => {
      const group = recorded.named("aws:eks/nodeGroup:NodeGroup", "analytics-eks-system");
      expect(group.inputs).toMatchObject({
        subnetIds: SUBNETS,
        amiType: "AL2023_ARM_64_STANDARD",
        capacityType: "ON_DEMAND",
        scalingConfig: { minSize: 2, maxSize: 4, desiredSize: 2 },
        taints: [{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }],
      });
      const template = recorded.named(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "analytics-eks-system-nodes",
      );
      expect(template.inputs.metadataOptions).toMatchObject({
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
      });
      expect(list(template.inputs.blockDeviceMappings).map(record)[0]?.ebs).toMatchObject({
        encrypted: "true",
        kmsKeyId: userDataKeyArn,
        volumeType: "gp3",
      });
    });

    it("installs the pod identity agent and the EBS CSI driver with its own identity", () => {
      const addons = recorded.ofType("aws:eks/addon:Addon").map((addon) => addon.inputs.addonName);
      expect(addons.sort()).toEqual(["aws-ebs-csi-driver", "eks-pod-identity-agent"]);
      const ebs = recorded.named("aws:eks/addon:Addon", "analytics-eks-ebs-csi");
      expect(list(ebs.inputs.podIdentityAssociations).map(record)).toEqual([
        {
          roleArn: expect.stringContaining(":role/") as unknown,
          serviceAccount: "ebs-csi-controller-sa",
        },
      ]);
    });

    it("gives every add-on its own role through Pod Identity, trusted by EKS Auth only", () => {
      const associations = recorded
        .ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation")
        .map(
          (association) =>
            `${String(association.inputs.namespace)}/${String(association.inputs.serviceAccount)}`,
        )
        .sort();
      expect(associations).toEqual([
        "clickhouse/clickhouse",
        "kube-system/aws-load-balancer-controller",
        "kube-system/external-dns",
        "kube-system/karpenter",
      ]);
      for (const association of recorded.ofType(
        "aws:eks/podIdentityAssociation:PodIdentityAssociation",
      )) {
        expect(association.inputs.clusterName).toBe("kc-me-south-1-analytics");
      }
      const trust = json(
        recorded.named("aws:iam/role:Role", "analytics-karpenter-controller").inputs
          .assumeRolePolicy,
      );
      expect(list(trust.Statement).map(record)).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "pods.eks.amazonaws.com" },
          Action: ["sts:AssumeRole", "sts:TagSession"],
          Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } },
        },
      ]);
    });

    it("makes encrypted gp3 the default storage class and keeps volumes when claims go", () => {
      const storageClass = recorded.named(
        "kubernetes:storage.k8s.io/v1:StorageClass",
        "analytics-eks-gp3-encrypted",
      );
      expect(storageClass.inputs).toMatchObject({
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true", kmsKeyId: userDataKeyArn },
        reclaimPolicy: "Retain",
        volumeBindingMode: "WaitForFirstConsumer",
      });
    });
  });

  describe("Helm releases", () => {
    it("install every chart pinned, atomically, in its namespace", () => {
      const releases = recorded.ofType(RELEASE).map((release) => ({
        name: release.name,
        chart: release.inputs.chart,
        version: release.inputs.version,
        repo: record(release.inputs.repositoryOpts ?? {}).repo,
        namespace: release.inputs.namespace,
      }));
      expect(releases).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            chart: "metrics-server",
            repo: "https://kubernetes-sigs.github.io/metrics-server/",
            namespace: "kube-system",
          }),
          expect.objectContaining({
            chart: "oci://public.ecr.aws/karpenter/karpenter",
            namespace: "kube-system",
          }),
          expect.objectContaining({
            chart: "aws-load-balancer-controller",
            namespace: "kube-system",
          }),
          expect.objectContaining({ chart: "external-dns", namespace: "kube-system" }),
          expect.objectContaining({
            chart: "altinity-clickhouse-operator",
            repo: "https://helm.altinity.com",
            namespace: "clickhouse",
          }),
          expect.objectContaining({ chart: "./charts/clickhouse", namespace: "clickhouse" }),
          expect.objectContaining({ chart: "./charts/analytics-api", namespace: "analytics" }),
        ]),
      );
      for (const release of recorded.ofType(RELEASE)) {
        expect(release.inputs).toMatchObject({ atomic: true, cleanupOnFail: true });
        if (!String(release.inputs.chart).startsWith("./charts/")) {
          expect(release.inputs.version).toMatch(/^\d+\.\d+\.\d+$/);
        }
      }
    });

    it("pass ClickHouse values that the chart's schema accepts", () => {
      const values = record(releaseNamed(recorded, "clickhouse").inputs.values);
      const result = chartValuesValidator("charts/clickhouse")(values);
      expect(result.errors).toEqual([]);
      expect(values).toMatchObject({
        replicas: 2,
        storage: { storageClassName: "gp3-encrypted", size: "200Gi" },
        nodeSelector: { "karpenter.sh/nodepool": "clickhouse" },
        backup: { enabled: true, region: "me-south-1", kmsKeyArn: userDataKeyArn, user: "backup" },
      });
      const users = list(values.users).map(record);
      expect(users.map((user) => user.name)).toEqual(["ingest", "api", "migrator", "backup"]);
      for (const user of users) {
        expect(user.passwordSecret).toEqual({ name: "clickhouse-users", key: user.name });
        // The backup sidecar connects from its own pod only.
        expect(user.networks).toEqual(user.name === "backup" ? ["127.0.0.1/32"] : ["10.20.0.0/16"]);
        expect(user.profile).toBe("default");
      }
    });

    it("give each ClickHouse user exactly the grants its code is proven to need", () => {
      const values = record(releaseNamed(recorded, "clickhouse").inputs.values);
      const grants: Record<string, unknown> = Object.fromEntries(
        list(values.users)
          .map(record)
          .map((user) => [String(user.name), user.grants] as const),
      );
      // The same statements the integration test loads into a real engine for each user.
      expect(grants).toEqual({
        ingest: CLICKHOUSE_USER_ACCESS.ingest.grants,
        api: CLICKHOUSE_USER_ACCESS.api.grants,
        migrator: CLICKHOUSE_USER_ACCESS.migrator.grants,
        backup: CLICKHOUSE_USER_ACCESS.backup.grants,
      });
      // Read-only and write-only where it matters, whatever the contract says elsewhere.
      expect(grants.api).toEqual([
        "GRANT SELECT ON analytics.playback_requests",
        "GRANT SELECT ON analytics.playback_hourly",
        "GRANT SELECT ON analytics.learning_events",
        "GRANT SELECT ON analytics.engagement_daily",
      ]);
      expect(grants.ingest).toEqual([
        "GRANT INSERT ON analytics.playback_requests",
        "GRANT SELECT(request_id, timestamp, course_id, country, edge_location, rendition, is_error, aborted, cache_hit, bytes, ttfb_ms) ON analytics.playback_requests",
      ]);
      for (const statement of Object.values(grants).flatMap(list).map(String)) {
        expect(statement).not.toMatch(/\b(ALL|TO)\b|GRANT OPTION/);
        // Server-wide grants are for capabilities (CLUSTER, S3), never for rows.
        if (statement.endsWith(" ON *.*")) {
          expect(statement).not.toMatch(/\b(SELECT|INSERT)\b/);
        }
      }
    });

    it("pass analytics API values that the chart's schema accepts", () => {
      const values = record(releaseNamed(recorded, "analytics-api").inputs.values);
      expect(chartValuesValidator("charts/analytics-api")(values).errors).toEqual([]);
      expect(String(record(values.image).digest)).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(values).toMatchObject({
        autoscaling: { minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 70 },
        clickhouse: {
          url: "http://clickhouse-clickhouse.clickhouse.svc.cluster.local:8123",
          username: "api",
          migrator: { username: "migrator", cluster: "analytics", rawRetentionDays: 400 },
        },
        ingress: {
          enabled: true,
          host: "analytics.sa.knowledgecity.com",
          scheme: "internal",
          deletionProtection: true,
        },
        nodeSelector: { "karpenter.sh/nodepool": "general" },
      });
      expect(String(record(values.ingress).certificateArn)).toMatch(/^arn:aws:acm:me-south-1:/);
      expect(values.lakeLoader).toMatchObject({
        enabled: true,
        region: "me-south-1",
        prefix: "curated/learning-events/",
      });
      expect(String(record(values.image).repository)).toBe(
        "111122223333.dkr.ecr.me-south-1.amazonaws.com/knowledgecity/analytics-api",
      );
    });

    it("keep every password out of values: generated, in Secrets only", () => {
      for (const release of recorded.ofType(RELEASE)) {
        expect(JSON.stringify(release.inputs.values)).not.toMatch(/password"\s*:\s*"/i);
      }
      for (const secret of recorded.ofType("kubernetes:core/v1:Secret")) {
        expect(secret.inputs.stringData).toBe("[secret]");
      }
      expect(recorded.ofType("random:index/randomPassword:RandomPassword")).toHaveLength(5);
    });
  });

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

  describe("ClickHouse endpoint for the VPC", () => {
    it("is an internal NLB with TLS 1.3 on 8443, bound to the installation's service", () => {
      const nlb = recorded.named("aws:lb/loadBalancer:LoadBalancer", "analytics-clickhouse-nlb");
      expect(nlb.inputs).toMatchObject({
        loadBalancerType: "network",
        internal: true,
        subnets: SUBNETS,
        enableDeletionProtection: true,
      });
      const listener = recorded.named("aws:lb/listener:Listener", "analytics-clickhouse-tls");
      expect(listener.inputs).toMatchObject({
        port: 8443,
        protocol: "TLS",
        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      });
      const targetGroup = recorded.named(
        "aws:lb/targetGroup:TargetGroup",
        "analytics-clickhouse-http",
      );
      const binding = recorded.named(
        "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding",
        "analytics-clickhouse-target-group-binding",
      );
      expect(record(binding.inputs.spec)).toMatchObject({
        serviceRef: { name: "clickhouse-clickhouse", port: 8123 },
        targetType: "ip",
      });
      expect(String(record(binding.inputs.spec).targetGroupARN)).toContain(targetGroup.name);
    });
  });

  describe("real-time log ingest", () => {
    it("reads the stream in bounded, bisected batches with partial failures and a failure queue", () => {
      const mapping = recorded.named(
        "aws:lambda/eventSourceMapping:EventSourceMapping",
        "analytics-rtlog-stream",
      );
      expect(mapping.inputs).toMatchObject({
        eventSourceArn: STREAM_ARN,
        batchSize: 1000,
        maximumRetryAttempts: 10,
        bisectBatchOnFunctionError: true,
        functionResponseTypes: ["ReportBatchItemFailures"],
      });
      expect(record(record(mapping.inputs.destinationConfig).onFailure).destinationArn).toMatch(
        /^arn:aws:sqs:me-south-1:/,
      );
    });

    it("runs in the private subnets and reaches ClickHouse only through its load balancer", () => {
      const fn = recorded.named("aws:lambda/function:Function", "analytics-rtlog-fn");
      expect(record(fn.inputs.vpcConfig).subnetIds).toEqual(SUBNETS);
      expect(record(record(fn.inputs.environment).variables)).toMatchObject({
        CLICKHOUSE_URL: "https://clickhouse.sa.knowledgecity.com:8443",
        CLICKHOUSE_DATABASE: "analytics",
        CLICKHOUSE_USER: "ingest",
        DEAD_LETTER_PREFIX: "dead-letter/rtlog/",
      });
      const admitted = recorded.named(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "analytics-rtlog-admitted",
      );
      expect(admitted.inputs).toMatchObject({ fromPort: 8443, toPort: 8443, ipProtocol: "tcp" });
    });
  });

  it("lets the ClickHouse servers read the lake's curated events, nothing else of it", () => {
    const statements = statementsOf(
      recorded.named("aws:iam/rolePolicy:RolePolicy", "analytics-clickhouse-backup"),
    );
    const read = statements.find((s) => s.Sid === "ReadCuratedEvents");
    expect(read?.Action).toEqual(["s3:GetObject"]);
    expect(String(read?.Resource)).toMatch(
      /^arn:aws:s3:::analytics-lake-lake-[0-9a-f]+\/curated\/learning-events\/\*$/,
    );
  });

  it("builds the data lake's Glue database, crawler and FLEX job", () => {
    expect(recorded.ofType("aws:glue/catalogDatabase:CatalogDatabase")).toHaveLength(1);
    expect(recorded.ofType("aws:glue/crawler:Crawler")).toHaveLength(1);
    const job = recorded.ofType("aws:glue/job:Job")[0];
    expect(job?.inputs).toMatchObject({ executionClass: "FLEX", glueVersion: "5.0" });
  });

  it("refuses settings that would lose availability", async () => {
    await expect(run({ clickhouse: { ...SETTINGS.clickhouse, replicas: 1 } })).rejects.toThrow(
      "replicas = 1: an integer from 2 to 5",
    );
    await expect(run({ api: { ...SETTINGS.api, minReplicas: 1 } })).rejects.toThrow(
      "minReplicas = 1: at least 2",
    );
  });
});
