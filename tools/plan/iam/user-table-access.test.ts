/** The IAM check over a UserDataStore whose tables are restricted to named roles. */
import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { Recorded, runComponent, TEST_CONTEXT, type RecordedResource } from "../engine";
import { serviceTrustPolicy } from "../../../components/shared/iam";
import {
  UserDataStore,
  USER_STREAM_READ_ACTIONS,
  USER_TABLE_ITEM_ACTIONS,
} from "../../../components/data/user-data-store";
import { checkModel, failureLines } from "./check";
import { loadIamModel } from "./loader";
import type { IamPath } from "./paths";

const CONTEXT = { ...TEST_CONTEXT, region: "us-east-1" };

/** A US store with a replica, its vault restricted to one role (or to `restrict`'s choice). */
function run(restrict: (store: UserDataStore, roleArn: aws.iam.Role["arn"]) => void) {
  return runComponent(
    (provider, providerFor) => {
      const key = new aws.kms.Key("user-data", { multiRegion: true }, { provider });
      const replicaKey = new aws.kms.ReplicaKey(
        "user-data-us-west-2",
        { primaryKeyArn: key.arn },
        { provider: providerFor("us-west-2") },
      );
      const role = new aws.iam.Role(
        "vault-reader",
        { assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", CONTEXT.accountId) },
        { provider },
      );
      const store = new UserDataStore(
        "users",
        {
          kind: "dynamodb",
          context: CONTEXT,
          allowedRegions: ["us-east-1", "us-west-2"],
          userDataKeyArn: key.arn,
          replicaKeyArns: { "us-west-2": replicaKey.arn },
        },
        { provider },
      );
      restrict(store, role.arn);
    },
    { region: "us-east-1" },
  );
}

const admin = (table: string, action: string): IamPath => ({
  caller: { synthetic: "admin" },
  action,
  target: { type: "table", name: table },
  why: `an administrator must not reach ${table}`,
});

describe("UserDataStore.restrictTables", async () => {
  const engineRun = await run((store, roleArn) => {
    store.restrictTables("vault", [roleArn]);
  });
  const resources: readonly RecordedResource[] = engineRun.resources;
  const recorded = Recorded.of(engineRun);

  it("puts a resource policy on the table and its stream, and on its replica's, in the replica's region", () => {
    const all = recorded.ofType("aws:dynamodb/resourcePolicy:ResourcePolicy");
    expect(all.map((p) => `${p.name} ${p.region}`).sort()).toEqual([
      "users-pii-vault-access us-east-1",
      "users-pii-vault-access-us-west-2 us-west-2",
      "users-pii-vault-stream us-east-1",
      "users-pii-vault-stream-us-west-2 us-west-2",
    ]);
    const streams = all.filter((p) => p.name.includes("-stream"));
    for (const stream of streams) {
      expect(String(stream.inputs.resourceArn)).toMatch(
        new RegExp(
          `^arn:aws:dynamodb:${stream.region}:111122223333:table/users-pii-vault-\\w+/stream/[\\d:.T-]+$`,
        ),
      );
      const document = JSON.parse(String(stream.inputs.policy)) as {
        Statement: { Effect: string; Action: string[]; Condition: Record<string, unknown> }[];
      };
      // Nobody but replication reads the changes, not even the table's own roles.
      expect(document.Statement).toEqual([
        expect.objectContaining({
          Effect: "Deny",
          Action: [...USER_STREAM_READ_ACTIONS],
          Condition: {
            ArnNotEquals: {
              "aws:PrincipalArn":
                "arn:aws:iam::111122223333:role/aws-service-role/replication.dynamodb.amazonaws.com/AWSServiceRoleForDynamoDBReplication",
            },
          },
        }),
      ]);
    }
    const policies = all.filter((p) => p.name.includes("-access"));
    const replica = policies.find((p) => p.region === "us-west-2");
    expect(String(replica?.inputs.resourceArn)).toMatch(
      /^arn:aws:dynamodb:us-west-2:111122223333:table\/users-pii-vault-/,
    );
    const document = JSON.parse(String(replica?.inputs.policy)) as {
      Statement: { Effect: string; Action: string[]; Condition: Record<string, unknown> }[];
    };
    expect(document.Statement[0]).toMatchObject({
      Effect: "Deny",
      Action: [...USER_TABLE_ITEM_ACTIONS],
    });
    // DynamoDB's replication role is never denied: replication would stop.
    expect(JSON.stringify(document.Statement[0]?.Condition)).toContain(
      "role/aws-service-role/replication.dynamodb.amazonaws.com/AWSServiceRoleForDynamoDBReplication",
    );
  });

  it("denies an administrator the restricted tables, their replicas included, and leaves others alone", async () => {
    const model = loadIamModel("test", "us-east-1", resources);
    const report = await checkModel(model, {
      required: () => [
        {
          caller: { role: "vault-reader" },
          action: "dynamodb:BatchGetItem",
          target: { type: "table", name: "users-pii-vault" },
          why: "the named role may still be granted the vault",
        },
      ],
      mustDeny: () => [
        admin("users-pii-vault", "dynamodb:GetItem"),
        admin("users-pii-vault@us-west-2", "dynamodb:Scan"),
        admin("users-users", "dynamodb:GetItem"),
      ],
    });
    // The role has no grant of its own (neither the table nor its key), and the app tables are
    // not restricted here: only the vault and its replica refuse the administrator.
    expect(failureLines(report)).toEqual([
      expect.stringMatching(
        /^IAM test: vault-reader dynamodb:BatchGetItem on arn:aws:dynamodb:us-east-1:111122223333:table\/users-pii-vault-\w+: ImplicitlyDenied, must be allowed \(/,
      ),
      expect.stringMatching(
        /^IAM test: vault-reader kms:Decrypt on arn:aws:kms:us-east-1:111122223333:key\/mrk-\w+: ImplicitlyDenied, must be allowed \(.*dynamodb uses user-data for the caller/,
      ),
      expect.stringMatching(
        /^IAM test: an account administrator \(\* on \*\) dynamodb:GetItem on arn:aws:dynamodb:us-east-1:111122223333:table\/users-users-\w+: Allowed, must be denied \(/,
      ),
    ]);
    const denied = report.results.filter((r) => r.decision === "ExplicitlyDenied");
    expect(denied.map((r) => r.resource.split(":")[3])).toEqual(["us-east-1", "us-west-2"]);
  });

  it("refuses an empty list and a second restriction of the same tables", async () => {
    await expect(
      run((store) => {
        store.restrictTables("app", []);
      }),
    ).rejects.toThrow(/restrictTables\(app\): no principal named/);
    await expect(
      run((store, roleArn) => {
        store.restrictTables("vault", [roleArn]);
        store.restrictTables("vault", [roleArn]);
      }),
    ).rejects.toThrow(/the vault tables are restricted already/);
  });
});
