/**
 * The Aurora user store (the Saudi stack's): the global database and its primary cluster, the
 * program's own rotated master secret, the token vault's roles and their migration, and
 * secondary clusters in other allowed regions. The parts live in sibling modules
 * (`aurora-foundation`, `aurora-master-secret`, `aurora-vault`, `aurora-secondary`); this one
 * composes them.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { VaultFunction } from "../../contracts/functions";
import { serviceTrustPolicy } from "../shared/iam";
import type { NodeFunction } from "../shared/node-function";
import { dataTags } from "../shared/tags";
import {
  AURORA_ENGINES,
  createClusterFoundation,
  databasePassword,
  type AuroraEngine,
} from "./aurora-foundation";
import { createMasterSecret } from "./aurora-master-secret";
import { createSecondary } from "./aurora-secondary";
import { createVaultMigration, createVaultRoleSecret } from "./aurora-vault";
import {
  AURORA_STORE_DEFAULTS,
  MAX_BACKUP_RETENTION_DAYS,
  MIN_BACKUP_RETENTION_DAYS,
} from "./settings";
import type { AuroraStoreArgs } from "./user-data-store";

/** The Aurora store's settings with every default applied. */
export interface AuroraSettings {
  /** See `AuroraStoreArgs.engine`. */
  readonly engine: AuroraEngine;
  /** See `AuroraStoreArgs.engineVersion`. */
  readonly engineVersion: string;
  /** See `AuroraStoreArgs.instanceClass`. */
  readonly instanceClass: string;
  /** See `AuroraStoreArgs.backupRetentionDays`. */
  readonly backupRetentionDays: number;
  /** See `AuroraStoreArgs.masterRotationDays`. */
  readonly masterRotationDays: number;
}

/** The defaults of the Aurora store's optional arguments, in one place. */
export function resolveAuroraSettings(args: AuroraStoreArgs): AuroraSettings {
  const engine = args.engine ?? AURORA_STORE_DEFAULTS.engine;
  return {
    engine,
    engineVersion: args.engineVersion ?? AURORA_ENGINES[engine].version,
    instanceClass: args.instanceClass ?? AURORA_STORE_DEFAULTS.instanceClass,
    backupRetentionDays: args.backupRetentionDays ?? AURORA_STORE_DEFAULTS.backupRetentionDays,
    masterRotationDays: args.masterRotationDays ?? 30,
  };
}

/** Every problem with the Aurora store's arguments, each with the value and what is allowed. */
export function auroraProblems(args: AuroraStoreArgs, settings: AuroraSettings): string[] {
  const problems: string[] = [];
  const days = settings.masterRotationDays;
  if (!Number.isInteger(days) || days < 1 || days > 1000) {
    problems.push(`masterRotationDays = ${days}: expected a whole number of days from 1 to 1000`);
  }
  const backup = settings.backupRetentionDays;
  if (
    !Number.isInteger(backup) ||
    backup < MIN_BACKUP_RETENTION_DAYS ||
    backup > MAX_BACKUP_RETENTION_DAYS
  ) {
    problems.push(
      `backupRetentionDays = ${backup}: expected ${MIN_BACKUP_RETENTION_DAYS} to ${MAX_BACKUP_RETENTION_DAYS}`,
    );
  }
  if (args.availabilityZones.length < 2) {
    problems.push("Aurora needs instances in at least two zones");
  }
  if (settings.engine !== "aurora-postgresql") {
    problems.push(
      `engine = ${JSON.stringify(settings.engine)}: the token vault and its migration run on Aurora PostgreSQL through the RDS Data API; use "aurora-postgresql"`,
    );
  }
  return problems;
}

/** What `createAurora` creates. */
export interface AuroraResources {
  /** The engine the clusters run, its default resolved. */
  readonly engine: AuroraEngine;
  /** The primary cluster. */
  readonly cluster: aws.rds.Cluster;
  /** The global database. */
  readonly globalCluster: aws.rds.GlobalCluster;
  /** The master user's rotated secret. */
  readonly masterSecret: aws.secretsmanager.Secret;
  /** The primary cluster's security group (clients are admitted to it one by one). */
  readonly securityGroup: aws.ec2.SecurityGroup;
  /** The database's name. */
  readonly database: string;
  /** Each vault function's database secret. */
  readonly vaultSecrets: Readonly<Record<VaultFunction, aws.secretsmanager.Secret>>;
  /** The vault migration's function and run. */
  readonly migration: {
    readonly function: NodeFunction<"vault-migrate">;
    readonly invocation: aws.lambda.Invocation;
  };
}

/**
 * The Aurora store: validates its arguments (every problem at once), then creates the global
 * database with this stack's cluster as primary, its instances (one per zone), the secondaries,
 * the rotated master secret, the vault roles' secrets and the vault migration.
 */
export function createAurora(
  name: string,
  args: AuroraStoreArgs,
  parent: pulumi.Resource,
): AuroraResources {
  const settings = resolveAuroraSettings(args);
  const problems = auroraProblems(args, settings);
  if (problems.length > 0) {
    throw new pulumi.ResourceError(problems.join("; "), parent);
  }
  const { engine } = settings;
  const spec = AURORA_ENGINES[engine];
  const database = "knowledgecity";
  const opts = { parent };

  const { subnetGroup, securityGroup, parameters } = createClusterFoundation(
    name,
    {
      label: "User store",
      vpcId: args.vpcId,
      subnetIds: args.subnetIds,
      // Clients are admitted one by one (`admit`), as separate rules: no inline ingress here,
      // which would remove them on the next update.
      securityGroupDescription: "User store: database port from the platform's compute only",
      spec,
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
  const masterPassword = databasePassword(`${name}-master`, parent);
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
    createSecondary(
      name,
      {
        region,
        secondary,
        engine,
        settings,
        globalCluster,
        primaryInstances: instances,
        monitoringRoleArn: monitoringRole.arn,
      },
      parent,
    );
  }

  const masterSecret = createMasterSecret(
    name,
    {
      args,
      cluster,
      instances,
      database,
      masterUsername,
      password: masterPassword.result,
      port: spec.port,
      rotationDays: settings.masterRotationDays,
      databaseSecurityGroupId: securityGroup.id,
    },
    parent,
  );
  const vaultSecret = (fn: VaultFunction) =>
    createVaultRoleSecret(
      name,
      { fn, cluster, database, port: spec.port, userDataKeyArn: args.userDataKeyArn },
      parent,
    );
  const vaultSecrets = { tokenize: vaultSecret("tokenize"), detokenize: vaultSecret("detokenize") };
  const migration = createVaultMigration(
    name,
    {
      args,
      cluster,
      instances,
      database,
      secrets: vaultSecrets,
      masterSecretArn: masterSecret.arn,
    },
    parent,
  );
  return {
    engine,
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
