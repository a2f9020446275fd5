import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";
import { serviceTrustPolicy } from "../shared/iam";
import { encryptedLogGroup } from "../shared/secure-defaults";
import { DEFAULT_LOG_RETENTION_DAYS, type LogRetentionDays } from "../shared/logs";
import { planSubnets, type SubnetTier, type ZoneSubnets } from "./subnet-plan";

/** Interface endpoints every network gets unless told otherwise. */
export const DEFAULT_INTERFACE_ENDPOINTS: readonly string[] = [
  "ecr.api",
  "ecr.dkr",
  "sts",
  "sqs",
  "secretsmanager",
  "kms",
];

/** Gateway endpoints (free, route-table based) every network gets. */
export const GATEWAY_ENDPOINTS: readonly string[] = ["s3", "dynamodb"];

/** Arguments of `Network`. */
export interface NetworkArgs {
  /** Account and region of the VPC. */
  readonly context: AwsContext;
  /** IPv4 CIDR of the VPC, a private range from /16 to /19. */
  readonly cidr: string;
  /**
   * Zones to span, in slot order (see `planSubnets`). Keep the order when adding a zone: a
   * zone's subnets are derived from its position.
   */
  readonly availabilityZones: readonly string[];
  /**
   * Interface endpoints, as service suffixes (`ecr.api`), placed in the private subnets.
   * @default DEFAULT_INTERFACE_ENDPOINTS
   */
  readonly interfaceEndpoints?: readonly string[];
  /**
   * KMS key that encrypts the flow-log group (the stack's telemetry key), as
   * `DataKeys.policyReadyKeyArns.telemetry`: CloudWatch Logs refuses a key whose policy does not
   * let it use the key yet.
   */
  readonly flowLogsKmsKeyArn: pulumi.Input<string>;
  /**
   * Retention of the flow-log group.
   * @default 365
   */
  readonly flowLogRetentionDays?: LogRetentionDays;
  /**
   * Isolated subnets only: no public or private tier, no internet gateway, no NAT gateway, and
   * interface endpoints (none by default) in the isolated subnets. For a VPC that only holds data
   * stores, such as a secondary region's database. The subnet plan keeps its slots, so the
   * isolated subnets have the CIDRs they would have in a full network.
   * @default false
   */
  readonly isolatedOnly?: boolean;
}

/** The subnets of one tier, one per zone, in zone order. */
export type TierSubnets = readonly aws.ec2.Subnet[];

/**
 * The regional VPC: public, private and isolated subnets in every zone, a NAT gateway per zone
 * (so losing a zone never cuts the others off), gateway endpoints for S3 and DynamoDB on every
 * private and isolated route table, interface endpoints in the private subnets, the default
 * security group stripped of its rules, and flow logs of all traffic to an encrypted log group.
 *
 * Isolated subnets have no route out of the VPC: they are for data stores. With `isolatedOnly` the
 * VPC has nothing else (no public or private tier, no internet or NAT gateway).
 */
export class Network extends pulumi.ComponentResource {
  public readonly vpc: aws.ec2.Vpc;
  public readonly vpcId: pulumi.Output<string>;
  public readonly cidr: string;
  /** Zones in slot order. */
  public readonly availabilityZones: readonly string[];
  /** The subnet CIDR plan, per zone. */
  public readonly subnetPlan: readonly ZoneSubnets[];
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  public readonly isolatedSubnetIds: pulumi.Output<string[]>;
  /** Security group of the interface endpoints: HTTPS from inside the VPC. */
  public readonly endpointSecurityGroupId: pulumi.Output<string>;
  public readonly flowLogGroupName: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:network:Network", name, {}, opts);

    let subnetPlan: ZoneSubnets[];
    try {
      subnetPlan = planSubnets(args.cidr, args.availabilityZones);
    } catch (error) {
      throw new pulumi.ResourceError(`cannot lay out subnets: ${(error as Error).message}`, this);
    }
    const isolatedOnly = args.isolatedOnly ?? false;
    const settings = {
      interfaceEndpoints:
        args.interfaceEndpoints ?? (isolatedOnly ? [] : DEFAULT_INTERFACE_ENDPOINTS),
      flowLogRetentionDays: args.flowLogRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    };
    const duplicates = settings.interfaceEndpoints.filter((s, i, all) => all.indexOf(s) !== i);
    if (duplicates.length > 0) {
      throw new pulumi.ResourceError(
        `interfaceEndpoints lists ${duplicates.join(", ")} more than once`,
        this,
      );
    }
    const parent = { parent: this };
    const region = args.context.region;

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.cidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { Name: `${name}-vpc` },
      },
      parent,
    );
    // The default security group allows all traffic between its members; strip it so nothing can
    // fall back on it.
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: vpc.id, ingress: [], egress: [], tags: { Name: `${name}-default-locked` } },
      parent,
    );
    const subnets = createSubnets(name, { vpc, plan: subnetPlan, isolatedOnly }, this);
    // Data tiers have no route out of the VPC; one table serves every zone.
    const isolatedRouteTable = new aws.ec2.RouteTable(
      `${name}-isolated`,
      { vpcId: vpc.id, tags: { Name: `${name}-isolated` } },
      parent,
    );
    const privateRouteTables = isolatedOnly
      ? []
      : createEgress(name, { vpc, plan: subnetPlan, subnets }, this).privateRouteTables;
    subnetPlan.forEach((zone, index) => {
      new aws.ec2.RouteTableAssociation(
        `${name}-isolated-${zone.zone}`,
        { subnetId: subnetAt(subnets.isolated, index).id, routeTableId: isolatedRouteTable.id },
        parent,
      );
    });

    for (const service of GATEWAY_ENDPOINTS) {
      new aws.ec2.VpcEndpoint(
        `${name}-${service}`,
        {
          vpcId: vpc.id,
          vpcEndpointType: "Gateway",
          serviceName: `com.amazonaws.${region}.${service}`,
          routeTableIds: [...privateRouteTables.map((table) => table.id), isolatedRouteTable.id],
          tags: { Name: `${name}-${service}` },
        },
        parent,
      );
    }

    const endpointSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-endpoints`,
      {
        vpcId: vpc.id,
        description: "Interface endpoints: HTTPS from inside the VPC only",
        ingress: [
          {
            description: "HTTPS from the VPC",
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: [args.cidr],
          },
        ],
        // No egress rules: endpoints only answer, and security groups are stateful.
        egress: [],
        tags: { Name: `${name}-endpoints` },
      },
      parent,
    );
    for (const service of settings.interfaceEndpoints) {
      new aws.ec2.VpcEndpoint(
        `${name}-${service.replace(/\./g, "-")}`,
        {
          vpcId: vpc.id,
          vpcEndpointType: "Interface",
          serviceName: `com.amazonaws.${region}.${service}`,
          subnetIds: (isolatedOnly ? subnets.isolated : subnets.private).map((subnet) => subnet.id),
          securityGroupIds: [endpointSecurityGroup.id],
          privateDnsEnabled: true,
          tags: { Name: `${name}-${service}` },
        },
        parent,
      );
    }

    const { logGroup: flowLogGroup } = createFlowLogs(
      name,
      {
        vpc,
        context: args.context,
        kmsKeyArn: args.flowLogsKmsKeyArn,
        retentionDays: settings.flowLogRetentionDays,
      },
      this,
    );

    this.vpc = vpc;
    this.vpcId = vpc.id;
    this.cidr = args.cidr;
    this.availabilityZones = [...args.availabilityZones];
    this.subnetPlan = subnetPlan;
    this.publicSubnetIds = pulumi.all(subnets.public.map((subnet) => subnet.id));
    this.privateSubnetIds = pulumi.all(subnets.private.map((subnet) => subnet.id));
    this.isolatedSubnetIds = pulumi.all(subnets.isolated.map((subnet) => subnet.id));
    this.endpointSecurityGroupId = endpointSecurityGroup.id;
    this.flowLogGroupName = flowLogGroup.name;
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      isolatedSubnetIds: this.isolatedSubnetIds,
      flowLogGroupName: this.flowLogGroupName,
    });
  }
}

/** Tags that let Kubernetes load balancer controllers find the right subnets. */
const TIER_TAGS: Readonly<Record<SubnetTier, Record<string, string>>> = {
  public: { "kubernetes.io/role/elb": "1" },
  private: { "kubernetes.io/role/internal-elb": "1" },
  isolated: {},
};

/** What `createSubnets` needs. */
interface SubnetsArgs {
  readonly vpc: aws.ec2.Vpc;
  /** The CIDR plan, per zone. */
  readonly plan: readonly ZoneSubnets[];
  /** Only the isolated tier. */
  readonly isolatedOnly: boolean;
}

/** The subnets of every tier, one per zone; only the isolated tier with `isolatedOnly`. */
function createSubnets(
  name: string,
  args: SubnetsArgs,
  parent: pulumi.Resource,
): Record<SubnetTier, TierSubnets> {
  const { vpc, plan, isolatedOnly } = args;
  const tier = (kind: SubnetTier): TierSubnets =>
    plan.map(
      (zone) =>
        new aws.ec2.Subnet(
          `${name}-${kind}-${zone.zone}`,
          {
            vpcId: vpc.id,
            cidrBlock: zone[kind],
            availabilityZone: zone.zone,
            // Nothing gets a public address by accident, not even in the public tier.
            mapPublicIpOnLaunch: false,
            tags: { Name: `${name}-${kind}-${zone.zone}`, Tier: kind, ...TIER_TAGS[kind] },
          },
          { parent },
        ),
    );
  if (isolatedOnly) {
    return { public: [], private: [], isolated: tier("isolated") };
  }
  return { public: tier("public"), private: tier("private"), isolated: tier("isolated") };
}

/** What `createEgress` needs. */
interface EgressArgs {
  readonly vpc: aws.ec2.Vpc;
  readonly plan: readonly ZoneSubnets[];
  /** The subnets of each tier (`createSubnets`). */
  readonly subnets: Record<SubnetTier, TierSubnets>;
}

/** What `createEgress` creates. */
interface Egress {
  /** The private route tables, in zone order. */
  readonly privateRouteTables: readonly aws.ec2.RouteTable[];
}

/**
 * The way out of a full network: an internet gateway for the public tier, a NAT gateway per zone
 * with its own route table for that zone's private subnet, and the public and private
 * subnets' route table associations.
 */
function createEgress(name: string, args: EgressArgs, parent: pulumi.Resource): Egress {
  const { vpc, plan, subnets } = args;
  const internetGateway = new aws.ec2.InternetGateway(
    `${name}-igw`,
    { vpcId: vpc.id, tags: { Name: `${name}-igw` } },
    { parent },
  );
  const publicRouteTable = new aws.ec2.RouteTable(
    `${name}-public`,
    {
      vpcId: vpc.id,
      routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id }],
      tags: { Name: `${name}-public` },
    },
    { parent },
  );
  const privateRouteTables = plan.map((zone, index) => {
    const eip = new aws.ec2.Eip(
      `${name}-nat-${zone.zone}`,
      { domain: "vpc", tags: { Name: `${name}-nat-${zone.zone}` } },
      { parent, dependsOn: [internetGateway] },
    );
    const natGateway = new aws.ec2.NatGateway(
      `${name}-nat-${zone.zone}`,
      {
        allocationId: eip.id,
        subnetId: subnetAt(subnets.public, index).id,
        connectivityType: "public",
        tags: { Name: `${name}-nat-${zone.zone}` },
      },
      { parent, dependsOn: [internetGateway] },
    );
    const privateRouteTable = new aws.ec2.RouteTable(
      `${name}-private-${zone.zone}`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: natGateway.id }],
        tags: { Name: `${name}-private-${zone.zone}` },
      },
      { parent },
    );
    const associate = (tier: SubnetTier, routeTable: aws.ec2.RouteTable): void => {
      new aws.ec2.RouteTableAssociation(
        `${name}-${tier}-${zone.zone}`,
        { subnetId: subnetAt(subnets[tier], index).id, routeTableId: routeTable.id },
        { parent },
      );
    };
    associate("public", publicRouteTable);
    associate("private", privateRouteTable);
    return privateRouteTable;
  });
  return { privateRouteTables };
}

function subnetAt(subnets: TierSubnets, index: number): aws.ec2.Subnet {
  const subnet = subnets[index];
  if (subnet === undefined) {
    throw new Error(`no subnet at index ${index}`);
  }
  return subnet;
}

/** What `createFlowLogs` needs. */
interface FlowLogsArgs {
  readonly vpc: aws.ec2.Vpc;
  readonly context: AwsContext;
  /** The telemetry key, once CloudWatch Logs may use it. */
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly retentionDays: LogRetentionDays;
}

/**
 * Flow logs of all the VPC's traffic into an encrypted log group, delivered by a role that only
 * this account's flow logs may assume.
 * https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html
 */
function createFlowLogs(
  name: string,
  args: FlowLogsArgs,
  parent: pulumi.Resource,
): { readonly logGroup: aws.cloudwatch.LogGroup } {
  const { vpc, retentionDays } = args;
  const { accountId, partition, region } = args.context;
  const logGroup = encryptedLogGroup(
    `${name}-flow-logs`,
    { kmsKeyArn: args.kmsKeyArn, retentionDays },
    parent,
  );
  const role = new aws.iam.Role(
    `${name}-flow-logs`,
    {
      description: "VPC flow logs delivery to CloudWatch Logs",
      // Only flow logs of this account may use the role (confused-deputy guard).
      assumeRolePolicy: serviceTrustPolicy(
        "vpc-flow-logs.amazonaws.com",
        accountId,
        `arn:${partition}:ec2:${region}:${accountId}:vpc-flow-log/*`,
      ),
    },
    { parent },
  );
  new aws.iam.RolePolicy(
    `${name}-flow-logs`,
    {
      role: role.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "WriteFlowLogsToItsOwnGroup",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [logGroup.arn, pulumi.interpolate`${logGroup.arn}:*`],
          },
        ],
      }),
    },
    { parent },
  );
  new aws.ec2.FlowLog(
    `${name}-flow-logs`,
    {
      vpcId: vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
      tags: { Name: `${name}-flow-logs` },
    },
    { parent },
  );
  return { logGroup };
}
