/** The analytics cluster's test fixture: its settings, a run of it on the mock engine, and readers of what it recorded. */
import {
  json,
  list,
  platformProviders,
  record,
  runComponent,
  TEST_CONTEXT,
  type Recorded,
  type RecordedResource,
} from "../../tools/plan/engine";
import { DataKeys } from "../security/data-keys";
import { KubernetesPlatform } from "../kubernetes/kubernetes-platform";
import { AnalyticsCluster, type AnalyticsSettings } from "./analytics-cluster";

export const SUBNETS = ["subnet-a", "subnet-b", "subnet-c"];
export const DEPLOY_ROLE = "arn:aws:iam::111122223333:role/platform-deploy";

export const SETTINGS: AnalyticsSettings = {
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
    shards: 1,
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

export const STREAM_ARN = "arn:aws:kinesis:me-south-1:111122223333:stream/playback-logs";

/** The cluster with `settings` over the fixture's, with the stack's keys, recorded. */
export function run(settings: Partial<AnalyticsSettings> = {}) {
  return runComponent((provider) => {
    const keys = new DataKeys(
      "keys",
      { context: TEST_CONTEXT, stack: "me-south-1" },
      { providers: platformProviders(provider) },
    );
    const merged = { ...SETTINGS, ...settings };
    // The EKS platform the cluster runs on, as the root composes it.
    const platform = new KubernetesPlatform(
      "analytics",
      {
        context: TEST_CONTEXT,
        clusterName: "kc-me-south-1-analytics",
        keys,
        settings: merged,
        vpcId: "vpc-1",
        privateSubnetIds: SUBNETS,
        hostedZoneId: "Z0ZONE0000",
        domain: "knowledgecity.com",
      },
      { providers: platformProviders(provider) },
    );
    new AnalyticsCluster(
      "analytics",
      {
        context: TEST_CONTEXT,
        stack: "me-south-1",
        keys,
        platform,
        settings: merged,
        network: { vpcId: "vpc-1", cidr: "10.20.0.0/16", privateSubnetIds: SUBNETS },
        dns: { domain: "knowledgecity.com", regionLabel: "sa", hostedZoneId: "Z0ZONE0000" },
        playbackLogStreamArn: STREAM_ARN,
      },
      { providers: platformProviders(provider) },
    );
    keys.seal();
  });
}

export const RELEASE = "kubernetes:helm.sh/v3:Release";
export const NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool";
export const NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";

export const statementsOf = (resource: RecordedResource, field = "policy") =>
  list(json(resource.inputs[field]).Statement).map(record);

export function releaseNamed(recorded: Recorded, name: string): RecordedResource {
  return recorded.named(RELEASE, name);
}

export function keyPolicy(recorded: Recorded, dataClass: string): Record<string, unknown>[] {
  return statementsOf(recorded.named("aws:kms/keyPolicy:KeyPolicy", `keys-${dataClass}`));
}
