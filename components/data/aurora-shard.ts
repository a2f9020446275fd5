/**
 * One shard of the Aurora user store: a global database of its own with this stack's cluster as
 * primary, one instance per zone, a secondary cluster in each secondary region and the master
 * user's rotated secret. Every shard is built by this one function from the store's arguments, so
 * each has the same keys, backups, deletion protection, residency and secondaries as the first.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrustPolicy } from "../shared/iam";
import { dataTags } from "../shared/tags";
import { AURORA_ENGINES, createClusterFoundation, databasePassword } from "./aurora-foundation";
import { createMasterSecret } from "./aurora-master-secret";
import { createSecondary } from "./aurora-secondary";
import type { AuroraSettings } from "./aurora-store";
import type { AuroraStoreArgs } from "./user-data-store";

/** The database every shard holds. */
export const USER_STORE_DATABASE = "knowledgecity";

/** What `createAuroraShard` creates. */
export interface AuroraShardResources {
  /** The shard's primary cluster. */
  readonly cluster: aws.rds.Cluster;
  /** The shard's instances, the first zone's preferred as writer. */
  readonly instances: readonly aws.rds.ClusterInstance[];
  /** The shard's global database. */
  readonly globalCluster: aws.rds.GlobalCluster;
  /** The master user's rotated secret. */
  readonly masterSecret: aws.secretsmanager.Secret;
  /** The primary cluster's security group (clients are admitted to it one by one). */
  readonly securityGroup: aws.ec2.SecurityGroup;
}

/**
 * One shard, its resources named from `name`: the store's first shard takes the store's own name
 * (the names it had before shards existed, so an update keeps the cluster), every other shard
 * `<store>-<shard id>`.
 */
export function createAuroraShard(
  name: string,
  args: AuroraStoreArgs,
  settings: AuroraSettings,
  parent: pulumi.Resource,
): AuroraShardResources {
  const { engine } = settings;
  const spec = AURORA_ENGINES[engine];
  const database = USER_STORE_DATABASE;
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
  return { cluster, instances, globalCluster, masterSecret, securityGroup };
}
