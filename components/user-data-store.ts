import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AURORA_VAULT, type VaultFunction } from "../contracts/functions";
import { APP_DATABASE_USER, APP_TABLES } from "../contracts/monolith";
import { regionalServicePrincipal, type AwsContext } from "./context";
import { serviceTrustPolicy } from "./iam";
import { NodeFunction } from "./node-function";
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
      /**
       * Resolves once the vault migration has run (its recorded result): a resource whose inputs
       * read it (the vault functions' environment) is created after the migration.
       */
      readonly migrated: pulumi.Output<string>;
      /** Secret of each vault function's own database role (the migration sets its password). */
      readonly secretArns: Readonly<Record<VaultFunction, pulumi.Output<string>>>;
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
   * KMS key of the vault migration function's log group and environment (the stack's telemetry
   * key, as `DataKeys.policyReadyKeyArns.telemetry`).
   */
  readonly functionKeyArn: pulumi.Input<string>;
  /** The VPC's CIDR: the master password's rotation function reaches Secrets Manager's endpoint in it. */
  readonly vpcCidr: string;
  /** Days between rotations of the master password (1-1000). @default 30 */
  readonly masterRotationDays?: number;
  /**
   * Secondary regions of the global database, each in `allowedRegions`; each needs a network of
   * this stack in its region (`secondaries`), or it is refused naming what is missing. @default []
   */
  readonly replicaRegions?: readonly string[];
  /** The network and key of each secondary region, by region. @default {} */
  readonly secondaries?: Readonly<Record<string, AuroraSecondary>>;
}

/** What a secondary cluster of the global database needs in its region. */
export interface AuroraSecondary {
  /** The region's provider. */
  readonly provider: aws.Provider;
  /** One instance per zone (read replicas; one becomes the writer if the region is promoted). */
  readonly availabilityZones: readonly string[];
  readonly vpcId: pulumi.Input<string>;
  /** Isolated subnets of this stack's VPC in that region. */
  readonly subnetIds: pulumi.Input<string[]>;
  /** The user-data key's replica in that region (a cluster is encrypted with a key of its region). */
  readonly userDataKeyArn: pulumi.Input<string>;
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
  /** The Aurora global database whose primary is this stack's cluster (Saudi store only). */
  public readonly globalCluster?: aws.rds.GlobalCluster;
  /** The secret of the cluster's master user, rotated on a schedule (Saudi store only). */
  public readonly masterSecretArn?: pulumi.Output<string>;
  /** The vault migration's function and its deployment-time run (Saudi store only). */
  public readonly vaultMigration?: {
    readonly function: NodeFunction<"vault-migrate">;
    readonly invocation: aws.lambda.Invocation;
  };

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
      const missing = replicas.filter((region) => args.secondaries?.[region] === undefined);
      const unlisted = Object.keys(args.secondaries ?? {}).filter((r) => !replicas.includes(r));
      if (missing.length > 0 || unlisted.length > 0) {
        throw new pulumi.ResourceError(
          [
            ...(missing.length > 0
              ? [
                  `replicaRegions lists ${missing.join(", ")}, where this stack has no network: an Aurora secondary needs this stack's VPC (isolated subnets), a provider and the user-data key's replica in its region; build them there or remove the region`,
                ]
              : []),
            ...(unlisted.length > 0
              ? [`secondaries names ${unlisted.join(", ")}, which replicaRegions does not list`]
              : []),
          ].join("; "),
          this,
        );
      }
      const aurora = createAurora(name, args, this);
      this.vaultMigration = aurora.migration;
      this.globalCluster = aurora.globalCluster;
      this.masterSecretArn = aurora.masterSecret.arn;
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
        migrated: aurora.migration.invocation.result,
        secretArns: {
          tokenize: aurora.vaultSecrets.tokenize.arn,
          detokenize: aurora.vaultSecrets.detokenize.arn,
        },
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
    if (this.tokenVault.kind === "aurora" && group === "vault") {
      throw new pulumi.ResourceError(
        "restrictTables(vault): the Aurora vault has one database role per function; call restrictVault with each function's role",
        this,
      );
    }
    this.restricted.add(group);
    if (this.tokenVault.kind === "aurora") {
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

  /**
   * Names the role of each vault function. On DynamoDB only those roles reach the vault table's
   * items (`restrictTables("vault")`); on Aurora each function's database secret is readable by
   * that function's role and the vault migration's only (a secret policy), whatever other roles'
   * IAM policies allow.
   */
  public restrictVault(roleArns: Readonly<Record<VaultFunction, pulumi.Input<string>>>): void {
    if (this.tokenVault.kind === "dynamodb") {
      this.restrictTables("vault", [roleArns.tokenize, roleArns.detokenize]);
      return;
    }
    if (this.restricted.has("vault")) {
      throw new pulumi.ResourceError("the vault tables are restricted already", this);
    }
    this.restricted.add("vault");
    const migrateRoleArn = this.vaultMigration?.function.roleArn;
    for (const fn of ["tokenize", "detokenize"] as const) {
      new aws.secretsmanager.SecretPolicy(
        `${this.baseName}-vault-${fn}`,
        {
          secretArn: this.tokenVault.secretArns[fn],
          policy: pulumi.jsonStringify(
            vaultSecretPolicy([
              roleArns[fn],
              ...(migrateRoleArn === undefined ? [] : [migrateRoleArn]),
            ]),
          ),
          blockPublicPolicy: true,
        },
        { parent: this },
      );
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
 * The resource policy of an Aurora vault role's secret: its value (the password of a vault
 * function's database role) is denied to every principal but the named ones (that function and
 * the migration, which sets the password). In a secret's policy, `*` is the secret itself.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html
 */
export function vaultSecretPolicy(
  principalArns: readonly pulumi.Input<string>[],
): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OnlyItsFunctionAndTheMigrationReadThePassword",
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
  readonly globalCluster: aws.rds.GlobalCluster;
  readonly masterSecret: aws.secretsmanager.Secret;
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly database: string;
  readonly vaultSecrets: Readonly<Record<VaultFunction, aws.secretsmanager.Secret>>;
  readonly migration: {
    readonly function: NodeFunction<"vault-migrate">;
    readonly invocation: aws.lambda.Invocation;
  };
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
    masterRotationDays: args.masterRotationDays ?? 30,
  };
  if (
    !Number.isInteger(settings.masterRotationDays) ||
    settings.masterRotationDays < 1 ||
    settings.masterRotationDays > 1000
  ) {
    throw new pulumi.ResourceError(
      `masterRotationDays = ${settings.masterRotationDays}: expected a whole number of days from 1 to 1000`,
      parent,
    );
  }
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
  if (engine !== "aurora-postgresql") {
    throw new pulumi.ResourceError(
      `engine = ${JSON.stringify(engine)}: the token vault and its migration run on Aurora PostgreSQL through the RDS Data API; use "aurora-postgresql"`,
      parent,
    );
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

  // The global database, with this cluster as its primary: a secondary in another allowed region
  // joins it with its own cluster. The global cluster names the engine and version, and AWS
  // refuses a member whose engine or version differs, so both come from one setting.
  // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-getting-started.html
  const globalCluster = new aws.rds.GlobalCluster(
    `${name}-global`,
    {
      globalClusterIdentifier: `${name}-global`,
      engine,
      engineVersion: settings.engineVersion,
      databaseName: database,
      storageEncrypted: true,
      deletionProtection: true,
      tags: dataTags("user-data"),
    },
    { parent, protect: true },
  );
  // AWS does not manage master passwords of global database members, so the password is the
  // program's own, kept in a secret under the user-data key and rotated by AWS's single-user
  // rotation function for PostgreSQL. Rotation changes it out of band: the cluster and the secret
  // version ignore later changes of the first value.
  // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html#rds-secrets-manager-limitations
  const masterPassword = new random.RandomPassword(
    `${name}-master`,
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
  const masterUsername = "kc_admin";
  const cluster = new aws.rds.Cluster(
    `${name}-cluster`,
    {
      engine,
      engineVersion: settings.engineVersion,
      globalClusterIdentifier: globalCluster.id,
      databaseName: database,
      masterUsername,
      masterPassword: pulumi.secret(masterPassword.result),
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
    { parent, protect: true, ignoreChanges: ["availabilityZones", "masterPassword"] },
  );

  const instances = args.availabilityZones.map(
    (zone, index) =>
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
      ),
  );

  for (const [region, secondary] of Object.entries(args.secondaries ?? {})) {
    createSecondary(name, region, secondary, {
      args,
      engine,
      settings,
      globalCluster,
      primaryInstances: instances,
      monitoringRoleArn: monitoringRole.arn,
      parent,
    });
  }

  const masterSecret = createMasterSecret(name, {
    args,
    cluster,
    instances,
    database,
    masterUsername,
    password: masterPassword.result,
    port: spec.port,
    rotationDays: settings.masterRotationDays,
    databaseSecurityGroupId: securityGroup.id,
    parent,
  });
  const vaultSecrets = {
    tokenize: vaultRoleSecret(name, "tokenize", cluster, database, spec.port, args, parent),
    detokenize: vaultRoleSecret(name, "detokenize", cluster, database, spec.port, args, parent),
  };
  const migration = createVaultMigration(name, {
    args,
    cluster,
    instances,
    database,
    secrets: vaultSecrets,
    masterSecretArn: masterSecret.arn,
    parent,
  });
  return {
    cluster,
    globalCluster,
    masterSecret,
    securityGroup,
    database,
    vaultSecrets: {
      tokenize: vaultSecrets.tokenize.secret,
      detokenize: vaultSecrets.detokenize.secret,
    },
    migration,
  };
}

interface VaultRoleSecret {
  readonly secret: aws.secretsmanager.Secret;
  readonly version: aws.secretsmanager.SecretVersion;
}

/**
 * The secret of a vault function's database role, in the shape the RDS Data API reads (`username`,
 * `password`, ...), encrypted with the user-data key. The password is a resource, not an invoke:
 * its result stays in the stack's state, so the role keeps its password across previews and
 * updates. Letters and digits only (no punctuation to escape), at least one of each kind. The
 * vault migration sets the role's password from it, and again whenever its version changes.
 */
function vaultRoleSecret(
  name: string,
  fn: VaultFunction,
  cluster: aws.rds.Cluster,
  database: string,
  port: number,
  args: AuroraStoreArgs,
  parent: pulumi.Resource,
): VaultRoleSecret {
  const opts = { parent };
  const secret = new aws.secretsmanager.Secret(
    `${name}-vault-${fn}`,
    {
      description: `Database role of the PII token vault's ${fn} function (RDS Data API)`,
      kmsKeyId: args.userDataKeyArn,
      recoveryWindowInDays: 30,
      tags: dataTags("user-data"),
    },
    opts,
  );
  const password = new random.RandomPassword(
    `${name}-vault-${fn}`,
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
  const version = new aws.secretsmanager.SecretVersion(
    `${name}-vault-${fn}`,
    {
      secretId: secret.id,
      secretString: pulumi.secret(
        pulumi.jsonStringify({
          engine: "postgres",
          username: AURORA_VAULT.roles[fn],
          password: password.result,
          host: cluster.endpoint,
          port,
          dbname: database,
        }),
      ),
    },
    opts,
  );
  return { secret, version };
}

/**
 * The vault migration (functions/vault-migrate) and its run during deployment: an
 * `aws.lambda.Invocation` created once every instance of the cluster exists (the Data API needs a
 * writer), and replaced, so run again, when the schema version or a vault role's secret version
 * changes. Its input never changes, so an `up` with nothing new leaves it as it is; the migration
 * itself is idempotent besides. A failed run fails the deployment.
 * https://www.pulumi.com/registry/packages/aws/api-docs/lambda/invocation/
 */
function createVaultMigration(
  name: string,
  settings: {
    readonly args: AuroraStoreArgs;
    readonly cluster: aws.rds.Cluster;
    readonly instances: readonly aws.rds.ClusterInstance[];
    readonly database: string;
    readonly secrets: Readonly<Record<VaultFunction, VaultRoleSecret>>;
    readonly masterSecretArn: pulumi.Output<string>;
    readonly parent: pulumi.Resource;
  },
): { function: NodeFunction<"vault-migrate">; invocation: aws.lambda.Invocation } {
  const { args, cluster, secrets, parent, masterSecretArn } = settings;
  const secretArns = [masterSecretArn, secrets.tokenize.secret.arn, secrets.detokenize.secret.arn];
  const fn = new NodeFunction(
    `${name}-vault-migrate`,
    {
      context: args.context,
      contract: "vault-migrate",
      description: "Migrates the PII token vault's schema and database roles (deployment)",
      kmsKeyArn: args.functionKeyArn,
      timeoutSeconds: 300,
      // One run at a time; the migration also takes a database lock.
      reservedConcurrency: 1,
      environment: {
        VAULT_CLUSTER_ARN: cluster.arn,
        VAULT_DATABASE: settings.database,
        MASTER_SECRET_ARN: masterSecretArn,
        TOKENIZE_SECRET_ARN: secrets.tokenize.secret.arn,
        DETOKENIZE_SECRET_ARN: secrets.detokenize.secret.arn,
      },
      permissions: [
        {
          sid: "MigrateThroughTheDataApi",
          actions: [
            "rds-data:BeginTransaction",
            "rds-data:ExecuteStatement",
            "rds-data:CommitTransaction",
            "rds-data:RollbackTransaction",
          ],
          resources: [cluster.arn],
        },
        {
          sid: "ReadTheDatabaseSecrets",
          actions: ["secretsmanager:GetSecretValue"],
          resources: secretArns,
        },
        {
          sid: "DatabaseSecretsEncryption",
          actions: ["kms:Decrypt"],
          resources: [args.userDataKeyArn],
          condition: {
            StringEquals: {
              "kms:ViaService": regionalServicePrincipal("secretsmanager", args.context),
            },
          },
        },
      ],
    },
    { parent },
  );
  const invocation = new aws.lambda.Invocation(
    `${name}-vault-migrate`,
    {
      functionName: fn.function.name,
      input: JSON.stringify({ action: "migrate" }),
      triggers: {
        schemaVersion: String(AURORA_VAULT.schemaVersion),
        tokenizeSecretVersion: secrets.tokenize.version.versionId,
        detokenizeSecretVersion: secrets.detokenize.version.versionId,
      },
    },
    {
      parent,
      dependsOn: [...settings.instances, secrets.tokenize.version, secrets.detokenize.version, fn],
    },
  );
  return { function: fn, invocation };
}

/**
 * The master user's secret (the shape RDS and its rotation functions read), its first version
 * with the program's password, and its rotation on a schedule by AWS's PostgreSQL single-user
 * rotation function, deployed from the Serverless Application Repository into the isolated
 * subnets, with a security group that reaches the database and the VPC's interface endpoints only.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_available-rotation-templates.html
 */
function createMasterSecret(
  name: string,
  settings: {
    readonly args: AuroraStoreArgs;
    readonly cluster: aws.rds.Cluster;
    readonly instances: readonly aws.rds.ClusterInstance[];
    readonly database: string;
    readonly masterUsername: string;
    readonly password: pulumi.Output<string>;
    readonly port: number;
    readonly rotationDays: number;
    readonly databaseSecurityGroupId: pulumi.Output<string>;
    readonly parent: pulumi.Resource;
  },
): aws.secretsmanager.Secret {
  const { args, cluster, parent } = settings;
  const opts = { parent };
  const secret = new aws.secretsmanager.Secret(
    `${name}-master`,
    {
      description: "Master user of the user store's Aurora cluster (rotated)",
      kmsKeyId: args.userDataKeyArn,
      recoveryWindowInDays: 30,
      tags: dataTags("user-data"),
    },
    opts,
  );
  const version = new aws.secretsmanager.SecretVersion(
    `${name}-master`,
    {
      secretId: secret.id,
      secretString: pulumi.secret(
        pulumi.jsonStringify({
          engine: "postgres",
          username: settings.masterUsername,
          password: settings.password,
          host: cluster.endpoint,
          port: settings.port,
          dbname: settings.database,
          dbClusterIdentifier: cluster.clusterIdentifier,
        }),
      ),
    },
    // Rotation writes the next versions; the program only writes the first.
    { parent, ignoreChanges: ["secretString"] },
  );
  const rotationGroup = new aws.ec2.SecurityGroup(
    `${name}-master-rotation`,
    {
      vpcId: args.vpcId,
      description: "User store: the master password's rotation function",
      egress: [
        {
          description: "The database",
          protocol: "tcp",
          fromPort: settings.port,
          toPort: settings.port,
          securityGroups: [settings.databaseSecurityGroupId],
        },
        {
          description: "Secrets Manager's interface endpoint in the VPC",
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: [args.vpcCidr],
        },
      ],
      tags: { Name: `${name}-master-rotation` },
    },
    opts,
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-from-master-rotation`,
    {
      securityGroupId: settings.databaseSecurityGroupId,
      description: "The master password's rotation function",
      ipProtocol: "tcp",
      fromPort: settings.port,
      toPort: settings.port,
      referencedSecurityGroupId: rotationGroup.id,
    },
    opts,
  );
  const functionName = `${name}-master-rotation`;
  const rotator = new aws.serverlessrepository.CloudFormationStack(
    `${name}-master-rotation`,
    {
      name: functionName,
      applicationId: ROTATION_APPLICATION_ID,
      capabilities: ["CAPABILITY_IAM", "CAPABILITY_RESOURCE_POLICY"],
      parameters: {
        functionName,
        endpoint: `https://secretsmanager.${args.context.region}.${args.context.dnsSuffix}`,
        vpcSubnetIds: pulumi.output(args.subnetIds).apply((ids) => ids.join(",")),
        vpcSecurityGroupIds: rotationGroup.id,
        // The secret is encrypted with the user-data key: the function may use it.
        kmsKeyArn: args.userDataKeyArn,
        // Letters and digits only, as the first password.
        excludePunctuation: "true",
      },
      tags: dataTags("user-data"),
    },
    opts,
  );
  new aws.secretsmanager.SecretRotation(
    `${name}-master`,
    {
      secretId: secret.id,
      rotationLambdaArn: rotator.outputs.apply((outputs) => {
        const arn = outputs.RotationLambdaARN;
        if (arn === undefined || arn === "") {
          throw new Error(
            `${functionName}: the rotation application has no RotationLambdaARN output`,
          );
        }
        return arn;
      }),
      rotationRules: { automaticallyAfterDays: settings.rotationDays },
      // The first rotation waits for the schedule, once the instances and the first version exist.
      rotateImmediately: false,
    },
    { parent, dependsOn: [...settings.instances, version] },
  );
  return secret;
}

/**
 * AWS's PostgreSQL single-user rotation application (it signs in as the user it rotates).
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_available-rotation-templates.html#sar-template-postgre-singleuser
 */
export const ROTATION_APPLICATION_ID =
  "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser";

/**
 * A secondary cluster of the global database in another (allowed) region, through that region's
 * provider: the global cluster's engine and version (AWS refuses a member that differs), no master
 * user of its own (a secondary takes the primary's), storage encrypted with the user-data key's
 * replica there, the same TLS-only parameters, and one read replica per zone. It joins once the
 * primary has its instances.
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-getting-started.html#aurora-global-database-attaching
 */
function createSecondary(
  name: string,
  region: string,
  secondary: AuroraSecondary,
  settings: {
    readonly args: AuroraStoreArgs;
    readonly engine: AuroraEngine;
    readonly settings: {
      readonly engineVersion: string;
      readonly instanceClass: string;
      readonly backupRetentionDays: number;
    };
    readonly globalCluster: aws.rds.GlobalCluster;
    readonly primaryInstances: readonly aws.rds.ClusterInstance[];
    readonly monitoringRoleArn: pulumi.Output<string>;
    readonly parent: pulumi.Resource;
  },
): aws.rds.Cluster {
  const { engine, parent } = settings;
  const spec = AURORA_ENGINES[engine];
  if (secondary.availabilityZones.length < 1) {
    throw new pulumi.ResourceError(`secondaries[${region}]: name at least one zone`, parent);
  }
  const opts = { parent, provider: secondary.provider };
  const prefix = `${name}-${region}`;
  const subnetGroup = new aws.rds.SubnetGroup(
    `${prefix}-subnets`,
    { description: "User store secondary: isolated subnets only", subnetIds: secondary.subnetIds },
    opts,
  );
  const securityGroup = new aws.ec2.SecurityGroup(
    `${prefix}-db`,
    {
      vpcId: secondary.vpcId,
      description: "User store secondary: no client until one is admitted",
      egress: [],
      tags: { Name: `${prefix}-db` },
    },
    opts,
  );
  const parameters = new aws.rds.ClusterParameterGroup(
    `${prefix}-params`,
    {
      family: spec.family,
      description: "User store secondary: TLS only",
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
  const cluster = new aws.rds.Cluster(
    `${prefix}-cluster`,
    {
      engine,
      engineVersion: settings.settings.engineVersion,
      globalClusterIdentifier: settings.globalCluster.id,
      storageEncrypted: true,
      kmsKeyId: secondary.userDataKeyArn,
      iamDatabaseAuthenticationEnabled: true,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [securityGroup.id],
      dbClusterParameterGroupName: parameters.name,
      availabilityZones: [...secondary.availabilityZones],
      deletionProtection: true,
      backupRetentionPeriod: settings.settings.backupRetentionDays,
      copyTagsToSnapshot: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${prefix}-final`,
      enabledCloudwatchLogsExports: [...spec.logs],
      tags: dataTags("user-data"),
    },
    {
      ...opts,
      protect: true,
      dependsOn: [...settings.primaryInstances],
      // RDS sets the replication source of a secondary itself.
      ignoreChanges: ["availabilityZones", "replicationSourceIdentifier"],
    },
  );
  for (const zone of secondary.availabilityZones) {
    new aws.rds.ClusterInstance(
      `${name}-${zone}`,
      {
        clusterIdentifier: cluster.id,
        engine,
        engineVersion: settings.settings.engineVersion,
        instanceClass: settings.settings.instanceClass,
        availabilityZone: zone,
        dbSubnetGroupName: subnetGroup.name,
        publiclyAccessible: false,
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: secondary.userDataKeyArn,
        performanceInsightsRetentionPeriod: 7,
        monitoringInterval: 60,
        monitoringRoleArn: settings.monitoringRoleArn,
        autoMinorVersionUpgrade: true,
        caCertIdentifier: "rds-ca-rsa2048-g1",
        copyTagsToSnapshot: true,
        tags: dataTags("user-data"),
      },
      { ...opts, protect: true },
    );
  }
  return cluster;
}
