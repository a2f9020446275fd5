/**
 * Residency of the real stacks: every store of user data is encrypted with a key of its own
 * region and stays in its stack's allowed regions.
 */
import { describe, expect, it } from "vitest";
import { tagsOf } from "../policy/rules/resource-facts";
import { record, type RecordedResource } from "../tools/plan/engine";
import { usePlansOfEveryStack } from "./stack-plans";

const { planOf } = usePlansOfEveryStack();
const recordedOf = (stack: string): readonly RecordedResource[] => planOf(stack).recorded;
const userData = (stack: string) =>
  recordedOf(stack).filter((r) => tagsOf(r).DataClass === "user-data");

/** The key ARN a user-data resource is encrypted with, wherever its type keeps it. */
function encryptionKeyOf(resource: RecordedResource): unknown {
  const inputs = resource.inputs;
  switch (resource.type) {
    case "aws:dynamodb/table:Table":
      return record(inputs.serverSideEncryption).kmsKeyArn;
    case "aws:rds/cluster:Cluster":
    case "aws:secretsmanager/secret:Secret":
      return inputs.kmsKeyId;
    case "aws:rds/clusterInstance:ClusterInstance":
      return inputs.performanceInsightsKmsKeyId;
    case "aws:backup/vault:Vault":
      return inputs.kmsKeyArn;
    default:
      return undefined;
  }
}

describe("keys and the stores that use them", () => {
  it.each(["me-south-1", "us-east-1"])(
    "%s: every store encrypted with a data-class key can use it through its own service",
    (stack) => {
      const recorded = recordedOf(stack);
      const keyOf = (arn: unknown) =>
        recorded.find(
          (r) =>
            r.type === "aws:kms/key:Key" &&
            typeof arn === "string" &&
            arn.endsWith(`/${r.id ?? ""}`),
        );
      const serviceOf: Record<string, string> = {
        "aws:dynamodb/table:Table": "dynamodb",
        "aws:rds/cluster:Cluster": "rds",
        "aws:secretsmanager/secret:Secret": "secretsmanager",
        "aws:sqs/queue:Queue": "sqs",
        "aws:sns/topic:Topic": "sns",
        "aws:kinesis/stream:Stream": "kinesis",
        "aws:backup/vault:Vault": "backup",
      };
      const keyArnOf = (r: RecordedResource): unknown =>
        r.type === "aws:dynamodb/table:Table"
          ? record(r.inputs.serverSideEncryption).kmsKeyArn
          : (r.inputs.kmsKeyId ?? r.inputs.kmsMasterKeyId ?? r.inputs.kmsKeyArn);
      const policies = recorded.filter((r) => r.type === "aws:kms/keyPolicy:KeyPolicy");
      let checked = 0;
      for (const store of recorded.filter((r) => serviceOf[r.type] !== undefined)) {
        const key = keyOf(keyArnOf(store));
        const policy = policies.find((p) => p.inputs.keyId === key?.id);
        if (key === undefined || policy === undefined) {
          continue;
        }
        const statements = (
          JSON.parse(String(policy.inputs.policy)) as {
            Statement: { Sid?: string; Condition?: { StringEquals?: Record<string, unknown> } }[];
          }
        ).Statement;
        const through = statements.find((s) => s.Sid === "AccountUsesTheKeyThroughItsStores")
          ?.Condition?.StringEquals?.["kms:ViaService"];
        expect(through, `${store.urn} uses ${key.name}`).toContain(
          `${serviceOf[store.type] ?? ""}.${stack}.amazonaws.com`,
        );
        checked += 1;
      }
      expect(checked).toBeGreaterThan(8);
    },
  );
});

describe("residency of the real stacks", () => {
  it("the Saudi stack keeps user data in Aurora in me-south-1 and creates no DynamoDB user table", () => {
    const saudi = recordedOf("me-south-1");
    expect(
      saudi.filter(
        (r) => r.type === "aws:dynamodb/table:Table" && tagsOf(r).DataClass === "user-data",
      ),
    ).toEqual([]);
    // One Aurora cluster per shard of the store (the stack file sets two), all in me-south-1.
    expect(
      saudi.filter((r) => r.type === "aws:rds/cluster:Cluster").map((r) => [r.name, r.region]),
    ).toEqual([
      ["kc-users-cluster", "me-south-1"],
      ["kc-users-s2-cluster", "me-south-1"],
    ]);
    const outside = userData("me-south-1").filter((r) => r.region !== "me-south-1");
    expect(outside.map((r) => r.urn)).toEqual([]);
    // Only what AWS requires in us-east-1 lives elsewhere, holding no data: the video CDN's
    // certificate, and its 5xx alarm with the alert topic and key it needs there (CloudFront
    // publishes metrics only in us-east-1), and its Lambda@Edge function with the function's role.
    const elsewhere = saudi.filter((r) => r.region !== "me-south-1");
    expect([...new Set(elsewhere.map((r) => `${r.region} ${r.type}`))].sort()).toEqual([
      "us-east-1 aws:acm/certificate:Certificate",
      "us-east-1 aws:acm/certificateValidation:CertificateValidation",
      "us-east-1 aws:cloudwatch/metricAlarm:MetricAlarm",
      "us-east-1 aws:iam/role:Role",
      "us-east-1 aws:iam/rolePolicy:RolePolicy",
      "us-east-1 aws:kms/alias:Alias",
      "us-east-1 aws:kms/key:Key",
      "us-east-1 aws:lambda/function:Function",
      "us-east-1 aws:sns/topic:Topic",
      "us-east-1 aws:sns/topicPolicy:TopicPolicy",
      "us-east-1 pulumi:providers:aws",
    ]);
  });

  it("the US stack keeps user data in DynamoDB global tables replicated only to US regions, and creates no Aurora", () => {
    const us = recordedOf("us-east-1");
    expect(us.filter((r) => r.type.startsWith("aws:rds/"))).toEqual([]);
    const tables = us.filter(
      (r) => r.type === "aws:dynamodb/table:Table" && tagsOf(r).DataClass === "user-data",
    );
    expect(tables.length).toBeGreaterThanOrEqual(3);
    for (const table of tables) {
      const replicas = (table.inputs.replicas as unknown[]).map(record);
      expect(replicas.map((replica) => replica.regionName)).toEqual(["us-west-2"]);
    }
    expect(userData("us-east-1").every((r) => ["us-east-1", "us-west-2"].includes(r.region))).toBe(
      true,
    );
  });

  it.each(["me-south-1", "us-east-1"])(
    "%s encrypts every user-data store with its own user-data key",
    (stack) => {
      const recorded = recordedOf(stack);
      const key = recorded.find(
        (r) => r.type === "aws:kms/key:Key" && r.name === "kc-keys-user-data",
      );
      expect(key?.id).toBeDefined();
      const keyArn = `arn:aws:kms:${stack}:111122223333:key/${key?.id ?? ""}`;
      const stores = userData(stack).filter((r) => encryptionKeyOf(r) !== undefined);
      expect(stores.length).toBeGreaterThanOrEqual(stack === "me-south-1" ? 6 : 5);
      for (const store of stores) {
        expect(encryptionKeyOf(store), store.urn).toBe(keyArn);
      }
      // Global-table replicas use the replica of that same multi-region key in their region.
      for (const table of userData(stack).filter((r) => r.type === "aws:dynamodb/table:Table")) {
        for (const replica of (table.inputs.replicas as unknown[]).map(record)) {
          expect(replica.kmsKeyArn).toBe(`arn:aws:kms:us-west-2:111122223333:key/${key?.id ?? ""}`);
        }
      }
    },
  );

  it.each(["me-south-1", "us-east-1"])(
    "%s protects its user-data stores from deletion, in AWS and in Pulumi",
    (stack) => {
      const stores = userData(stack).filter((r) =>
        ["aws:dynamodb/table:Table", "aws:rds/cluster:Cluster", "aws:backup/vault:Vault"].includes(
          r.type,
        ),
      );
      expect(stores.length).toBeGreaterThan(0);
      for (const store of stores) {
        expect(store.protect, store.urn).toBe(true);
        if (store.type === "aws:dynamodb/table:Table") {
          expect(store.inputs.deletionProtectionEnabled).toBe(true);
        } else if (store.type === "aws:rds/cluster:Cluster") {
          expect(store.inputs.deletionProtection).toBe(true);
        }
      }
    },
  );
});
