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
import { Tokenization } from "./tokenization";
import type { TokenVaultLocation } from "../data/user-data-store";
import * as pulumi from "@pulumi/pulumi";

const SECRETS = {
  tokenize: "arn:aws:secretsmanager:me-south-1:111122223333:secret:vault-tokenize-AbCdEf",
  detokenize: "arn:aws:secretsmanager:me-south-1:111122223333:secret:vault-detokenize-AbCdEf",
} as const;

function run(vault: "dynamodb" | "aurora") {
  return runComponent((provider) => {
    const keys = new DataKeys(
      "keys",
      { context: TEST_CONTEXT, stack: "test" },
      { providers: [provider] },
    );
    const location: TokenVaultLocation =
      vault === "dynamodb"
        ? {
            kind: "dynamodb",
            tableName: pulumi.output("vault-table"),
            tableArn: pulumi.output("arn:aws:dynamodb:me-south-1:111122223333:table/vault-table"),
          }
        : {
            kind: "aurora",
            clusterArn: pulumi.output("arn:aws:rds:me-south-1:111122223333:cluster:users"),
            database: "knowledgecity",
            migrated: pulumi.output("{}"),
            secretArns: {
              tokenize: pulumi.output(SECRETS.tokenize),
              detokenize: pulumi.output(SECRETS.detokenize),
            },
          };
    new Tokenization(
      "pii",
      { context: TEST_CONTEXT, stack: "test", keys, vault: location },
      { providers: [provider] },
    );
    keys.seal();
  });
}

function statementsOf(policy: RecordedResource | undefined): Record<string, unknown>[] {
  return list(json(policy?.inputs.policy).Statement).map(record);
}

function functionPolicy(recorded: Recorded, fn: string): Record<string, unknown>[] {
  return statementsOf(recorded.named("aws:iam/rolePolicy:RolePolicy", `pii-${fn}-policy`));
}

function actionsOf(statements: Record<string, unknown>[]): string[] {
  return statements.flatMap((s) => list(s.Action).map(String)).sort();
}

describe("Tokenization with a DynamoDB vault", async () => {
  const recorded = Recorded.of(await run("dynamodb"));
  const hmac = recorded.named("aws:kms/key:Key", "pii-hmac");

  it("derives tokens from a KMS HMAC key that cannot leave KMS", () => {
    expect(hmac.inputs).toMatchObject({
      keyUsage: "GENERATE_VERIFY_MAC",
      customerMasterKeySpec: "HMAC_256",
    });
    expect(hmac.protect).toBe(true);
  });

  it("lets tokenize MAC, encrypt under the vault context and write the vault, nothing more", () => {
    expect(actionsOf(functionPolicy(recorded, "tokenize"))).toEqual(
      [
        "dynamodb:PutItem",
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:GenerateMac",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ].sort(),
    );
    const encrypt = functionPolicy(recorded, "tokenize").find(
      (s) => s.Sid === "EncryptIntoTheVault",
    );
    expect(encrypt?.Condition).toEqual({
      StringEquals: { "kms:EncryptionContext:purpose": "pii-vault" },
    });
  });

  it("gives detokenize a narrower role: read the vault and decrypt, no MAC, no write", () => {
    const actions = actionsOf(functionPolicy(recorded, "detokenize"));
    expect(actions).toEqual(
      [
        "dynamodb:BatchGetItem",
        "kms:Decrypt",
        "kms:Decrypt",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ].sort(),
    );
    expect(actions).not.toContain("kms:GenerateMac");
    expect(actions).not.toContain("dynamodb:PutItem");
    const fn = recorded.named("aws:lambda/function:Function", "pii-detokenize-fn");
    expect(Object.keys(record(record(fn.inputs.environment).variables)).sort()).toEqual([
      "DATA_KEY_ID",
      "VAULT_KIND",
      "VAULT_TABLE",
    ]);
  });

  it("names each function in the key policies with exactly its use", () => {
    const tokenizeRole = recorded.named("aws:iam/role:Role", "pii-tokenize-role");
    const hmacPolicy = statementsOf(recorded.named("aws:kms/keyPolicy:KeyPolicy", "pii-hmac"));
    const macs = hmacPolicy.find((s) => s.Sid === "TokenizeMacs");
    expect(macs?.Action).toEqual(["kms:GenerateMac"]);
    expect(String(record(macs?.Principal).AWS)).toMatch(/:role\/pii-tokenize-role-/);
    const userData = statementsOf(recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-user-data"));
    expect(userData.map((s) => s.Sid)).toEqual([
      "AccountAdministersTheKey",
      "AccountUsesTheKeyThroughItsStores",
      "TokenizeEncryptsIntoTheVault",
      "DetokenizeDecryptsFromTheVault",
      "OnlyTheVaultReaderDecryptsVaultValues",
    ]);
    // Everyone but detokenize is denied vault values, whatever else the key policy allows.
    expect(userData[4]).toMatchObject({
      Effect: "Deny",
      Principal: "*",
      Action: ["kms:Decrypt", "kms:ReEncryptFrom"],
      Condition: { StringEquals: { "kms:EncryptionContext:purpose": "pii-vault" } },
    });
    expect(String(record(record(userData[4]?.Condition).ArnNotEquals)["aws:PrincipalArn"])).toMatch(
      /:role\/pii-detokenize-role-/,
    );
    expect(userData[2]).toMatchObject({
      Action: ["kms:Encrypt"],
      Condition: { StringEquals: { "kms:EncryptionContext:purpose": "pii-vault" } },
    });
    expect(String(record(userData[2]?.Principal).AWS)).toContain(tokenizeRole.name);
    expect(userData[3]).toMatchObject({ Action: ["kms:Decrypt"] });
  });

  it("creates the functions' encrypted log groups only once CloudWatch Logs may use the key", () => {
    const telemetryPolicy = recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-telemetry");
    const logGroups = recorded.ofType("aws:cloudwatch/logGroup:LogGroup");
    expect(logGroups.map((g) => g.name).sort()).toEqual([
      "pii-detokenize-logs",
      "pii-tokenize-logs",
    ]);
    for (const group of logGroups) {
      expect(group.dependsOn, group.name).toContain(telemetryPolicy.urn);
    }
    // The user-data key policy names the functions' roles; the roles wait for no key policy.
    const userDataPolicy = recorded.named("aws:kms/keyPolicy:KeyPolicy", "keys-user-data");
    const role = recorded.named("aws:iam/role:Role", "pii-tokenize-role");
    expect(userDataPolicy.dependsOn).toContain(role.urn);
    expect(role.dependsOn).not.toContain(userDataPolicy.urn);
  });

  it("deploys both handlers bundled, on Node.js 22 arm64", () => {
    for (const fn of ["tokenize", "detokenize"]) {
      const lambda = recorded.named("aws:lambda/function:Function", `pii-${fn}-fn`);
      expect(lambda.inputs).toMatchObject({
        runtime: "nodejs22.x",
        architectures: ["arm64"],
        handler: "index.handler",
      });
    }
  });
});

describe("Tokenization with an Aurora vault", async () => {
  const recorded = Recorded.of(await run("aurora"));

  for (const [fn, other, sid] of [
    ["tokenize", "detokenize", "WriteTheVault"],
    ["detokenize", "tokenize", "ReadTheVault"],
  ] as const) {
    it(`lets ${fn} reach the vault through the Data API with its own database role's secret only`, () => {
      const statements = functionPolicy(recorded, fn);
      expect(statements.find((s) => s.Sid === sid)).toMatchObject({
        Action: ["rds-data:ExecuteStatement"],
        Resource: ["arn:aws:rds:me-south-1:111122223333:cluster:users"],
      });
      expect(statements.find((s) => s.Sid === "VaultRoleSecret")).toMatchObject({
        Action: ["secretsmanager:GetSecretValue"],
        Resource: [SECRETS[fn]],
      });
      expect(JSON.stringify(statements)).not.toContain(SECRETS[other]);
      const lambda = recorded.named("aws:lambda/function:Function", `pii-${fn}-fn`);
      expect(record(record(lambda.inputs.environment).variables)).toMatchObject({
        VAULT_KIND: "aurora",
        VAULT_SECRET_ARN: SECRETS[fn],
        VAULT_DATABASE: "knowledgecity",
      });
    });
  }
});
