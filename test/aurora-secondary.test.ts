/**
 * An Aurora secondary in another allowed region is one config entry: planning the Saudi stack with
 * me-west-1 (AWS's region in the Kingdom) as a replica region builds, through that region's
 * provider, an isolated-only VPC, the user-data key's replica and a secondary cluster joined to the
 * global database, and the plan's residency rules and IAM check still pass.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { planStack, type StackPlan } from "../tools/plan/document";
import { checkStackIam, failureLines, passed } from "../tools/plan/iam/check";
import { overlaps, parseCidr } from "../components/network/cidr";
import type { RecordedResource } from "../tools/plan/engine";

const SECONDARY = "me-west-1";
const SECONDARY_CIDR = "10.21.0.0/16";

let plan: StackPlan;
beforeAll(async () => {
  plan = await planStack("me-south-1", {
    "knowledgecity:allowedRegions": JSON.stringify(["me-south-1", SECONDARY]),
    "knowledgecity:userStore": JSON.stringify({
      kind: "aurora",
      replicaRegions: [SECONDARY],
      secondaryCidrs: { [SECONDARY]: SECONDARY_CIDR },
    }),
  });
}, 180_000);

const inRegion = (region: string, type?: string): RecordedResource[] =>
  plan.recorded.filter(
    (r) => r.custom && r.region === region && (type === undefined || r.type === type),
  );

function only(resources: readonly RecordedResource[], what: string): RecordedResource {
  expect(resources, what).toHaveLength(1);
  const [resource] = resources;
  if (resource === undefined) {
    throw new Error(`no ${what}`);
  }
  return resource;
}

describe(`the Saudi stack with an Aurora secondary in ${SECONDARY}`, () => {
  it("joins a secondary cluster in that region to the stack's global database", () => {
    const global = only(
      plan.recorded.filter((r) => r.type === "aws:rds/globalCluster:GlobalCluster"),
      "global cluster",
    );
    const members = plan.recorded.filter(
      (r) => r.type === "aws:rds/cluster:Cluster" && r.inputs.globalClusterIdentifier === global.id,
    );
    expect(members.map((m) => m.region).sort()).toEqual(["me-south-1", SECONDARY]);
    const secondary = only(inRegion(SECONDARY, "aws:rds/cluster:Cluster"), "secondary cluster");
    expect(secondary.inputs).toMatchObject({
      engine: global.inputs.engine,
      engineVersion: global.inputs.engineVersion,
      storageEncrypted: true,
      deletionProtection: true,
      availabilityZones: ["me-west-1a", "me-west-1b", "me-west-1c"],
    });
    // A secondary takes the primary's master user; it has none of its own.
    expect(secondary.inputs.masterUsername).toBeUndefined();
    const instances = inRegion(SECONDARY, "aws:rds/clusterInstance:ClusterInstance");
    expect(instances.map((i) => i.inputs.availabilityZone).sort()).toEqual([
      "me-west-1a",
      "me-west-1b",
      "me-west-1c",
    ]);
    for (const instance of instances) {
      expect(instance.inputs.clusterIdentifier).toBe(secondary.id);
      expect(instance.inputs.publiclyAccessible).toBe(false);
    }
  });

  it("encrypts the secondary with the replica, in that region, of the stack's user-data key", () => {
    const primaryKey = only(
      plan.recorded.filter(
        (r) =>
          r.type === "aws:kms/key:Key" &&
          r.region === "me-south-1" &&
          r.inputs.multiRegion === true,
      ),
      "multi-Region user-data key",
    );
    const replica = only(inRegion(SECONDARY, "aws:kms/replicaKey:ReplicaKey"), "key replica");
    expect(replica.inputs.primaryKeyArn).toBe(primaryKey.state.arn);
    expect(replica.state.arn).toMatch(/^arn:aws:kms:me-west-1:111122223333:key\/mrk-/);
    const secondary = only(inRegion(SECONDARY, "aws:rds/cluster:Cluster"), "secondary cluster");
    expect(secondary.inputs.kmsKeyId).toBe(replica.state.arn);
    for (const instance of inRegion(SECONDARY, "aws:rds/clusterInstance:ClusterInstance")) {
      expect(instance.inputs.performanceInsightsKmsKeyId).toBe(replica.state.arn);
    }
  });

  it("places it in an isolated-only VPC of its own range: no internet or NAT gateway, no route out", () => {
    const vpc = only(inRegion(SECONDARY, "aws:ec2/vpc:Vpc"), "secondary VPC");
    expect(vpc.inputs.cidrBlock).toBe(SECONDARY_CIDR);
    expect(overlaps(parseCidr(SECONDARY_CIDR), parseCidr(plan.config.network.cidr))).toBe(false);
    for (const type of [
      "aws:ec2/internetGateway:InternetGateway",
      "aws:ec2/natGateway:NatGateway",
      "aws:ec2/eip:Eip",
      "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
    ]) {
      expect(inRegion(SECONDARY, type), type).toEqual([]);
    }
    const subnets = inRegion(SECONDARY, "aws:ec2/subnet:Subnet");
    expect(subnets).toHaveLength(3);
    for (const subnet of subnets) {
      expect(subnet.inputs.vpcId).toBe(vpc.id);
      expect(subnet.inputs.mapPublicIpOnLaunch).toBe(false);
      expect(subnet.inputs.tags).toMatchObject({ Tier: "isolated" });
    }
    const tables = inRegion(SECONDARY, "aws:ec2/routeTable:RouteTable");
    expect(tables).toHaveLength(1);
    for (const table of tables) {
      expect(table.inputs.routes ?? []).toEqual([]);
    }
    const associations = inRegion(SECONDARY, "aws:ec2/routeTableAssociation:RouteTableAssociation");
    expect(associations.map((a) => a.inputs.subnetId).sort()).toEqual(
      subnets.map((s) => s.id).sort(),
    );
    // The cluster's subnet group is those subnets.
    const group = only(inRegion(SECONDARY, "aws:rds/subnetGroup:SubnetGroup"), "subnet group");
    expect([...(group.inputs.subnetIds as string[])].sort()).toEqual(
      subnets.map((s) => s.id).sort(),
    );
  });

  it("logs the secondary VPC's flows to a log group encrypted with a key of that region", () => {
    const vpc = only(inRegion(SECONDARY, "aws:ec2/vpc:Vpc"), "secondary VPC");
    const flowLog = only(inRegion(SECONDARY, "aws:ec2/flowLog:FlowLog"), "flow log");
    expect(flowLog.inputs).toMatchObject({ vpcId: vpc.id, trafficType: "ALL" });
    const group = only(inRegion(SECONDARY, "aws:cloudwatch/logGroup:LogGroup"), "flow-log group");
    expect(flowLog.inputs.logDestination).toBe(group.state.arn);
    const key = only(inRegion(SECONDARY, "aws:kms/key:Key"), "telemetry key of the region");
    expect(group.inputs.kmsKeyId).toBe(key.state.arn);
    expect(String(key.inputs.policy)).toContain("logs.me-west-1.amazonaws.com");
  });

  it("keeps the plan's residency rules and IAM check passing", async () => {
    expect(plan.document.violations).toEqual([]);
    const report = await checkStackIam("me-south-1", plan.config.region, plan.recorded);
    expect(failureLines(report)).toEqual([]);
    expect(passed(report)).toBe(true);
  }, 120_000);

  it("builds nothing in that region when the stack lists no replica region", async () => {
    const plain = await planStack("me-south-1");
    expect(plain.recorded.filter((r) => r.custom && r.region === SECONDARY)).toEqual([]);
  }, 180_000);
});
