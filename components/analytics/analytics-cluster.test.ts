import { describe, expect, it } from "vitest";
import { json, list, record, Recorded } from "../../tools/plan/engine";
import {
  DEPLOY_ROLE,
  keyPolicy,
  run,
  SETTINGS,
  statementsOf,
  STREAM_ARN,
  SUBNETS,
} from "./analytics-cluster-test-support";

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
