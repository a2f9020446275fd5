/**
 * The Aurora user store's master user: its secret, the program's first password in it, and its
 * rotation on a schedule by AWS's rotation function for PostgreSQL.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { dataTags } from "../shared/tags";
import type { AuroraStoreArgs } from "./user-data-store";

/** What `createMasterSecret` needs. */
export interface MasterSecretArgs {
  /** The store's arguments (network, key, context). */
  readonly args: AuroraStoreArgs;
  /** The primary cluster. */
  readonly cluster: aws.rds.Cluster;
  /** Every instance of the cluster: the rotation is scheduled once they exist. */
  readonly instances: readonly aws.rds.ClusterInstance[];
  /** The database's name. */
  readonly database: string;
  /** The master user's name. */
  readonly masterUsername: string;
  /** The first password (rotation writes the next ones). */
  readonly password: pulumi.Output<string>;
  /** The engine's port. */
  readonly port: number;
  /** Days between rotations. */
  readonly rotationDays: number;
  /** The cluster's security group: the rotation function is admitted to it. */
  readonly databaseSecurityGroupId: pulumi.Output<string>;
}

/**
 * The master user's secret (the shape RDS and its rotation functions read), its first version
 * with the program's password, and its rotation on a schedule by AWS's PostgreSQL single-user
 * rotation function, deployed from the Serverless Application Repository into the isolated
 * subnets, with a security group that reaches the database and the VPC's interface endpoints only.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_available-rotation-templates.html
 */
export function createMasterSecret(
  name: string,
  settings: MasterSecretArgs,
  parent: pulumi.Resource,
): aws.secretsmanager.Secret {
  const { args, cluster } = settings;
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
