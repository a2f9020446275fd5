import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import {
  json,
  list,
  record,
  Recorded,
  runComponent,
  TEST_CONTEXT,
  type RecordedResource,
} from "../../tools/plan/engine";
import { DataKeys } from "./data-keys";
import { serviceTrustPolicy } from "../shared/iam";
import {
  KEY_ADMIN_ACTIONS,
  KEY_DATA_ACTIONS,
  MULTI_REGION_KEY_ADMIN_ACTIONS,
} from "./key-policies";

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
      const transcoder = new aws.iam.Role(
        "transcoder",
        { assumeRolePolicy: serviceTrustPolicy("mediaconvert.amazonaws.com", "111122223333") },
        { provider },
      );
      keys.allow("content", {
        sid: "Transcoder",
        principal: { AWS: transcoder.arn },
        actions: ["kms:Decrypt"],
      });
      // What CloudWatch Logs checks against the key policy on creation.
      new aws.cloudwatch.LogGroup(
        "waits",
        { kmsKeyId: keys.policyReadyKeyArns.telemetry },
        { provider },
      );
      // What no service checks against the key policy may use the plain ARN, and not wait.
      new aws.sns.Topic("early", { kmsMasterKeyId: keys.keyArns.telemetry }, { provider });
      keys.seal();
    }, "us-east-1"),
  );

  /** Every resource `urn` waits for, directly or through others. */
  const waitsFor = (urn: string): Set<string> => {
    const byUrn = new Map(recorded.resources.map((r): [string, RecordedResource] => [r.urn, r]));
    const seen = new Set<string>();
    const pending = [...(byUrn.get(urn)?.dependsOn ?? [])];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      if (!seen.has(next)) {
        seen.add(next);
        pending.push(...(byUrn.get(next)?.dependsOn ?? []));
      }
    }
    return seen;
  };

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
      Principal: { AWS: recorded.named("aws:iam/role:Role", "transcoder").state.arn },
      Action: ["kms:Decrypt"],
      Resource: "*",
    });
    const telemetry = list(
      json(recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-telemetry").inputs.policy).Statement,
    ).map(record);
    expect(telemetry.map((s) => s.Sid)).toContain("CloudWatchLogsEncryptsThisAccountsLogGroups");
  });

  it("gives each key's ARN ready for use only once the key's policy exists", () => {
    const policy = recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-telemetry");
    const key = recorded.named("aws:kms/key:Key", "keys-telemetry");
    const waits = recorded.named("aws:cloudwatch/logGroup:LogGroup", "waits");
    expect(waits.inputs.kmsKeyId).toMatch(/^arn:aws:kms:us-east-1:111122223333:key\//);
    expect(recorded.referencedBy(policy.inputs.keyId).urn).toBe(key.urn);
    expect(waitsFor(waits.urn)).toContain(policy.urn);
    // The plain ARN carries only the key.
    const early = recorded.named("aws:sns/topic:Topic", "early");
    expect(early.inputs.kmsMasterKeyId).toBe(waits.inputs.kmsKeyId);
    expect(waitsFor(early.urn)).toContain(key.urn);
    expect(waitsFor(early.urn)).not.toContain(policy.urn);
  });

  it("names each administrative action, none of which uses a key for data or grants its use", () => {
    /** Whether an IAM action pattern (with `*` and `?` wildcards) covers an action. */
    const covers = (pattern: string, action: string): boolean =>
      new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*/g, ".*")
          .replace(/\?/g, ".")}$`,
        "i",
      ).test(action);
    expect(covers("kms:Create*", "kms:CreateGrant")).toBe(true);
    const policies = [
      ...recorded.ofType("aws:kms/keyPolicy:KeyPolicy").map((p) => [p.name, p.inputs.policy]),
      ...recorded.ofType("aws:kms/replicaKey:ReplicaKey").map((k) => [k.name, k.inputs.policy]),
    ];
    expect(policies).toHaveLength(4);
    for (const [name, policy] of policies) {
      const admin = list(json(policy).Statement)
        .map(record)
        .find((s) => s.Sid === "AccountAdministersTheKey");
      const actions = list(admin?.Action).map(String);
      expect(actions, String(name)).toEqual(
        String(name).startsWith("keys-user-data")
          ? [...KEY_ADMIN_ACTIONS, ...MULTI_REGION_KEY_ADMIN_ACTIONS]
          : [...KEY_ADMIN_ACTIONS],
      );
      for (const dataAction of KEY_DATA_ACTIONS) {
        expect(
          actions.filter((action) => covers(action, dataAction)),
          `${String(name)}: ${dataAction}`,
        ).toEqual([]);
      }
    }
    // Administration still covers the default policy's administrators, named one by one.
    for (const action of ["kms:CreateAlias", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"]) {
      expect(KEY_ADMIN_ACTIONS).toContain(action);
    }
    expect(KEY_ADMIN_ACTIONS.filter((action) => action.includes("*"))).toEqual([]);
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
