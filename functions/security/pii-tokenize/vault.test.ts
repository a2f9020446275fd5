import {
  BatchGetItemCommand,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import {
  BadRequestException,
  ExecuteStatementCommand,
  RDSDataClient,
} from "@aws-sdk/client-rds-data";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { VaultRecord } from "./core";
import { VaultError, VaultIntegrityError } from "./errors";
import {
  CLUSTER_ARN,
  DATABASE,
  SECRET_ARN,
  VAULT_TABLE,
  captureLogs,
  tokenFor,
  utf8,
} from "./test-support";
import {
  AURORA_INSERT_SQL,
  AuroraTokenVault,
  DynamoDbTokenVault,
  auroraSelectSql,
  createTokenVault,
} from "./vault";

const ddb = mockClient(DynamoDBClient);
const rds = mockClient(RDSDataClient);
let logs: ReturnType<typeof captureLogs>;

beforeEach(() => {
  ddb.reset();
  rds.reset();
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
});

const record = (value: string): VaultRecord => ({
  token: tokenFor("email", value),
  field: "email",
  ciphertext: utf8(`sealed:${value.length}`),
  createdAt: "2025-03-01T12:00:00.000Z",
});

const ddbItem = (token: string): Record<string, AttributeValue> => ({
  token: { S: token },
  field: { S: "email" },
  ciphertext: { B: utf8(`c-${token}`) },
});

describe("createTokenVault", () => {
  it("creates the vault of the configured kind", () => {
    expect(createTokenVault({ kind: "dynamodb", tableName: "t" })).toBeInstanceOf(
      DynamoDbTokenVault,
    );
    expect(
      createTokenVault({ kind: "aurora", clusterArn: "c", secretArn: "s", database: "d" }),
    ).toBeInstanceOf(AuroraTokenVault);
  });
});

describe("DynamoDbTokenVault", () => {
  const sleeps: number[] = [];
  const vault = (maxAttempts = 3): DynamoDbTokenVault =>
    new DynamoDbTokenVault(new DynamoDBClient({ region: "me-south-1" }), VAULT_TABLE, {
      maxAttempts,
      baseDelayMs: 100,
      maxDelayMs: 250,
      random: () => 0.5,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });

  beforeEach(() => {
    sleeps.length = 0;
  });

  // Put-if-absent, races and BatchGetItem's limits run on DynamoDB Local
  // (vault.dynamodb.test.ts); here the faults it cannot produce.

  it("maps other failures to VaultError and logs no message", async () => {
    ddb.on(PutItemCommand).rejects(
      new ProvisionedThroughputExceededException({
        message: "raw message a@b.example",
        $metadata: { httpStatusCode: 400, requestId: "REQ1" },
      }),
    );
    const item = record("a@b.example");
    await expect(vault().putIfAbsent(item)).rejects.toThrow(new VaultError("vault write failed"));
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: "error",
        event: "vault.failed",
        operation: "write",
        token: item.token,
        errorName: "ProvisionedThroughputExceededException",
        httpStatusCode: 400,
        awsRequestId: "REQ1",
      }),
    ]);
    expect(logs.text()).not.toContain("a@b.example");
  });

  it("reads strongly consistent, so a token written a moment ago is found", async () => {
    const a = tokenFor("email", "a");
    ddb.on(BatchGetItemCommand).resolves({ Responses: { [VAULT_TABLE]: [ddbItem(a)] } });
    await vault().getMany([a]);
    expect(
      ddb.commandCalls(BatchGetItemCommand)[0]?.args[0].input.RequestItems?.[VAULT_TABLE],
    ).toMatchObject({ ConsistentRead: true });
  });

  it("retries unprocessed keys with backoff", async () => {
    const [a, b, c] = ["a", "b", "c"].map((value) => tokenFor("email", value)) as [
      string,
      string,
      string,
    ];
    ddb
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { [VAULT_TABLE]: [ddbItem(a)] },
        UnprocessedKeys: { [VAULT_TABLE]: { Keys: [{ token: { S: b } }, { token: { S: c } }] } },
      })
      .resolvesOnce({
        Responses: { [VAULT_TABLE]: [ddbItem(b)] },
        UnprocessedKeys: { [VAULT_TABLE]: { Keys: [{ token: { S: c } }] } },
      })
      .resolvesOnce({ Responses: { [VAULT_TABLE]: [ddbItem(c)] }, UnprocessedKeys: {} });
    const found = await vault().getMany([a, b, c]);
    expect([...found.keys()]).toEqual([a, b, c]);
    const keys = ddb
      .commandCalls(BatchGetItemCommand)
      .map((call) =>
        call.args[0].input.RequestItems?.[VAULT_TABLE]?.Keys?.map((key) => key.token?.S),
      );
    expect(keys).toEqual([[a, b, c], [b, c], [c]]);
    expect(sleeps).toEqual([50, 100]);
  });

  it("fails clearly when keys stay unprocessed", async () => {
    const a = tokenFor("email", "a");
    ddb.on(BatchGetItemCommand).resolves({
      Responses: { [VAULT_TABLE]: [] },
      UnprocessedKeys: { [VAULT_TABLE]: { Keys: [{ token: { S: a } }] } },
    });
    await expect(vault(4).getMany([a])).rejects.toThrow(
      new VaultError("vault read incomplete: 1 keys still unprocessed after 4 attempts"),
    );
    expect(ddb.commandCalls(BatchGetItemCommand)).toHaveLength(4);
    expect(sleeps).toEqual([50, 100, 125]);
  });

  it("maps read failures to VaultError", async () => {
    ddb.on(BatchGetItemCommand).rejects(new Error("socket hang up"));
    await expect(vault().getMany([tokenFor("email", "a")])).rejects.toThrow(
      new VaultError("vault read failed"),
    );
  });
});

describe("AuroraTokenVault", () => {
  const config = { clusterArn: CLUSTER_ARN, secretArn: SECRET_ARN, database: DATABASE };
  const vault = (): AuroraTokenVault =>
    new AuroraTokenVault(new RDSDataClient({ region: "me-south-1" }), config);

  it("inserts with named parameters and ON CONFLICT DO NOTHING", async () => {
    rds.on(ExecuteStatementCommand).resolves({ numberOfRecordsUpdated: 1 });
    const item = record("a@b.example");
    expect(await vault().putIfAbsent(item)).toBe("created");
    expect(rds.commandCalls(ExecuteStatementCommand).map((call) => call.args[0].input)).toEqual([
      {
        resourceArn: CLUSTER_ARN,
        secretArn: SECRET_ARN,
        database: DATABASE,
        sql:
          "INSERT INTO vault.pii_token_vault (token, field, ciphertext, created_at) " +
          "VALUES (:token, :field, :ciphertext, CAST(:created_at AS timestamptz)) " +
          "ON CONFLICT DO NOTHING",
        parameters: [
          { name: "token", value: { stringValue: item.token } },
          { name: "field", value: { stringValue: "email" } },
          { name: "ciphertext", value: { blobValue: item.ciphertext } },
          { name: "created_at", value: { stringValue: "2025-03-01T12:00:00.000Z" } },
        ],
      },
    ]);
    expect(AURORA_INSERT_SQL).not.toContain(item.token);
  });

  it("reports a conflict as already present", async () => {
    rds.on(ExecuteStatementCommand).resolves({ numberOfRecordsUpdated: 0 });
    expect(await vault().putIfAbsent(record("a@b.example"))).toBe("existing");
  });

  it("selects with a parameter per distinct token", async () => {
    const [a, b] = [tokenFor("email", "a"), tokenFor("email", "b")];
    rds.on(ExecuteStatementCommand).resolves({
      records: [[{ stringValue: b }, { stringValue: "email" }, { blobValue: utf8("cb") }]],
    });
    const found = await vault().getMany([a, b, a]);
    expect([...found.values()]).toEqual([{ token: b, field: "email", ciphertext: utf8("cb") }]);
    expect(rds.commandCalls(ExecuteStatementCommand).map((call) => call.args[0].input)).toEqual([
      {
        resourceArn: CLUSTER_ARN,
        secretArn: SECRET_ARN,
        database: DATABASE,
        sql: "SELECT token, field, ciphertext FROM vault.pii_token_vault WHERE token IN (:token0, :token1)",
        parameters: [
          { name: "token0", value: { stringValue: a } },
          { name: "token1", value: { stringValue: b } },
        ],
      },
    ]);
    expect(auroraSelectSql(1)).toBe(
      "SELECT token, field, ciphertext FROM vault.pii_token_vault WHERE token IN (:token0)",
    );
  });

  it("maps Data API failures to VaultError", async () => {
    rds
      .on(ExecuteStatementCommand)
      .rejects(
        new BadRequestException({ message: "ERROR: relation does not exist", $metadata: {} }),
      );
    await expect(vault().putIfAbsent(record("a"))).rejects.toThrow(
      new VaultError("vault write failed"),
    );
    await expect(vault().getMany([tokenFor("email", "a")])).rejects.toThrow(
      new VaultError("vault read failed"),
    );
  });

  it("rejects a malformed row", async () => {
    const a = tokenFor("email", "a");
    rds.on(ExecuteStatementCommand).resolves({
      records: [[{ stringValue: a }, { stringValue: "email" }, { isNull: true }]],
    });
    await expect(vault().getMany([a])).rejects.toThrow(VaultIntegrityError);
  });
});
