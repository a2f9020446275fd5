/**
 * The offline engine refuses what AWS refuses when a cluster joins an Aurora global database.
 */
import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { runComponent } from "../tools/plan/engine";

function member(overrides: Partial<aws.rds.ClusterArgs>) {
  return runComponent((provider) => {
    const global = new aws.rds.GlobalCluster(
      "global",
      {
        globalClusterIdentifier: "users-global",
        engine: "aurora-postgresql",
        engineVersion: "16.6",
        storageEncrypted: true,
      },
      { provider },
    );
    new aws.rds.Cluster(
      "primary",
      {
        engine: "aurora-postgresql",
        engineVersion: "16.6",
        globalClusterIdentifier: global.id,
        masterUsername: "kc_admin",
        masterPassword: "a-password-for-tests-only",
        storageEncrypted: true,
        skipFinalSnapshot: true,
        ...overrides,
      },
      { provider },
    );
  });
}

describe("joining an Aurora global database", () => {
  it("accepts a member of the global cluster's engine and version", async () => {
    const run = await member({});
    expect(run.resources.map((r) => r.type)).toContain("aws:rds/cluster:Cluster");
  });

  it("refuses a member of another engine version", async () => {
    await expect(member({ engineVersion: "16.4" })).rejects.toThrow(
      'engineVersion "16.4" differs from global cluster global\'s "16.6"; a member must match it',
    );
  });

  it("refuses a member whose master password RDS would manage", async () => {
    await expect(
      member({ masterPassword: undefined, manageMasterUserPassword: true }),
    ).rejects.toThrow(
      /manageMasterUserPassword is not supported for a member of global cluster global/,
    );
  });
});
