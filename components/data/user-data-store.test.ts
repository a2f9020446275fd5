import * as random from "@pulumi/random";
import { describe, expect, it } from "vitest";
import { json, list, record, Recorded, runComponent, TEST_CONTEXT } from "../../tools/plan/engine";
import { AURORA_VAULT } from "../../contracts/functions";
import { UserDataStore, type UserDataStoreArgs } from "./user-data-store";

const KEY = "arn:aws:kms:me-south-1:111122223333:key/mrk-1";
const TELEMETRY_KEY = "arn:aws:kms:me-south-1:111122223333:key/telemetry-1";
const ZONES = ["me-south-1a", "me-south-1b", "me-south-1c"];

function run(
  args: Partial<UserDataStoreArgs> & Pick<UserDataStoreArgs, "kind">,
  admit: readonly string[] = [],
  after?: (store: UserDataStore) => void,
) {
  return runComponent((provider) => {
    const common = { context: TEST_CONTEXT, allowedRegions: ["me-south-1"], userDataKeyArn: KEY };
    const aurora = { functionKeyArn: TELEMETRY_KEY, vpcCidr: "10.20.0.0/16" };
    const store = new UserDataStore(
      "users",
      args.kind === "aurora"
        ? {
            ...common,
            availabilityZones: ZONES,
            vpcId: "vpc-1",
            subnetIds: ["subnet-i1", "subnet-i2", "subnet-i3"],
            ...aurora,
            ...args,
            kind: "aurora",
          }
        : { ...common, ...args, kind: "dynamodb" },
      { providers: [provider, new random.Provider("random")] },
    );
    for (const group of admit) {
      store.admit(`users-from-${group}`, `From ${group}`, group);
    }
    after?.(store);
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
      iamDatabaseAuthenticationEnabled: true,
    });
    // Global database members cannot have an RDS-managed master password.
    expect(cluster?.inputs.manageMasterUserPassword).toBeUndefined();
    expect(cluster?.inputs.masterPassword).toBe("[secret]");
    expect(recorded.named("aws:secretsmanager/secret:Secret", "users-master").inputs.kmsKeyId).toBe(
      KEY,
    );
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

  it("lives in the isolated subnets, refuses plain-text connections and admits no client but its rotation function by default", () => {
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
    const rotation = recorded.named("aws:ec2/securityGroup:SecurityGroup", "users-master-rotation");
    expect(
      recorded
        .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        .map((rule) => rule.inputs),
    ).toEqual([
      expect.objectContaining({
        securityGroupId: group.id,
        fromPort: 5432,
        toPort: 5432,
        referencedSecurityGroupId: rotation.id,
      }),
    ]);
  });

  it("opens the database port to the admitted client security groups only", async () => {
    const withClients = Recorded.of(await run({ kind: "aurora" }, ["sg-app"]));
    const group = withClients.named("aws:ec2/securityGroup:SecurityGroup", "users-db");
    const rules = withClients
      .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .filter((rule) => rule.name !== "users-from-master-rotation");
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

  it("refuses Aurora MySQL: the token vault and its migration need PostgreSQL and the Data API", async () => {
    await expect(run({ kind: "aurora", engine: "aurora-mysql" })).rejects.toThrow(
      'engine = "aurora-mysql": the token vault and its migration run on Aurora PostgreSQL through the RDS Data API; use "aurora-postgresql"',
    );
  });

  for (const fn of ["tokenize", "detokenize"] as const) {
    it(`keeps ${fn}'s database role in a secret of its own, encrypted with the user-data key`, () => {
      const secret = recorded.named("aws:secretsmanager/secret:Secret", `users-vault-${fn}`);
      expect(secret.inputs.kmsKeyId).toBe(KEY);
      const version = recorded.named(
        "aws:secretsmanager/secretVersion:SecretVersion",
        `users-vault-${fn}`,
      );
      expect(recorded.referencedBy(version.inputs.secretId).name).toBe(`users-vault-${fn}`);
      // The value is a secret: the engine, and so the plan, never shows it.
      expect(version.inputs.secretString).toBe("[secret]");
    });
  }

  it("makes each vault role's password once, as a resource whose result stays in the state", async () => {
    // An invoke (Secrets Manager's GetRandomPassword) answers anew on every run: every preview
    // would diff and every update would change the password under the vault's users.
    const passwords = ["tokenize", "detokenize"].map((fn) =>
      recorded.named("random:index/randomPassword:RandomPassword", `users-vault-${fn}`),
    );
    const again = Recorded.of(await run({ kind: "aurora" }));
    for (const password of passwords) {
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
      const version = recorded.named(
        "aws:secretsmanager/secretVersion:SecretVersion",
        password.name,
      );
      expect(version.dependsOn).toContain(password.urn);
      expect(
        again.named("random:index/randomPassword:RandomPassword", password.name).state.result,
      ).toBe(password.state.result);
    }
    expect(passwords[0]?.state.result).not.toBe(passwords[1]?.state.result);
  });

  it("runs the vault migration once every instance exists, again when the schema or a secret changes", () => {
    const invocation = recorded.named("aws:lambda/invocation:Invocation", "users-vault-migrate");
    for (const instance of instances) {
      expect(invocation.dependsOn).toContain(instance.urn);
    }
    const fn = recorded.named("aws:lambda/function:Function", "users-vault-migrate-fn");
    expect(invocation.inputs.functionName).toBe(fn.state.name);
    // A stable input: an `up` with nothing new leaves the invocation, so the migration, alone.
    expect(invocation.inputs.input).toBe(JSON.stringify({ action: "migrate" }));
    const versions = ["tokenize", "detokenize"].map((name) =>
      recorded.named("aws:secretsmanager/secretVersion:SecretVersion", `users-vault-${name}`),
    );
    expect(invocation.inputs.triggers).toEqual({
      schemaVersion: String(AURORA_VAULT.schemaVersion),
      tokenizeSecretVersion: versions[0]?.state.versionId,
      detokenizeSecretVersion: versions[1]?.state.versionId,
    });
  });

  it("gives the migration the cluster, the master secret and the vault roles' secrets", () => {
    const fn = recorded.named("aws:lambda/function:Function", "users-vault-migrate-fn");
    const variables = record(record(fn.inputs.environment).variables);
    const secretArn = (name: string) =>
      recorded.named("aws:secretsmanager/secret:Secret", name).state.arn;
    expect(variables).toEqual({
      VAULT_CLUSTER_ARN: cluster?.state.arn,
      VAULT_DATABASE: "knowledgecity",
      MASTER_SECRET_ARN: secretArn("users-master"),
      TOKENIZE_SECRET_ARN: secretArn("users-vault-tokenize"),
      DETOKENIZE_SECRET_ARN: secretArn("users-vault-detokenize"),
    });
    expect(fn.inputs.kmsKeyArn).toBe(TELEMETRY_KEY);
  });

  it("lets only each vault function and the migration read that function's database password", async () => {
    const roles = {
      tokenize: "arn:aws:iam::111122223333:role/tokenize",
      detokenize: "arn:aws:iam::111122223333:role/detokenize",
    };
    const restricted = Recorded.of(
      await run({ kind: "aurora" }, [], (store) => {
        store.restrictVault(roles);
      }),
    );
    const migrateRole = restricted.named("aws:iam/role:Role", "users-vault-migrate-role").state.arn;
    for (const fn of ["tokenize", "detokenize"] as const) {
      const policy = restricted.named(
        "aws:secretsmanager/secretPolicy:SecretPolicy",
        `users-vault-${fn}`,
      );
      expect(policy.inputs.secretArn).toBe(
        restricted.named("aws:secretsmanager/secret:Secret", `users-vault-${fn}`).state.arn,
      );
      expect(json(policy.inputs.policy)).toEqual({
        Version: "2012-10-17",
        Statement: [
          expect.objectContaining({
            Effect: "Deny",
            Principal: "*",
            Action: ["secretsmanager:GetSecretValue"],
            Condition: { ArnNotEquals: { "aws:PrincipalArn": [roles[fn], migrateRole] } },
          }),
        ],
      });
    }
    await expect(
      run({ kind: "aurora" }, [], (store) => {
        store.restrictTables("vault", [roles.tokenize]);
      }),
    ).rejects.toThrow(
      /restrictTables\(vault\): the Aurora vault has one database role per function/,
    );
  });

  it("is the primary of an encrypted, deletion-protected global database of the same engine and version", () => {
    const global = recorded.named("aws:rds/globalCluster:GlobalCluster", "users-global");
    expect(cluster?.inputs.globalClusterIdentifier).toBe(global.id);
    expect(global.inputs).toMatchObject({
      engine: cluster?.inputs.engine,
      engineVersion: cluster?.inputs.engineVersion,
      storageEncrypted: true,
      deletionProtection: true,
    });
    expect(global.protect).toBe(true);
  });

  it("rotates the master password on a schedule with AWS's PostgreSQL single-user rotation function", () => {
    const secret = recorded.named("aws:secretsmanager/secret:Secret", "users-master");
    const stack = recorded.named(
      "aws:serverlessrepository/cloudFormationStack:CloudFormationStack",
      "users-master-rotation",
    );
    expect(stack.inputs.applicationId).toBe(
      "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser",
    );
    const rotationGroup = recorded.named(
      "aws:ec2/securityGroup:SecurityGroup",
      "users-master-rotation",
    );
    expect(stack.inputs.parameters).toMatchObject({
      endpoint: "https://secretsmanager.me-south-1.amazonaws.com",
      vpcSubnetIds: "subnet-i1,subnet-i2,subnet-i3",
      vpcSecurityGroupIds: rotationGroup.id,
      kmsKeyArn: KEY,
    });
    // Out of the VPC only to the database and the interface endpoints.
    expect(list(rotationGroup.inputs.egress).map(record)).toEqual([
      expect.objectContaining({
        fromPort: 5432,
        toPort: 5432,
        securityGroups: [recorded.named("aws:ec2/securityGroup:SecurityGroup", "users-db").id],
      }),
      expect.objectContaining({ fromPort: 443, toPort: 443, cidrBlocks: ["10.20.0.0/16"] }),
    ]);
    const rotation = recorded.named(
      "aws:secretsmanager/secretRotation:SecretRotation",
      "users-master",
    );
    expect(rotation.inputs).toMatchObject({
      secretId: secret.id,
      rotationLambdaArn: record(stack.state.outputs).RotationLambdaARN,
      rotationRules: { automaticallyAfterDays: 30 },
      rotateImmediately: false,
    });
    for (const instance of instances) {
      expect(rotation.dependsOn).toContain(instance.urn);
    }
    const version = recorded.named(
      "aws:secretsmanager/secretVersion:SecretVersion",
      "users-master",
    );
    expect(version.inputs.secretString).toBe("[secret]");
  });

  it("refuses a rotation schedule outside 1 to 1000 days", async () => {
    await expect(run({ kind: "aurora", masterRotationDays: 0 })).rejects.toThrow(
      "masterRotationDays = 0: expected a whole number of days from 1 to 1000",
    );
  });

  it("refuses a secondary region where the stack has no network, naming what is missing", async () => {
    await expect(
      run({
        kind: "aurora",
        allowedRegions: ["me-south-1", "me-central-1"],
        replicaRegions: ["me-central-1"],
      }),
    ).rejects.toThrow(
      "replicaRegions lists me-central-1, where this stack has no network: an Aurora secondary needs this stack's VPC (isolated subnets), a provider and the user-data key's replica in its region; build them there or remove the region",
    );
    await expect(run({ kind: "aurora", replicaRegions: ["eu-west-1"] })).rejects.toThrow(
      /replica regions eu-west-1 are outside the allowed regions \(me-south-1\); user data must not leave them/,
    );
  });
});

describe("UserDataStore on Aurora with a secondary region", async () => {
  const SECONDARY_KEY = "arn:aws:kms:me-central-1:111122223333:key/mrk-1";
  const secondaryRun = (allowedRegions: readonly string[]) =>
    runComponent((provider, providerFor) => {
      new UserDataStore(
        "users",
        {
          kind: "aurora",
          context: TEST_CONTEXT,
          allowedRegions,
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
        },
        { providers: [provider, new random.Provider("random")] },
      );
    });
  const recorded = Recorded.of(await secondaryRun(["me-south-1", "me-central-1"]));

  it("adds a cluster in the secondary region to the global database, as the primary's engine and version", () => {
    const global = recorded.named("aws:rds/globalCluster:GlobalCluster", "users-global");
    const primary = recorded.named("aws:rds/cluster:Cluster", "users-cluster");
    const secondary = recorded.named("aws:rds/cluster:Cluster", "users-me-central-1-cluster");
    expect(secondary.region).toBe("me-central-1");
    expect(secondary.inputs).toMatchObject({
      globalClusterIdentifier: global.id,
      engine: primary.inputs.engine,
      engineVersion: primary.inputs.engineVersion,
      storageEncrypted: true,
      kmsKeyId: SECONDARY_KEY,
      deletionProtection: true,
    });
    // A secondary takes the primary's master user.
    expect(secondary.inputs.masterUsername).toBeUndefined();
    expect(secondary.inputs.masterPassword).toBeUndefined();
    for (const instance of recorded
      .ofType("aws:rds/clusterInstance:ClusterInstance")
      .filter((i) => i.region === "me-south-1")) {
      expect(secondary.dependsOn).toContain(instance.urn);
    }
    const instances = recorded
      .ofType("aws:rds/clusterInstance:ClusterInstance")
      .filter((i) => i.region === "me-central-1");
    expect(instances.map((i) => i.inputs.availabilityZone)).toEqual([
      "me-central-1a",
      "me-central-1b",
    ]);
    for (const instance of instances) {
      expect(instance.inputs.clusterIdentifier).toBe(secondary.id);
      expect(instance.inputs.performanceInsightsKmsKeyId).toBe(SECONDARY_KEY);
    }
    const subnets = recorded.referencedBy(secondary.inputs.dbSubnetGroupName);
    expect(subnets.region).toBe("me-central-1");
    expect(subnets.inputs.subnetIds).toEqual(["subnet-c1", "subnet-c2"]);
  });

  it("refuses a secondary outside the allowed regions", async () => {
    await expect(secondaryRun(["me-south-1"])).rejects.toThrow(
      /replica regions me-central-1 are outside the allowed regions \(me-south-1\)/,
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
