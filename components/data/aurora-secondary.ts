/**
 * A secondary cluster of the Aurora user store's global database, in another allowed region.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { dataTags } from "../shared/tags";
import { AURORA_ENGINES, createClusterFoundation, type AuroraEngine } from "./aurora-foundation";
import type { AuroraSecondary } from "./user-data-store";

/** What `createSecondary` needs. */
export interface SecondaryArgs {
  /** The secondary's region. */
  readonly region: string;
  /** Its network, key and provider. */
  readonly secondary: AuroraSecondary;
  /** The global cluster's engine. */
  readonly engine: AuroraEngine;
  /** The primary's resolved settings, which a member of the global database shares. */
  readonly settings: {
    readonly engineVersion: string;
    readonly instanceClass: string;
    readonly backupRetentionDays: number;
  };
  /** The global database the secondary joins. */
  readonly globalCluster: aws.rds.GlobalCluster;
  /** The primary's instances: the secondary joins once they exist. */
  readonly primaryInstances: readonly aws.rds.ClusterInstance[];
  /** The enhanced-monitoring role (IAM is global). */
  readonly monitoringRoleArn: pulumi.Output<string>;
}

/**
 * A secondary cluster of the global database in another (allowed) region, through that region's
 * provider: the global cluster's engine and version (AWS refuses a member that differs), no master
 * user of its own (a secondary takes the primary's), storage encrypted with the user-data key's
 * replica there, the same TLS-only parameters, and one read replica per zone. It joins once the
 * primary has its instances.
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-getting-started.html#aurora-global-database-attaching
 */
export function createSecondary(
  name: string,
  settings: SecondaryArgs,
  parent: pulumi.Resource,
): aws.rds.Cluster {
  const { engine, region, secondary } = settings;
  const spec = AURORA_ENGINES[engine];
  if (secondary.availabilityZones.length < 1) {
    throw new pulumi.ResourceError(`secondaries[${region}]: name at least one zone`, parent);
  }
  const opts = { parent, provider: secondary.provider };
  const prefix = `${name}-${region}`;
  const { subnetGroup, securityGroup, parameters } = createClusterFoundation(
    prefix,
    {
      label: "User store secondary",
      vpcId: secondary.vpcId,
      subnetIds: secondary.subnetIds,
      securityGroupDescription: "User store secondary: no client until one is admitted",
      spec,
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
