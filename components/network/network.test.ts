import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import {
  json,
  list,
  record,
  Recorded,
  runInMockEngine,
  type EngineRun,
} from "../../tools/plan/engine";
import type { AwsContext } from "../shared/context";
import { DEFAULT_INTERFACE_ENDPOINTS, Network, type NetworkArgs } from "./network";

const REGION = "me-south-1";
const ZONES = ["me-south-1a", "me-south-1b", "me-south-1c"];
const CONTEXT: AwsContext = {
  accountId: "111122223333",
  partition: "aws",
  region: REGION,
  dnsSuffix: "amazonaws.com",
};
const KEY_ARN = "arn:aws:kms:me-south-1:111122223333:key/11111111-2222-3333-4444-555555555555";

function runNetwork(overrides: Partial<NetworkArgs> = {}): Promise<EngineRun> {
  return runInMockEngine({
    project: "knowledgecity",
    stack: "test",
    config: { "aws:region": REGION },
    program: () => {
      const provider = new aws.Provider("aws", { region: REGION });
      new Network(
        "net",
        {
          context: CONTEXT,
          cidr: "10.20.0.0/16",
          availabilityZones: ZONES,
          flowLogsKmsKeyArn: KEY_ARN,
          ...overrides,
        },
        { providers: [provider] },
      );
    },
  });
}

describe("Network", async () => {
  const run = Recorded.of(await runNetwork());
  const subnets = run.ofType("aws:ec2/subnet:Subnet");
  const tierOf = (subnet: { inputs: Readonly<Record<string, unknown>> }): unknown =>
    record(subnet.inputs.tags).Tier;

  it("spans three zones with a public, a private and an isolated subnet in each", () => {
    expect(subnets).toHaveLength(9);
    for (const zone of ZONES) {
      const inZone = subnets.filter((s) => s.inputs.availabilityZone === zone);
      expect(inZone.map(tierOf).sort()).toEqual(["isolated", "private", "public"]);
    }
    expect(subnets.every((s) => s.inputs.mapPublicIpOnLaunch === false)).toBe(true);
  });

  it("names children by zone, never by index", () => {
    for (const zone of ZONES) {
      expect(
        run.named("aws:ec2/subnet:Subnet", `net-private-${zone}`).inputs.availabilityZone,
      ).toBe(zone);
    }
  });

  it("gives every zone its own NAT gateway in that zone's public subnet", () => {
    const nats = run.ofType("aws:ec2/natGateway:NatGateway");
    expect(nats).toHaveLength(3);
    const zonesOfNats = nats.map((nat) => {
      const subnet = run.referencedBy(nat.inputs.subnetId);
      expect(tierOf(subnet)).toBe("public");
      expect(run.referencedBy(nat.inputs.allocationId).type).toBe("aws:ec2/eip:Eip");
      return subnet.inputs.availabilityZone;
    });
    expect(new Set(zonesOfNats)).toEqual(new Set(ZONES));
  });

  it("routes each private subnet through the NAT gateway of its own zone", () => {
    const associations = run.ofType("aws:ec2/routeTableAssociation:RouteTableAssociation");
    const privateSubnets = subnets.filter((s) => tierOf(s) === "private");
    expect(privateSubnets).toHaveLength(3);
    for (const subnet of privateSubnets) {
      const association = associations.find((a) => a.inputs.subnetId === subnet.id);
      const table = run.referencedBy(association?.inputs.routeTableId);
      const routes = list(table.inputs.routes).map(record);
      expect(routes).toHaveLength(1);
      expect(routes[0]?.cidrBlock).toBe("0.0.0.0/0");
      const nat = run.referencedBy(routes[0]?.natGatewayId);
      expect(run.referencedBy(nat.inputs.subnetId).inputs.availabilityZone).toBe(
        subnet.inputs.availabilityZone,
      );
    }
  });

  it("gives isolated subnets no route out of the VPC and public subnets a route to the internet gateway", () => {
    const associations = run.ofType("aws:ec2/routeTableAssociation:RouteTableAssociation");
    for (const subnet of subnets) {
      const association = associations.find((a) => a.inputs.subnetId === subnet.id);
      const table = run.referencedBy(association?.inputs.routeTableId);
      const routes = (table.inputs.routes === undefined ? [] : list(table.inputs.routes)).map(
        record,
      );
      if (tierOf(subnet) === "isolated") {
        expect(routes).toEqual([]);
      } else if (tierOf(subnet) === "public") {
        expect(routes.map((r) => run.referencedBy(r.gatewayId).type)).toEqual([
          "aws:ec2/internetGateway:InternetGateway",
        ]);
      }
    }
  });

  it("adds S3 and DynamoDB gateway endpoints to every private and isolated route table", () => {
    const gateways = run
      .ofType("aws:ec2/vpcEndpoint:VpcEndpoint")
      .filter((e) => e.inputs.vpcEndpointType === "Gateway");
    expect(gateways.map((e) => e.inputs.serviceName).sort()).toEqual([
      "com.amazonaws.me-south-1.dynamodb",
      "com.amazonaws.me-south-1.s3",
    ]);
    for (const endpoint of gateways) {
      const tables = list(endpoint.inputs.routeTableIds).map((id) => run.referencedBy(id).name);
      expect(tables.sort()).toEqual([
        "net-isolated",
        "net-private-me-south-1a",
        "net-private-me-south-1b",
        "net-private-me-south-1c",
      ]);
    }
  });

  it("places interface endpoints in the private subnets behind HTTPS-from-the-VPC only", () => {
    const interfaces = run
      .ofType("aws:ec2/vpcEndpoint:VpcEndpoint")
      .filter((e) => e.inputs.vpcEndpointType === "Interface");
    expect(interfaces.map((e) => e.inputs.serviceName).sort()).toEqual(
      DEFAULT_INTERFACE_ENDPOINTS.map((s) => `com.amazonaws.me-south-1.${s}`).sort(),
    );
    for (const endpoint of interfaces) {
      expect(endpoint.inputs.privateDnsEnabled).toBe(true);
      expect(list(endpoint.inputs.subnetIds).map((id) => tierOf(run.referencedBy(id)))).toEqual([
        "private",
        "private",
        "private",
      ]);
      const group = run.referencedBy(list(endpoint.inputs.securityGroupIds)[0]);
      expect(list(group.inputs.ingress).map(record)).toEqual([
        expect.objectContaining({
          protocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrBlocks: ["10.20.0.0/16"],
        }),
      ]);
      expect(group.inputs.egress).toEqual([]);
    }
  });

  it("strips every rule from the default security group", () => {
    const [group] = run.ofType("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
    expect(group?.inputs.ingress).toEqual([]);
    expect(group?.inputs.egress).toEqual([]);
  });

  it("logs all traffic to an encrypted log group with retention, through a role only flow logs of this account can assume", () => {
    const [flowLog] = run.ofType("aws:ec2/flowLog:FlowLog");
    const logGroup = run.named("aws:cloudwatch/logGroup:LogGroup", "net-flow-logs");
    const role = run.named("aws:iam/role:Role", "net-flow-logs");
    expect(flowLog?.inputs.trafficType).toBe("ALL");
    expect(flowLog?.inputs.logDestinationType).toBe("cloud-watch-logs");
    expect(flowLog?.inputs.logDestination).toMatch(
      /^arn:aws:logs:me-south-1:111122223333:log-group:net-flow-logs-/,
    );
    expect(flowLog?.inputs.iamRoleArn).toMatch(/^arn:aws:iam::111122223333:role\/net-flow-logs-/);
    expect(logGroup.inputs.kmsKeyId).toBe(KEY_ARN);
    expect(logGroup.inputs.retentionInDays).toBe(365);
    expect(record(logGroup.inputs.tags).DataClass).toBe("telemetry");

    const trust = list(json(role.inputs.assumeRolePolicy).Statement).map(record);
    expect(trust).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "vpc-flow-logs.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": "111122223333" },
          ArnLike: { "aws:SourceArn": "arn:aws:ec2:me-south-1:111122223333:vpc-flow-log/*" },
        },
      },
    ]);
    const [rolePolicy] = run.ofType("aws:iam/rolePolicy:RolePolicy");
    expect(run.referencedBy(rolePolicy?.inputs.role).name).toBe("net-flow-logs");
    const statements = list(json(rolePolicy?.inputs.policy).Statement).map(record);
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Action).toEqual([
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:DescribeLogStreams",
    ]);
    expect(list(statements[0]?.Resource)).toEqual([
      flowLog?.inputs.logDestination,
      `${String(flowLog?.inputs.logDestination)}:*`,
    ]);
  });

  it("takes its interface endpoints and flow-log retention from its args", async () => {
    const custom = Recorded.of(
      await runNetwork({ interfaceEndpoints: ["ssm", "logs"], flowLogRetentionDays: 30 }),
    );
    const interfaces = custom
      .ofType("aws:ec2/vpcEndpoint:VpcEndpoint")
      .filter((e) => e.inputs.vpcEndpointType === "Interface");
    expect(interfaces.map((e) => e.inputs.serviceName).sort()).toEqual([
      "com.amazonaws.me-south-1.logs",
      "com.amazonaws.me-south-1.ssm",
    ]);
    expect(
      custom.named("aws:cloudwatch/logGroup:LogGroup", "net-flow-logs").inputs.retentionInDays,
    ).toBe(30);
  });

  it.each([
    [{ availabilityZones: [] }, /cannot lay out subnets: expected 1 to 4 zones, got 0/],
    [{ availabilityZones: ["me-south-1a", "me-south-1a"] }, /zones must be distinct/],
    [{ cidr: "10.20.0.1/16" }, /host bits set; did you mean 10\.20\.0\.0\/16/],
    [{ interfaceEndpoints: ["sts", "kms", "sts"] }, /interfaceEndpoints lists sts more than once/],
  ] as const)("rejects impossible args %j with a clear error", async (overrides, message) => {
    await expect(runNetwork(overrides as Partial<NetworkArgs>)).rejects.toThrow(message);
  });
});
