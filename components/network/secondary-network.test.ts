/**
 * What an Aurora secondary region needs from the network and key components: an isolated-only VPC
 * and a telemetry key of that region for its flow logs.
 */
import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { json, list, record, Recorded, runComponent, TEST_CONTEXT } from "../../tools/plan/engine";
import { DataKeys } from "../security/data-keys";
import { Network, type NetworkArgs } from "./network";
import { planSubnets } from "./subnet-plan";

const REGION = "me-west-1";
const ZONES = ["me-west-1a", "me-west-1b", "me-west-1c"];
const CIDR = "10.21.0.0/16";
const KEY_ARN = "arn:aws:kms:me-west-1:111122223333:key/11111111-2222-3333-4444-555555555555";

async function runNetwork(overrides: Partial<NetworkArgs> = {}): Promise<Recorded> {
  return Recorded.of(
    await runComponent((provider) => {
      new Network(
        "net",
        {
          context: { ...TEST_CONTEXT, region: REGION },
          cidr: CIDR,
          availabilityZones: ZONES,
          flowLogsKmsKeyArn: KEY_ARN,
          isolatedOnly: true,
          ...overrides,
        },
        { providers: [provider] },
      );
    }, REGION),
  );
}

describe("Network with isolatedOnly", async () => {
  const run = await runNetwork();

  it("has only isolated subnets, at the CIDRs a full network gives its isolated tier", () => {
    const subnets = run.ofType("aws:ec2/subnet:Subnet");
    const plan = planSubnets(CIDR, ZONES);
    expect(
      subnets.map((s) => [
        s.inputs.availabilityZone,
        s.inputs.cidrBlock,
        record(s.inputs.tags).Tier,
      ]),
    ).toEqual(plan.map((zone) => [zone.zone, zone.isolated, "isolated"]));
    expect(subnets.every((s) => s.inputs.mapPublicIpOnLaunch === false)).toBe(true);
  });

  it("has no internet gateway, NAT gateway or elastic IP, and no route out of the VPC", () => {
    for (const type of [
      "aws:ec2/internetGateway:InternetGateway",
      "aws:ec2/natGateway:NatGateway",
      "aws:ec2/eip:Eip",
    ]) {
      expect(run.ofType(type), type).toEqual([]);
    }
    const tables = run.ofType("aws:ec2/routeTable:RouteTable");
    expect(tables.map((t) => t.name)).toEqual(["net-isolated"]);
    expect(tables[0]?.inputs.routes ?? []).toEqual([]);
    const associations = run.ofType("aws:ec2/routeTableAssociation:RouteTableAssociation");
    expect(associations.map((a) => a.name).sort()).toEqual(
      ZONES.map((zone) => `net-isolated-${zone}`).sort(),
    );
  });

  it("keeps the S3 and DynamoDB gateway endpoints on the isolated route table, and no interface endpoint", () => {
    const table = run.named("aws:ec2/routeTable:RouteTable", "net-isolated");
    const endpoints = run.ofType("aws:ec2/vpcEndpoint:VpcEndpoint");
    expect(endpoints.map((e) => e.inputs.serviceName).sort()).toEqual([
      "com.amazonaws.me-west-1.dynamodb",
      "com.amazonaws.me-west-1.s3",
    ]);
    for (const endpoint of endpoints) {
      expect(endpoint.inputs.vpcEndpointType).toBe("Gateway");
      expect(endpoint.inputs.routeTableIds).toEqual([table.id]);
    }
  });

  it("logs all traffic to a log group encrypted with the given key", () => {
    const group = run.named("aws:cloudwatch/logGroup:LogGroup", "net-flow-logs");
    expect(group.inputs.kmsKeyId).toBe(KEY_ARN);
    const flowLog = run.named("aws:ec2/flowLog:FlowLog", "net-flow-logs");
    expect(flowLog.inputs.trafficType).toBe("ALL");
  });

  it("places interface endpoints it is given in the isolated subnets", async () => {
    const withKms = await runNetwork({ interfaceEndpoints: ["kms"] });
    const isolated = withKms.ofType("aws:ec2/subnet:Subnet").map((s) => s.id);
    const kms = withKms.named("aws:ec2/vpcEndpoint:VpcEndpoint", "net-kms");
    expect(kms.inputs.subnetIds).toEqual(isolated);
  });
});

describe("DataKeys with telemetryRegions", async () => {
  const run = Recorded.of(
    await runComponent((provider, providerFor) => {
      const keys = new DataKeys(
        "keys",
        {
          context: { ...TEST_CONTEXT, region: "me-south-1" },
          stack: "me-south-1",
          userDataReplicaRegions: { [REGION]: providerFor(REGION) },
          telemetryRegions: { [REGION]: providerFor(REGION) },
        },
        { providers: [provider] },
      );
      // CloudWatch Logs checks the key policy when the group is created: the key must allow it.
      new aws.cloudwatch.LogGroup(
        "secondary-flow-logs",
        { kmsKeyId: keys.regionalTelemetryKeyArns[REGION] },
        { provider: providerFor(REGION) },
      );
      keys.seal();
    }, "me-south-1"),
  );

  it("makes a single-Region telemetry key in that region that CloudWatch Logs there may use", () => {
    const key = run.named("aws:kms/key:Key", `keys-telemetry-${REGION}`);
    expect(key.region).toBe(REGION);
    expect(key.inputs.multiRegion).toBeUndefined();
    expect(key.inputs.enableKeyRotation).toBe(true);
    const statements = list(json(key.inputs.policy).Statement).map(record);
    const logs = statements.find((s) => s.Sid === "CloudWatchLogsEncryptsThisAccountsLogGroups");
    expect(record(logs?.Principal).Service).toBe("logs.me-west-1.amazonaws.com");
    expect(JSON.stringify(logs?.Condition)).toContain(
      "arn:aws:logs:me-west-1:111122223333:log-group:*",
    );
    const alias = run.named("aws:kms/alias:Alias", `keys-telemetry-${REGION}`);
    expect(alias.region).toBe(REGION);
    expect(alias.inputs.name).toBe("alias/knowledgecity/me-south-1/telemetry");
  });

  it("gives the log group of that region that key", () => {
    const key = run.named("aws:kms/key:Key", `keys-telemetry-${REGION}`);
    const group = run.named("aws:cloudwatch/logGroup:LogGroup", "secondary-flow-logs");
    expect(group.region).toBe(REGION);
    expect(group.inputs.kmsKeyId).toBe(key.state.arn);
  });
});
