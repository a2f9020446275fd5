/**
 * What every cluster of the Aurora user store shares: the engines it knows (port, parameter
 * family, version, log exports and the parameter that refuses unencrypted connections) and the
 * foundation each cluster stands on.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/**
 * The Aurora engines the store knows, with what differs between them.
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html
 */
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

/** The settings of one engine in `AURORA_ENGINES`. */
export type AuroraEngineSpec = (typeof AURORA_ENGINES)[AuroraEngine];

/** What `createClusterFoundation` needs. */
export interface ClusterFoundationArgs {
  /** What the descriptions call the cluster, such as "User store". */
  readonly label: string;
  /** The VPC of the security group. */
  readonly vpcId: pulumi.Input<string>;
  /** Isolated subnets: no route out of the VPC. */
  readonly subnetIds: pulumi.Input<string[]>;
  /** The security group's description (what it admits). */
  readonly securityGroupDescription: string;
  /** The cluster's engine. */
  readonly spec: AuroraEngineSpec;
}

/** What `createClusterFoundation` creates. */
export interface ClusterFoundation {
  /** The isolated subnets' group. */
  readonly subnetGroup: aws.rds.SubnetGroup;
  /** The cluster's security group, with no rule. */
  readonly securityGroup: aws.ec2.SecurityGroup;
  /** The TLS-only cluster parameters. */
  readonly parameters: aws.rds.ClusterParameterGroup;
}

/**
 * What every cluster of the store stands on: a subnet group of isolated subnets, a security group
 * with no rule (clients are admitted as separate rules) and no egress, and a parameter group that
 * refuses unencrypted connections.
 */
export function createClusterFoundation(
  prefix: string,
  args: ClusterFoundationArgs,
  opts: pulumi.CustomResourceOptions,
): ClusterFoundation {
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

/**
 * A database password kept in the stack's state (a resource, not an invoke, so it survives
 * previews and updates): 40 letters and digits, no punctuation to escape, at least one of each
 * kind.
 */
export function databasePassword(name: string, parent: pulumi.Resource): random.RandomPassword {
  return new random.RandomPassword(
    name,
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
    { parent },
  );
}
