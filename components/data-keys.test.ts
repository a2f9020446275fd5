import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { json, list, record, Recorded, runComponent, TEST_CONTEXT } from "../test/harness";
import { DataKeys } from "./data-keys";
import { KEY_ADMIN_ACTIONS } from "./key-policies";

describe("DataKeys", async () => {
  const recorded = Recorded.of(
    await runComponent((provider, providerFor) => {
      const keys = new DataKeys(
        "keys",
        {
          context: { ...TEST_CONTEXT, region: "us-east-1" },
          stack: "us-east-1",
          userDataReplicaRegions: { "us-west-2": providerFor("us-west-2") },
        },
        { providers: [provider] },
      );
      keys.allow("content", {
        sid: "Transcoder",
        principal: { AWS: "arn:aws:iam::111122223333:role/transcoder" },
        actions: ["kms:Decrypt"],
      });
      keys.seal();
    }, "us-east-1"),
  );

  it("creates one rotating key per data class, the user-data key multi-region and protected", () => {
    const keys = recorded.ofType("aws:kms/key:Key");
    expect(keys.map((k) => record(k.inputs.tags).DataClass).sort()).toEqual([
      "content",
      "telemetry",
      "user-data",
    ]);
    for (const key of keys) {
      expect(key.inputs).toMatchObject({
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: 30,
      });
      expect(key.inputs.policy).toBeUndefined();
    }
    const userData = recorded.named("aws:kms/key:Key", "keys-user-data");
    expect(userData.inputs.multiRegion).toBe(true);
    expect(userData.protect).toBe(true);
    expect(
      recorded
        .ofType("aws:kms/alias:Alias")
        .map((a) => a.inputs.name)
        .sort(),
    ).toEqual([
      "alias/knowledgecity/us-east-1/content",
      "alias/knowledgecity/us-east-1/telemetry",
      "alias/knowledgecity/us-east-1/user-data",
    ]);
  });

  it("replicates the user-data key into the replica region only", () => {
    const [replica] = recorded.ofType("aws:kms/replicaKey:ReplicaKey");
    expect(replica?.region).toBe("us-west-2");
    expect(replica?.inputs.primaryKeyArn).toMatch(/^arn:aws:kms:us-east-1:111122223333:key\/mrk-/);
  });

  it("lets the account administer but use a key for data only through its class's stores, and named users", () => {
    const statements = list(
      json(recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-content").inputs.policy).Statement,
    ).map(record);
    expect(statements[0]).toMatchObject({
      Sid: "AccountAdministersTheKey",
      Action: [...KEY_ADMIN_ACTIONS],
    });
    expect(list(statements[0]?.Action)).not.toContain("kms:Decrypt");
    expect(statements[1]).toMatchObject({
      Sid: "AccountUsesTheKeyThroughItsStores",
      Condition: {
        StringEquals: {
          "kms:CallerAccount": "111122223333",
          "kms:ViaService": [
            "s3.us-east-1.amazonaws.com",
            "sqs.us-east-1.amazonaws.com",
            "sns.us-east-1.amazonaws.com",
            "dynamodb.us-east-1.amazonaws.com",
            "secretsmanager.us-east-1.amazonaws.com",
            "ecr.us-east-1.amazonaws.com",
          ],
        },
      },
    });
    expect(statements[2]).toEqual({
      Sid: "Transcoder",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111122223333:role/transcoder" },
      Action: ["kms:Decrypt"],
      Resource: "*",
    });
    const telemetry = list(
      json(recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-telemetry").inputs.policy).Statement,
    ).map(record);
    expect(telemetry.map((s) => s.Sid)).toContain("CloudWatchLogsEncryptsThisAccountsLogGroups");
  });

  it("refuses users after sealing, a second seal and a short deletion window", async () => {
    const attempt = (build: (keys: DataKeys) => void, deletionWindowDays?: number) =>
      runComponent((provider: aws.Provider) => {
        const keys = new DataKeys(
          "keys",
          { context: TEST_CONTEXT, stack: "t", deletionWindowDays },
          { providers: [provider] },
        );
        build(keys);
      });
    await expect(
      attempt((keys) => {
        keys.seal();
        keys.allow("user-data", {
          sid: "Late",
          principal: { AWS: "arn:aws:iam::1:role/x" },
          actions: ["kms:Decrypt"],
        });
      }),
    ).rejects.toThrow(/Late: the key policies are sealed already/);
    await expect(
      attempt((keys) => {
        keys.seal();
        keys.seal();
      }),
    ).rejects.toThrow(/sealed already/);
    await expect(attempt(() => undefined, 3)).rejects.toThrow(
      /deletionWindowDays = 3: expected an integer from 7 to 30/,
    );
  });
});
