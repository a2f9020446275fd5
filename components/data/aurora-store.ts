/**
 * The Aurora user store (the Saudi stack's): the global database and its primary cluster, the
 * program's own rotated master secret, the token vault's roles and their migration, and
 * secondary clusters in other allowed regions.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AURORA_VAULT, type VaultFunction } from "../../contracts/functions";
import { regionalServicePrincipal } from "../shared/context";
import { serviceTrustPolicy } from "../shared/iam";
import { NodeFunction } from "../shared/node-function";
import { dataTags } from "../shared/tags";
import type { AuroraSecondary, AuroraStoreArgs } from "./user-data-store";

export const AURORA_ENGINES = {
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

/** An Aurora engine the store knows (PostgreSQL is the only one it builds). */
export type AuroraEngine = keyof typeof AURORA_ENGINES;

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

export function createAurora(
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

  const { subnetGroup, securityGroup, parameters } = clusterFoundation(
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
 * The vault migration (functions/security/vault-migrate) and its run during deployment: an
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
  const { subnetGroup, securityGroup, parameters } = clusterFoundation(
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

/**
 * What every cluster of the store stands on: a subnet group of isolated subnets, a security group
 * with no rule (clients are admitted as separate rules) and no egress, and a parameter group that
 * refuses unencrypted connections.
 */
function clusterFoundation(
  prefix: string,
  args: {
    readonly label: string;
    readonly vpcId: pulumi.Input<string>;
    readonly subnetIds: pulumi.Input<string[]>;
    readonly securityGroupDescription: string;
    readonly spec: (typeof AURORA_ENGINES)[AuroraEngine];
  },
  opts: pulumi.CustomResourceOptions,
): {
  subnetGroup: aws.rds.SubnetGroup;
  securityGroup: aws.ec2.SecurityGroup;
  parameters: aws.rds.ClusterParameterGroup;
} {
  const subnetGroup = new aws.rds.SubnetGroup(
    `${prefix}-subnets`,
    { description: `${args.label}: isolated subnets only`, subnetIds: args.subnetIds },
    opts,
  );
  const securityGroup = new aws.ec2.SecurityGroup(
    `${prefix}-db`,
    {
      vpcId: args.vpcId,
      description: args.securityGroupDescription,
      egress: [],
      tags: { Name: `${prefix}-db` },
    },
    opts,
  );
  const parameters = new aws.rds.ClusterParameterGroup(
    `${prefix}-params`,
    {
      family: args.spec.family,
      description: `${args.label}: TLS only`,
      parameters: [
        {
          name: args.spec.tlsParameter.name,
          value: args.spec.tlsParameter.value,
          applyMethod: "pending-reboot",
        },
      ],
    },
    opts,
  );
  return { subnetGroup, securityGroup, parameters };
}
