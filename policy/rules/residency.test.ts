/**
 * The residency rules against deliberately bad resources: user data and the directory stay in
 * the regions they may use, replicas and backups included.
 */
import { describe, expect, it } from "vitest";
import { evaluate, type PlannedResource } from ".";
import { directoryResidency, userDataResidency } from "./residency";
import { UNKNOWN } from "./resource-facts";
import { PROVIDER_URN, messages, provider, resource, settings, userData } from "./rules.fixtures";

describe("user-data-residency", () => {
  it("catches user data outside the allowed regions, naming the resource and the region", () => {
    const replica = resource({
      type: "aws:rds/cluster:Cluster",
      name: "users-replica",
      region: "eu-west-1",
      inputs: { tags: userData },
    });
    expect(evaluate([provider, replica], settings, [userDataResidency])).toEqual([
      {
        rule: "user-data-residency",
        urn: replica.urn,
        enforcement: "mandatory",
        message:
          "aws:rds/cluster:Cluster users-replica holds user data in eu-west-1, outside the allowed regions of stack me-south-1 (me-south-1)",
      },
    ]);
  });

  it("catches a global-table replica in another jurisdiction", () => {
    const table = resource({
      type: "aws:dynamodb/table:Table",
      name: "users",
      inputs: { tags: userData, replicas: [{ regionName: "us-east-1" }] },
    });
    expect(messages(userDataResidency, table)).toEqual([
      "aws:dynamodb/table:Table users sends a global-table replica to us-east-1, outside the allowed regions of stack me-south-1 (me-south-1)",
    ]);
  });

  it("catches a backup copy to another region", () => {
    const plan = resource({
      type: "aws:backup/plan:Plan",
      name: "user-data",
      inputs: {
        rules: [
          {
            ruleName: "daily",
            copyActions: [
              { destinationVaultArn: "arn:aws:backup:eu-central-1:111122223333:backup-vault:dr" },
            ],
          },
        ],
      },
    });
    expect(messages(userDataResidency, plan)).toEqual([
      "aws:backup/plan:Plan user-data sends a backup copy to eu-central-1, outside the allowed regions of stack me-south-1 (me-south-1)",
    ]);
  });

  it("catches S3 replication of user data to a bucket whose region cannot be proven", () => {
    const bucket = resource({
      type: "aws:s3/bucket:Bucket",
      name: "exports",
      inputs: { tags: userData },
    });
    const replication = resource({
      type: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
      name: "exports",
      dependsOn: [bucket.urn],
      inputs: { rules: [{ destination: { bucket: "arn:aws:s3:::somewhere-else" } }] },
    });
    expect(messages(userDataResidency, bucket, replication)).toEqual([
      "aws:s3/bucket:Bucket exports sends an S3 replication target to a region that cannot be proven to be in the allowed regions of stack me-south-1 (me-south-1)",
    ]);
  });

  it("catches a secret of user data replicated abroad", () => {
    const secret = resource({
      type: "aws:secretsmanager/secret:Secret",
      name: "db",
      inputs: { tags: userData, replicas: [{ region: "us-east-1" }] },
    });
    expect(messages(userDataResidency, secret)).toHaveLength(1);
  });

  it("accepts user data and its replicas in allowed regions, and other data classes anywhere", () => {
    const settingsUs = { stack: "us-east-1", allowedRegions: ["us-east-1", "us-west-2"] };
    const table = resource({
      type: "aws:dynamodb/table:Table",
      name: "users",
      region: "us-east-1",
      inputs: { tags: userData, replicas: [{ regionName: "us-west-2" }] },
    });
    const logs = resource({
      type: "aws:s3/bucket:Bucket",
      name: "edge-logs",
      region: "eu-west-1",
      inputs: { tags: { DataClass: "telemetry" } },
    });
    expect(evaluate([provider, table, logs], settingsUs, [userDataResidency])).toEqual([]);
  });
});

describe("directory-residency", () => {
  const home = { stack: "us-east-1", allowedRegions: ["us-east-1", "us-west-2"] };
  const withHome = { ...home, homeRegions: ["me-south-1", "us-east-1"] };
  const usProvider: PlannedResource = {
    ...provider,
    urn: PROVIDER_URN.replace(/me-south-1/g, "us-east-1"),
    region: "us-east-1",
  };
  const directory = (replicas: readonly string[], type = "aws:dynamodb/table:Table") =>
    resource({
      type,
      name: "home-region-directory",
      region: "us-east-1",
      provider: usProvider.urn,
      inputs: {
        tags: { DataClass: "pseudonymous-directory" },
        replicas: replicas.map((regionName) => ({ regionName })),
      },
    });
  const found = (subject: PlannedResource, context: typeof home): string[] =>
    evaluate([usProvider, subject], context, [directoryResidency, userDataResidency]).map(
      (v) => `${v.rule}: ${v.message}`,
    );

  it("allows the directory in every home region, outside the stack's allowed regions, and nothing else", () => {
    expect(found(directory(["me-south-1"]), withHome)).toEqual([]);
    expect(found(directory(["me-south-1", "us-west-2", "eu-west-1"]), withHome)).toEqual([
      "directory-residency: aws:dynamodb/table:Table home-region-directory sends a global-table replica to us-west-2, outside the home regions (me-south-1, us-east-1)",
      "directory-residency: aws:dynamodb/table:Table home-region-directory sends a global-table replica to eu-west-1, outside the home regions (me-south-1, us-east-1)",
    ]);
  });

  it("fails closed without the home regions, and on a replica whose region is unknown", () => {
    expect(found(directory(["me-south-1"]), home)).toEqual([
      "directory-residency: aws:dynamodb/table:Table home-region-directory holds the home-region directory, but the home regions of stack us-east-1 are not known (homeRegions in the policy config); nothing can place it",
    ]);
    const unknown = resource({
      ...directory([]),
      inputs: {
        tags: { DataClass: "pseudonymous-directory" },
        replicas: [{ regionName: UNKNOWN }],
      },
    });
    expect(found(unknown, withHome)).toEqual([
      "directory-residency: aws:dynamodb/table:Table home-region-directory sends a global-table replica to a region that cannot be proven to be in the home regions (me-south-1, us-east-1)",
    ]);
  });

  it("lets no store but the directory's DynamoDB table use the class to leave its allowed regions", () => {
    const bucket = resource({
      type: "aws:s3/bucket:Bucket",
      name: "exports",
      region: "me-south-1",
      provider: usProvider.urn,
      inputs: { tags: { DataClass: "pseudonymous-directory" } },
    });
    expect(found(bucket, withHome)).toEqual([
      "directory-residency: aws:s3/bucket:Bucket exports has DataClass=pseudonymous-directory, which only the home-region directory (a aws:dynamodb/table:Table) may carry; tag it user-data or what it holds",
    ]);
  });

  it("keeps user data to the allowed regions even where the directory may go", () => {
    const users = resource({
      type: "aws:dynamodb/table:Table",
      name: "users",
      region: "us-east-1",
      provider: usProvider.urn,
      inputs: { tags: userData, replicas: [{ regionName: "me-south-1" }] },
    });
    expect(found(users, withHome)).toEqual([
      "user-data-residency: aws:dynamodb/table:Table users sends a global-table replica to me-south-1, outside the allowed regions of stack us-east-1 (us-east-1, us-west-2)",
    ]);
  });
});
