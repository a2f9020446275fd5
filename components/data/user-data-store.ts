import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { VaultFunction } from "../../contracts/functions";
import { APP_DATABASE_USER } from "../../contracts/monolith";
import type { StoreShard } from "../../contracts/user-store-shards";
import type { AwsContext } from "../shared/context";
import { NodeFunction } from "../shared/node-function";
import { AURORA_ENGINES, type AuroraEngine } from "./aurora-foundation";
import { createAurora } from "./aurora-store";
import { vaultSecretPolicy } from "./aurora-vault";
import {
  createTables,
  replicaStreamArn,
  USER_TABLE_GROUPS,
  userStreamPolicy,
  userTablePolicy,
  type UserTable,
  type UserTableGroup,
} from "./user-tables";

export {
  USER_STREAM_READ_ACTIONS,
  USER_TABLE_ITEM_ACTIONS,
  USER_TABLES,
  replicationRoleArn,
  type UserTable,
  type UserTableGroup,
} from "./user-tables";

/** How the app reaches the Aurora user store. */
export interface AppDatabase {
  /** The cluster's engine. */
  readonly engine: AuroraEngine;
  /** The writer endpoint. */
  readonly endpoint: pulumi.Output<string>;
  readonly port: number;
  /** The database's name. */
  readonly name: string;
  /** The app's database user, which signs in with IAM database authentication. */
  readonly appUser: string;
  /**
   * The cluster's resource id, which `rds-db:connect` permissions name.
   * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html
   */
  readonly clusterResourceId: pulumi.Output<string>;
}

/** One shard of the Aurora user store, as the app and the directory reach it. */
export interface AppDatabaseShard extends StoreShard {
  /** How the app reaches the shard's cluster. */
  readonly database: AppDatabase;
  /** The shard's primary cluster's security group (clients are admitted by `admit`). */
  readonly securityGroupId: pulumi.Output<string>;
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
  /** Which store: an Aurora cluster. */
  readonly kind: "aurora";
  /** @default AURORA_STORE_DEFAULTS.engine ("aurora-postgresql") */
  readonly engine?: AuroraEngine;
  /** @default 16.6 for PostgreSQL, 8.0.mysql_aurora.3.08.0 for MySQL */
  readonly engineVersion?: string;
  /** @default AURORA_STORE_DEFAULTS.instanceClass ("db.r7g.large") */
  readonly instanceClass?: string;
  /** One instance per zone: the first is the writer, the others are read replicas. */
  readonly availabilityZones: readonly string[];
  /** The VPC of the cluster. */
  readonly vpcId: pulumi.Input<string>;
  /** Isolated subnets: no route out of the VPC. */
  readonly subnetIds: pulumi.Input<string[]>;
  /**
   * Days of automated backups, from MIN_BACKUP_RETENTION_DAYS to MAX_BACKUP_RETENTION_DAYS (1-35).
   * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Managing.Backups.html
   * @default AURORA_STORE_DEFAULTS.backupRetentionDays (35)
   */
  readonly backupRetentionDays?: number;
  /**
   * KMS key of the vault migration function's log group and environment (the stack's telemetry
   * key, as `DataKeys.policyReadyKeyArns.telemetry`).
   */
  readonly functionKeyArn: pulumi.Input<string>;
  /** The VPC's CIDR: the master password's rotation function reaches Secrets Manager's endpoint in it. */
  readonly vpcCidr: string;
  /**
   * Days between rotations of the master password (1-1000).
   * https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html
   * @default 30
   */
  readonly masterRotationDays?: number;
  /**
   * Secondary regions of the global database, each in `allowedRegions`; each needs a network of
   * this stack in its region (`secondaries`), or it is refused naming what is missing. @default []
   */
  readonly replicaRegions?: readonly string[];
  /** The network and key of each secondary region, by region. @default {} */
  readonly secondaries?: Readonly<Record<string, AuroraSecondary>>;
  /**
   * The store's shards, each a global database built from these same arguments (keys, backups,
   * deletion protection, secondaries); the first keeps the store's own resource names, the others
   * are named `<name>-<id>-…`. Ids unique, at least one weight above 0
   * (contracts/user-store-shards.ts). @default SINGLE_SHARD ([{ id: "s1", weight: 1 }])
   */
  readonly shards?: readonly StoreShard[];
}

/** What a secondary cluster of the global database needs in its region. */
export interface AuroraSecondary {
  /** The region's provider. */
  readonly provider: aws.Provider;
  /** One instance per zone (read replicas; one becomes the writer if the region is promoted). */
  readonly availabilityZones: readonly string[];
  /** This stack's VPC in that region. */
  readonly vpcId: pulumi.Input<string>;
  /** Isolated subnets of this stack's VPC in that region. */
  readonly subnetIds: pulumi.Input<string[]>;
  /** The user-data key's replica in that region (a cluster is encrypted with a key of its region). */
  readonly userDataKeyArn: pulumi.Input<string>;
}

/** Arguments of the DynamoDB store (the US stack's). */
export interface DynamoDbStoreArgs extends CommonArgs {
  /** Which store: DynamoDB global tables. */
  readonly kind: "dynamodb";
  /** Replica regions of the global tables, each with the user-data key's replica there. @default {} */
  readonly replicaKeyArns?: Readonly<Record<string, pulumi.Input<string>>>;
}

export type UserDataStoreArgs = AuroraStoreArgs | DynamoDbStoreArgs;

/**
 * The residency-bound store of a stack's user data: Aurora (Saudi stack; one cluster per shard,
 * `shards`) or DynamoDB global tables (US stack, which partition themselves and have no shards),
 * chosen by config. Everything, on every shard, is encrypted with the stack's own
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
  /** How the app reaches the first shard's Aurora cluster (Saudi store only). */
  public readonly database?: AppDatabase;
  /** Every shard of the Aurora store, the first included, in configuration order (Saudi store only). */
  public readonly shards?: readonly AppDatabaseShard[];
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
      this.shards = aurora.shards.map((shard) => ({
        id: shard.id,
        weight: shard.weight,
        securityGroupId: shard.securityGroup.id,
        database: {
          engine: aurora.engine,
          endpoint: shard.cluster.endpoint,
          port: AURORA_ENGINES[aurora.engine].port,
          name: aurora.database,
          appUser: APP_DATABASE_USER,
          clusterResourceId: shard.cluster.clusterResourceId,
        },
      }));
      this.database = this.shards[0]?.database;
      // Every shard's cluster is backed up by the stack's backup plan.
      this.resourceArns = aurora.shards.map((shard) => shard.cluster.arn);
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
   * Lets the compute behind a security group connect to the port of every shard's Aurora cluster
   * (Saudi store): one rule per shard, the first shard's named `name` (as before shards existed),
   * each other's `<name>-<shard id>`. The DynamoDB store has no network boundary of its own.
   */
  public admit(name: string, description: string, securityGroupId: pulumi.Input<string>): void {
    (this.shards ?? []).forEach((shard, index) => {
      new aws.vpc.SecurityGroupIngressRule(
        index === 0 ? name : `${name}-${shard.id}`,
        {
          securityGroupId: shard.securityGroupId,
          description,
          ipProtocol: "tcp",
          fromPort: shard.database.port,
          toPort: shard.database.port,
          referencedSecurityGroupId: securityGroupId,
        },
        { parent: this },
      );
    });
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
