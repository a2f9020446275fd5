import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { APP_DATABASE_USER, APP_TABLES } from "../contracts/monolith";
import type { AwsContext } from "./context";
import { serviceTrustPolicy } from "./iam";
import { dataTags } from "./tags";

/** The DynamoDB tables of the US user store: name -> keys. */
export const USER_TABLES = {
  users: { hashKey: "userId" },
  enrolments: { hashKey: "userId", rangeKey: "courseId" },
  progress: { hashKey: "userId", rangeKey: "lessonKey" },
  "pii-vault": { hashKey: "token" },
} as const satisfies Record<string, { hashKey: string; rangeKey?: string }>;
export type UserTable = keyof typeof USER_TABLES;

const AURORA_ENGINES = {
  "aurora-postgresql": {
    port: 5432,
    family: "aurora-postgresql16",
    version: "16.6",
    logs: ["postgresql"],
    // TLS only: the server refuses unencrypted connections.
    tlsParameter: { name: "rds.force_ssl", value: "1" },
  },
  "aurora-mysql": {
    port: 3306,
    family: "aurora-mysql8.0",
    version: "8.0.mysql_aurora.3.08.0",
    logs: ["audit", "error", "slowquery"],
    tlsParameter: { name: "require_secure_transport", value: "ON" },
  },
} as const;
export type AuroraEngine = keyof typeof AURORA_ENGINES;

/** How the app reaches the Aurora user store. */
export interface AppDatabase {
  readonly engine: AuroraEngine;
  readonly endpoint: pulumi.Output<string>;
  readonly port: number;
  readonly name: string;
  readonly appUser: string;
  readonly clusterResourceId: pulumi.Output<string>;
}

/** Where the PII token vault lives, for the tokenization functions. */
export type TokenVaultLocation =
  | {
      readonly kind: "dynamodb";
      readonly tableName: pulumi.Output<string>;
      readonly tableArn: pulumi.Output<string>;
    }
  | {
      readonly kind: "aurora";
      readonly clusterArn: pulumi.Output<string>;
      readonly database: string;
      /** Secret of the vault's own database user (created by the schema migration). */
      readonly secretArn: pulumi.Output<string>;
    };

interface CommonArgs {
  readonly context: AwsContext;
  /** Regions where this stack may keep user data; every replica must be in one. */
  readonly allowedRegions: readonly string[];
  /** The stack's user-data KMS key (customer managed). */
  readonly userDataKeyArn: pulumi.Input<string>;
}

/** Arguments of the Aurora store (the Saudi stack's). */
export interface AuroraStoreArgs extends CommonArgs {
  readonly kind: "aurora";
  /** @default "aurora-postgresql" */
  readonly engine?: AuroraEngine;
  /** @default 16.6 for PostgreSQL, 8.0.mysql_aurora.3.08.0 for MySQL */
  readonly engineVersion?: string;
  /** @default "db.r7g.large" */
  readonly instanceClass?: string;
  /** One instance per zone: the first is the writer, the others are read replicas. */
  readonly availabilityZones: readonly string[];
  readonly vpcId: pulumi.Input<string>;
  /** Isolated subnets: no route out of the VPC. */
  readonly subnetIds: pulumi.Input<string[]>;
  /** Days of automated backups (1-35). @default 35 */
  readonly backupRetentionDays?: number;
  /**
   * Secondary regions of a global database. Not built yet: Aurora secondaries need a VPC of this
   * stack in each secondary region, and AWS does not manage master passwords of global database
   * members. A non-empty list is refused. @default []
   */
  readonly replicaRegions?: readonly string[];
}

/** Arguments of the DynamoDB store (the US stack's). */
export interface DynamoDbStoreArgs extends CommonArgs {
  readonly kind: "dynamodb";
  /** Replica regions of the global tables, each with the user-data key's replica there. @default {} */
  readonly replicaKeyArns?: Readonly<Record<string, pulumi.Input<string>>>;
}

export type UserDataStoreArgs = AuroraStoreArgs | DynamoDbStoreArgs;

/**
 * The residency-bound store of a stack's user data: an Aurora cluster (Saudi stack) or DynamoDB
 * global tables (US stack), chosen by config. Everything is encrypted with the stack's own
 * user-data key, deletion-protected (in AWS and in Pulumi state), backed up, tagged
 * `DataClass=user-data`, and replicated only into the stack's allowed regions.
 */
export class UserDataStore extends pulumi.ComponentResource {
  public readonly kind: UserDataStoreArgs["kind"];
  /** ARNs of the stores, for backup selection and IAM policies. */
  public readonly resourceArns: pulumi.Output<string>[];
  /** DynamoDB tables by role (US store only). */
  public readonly tables: Readonly<Partial<Record<UserTable, aws.dynamodb.Table>>>;
  /** The Aurora cluster (Saudi store only). */
  public readonly cluster?: aws.rds.Cluster;
  /** Security group of the Aurora cluster (Saudi store only). */
  public readonly securityGroupId?: pulumi.Output<string>;
  /** How the app reaches the Aurora cluster (Saudi store only). */
  public readonly database?: AppDatabase;
  public readonly tokenVault: TokenVaultLocation;

  private readonly baseName: string;
  private readonly context: AwsContext;
  private readonly replicaRegions: readonly string[];
  private readonly restricted = new Set<UserTableGroup>();

  constructor(name: string, args: UserDataStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:data:UserDataStore", name, {}, opts);
    this.kind = args.kind;
    this.baseName = name;
    this.context = args.context;
    this.replicaRegions = args.kind === "dynamodb" ? Object.keys(args.replicaKeyArns ?? {}) : [];
    if (args.kind === "dynamodb") {
      const replicas = Object.keys(args.replicaKeyArns ?? {});
      this.checkReplicas(replicas, args);
      const tables = createTables(name, args, this);
      this.tables = tables;
      this.resourceArns = Object.values(tables).map((table) => table.arn);
      this.tokenVault = {
        kind: "dynamodb",
        tableName: tables["pii-vault"].name,
        tableArn: tables["pii-vault"].arn,
      };
    } else {
      const replicas = args.replicaRegions ?? [];
      this.checkReplicas(replicas, args);
      if (replicas.length > 0) {
        throw new pulumi.ResourceError(
          `replicaRegions = ${JSON.stringify(replicas)}: Aurora secondary clusters are not built yet (they need this stack's VPC in each secondary region); keep the list empty`,
          this,
        );
      }
      const aurora = createAurora(name, args, this);
      this.tables = {};
      this.cluster = aurora.cluster;
      this.securityGroupId = aurora.securityGroup.id;
      this.database = {
        engine: args.engine ?? "aurora-postgresql",
        endpoint: aurora.cluster.endpoint,
        port: AURORA_ENGINES[args.engine ?? "aurora-postgresql"].port,
        name: aurora.database,
        appUser: APP_DATABASE_USER,
        clusterResourceId: aurora.cluster.clusterResourceId,
      };
      this.resourceArns = [aurora.cluster.arn];
      this.tokenVault = {
        kind: "aurora",
        clusterArn: aurora.cluster.arn,
        database: aurora.database,
        secretArn: aurora.vaultSecret.arn,
      };
    }
    this.registerOutputs({ resourceArns: this.resourceArns });
  }

  /**
   * Lets the compute behind a security group connect to the Aurora cluster's port (Saudi store);
   * the DynamoDB store has no network boundary of its own.
   */
  public admit(name: string, description: string, securityGroupId: pulumi.Input<string>): void {
    if (this.securityGroupId === undefined || this.database === undefined) {
      return;
    }
    new aws.vpc.SecurityGroupIngressRule(
      name,
      {
        securityGroupId: this.securityGroupId,
        description,
        ipProtocol: "tcp",
        fromPort: this.database.port,
        toPort: this.database.port,
        referencedSecurityGroupId: securityGroupId,
      },
      { parent: this },
    );
  }

  /**
   * Names the only principals that may read or write the items of a group of tables (US store),
   * with a DynamoDB resource policy on each table and on each of its replicas: a same-account
   * principal whose IAM policies allow `dynamodb:*` is refused all the same; each table's stream
   * is readable by DynamoDB's replication only. Call once per group, once the principals exist. On
   * the Aurora store (whose boundary is IAM database authentication and its security group) the
   * vault group restricts the vault user's secret: only the named principals read its password.
   */
  public restrictTables(
    group: UserTableGroup,
    principalArns: readonly pulumi.Input<string>[],
  ): void {
    if (this.restricted.has(group)) {
      throw new pulumi.ResourceError(`the ${group} tables are restricted already`, this);
    }
    if (principalArns.length === 0) {
      throw new pulumi.ResourceError(
        `restrictTables(${group}): no principal named; name the roles that use the ${group} tables`,
        this,
      );
    }
    this.restricted.add(group);
    if (this.tokenVault.kind === "aurora") {
      if (group === "vault") {
        new aws.secretsmanager.SecretPolicy(
          `${this.baseName}-pii-vault-user`,
          {
            secretArn: this.tokenVault.secretArn,
            policy: pulumi.jsonStringify(vaultSecretPolicy(principalArns)),
            blockPublicPolicy: true,
          },
          { parent: this },
        );
      }
      return;
    }
    for (const table of USER_TABLE_GROUPS[group]) {
      const resource = this.tables[table];
      if (resource === undefined) {
        continue;
      }
      const regions = [this.context.region, ...this.replicaRegions];
      for (const region of regions) {
        const home = region === this.context.region;
        // A replica is a table of its own region, with the same name and a policy of its own.
        const arn = home
          ? resource.arn
          : pulumi.interpolate`arn:${this.context.partition}:dynamodb:${region}:${this.context.accountId}:table/${resource.name}`;
        const suffix = home ? "" : `-${region}`;
        new aws.dynamodb.ResourcePolicy(
          `${this.baseName}-${table}-access${suffix}`,
          {
            resourceArn: arn,
            policy: pulumi.jsonStringify(userTablePolicy(arn, principalArns, this.context)),
            ...(home ? {} : { region }),
          },
          { parent: this },
        );
        // The stream carries every change for 24 hours; only replication reads it.
        const streamArn = home
          ? resource.streamArn
          : resource.replicas.apply((replicas) => replicaStreamArn(replicas ?? [], region));
        new aws.dynamodb.ResourcePolicy(
          `${this.baseName}-${table}-stream${suffix}`,
          {
            resourceArn: streamArn,
            policy: pulumi.jsonStringify(userStreamPolicy(streamArn, this.context)),
            ...(home ? {} : { region }),
          },
          { parent: this },
        );
      }
    }
  }

  private checkReplicas(replicas: readonly string[], args: CommonArgs): void {
    const outside = replicas.filter((region) => !args.allowedRegions.includes(region));
    if (outside.length > 0) {
      throw new pulumi.ResourceError(
        `replica regions ${outside.join(", ")} are outside the allowed regions (${args.allowedRegions.join(", ")}); user data must not leave them`,
        this,
      );
    }
    if (replicas.includes(args.context.region)) {
      throw new pulumi.ResourceError(
        `a replica region must differ from ${args.context.region}`,
        this,
      );
    }
  }
}

/** Groups of user tables that the same principals use: the app's tables and the token vault. */
export type UserTableGroup = "app" | "vault";

/** The tables of each group. */
export const USER_TABLE_GROUPS: Readonly<Record<UserTableGroup, readonly UserTable[]>> = {
  app: APP_TABLES,
  vault: ["pii-vault"],
};

/**
 * What the user tables' resource policies deny to every principal but the named ones: every
 * action that reads or writes items, or copies them out (an export to S3). Table administration
 * (DescribeTable, UpdateTable, the resource policy itself, backups) stays with the account's IAM
 * policies, so no deployer is locked out of the table.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/access-control-resource-based.html
 */
export const USER_TABLE_ITEM_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
  "dynamodb:PartiQLSelect",
  "dynamodb:PartiQLInsert",
  "dynamodb:PartiQLUpdate",
  "dynamodb:PartiQLDelete",
  "dynamodb:ExportTableToPointInTime",
] as const;

/**
 * The role through which DynamoDB replicates a global table: a replica's policy must not deny it,
 * or replication stops (REPLICATION_NOT_AUTHORIZED).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/globaltables-security.html
 */
export function replicationRoleArn(context: AwsContext): string {
  return `arn:${context.partition}:iam::${context.accountId}:role/aws-service-role/replication.dynamodb.amazonaws.com/AWSServiceRoleForDynamoDBReplication`;
}

/**
 * The resource policy of a user table: items are denied to every principal but the named ones
 * and DynamoDB's replication role, whatever their IAM policies allow.
 */
export function userTablePolicy(
  tableArn: pulumi.Input<string>,
  principalArns: readonly pulumi.Input<string>[],
  context: AwsContext,
): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OnlyNamedPrincipalsReachTheItems",
        Effect: "Deny",
        Principal: "*",
        Action: [...USER_TABLE_ITEM_ACTIONS],
        Resource: [tableArn, pulumi.interpolate`${tableArn}/index/*`],
        Condition: {
          ArnNotEquals: { "aws:PrincipalArn": [...principalArns, replicationRoleArn(context)] },
        },
      },
    ],
  };
}

/**
 * The resource policy of the Aurora vault user's secret: its value (the password of the database
 * user that holds the vault) is denied to every principal but the named ones. In a secret's
 * policy, `*` is the secret itself.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html
 */
export function vaultSecretPolicy(
  principalArns: readonly pulumi.Input<string>[],
): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OnlyTheVaultFunctionsReadThePassword",
        Effect: "Deny",
        Principal: "*",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: "*",
        Condition: { ArnNotEquals: { "aws:PrincipalArn": [...principalArns] } },
      },
    ],
  };
}

/** The stream actions that read a table's changes. */
export const USER_STREAM_READ_ACTIONS = [
  "dynamodb:DescribeStream",
  "dynamodb:GetShardIterator",
  "dynamodb:GetRecords",
] as const;

/**
 * The resource policy of a user table's stream: its records (every change, new and old images)
 * are denied to every principal but DynamoDB's replication role. A stream takes a policy only once
 * it exists, which the dependency on the table's stream ARN ensures.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/rbac-considerations.html
 */
export function userStreamPolicy(
  streamArn: pulumi.Input<string>,
  context: AwsContext,
): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OnlyReplicationReadsTheChanges",
        Effect: "Deny",
        Principal: "*",
        Action: [...USER_STREAM_READ_ACTIONS],
        Resource: streamArn,
        Condition: { ArnNotEquals: { "aws:PrincipalArn": replicationRoleArn(context) } },
      },
    ],
  };
}

/** The stream ARN of a global table's replica in a region. */
function replicaStreamArn(
  replicas: readonly { readonly regionName: string; readonly streamArn?: string }[],
  region: string,
): string {
  const arn = replicas.find((replica) => replica.regionName === region)?.streamArn;
  if (arn === undefined || arn === "") {
    throw new Error(`the replica in ${region} reports no stream ARN`);
  }
  return arn;
}

function createTables(
  name: string,
  args: DynamoDbStoreArgs,
  parent: pulumi.Resource,
): Record<UserTable, aws.dynamodb.Table> {
  const replicaKeys = Object.entries(args.replicaKeyArns ?? {});
  const entries = (Object.keys(USER_TABLES) as UserTable[]).map((table) => {
    const keys: { hashKey: string; rangeKey?: string } = USER_TABLES[table];
    const resource = new aws.dynamodb.Table(
      `${name}-${table}`,
      {
        billingMode: "PAY_PER_REQUEST",
        hashKey: keys.hashKey,
        rangeKey: keys.rangeKey,
        attributes: [keys.hashKey, ...(keys.rangeKey === undefined ? [] : [keys.rangeKey])].map(
          (attribute) => ({
            name: attribute,
            type: "S",
          }),
        ),
        serverSideEncryption: { enabled: true, kmsKeyArn: args.userDataKeyArn },
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
        // Global tables replicate through the stream.
        streamEnabled: true,
        streamViewType: "NEW_AND_OLD_IMAGES",
        replicas: replicaKeys.map(([regionName, kmsKeyArn]) => ({
          regionName,
          kmsKeyArn,
          pointInTimeRecovery: true,
          deletionProtectionEnabled: true,
          propagateTags: true,
        })),
        tags: dataTags("user-data"),
      },
      { parent, protect: true },
    );
    return [table, resource] as const;
  });
  return Object.fromEntries(entries) as Record<UserTable, aws.dynamodb.Table>;
}

interface AuroraResources {
  readonly cluster: aws.rds.Cluster;
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly database: string;
  readonly vaultSecret: aws.secretsmanager.Secret;
}

function createAurora(
  name: string,
  args: AuroraStoreArgs,
  parent: pulumi.Resource,
): AuroraResources {
  const engine = args.engine ?? "aurora-postgresql";
  const spec = AURORA_ENGINES[engine];
  const settings = {
    engineVersion: args.engineVersion ?? spec.version,
    instanceClass: args.instanceClass ?? "db.r7g.large",
    backupRetentionDays: args.backupRetentionDays ?? 35,
  };
  if (
    !Number.isInteger(settings.backupRetentionDays) ||
    settings.backupRetentionDays < 1 ||
    settings.backupRetentionDays > 35
  ) {
    throw new pulumi.ResourceError(
      `backupRetentionDays = ${settings.backupRetentionDays}: expected 1 to 35`,
      parent,
    );
  }
  if (args.availabilityZones.length < 2) {
    throw new pulumi.ResourceError("Aurora needs instances in at least two zones", parent);
  }
  const database = "knowledgecity";
  const opts = { parent };

  const subnetGroup = new aws.rds.SubnetGroup(
    `${name}-subnets`,
    { description: "User store: isolated subnets only", subnetIds: args.subnetIds },
    opts,
  );
  const securityGroup = new aws.ec2.SecurityGroup(
    `${name}-db`,
    {
      vpcId: args.vpcId,
      description: "User store: database port from the platform's compute only",
      // Clients are admitted one by one (`admit`), as separate rules: no inline ingress here,
      // which would remove them on the next update.
      egress: [],
      tags: { Name: `${name}-db` },
    },
    opts,
  );
  const parameters = new aws.rds.ClusterParameterGroup(
    `${name}-params`,
    {
      family: spec.family,
      description: "User store: TLS only",
      parameters: [
        {
          name: spec.tlsParameter.name,
          value: spec.tlsParameter.value,
          applyMethod: "pending-reboot",
        },
      ],
    },
    opts,
  );
  const monitoringRole = new aws.iam.Role(
    `${name}-monitoring`,
    {
      description: "RDS enhanced monitoring of the user store",
      assumeRolePolicy: serviceTrustPolicy("monitoring.rds.amazonaws.com", args.context.accountId),
      managedPolicyArns: [
        `arn:${args.context.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole`,
      ],
    },
    opts,
  );

  const cluster = new aws.rds.Cluster(
    `${name}-cluster`,
    {
      engine,
      engineVersion: settings.engineVersion,
      databaseName: database,
      masterUsername: "kc_admin",
      // Aurora generates, stores and rotates the master password in Secrets Manager.
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: args.userDataKeyArn,
      storageEncrypted: true,
      kmsKeyId: args.userDataKeyArn,
      iamDatabaseAuthenticationEnabled: true,
      // The RDS Data API, used by the PII token vault (no network path needed).
      enableHttpEndpoint: engine === "aurora-postgresql",
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [securityGroup.id],
      dbClusterParameterGroupName: parameters.name,
      availabilityZones: [...args.availabilityZones],
      deletionProtection: true,
      backupRetentionPeriod: settings.backupRetentionDays,
      preferredBackupWindow: "01:00-02:00",
      preferredMaintenanceWindow: "sun:03:00-sun:04:00",
      copyTagsToSnapshot: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${name}-final`,
      enabledCloudwatchLogsExports: [...spec.logs],
      tags: dataTags("user-data"),
    },
    { parent, protect: true, ignoreChanges: ["availabilityZones"] },
  );

  args.availabilityZones.forEach((zone, index) => {
    new aws.rds.ClusterInstance(
      `${name}-${zone}`,
      {
        clusterIdentifier: cluster.id,
        engine,
        engineVersion: settings.engineVersion,
        instanceClass: settings.instanceClass,
        availabilityZone: zone,
        dbSubnetGroupName: subnetGroup.name,
        publiclyAccessible: false,
        // The first zone's instance is preferred as writer; the others are read replicas.
        promotionTier: index === 0 ? 0 : 1,
        performanceInsightsEnabled: true,
        // Query samples can contain personal data: encrypt them with the user-data key.
        performanceInsightsKmsKeyId: args.userDataKeyArn,
        performanceInsightsRetentionPeriod: 7,
        monitoringInterval: 60,
        monitoringRoleArn: monitoringRole.arn,
        autoMinorVersionUpgrade: true,
        caCertIdentifier: "rds-ca-rsa2048-g1",
        copyTagsToSnapshot: true,
        tags: dataTags("user-data"),
      },
      { parent, protect: true },
    );
  });

  // The token vault's own database user; the schema migration creates the user with this
  // password and grants it the vault table only.
  const vaultSecret = new aws.secretsmanager.Secret(
    `${name}-pii-vault-user`,
    {
      description: "Database user of the PII token vault (RDS Data API)",
      kmsKeyId: args.userDataKeyArn,
      recoveryWindowInDays: 30,
      tags: dataTags("user-data"),
    },
    opts,
  );
  // A resource, not an invoke: its result stays in the stack's state, so the vault user keeps
  // its password across previews and updates. Letters and digits only (no punctuation to escape
  // in connection strings), at least one of each kind. The random provider is the platform's.
  const password = new random.RandomPassword(
    `${name}-pii-vault-user`,
    {
      length: 40,
      special: false,
      upper: true,
      lower: true,
      numeric: true,
      minUpper: 1,
      minLower: 1,
      minNumeric: 1,
    },
    opts,
  );
  new aws.secretsmanager.SecretVersion(
    `${name}-pii-vault-user`,
    {
      secretId: vaultSecret.id,
      secretString: pulumi.secret(
        pulumi.jsonStringify({
          engine: "postgres",
          username: "pii_vault",
          password: password.result,
          host: cluster.endpoint,
          port: spec.port,
          dbname: database,
        }),
      ),
    },
    opts,
  );
  return { cluster, securityGroup, database, vaultSecret };
}
