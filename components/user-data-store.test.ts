import * as random from "@pulumi/random";
import { describe, expect, it } from "vitest";
import { list, record, Recorded, runComponent, TEST_CONTEXT } from "../test/harness";
import { UserDataStore, type UserDataStoreArgs } from "./user-data-store";

const KEY = "arn:aws:kms:me-south-1:111122223333:key/mrk-1";
const ZONES = ["me-south-1a", "me-south-1b", "me-south-1c"];

function run(
  args: Partial<UserDataStoreArgs> & Pick<UserDataStoreArgs, "kind">,
  admit: readonly string[] = [],
) {
  return runComponent((provider) => {
    const common = { context: TEST_CONTEXT, allowedRegions: ["me-south-1"], userDataKeyArn: KEY };
    const store = new UserDataStore(
      "users",
      args.kind === "aurora"
        ? {
            ...common,
            availabilityZones: ZONES,
            vpcId: "vpc-1",
            subnetIds: ["subnet-i1", "subnet-i2", "subnet-i3"],
            ...args,
            kind: "aurora",
          }
        : { ...common, ...args, kind: "dynamodb" },
      { providers: [provider, new random.Provider("random")] },
    );
    for (const group of admit) {
      store.admit(`users-from-${group}`, `From ${group}`, group);
    }
  });
}

describe("UserDataStore on Aurora", async () => {
  const recorded = Recorded.of(await run({ kind: "aurora" }));
  const [cluster] = recorded.ofType("aws:rds/cluster:Cluster");
  const instances = recorded.ofType("aws:rds/clusterInstance:ClusterInstance");

  it("encrypts storage, the master secret and Performance Insights with the stack's user-data key", () => {
    expect(cluster?.inputs).toMatchObject({
      storageEncrypted: true,
      kmsKeyId: KEY,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: KEY,
      iamDatabaseAuthenticationEnabled: true,
    });
    expect(cluster?.inputs.masterPassword).toBeUndefined();
    for (const instance of instances) {
      expect(instance.inputs).toMatchObject({
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: KEY,
      });
    }
  });

  it("is deletion-protected, keeps 35 days of backups and a final snapshot", () => {
    expect(cluster?.inputs).toMatchObject({
      deletionProtection: true,
      backupRetentionPeriod: 35,
      skipFinalSnapshot: false,
      copyTagsToSnapshot: true,
    });
    expect(cluster?.protect).toBe(true);
    expect(record(cluster?.inputs.tags).DataClass).toBe("user-data");
  });

  it("runs a writer and two read replicas, one per zone, private and monitored", () => {
    expect(instances.map((i) => i.inputs.availabilityZone)).toEqual(ZONES);
    expect(instances.map((i) => i.inputs.promotionTier)).toEqual([0, 1, 1]);
    for (const instance of instances) {
      expect(instance.inputs).toMatchObject({ publiclyAccessible: false, monitoringInterval: 60 });
      expect(recorded.referencedBy(instance.inputs.clusterIdentifier).type).toBe(
        "aws:rds/cluster:Cluster",
      );
    }
  });

  it("lives in the isolated subnets, refuses plain-text connections and admits no client by default", () => {
    const subnetGroup = recorded.referencedBy(cluster?.inputs.dbSubnetGroupName);
    expect(subnetGroup.inputs.subnetIds).toEqual(["subnet-i1", "subnet-i2", "subnet-i3"]);
    const parameters = recorded.referencedBy(cluster?.inputs.dbClusterParameterGroupName);
    expect(list(parameters.inputs.parameters).map(record)).toEqual([
      expect.objectContaining({ name: "rds.force_ssl", value: "1" }),
    ]);
    const group = recorded.referencedBy(list(cluster?.inputs.vpcSecurityGroupIds)[0]);
    // No inline rules: they would remove the admitted clients' separate rules on every update.
    expect(group.inputs.ingress).toBeUndefined();
    expect(group.inputs.egress).toEqual([]);
    expect(recorded.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")).toEqual(
      [],
    );
  });

  it("opens the database port to the admitted client security groups only", async () => {
    const withClients = Recorded.of(await run({ kind: "aurora" }, ["sg-app"]));
    const group = withClients.named("aws:ec2/securityGroup:SecurityGroup", "users-db");
    const rules = withClients.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(rules.map((rule) => rule.inputs)).toEqual([
      expect.objectContaining({
        securityGroupId: group.id,
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        referencedSecurityGroupId: "sg-app",
      }),
    ]);
    expect(rules[0]?.inputs.cidrIpv4).toBeUndefined();
  });

  it("admits clients on the engine's port (3306 for MySQL)", async () => {
    const mysql = Recorded.of(await run({ kind: "aurora", engine: "aurora-mysql" }, ["sg-app"]));
    const [rule] = mysql.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(rule?.inputs).toMatchObject({ fromPort: 3306, toPort: 3306 });
  });

  it("keeps the token vault's database user in a secret encrypted with the user-data key", () => {
    const secret = recorded.named("aws:secretsmanager/secret:Secret", "users-pii-vault-user");
    expect(secret.inputs.kmsKeyId).toBe(KEY);
    const [version] = recorded.ofType("aws:secretsmanager/secretVersion:SecretVersion");
    expect(recorded.referencedBy(version?.inputs.secretId).name).toBe("users-pii-vault-user");
    // The value is a secret: the engine, and so the plan, never shows it.
    expect(version?.inputs.secretString).toBe("[secret]");
  });

  it("makes the vault user's password once, as a resource whose result stays in the state", async () => {
    // An invoke (Secrets Manager's GetRandomPassword) answers anew on every run: every preview
    // would diff and every update would change the password under the vault's users.
    const password = recorded.named(
      "random:index/randomPassword:RandomPassword",
      "users-pii-vault-user",
    );
    expect(password.inputs).toMatchObject({
      length: 40,
      special: false,
      upper: true,
      lower: true,
      numeric: true,
      minUpper: 1,
      minLower: 1,
      minNumeric: 1,
    });
    expect(password.provider).toMatch(/pulumi:providers:random::random$/);
    const [version] = recorded.ofType("aws:secretsmanager/secretVersion:SecretVersion");
    expect(version?.dependsOn).toContain(password.urn);
    const again = Recorded.of(await run({ kind: "aurora" }));
    expect(
      again.named("random:index/randomPassword:RandomPassword", "users-pii-vault-user").state
        .result,
    ).toBe(password.state.result);
  });

  it("refuses secondary regions, and any replica outside the allowed regions", async () => {
    await expect(
      run({
        kind: "aurora",
        allowedRegions: ["me-south-1", "me-central-1"],
        replicaRegions: ["me-central-1"],
      }),
    ).rejects.toThrow(/Aurora secondary clusters are not built yet/);
    await expect(run({ kind: "aurora", replicaRegions: ["eu-west-1"] })).rejects.toThrow(
      /replica regions eu-west-1 are outside the allowed regions \(me-south-1\); user data must not leave them/,
    );
  });
});

describe("UserDataStore on DynamoDB", async () => {
  const replicaKey = "arn:aws:kms:us-west-2:111122223333:key/mrk-1";
  const recorded = Recorded.of(
    await run({
      kind: "dynamodb",
      allowedRegions: ["me-south-1", "us-west-2"],
      replicaKeyArns: { "us-west-2": replicaKey },
    }),
  );
  const tables = recorded.ofType("aws:dynamodb/table:Table");

  it("creates the users, enrolments, progress and token-vault tables", () => {
    expect(tables.map((t) => t.name).sort()).toEqual([
      "users-enrolments",
      "users-pii-vault",
      "users-progress",
      "users-users",
    ]);
    expect(recorded.named("aws:dynamodb/table:Table", "users-enrolments").inputs).toMatchObject({
      hashKey: "userId",
      rangeKey: "courseId",
    });
  });

  it("makes every table on-demand, encrypted with the CMK, point-in-time recoverable and deletion-protected", () => {
    for (const table of tables) {
      expect(table.inputs).toMatchObject({
        billingMode: "PAY_PER_REQUEST",
        serverSideEncryption: { enabled: true, kmsKeyArn: KEY },
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
        streamEnabled: true,
        streamViewType: "NEW_AND_OLD_IMAGES",
      });
      expect(table.protect).toBe(true);
      expect(record(table.inputs.tags).DataClass).toBe("user-data");
    }
  });

  it("replicates each table only to the allowed replica region, with that region's key", () => {
    for (const table of tables) {
      expect(list(table.inputs.replicas).map(record)).toEqual([
        expect.objectContaining({
          regionName: "us-west-2",
          kmsKeyArn: replicaKey,
          pointInTimeRecovery: true,
        }),
      ]);
    }
  });

  it("refuses a replica outside the allowed regions", async () => {
    await expect(
      run({ kind: "dynamodb", replicaKeyArns: { "eu-west-1": "arn:aws:kms:eu-west-1:1:key/x" } }),
    ).rejects.toThrow(/replica regions eu-west-1 are outside the allowed regions/);
  });
});
