import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { describe, expect, it } from "vitest";
import { list, record, Recorded, runComponent, TEST_CONTEXT } from "../../tools/plan/engine";
import type { StoreShard } from "../../contracts/user-store-shards";
import { UserDataStore } from "./user-data-store";

// The Aurora store with one shard and with two: every shard built alike (keys, backups, deletion
// protection, residency, secondaries), the first under the names the store had before shards.

const KEY = "arn:aws:kms:me-south-1:111122223333:key/mrk-1";
const SECONDARY_KEY = "arn:aws:kms:me-central-1:111122223333:key/mrk-1";
const TELEMETRY_KEY = "arn:aws:kms:me-south-1:111122223333:key/telemetry-1";
const ZONES = ["me-south-1a", "me-south-1b", "me-south-1c"];
const CLUSTER = "aws:rds/cluster:Cluster";
const GLOBAL = "aws:rds/globalCluster:GlobalCluster";
const INSTANCE = "aws:rds/clusterInstance:ClusterInstance";
const SECRET = "aws:secretsmanager/secret:Secret";
const ROTATION = "aws:secretsmanager/secretRotation:SecretRotation";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

const TWO: readonly StoreShard[] = [
  { id: "s1", weight: 1 },
  { id: "s2", weight: 3 },
];

/** The store with a secondary in me-central-1, the monolith's group admitted; its outputs. */
async function run(shards?: readonly StoreShard[]) {
  let outputs: { arns: string[]; shards: { id: string; weight: number }[] } | undefined;
  const engine = await runComponent((provider, providerFor) => {
    const store = new UserDataStore(
      "users",
      {
        kind: "aurora",
        context: TEST_CONTEXT,
        allowedRegions: ["me-south-1", "me-central-1"],
        userDataKeyArn: KEY,
        functionKeyArn: TELEMETRY_KEY,
        vpcCidr: "10.20.0.0/16",
        availabilityZones: ZONES,
        vpcId: "vpc-1",
        subnetIds: ["subnet-i1", "subnet-i2", "subnet-i3"],
        replicaRegions: ["me-central-1"],
        secondaries: {
          "me-central-1": {
            provider: providerFor("me-central-1"),
            availabilityZones: ["me-central-1a", "me-central-1b"],
            vpcId: "vpc-2",
            subnetIds: ["subnet-c1", "subnet-c2"],
            userDataKeyArn: SECONDARY_KEY,
          },
        },
        ...(shards === undefined ? {} : { shards }),
      },
      { providers: [provider, new random.Provider("random")] },
    );
    store.admit("users-from-app", "The monolith", "sg-app");
    pulumi
      .all([pulumi.all(store.resourceArns), store.shards ?? []])
      .apply(([arns, storeShards]) => {
        outputs = { arns, shards: storeShards.map(({ id, weight }) => ({ id, weight })) };
      });
  });
  if (outputs === undefined) throw new Error("the store's outputs never resolved");
  return { recorded: Recorded.of(engine), outputs };
}

/** Every custom resource as `type name`, sorted. */
function names(recorded: Recorded): string[] {
  return recorded.resources
    .filter((resource) => resource.custom)
    .map((resource) => `${resource.type} ${resource.name}`)
    .sort();
}

/** What must be the same on every shard's cluster. */
const SHARED_CLUSTER_INPUTS = [
  "engine",
  "engineVersion",
  "storageEncrypted",
  "kmsKeyId",
  "iamDatabaseAuthenticationEnabled",
  "deletionProtection",
  "backupRetentionPeriod",
  "preferredBackupWindow",
  "copyTagsToSnapshot",
  "skipFinalSnapshot",
  "enabledCloudwatchLogsExports",
  "databaseName",
  "tags",
] as const;

describe("the Aurora store's shards", async () => {
  const implicit = await run();
  const one = await run([{ id: "s1", weight: 1 }]);
  const two = await run(TWO);

  it("builds exactly the same resources, under the same names, for one shard as before shards", () => {
    expect(names(one.recorded)).toEqual(names(implicit.recorded));
    expect(names(one.recorded).some((name) => name.includes("s1"))).toBe(false);
    expect(one.outputs.arns).toHaveLength(1);
  });

  it("keeps the first shard's names in a two-shard store and names the second's after its id", () => {
    const before = names(one.recorded);
    const after = names(two.recorded);
    expect(after).toEqual(expect.arrayContaining(before));
    const added = after.filter((name) => !before.includes(name));
    expect(added.length).toBeGreaterThan(10);
    for (const name of added) {
      expect(name).toMatch(/ (users-s2-|users-from-app-s2$)/);
    }
    expect(two.outputs.shards).toEqual([
      { id: "s1", weight: 1 },
      { id: "s2", weight: 3 },
    ]);
  });

  it("gives each shard its own global database and cluster with the same keys, backups and protection", () => {
    const { recorded } = two;
    const first = recorded.named(CLUSTER, "users-cluster");
    const second = recorded.named(CLUSTER, "users-s2-cluster");
    for (const input of SHARED_CLUSTER_INPUTS) {
      expect(second.inputs[input], input).toEqual(first.inputs[input]);
    }
    expect(second.inputs).toMatchObject({
      kmsKeyId: KEY,
      deletionProtection: true,
      backupRetentionPeriod: 35,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: "users-s2-final",
    });
    expect(record(second.inputs.tags).DataClass).toBe("user-data");
    expect(second.protect).toBe(true);
    expect(second.region).toBe("me-south-1");
    const globals = recorded.ofType(GLOBAL);
    expect(globals.map((g) => g.name).sort()).toEqual(["users-global", "users-s2-global"]);
    expect(recorded.referencedBy(second.inputs.globalClusterIdentifier).name).toBe(
      "users-s2-global",
    );
    for (const global of globals) {
      expect(global.inputs).toMatchObject({ deletionProtection: true, storageEncrypted: true });
      expect(global.protect).toBe(true);
    }
    // Each cluster is backed up by the stack's plan.
    expect(two.outputs.arns).toHaveLength(2);
    expect(new Set(two.outputs.arns).size).toBe(2);
  });

  it("gives each shard a secondary in the same allowed region, under that region's key", () => {
    const secondaries = two.recorded.ofType(CLUSTER).filter((c) => c.region !== "me-south-1");
    expect(secondaries.map((c) => [c.name, c.region])).toEqual([
      ["users-me-central-1-cluster", "me-central-1"],
      ["users-s2-me-central-1-cluster", "me-central-1"],
    ]);
    const global = (name: string) => two.recorded.named(GLOBAL, name).id;
    expect(secondaries.map((c) => c.inputs.globalClusterIdentifier)).toEqual([
      global("users-global"),
      global("users-s2-global"),
    ]);
    for (const secondary of secondaries) {
      expect(secondary.inputs).toMatchObject({
        kmsKeyId: SECONDARY_KEY,
        deletionProtection: true,
        backupRetentionPeriod: 35,
      });
    }
  });

  it("runs one instance per zone on each shard, private and with insights under the user-data key", () => {
    const byCluster = new Map<unknown, string[]>();
    for (const instance of two.recorded.ofType(INSTANCE).filter((i) => i.region === "me-south-1")) {
      expect(instance.inputs).toMatchObject({
        publiclyAccessible: false,
        performanceInsightsKmsKeyId: KEY,
      });
      const cluster = two.recorded.referencedBy(instance.inputs.clusterIdentifier).name;
      byCluster.set(cluster, [
        ...(byCluster.get(cluster) ?? []),
        String(instance.inputs.availabilityZone),
      ]);
    }
    expect(Object.fromEntries(byCluster)).toEqual({
      "users-cluster": ZONES,
      "users-s2-cluster": ZONES,
    });
  });

  it("gives each shard its own rotated master secret under the user-data key", () => {
    for (const name of ["users-master", "users-s2-master"]) {
      expect(two.recorded.named(SECRET, name).inputs.kmsKeyId).toBe(KEY);
    }
    expect(
      two.recorded
        .ofType(ROTATION)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["users-master", "users-s2-master"]);
  });

  it("keeps the token vault on the first shard only", () => {
    const first = two.recorded.named(CLUSTER, "users-cluster");
    const vaultSecrets = two.recorded.ofType(SECRET).filter((s) => s.name.includes("vault"));
    expect(vaultSecrets.map((s) => s.name).sort()).toEqual([
      "users-vault-detokenize",
      "users-vault-tokenize",
    ]);
    const migrate = two.recorded.named("aws:lambda/function:Function", "users-vault-migrate-fn");
    expect(first.state.arn).toMatch(/^arn:aws:rds:me-south-1:111122223333:cluster:users-cluster/);
    expect(record(record(migrate.inputs.environment).variables).VAULT_CLUSTER_ARN).toBe(
      first.state.arn,
    );
  });

  it("admits the client to every shard's database port, the first under its old rule name", () => {
    const rules = two.recorded
      .ofType(INGRESS)
      .filter((rule) => rule.name.startsWith("users-from-app"));
    expect(
      rules.map((rule) => [
        rule.name,
        two.recorded.referencedBy(rule.inputs.securityGroupId).name,
        rule.inputs.referencedSecurityGroupId,
        rule.inputs.fromPort,
      ]),
    ).toEqual([
      ["users-from-app", "users-db", "sg-app", 5432],
      ["users-from-app-s2", "users-s2-db", "sg-app", 5432],
    ]);
    const groups = list(two.recorded.named(CLUSTER, "users-s2-cluster").inputs.vpcSecurityGroupIds);
    expect(two.recorded.referencedBy(groups[0]).name).toBe("users-s2-db");
  });

  it("refuses a shard list with a problem, naming it", async () => {
    await expect(
      run([
        { id: "s1", weight: 0 },
        { id: "s2", weight: 0 },
      ]),
    ).rejects.toThrow("shards: every shard has weight 0");
  });
});
