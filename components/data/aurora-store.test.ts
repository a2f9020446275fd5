import { describe, expect, it } from "vitest";
import { TEST_CONTEXT } from "../../tools/plan/engine";
import { auroraProblems, resolveAuroraSettings } from "./aurora-store";
import type { AuroraStoreArgs } from "./user-data-store";

const ARGS: AuroraStoreArgs = {
  kind: "aurora",
  context: TEST_CONTEXT,
  allowedRegions: ["me-south-1"],
  userDataKeyArn: "arn:aws:kms:me-south-1:111122223333:key/user-data",
  availabilityZones: ["me-south-1a", "me-south-1b"],
  vpcId: "vpc-1",
  subnetIds: ["subnet-a", "subnet-b"],
  functionKeyArn: "arn:aws:kms:me-south-1:111122223333:key/telemetry",
  vpcCidr: "10.20.0.0/16",
};

describe("resolveAuroraSettings", () => {
  it("fills every default, the engine's version from the engine", () => {
    expect(resolveAuroraSettings(ARGS)).toEqual({
      engine: "aurora-postgresql",
      engineVersion: "16.6",
      instanceClass: "db.r7g.large",
      backupRetentionDays: 35,
      masterRotationDays: 30,
      shards: [{ id: "s1", weight: 1 }],
    });
    expect(resolveAuroraSettings({ ...ARGS, engine: "aurora-mysql" }).engineVersion).toBe(
      "8.0.mysql_aurora.3.08.0",
    );
  });
});

describe("auroraProblems", () => {
  it("finds nothing wrong with the defaults", () => {
    expect(auroraProblems(ARGS, resolveAuroraSettings(ARGS))).toEqual([]);
  });

  it("reports every problem at once, each with its value and what is allowed", () => {
    const args: AuroraStoreArgs = {
      ...ARGS,
      engine: "aurora-mysql",
      availabilityZones: ["me-south-1a"],
      backupRetentionDays: 36,
      masterRotationDays: 0,
      shards: [
        { id: "s1", weight: 1 },
        { id: "s1", weight: 1 },
      ],
    };
    expect(auroraProblems(args, resolveAuroraSettings(args))).toEqual([
      "masterRotationDays = 0: expected a whole number of days from 1 to 1000",
      "backupRetentionDays = 36: expected 1 to 35",
      "Aurora needs instances in at least two zones",
      'engine = "aurora-mysql": the token vault and its migration run on Aurora PostgreSQL through the RDS Data API; use "aurora-postgresql"',
      'shards: shard id "s1" is used twice: ids must be unique',
    ]);
  });
});
