import { GetItemCommand, PutItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { KMSClient } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  PII_VAULT_SCHEMA,
  pointHandlersAtEndpoint,
  useTestTable,
} from "../../../test/dynamodb/tables";
import type { VaultRecord } from "./core";
import { VaultIntegrityError } from "./errors";
import {
  DYNAMODB_ENV,
  FakeKms,
  captureLogs,
  setHandlerEnvironment,
  tokenFor,
  utf8,
} from "./test-support";
import { DYNAMODB_BATCH_GET_LIMIT, DynamoDbTokenVault } from "./vault";
import { DETOKENIZE_CONTEXT, TOKENIZE_CONTEXT } from "./fixtures/events";

// The DynamoDB token vault against DynamoDB Local: the real put-if-absent condition and
// BatchGetItem (with its limits) on a table keyed as components/data/user-data-store.ts keys the
// US store's pii-vault table.

const { client, table } = useTestTable("pii-vault", PII_VAULT_SCHEMA);

/** A value no other test of the file uses. */
let values = 0;
function freshValue(): string {
  values += 1;
  return `learner-${values}-${table}@example.com`;
}

function recordOf(value: string, fields: Partial<VaultRecord> = {}): VaultRecord {
  return {
    token: tokenFor("email", value),
    field: "email",
    ciphertext: utf8(`sealed:${value}`),
    createdAt: "2025-03-01T12:00:00.000Z",
    ...fields,
  };
}

/** The whole stored item of `token` (every attribute), or undefined. */
async function storedItem(token: string): Promise<Record<string, AttributeValue> | undefined> {
  const output = await client.send(
    new GetItemCommand({ TableName: table, Key: { token: { S: token } }, ConsistentRead: true }),
  );
  return output.Item;
}

describe("DynamoDbTokenVault", () => {
  const vault = (): DynamoDbTokenVault => new DynamoDbTokenVault(client, table);

  it("stores a complete record and reads it back", async () => {
    const record = recordOf(freshValue());
    await expect(vault().putIfAbsent(record)).resolves.toBe("created");
    expect(await storedItem(record.token)).toEqual({
      token: { S: record.token },
      field: { S: "email" },
      ciphertext: { B: record.ciphertext },
      createdAt: { S: "2025-03-01T12:00:00.000Z" },
    });
    const found = await vault().getMany([record.token]);
    expect([...found.values()]).toEqual([
      { token: record.token, field: "email", ciphertext: record.ciphertext },
    ]);
  });

  it("leaves a stored token untouched: a second put finds it, whatever it carries", async () => {
    const value = freshValue();
    const first = recordOf(value);
    await vault().putIfAbsent(first);
    const before = await storedItem(first.token);
    await expect(
      vault().putIfAbsent(
        recordOf(value, {
          ciphertext: utf8("another ciphertext"),
          createdAt: "2025-04-01T00:00:00.000Z",
        }),
      ),
    ).resolves.toBe("existing");
    expect(await storedItem(first.token)).toEqual(before);
  });

  it("lets exactly one of concurrent puts of the same token create it", async () => {
    const value = freshValue();
    const racers = Array.from({ length: 8 }, (_, index) =>
      recordOf(value, { ciphertext: utf8(`sealed by writer ${index}`) }),
    );
    const outcomes = await Promise.all(racers.map((record) => vault().putIfAbsent(record)));
    expect(outcomes.filter((outcome) => outcome === "created")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === "existing")).toHaveLength(7);
    const winner = racers[outcomes.indexOf("created")];
    expect((await storedItem(tokenFor("email", value)))?.ciphertext).toEqual({
      B: winner?.ciphertext,
    });
  });

  it("reads more than one BatchGetItem's worth of keys, duplicates and unknown tokens included", async () => {
    const stored = Array.from({ length: DYNAMODB_BATCH_GET_LIMIT + 30 }, () =>
      recordOf(freshValue()),
    );
    for (const record of stored) await vault().putIfAbsent(record);
    const unknown = [tokenFor("email", "nobody@example.com"), tokenFor("email", freshValue())];
    const tokens = stored.map((record) => record.token);
    // DynamoDB refuses a BatchGetItem of more than 100 keys, or with a key twice.
    const found = await vault().getMany([...tokens, ...unknown, ...tokens.slice(0, 20)]);
    expect(new Set(found.keys())).toEqual(new Set(tokens));
    const last = stored.at(-1);
    expect(found.get(last?.token ?? "")).toEqual({
      token: last?.token,
      field: "email",
      ciphertext: last?.ciphertext,
    });
  });

  it("reads an empty map for tokens it does not hold", async () => {
    const found = await vault().getMany([tokenFor("email", freshValue())]);
    expect(found.size).toBe(0);
  });

  it("refuses an incomplete stored record", async () => {
    const token = tokenFor("email", freshValue());
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: { token: { S: token }, field: { S: "email" } },
      }),
    );
    await expect(vault().getMany([token])).rejects.toThrow(
      new VaultIntegrityError(token, "the record is incomplete"),
    );
  });
});

describe("tokenize and detokenize handlers on the DynamoDB vault", () => {
  const kms = mockClient(KMSClient);
  let restoreEndpoint: () => void = () => undefined;
  let restoreEnvironment: () => void = () => undefined;
  let logs: ReturnType<typeof captureLogs>;

  type Tokenize = (typeof import("./tokenize"))["handler"];
  type Detokenize = (typeof import("./detokenize"))["handler"];

  /** Loads both handlers afresh (a cold start) on the test table. */
  async function loadHandlers(): Promise<{ tokenize: Tokenize; detokenize: Detokenize }> {
    restoreEnvironment = setHandlerEnvironment({ ...DYNAMODB_ENV, VAULT_TABLE: table });
    vi.resetModules();
    return {
      tokenize: (await import("./tokenize")).handler,
      detokenize: (await import("./detokenize")).handler,
    };
  }

  const completed = (): Record<string, unknown>[] =>
    logs.lines().filter((line) => line.event === "tokenize.completed");

  beforeEach(() => {
    kms.reset();
    new FakeKms(kms);
    restoreEndpoint = pointHandlersAtEndpoint();
    logs = captureLogs();
  });

  afterEach(() => {
    logs.spy.mockRestore();
    restoreEnvironment();
    restoreEndpoint();
  });

  afterAll(() => {
    kms.restore();
  });

  it("is idempotent: a re-run gets the same token and keeps the first record", async () => {
    const { tokenize } = await loadHandlers();
    const value = freshValue();
    const event = { items: [{ field: "email", value }] };
    const first = await tokenize(event, TOKENIZE_CONTEXT);
    const token = tokenFor("email", value);
    expect(first).toEqual({ tokens: [{ field: "email", token }] });
    const stored = await storedItem(token);
    const second = await tokenize(event, TOKENIZE_CONTEXT);
    expect(second).toEqual(first);
    // The re-run encrypted again, but its ciphertext was not written over the first.
    expect(await storedItem(token)).toEqual(stored);
    expect(completed().map((line) => [line.created, line.existing])).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it("gives concurrent requests for one value one token and one record, which detokenizes", async () => {
    const { tokenize, detokenize } = await loadHandlers();
    const value = freshValue();
    const event = { items: [{ field: "email", value: ` ${value.toUpperCase()} ` }] };
    const responses = await Promise.all([1, 2, 3, 4].map(() => tokenize(event, TOKENIZE_CONTEXT)));
    const token = tokenFor("email", value);
    for (const response of responses) {
      expect(response).toEqual({ tokens: [{ field: "email", token }] });
    }
    expect(
      completed()
        .map((line) => line.created)
        .sort(),
    ).toEqual([0, 0, 0, 1]);
    await expect(
      detokenize(
        {
          tokens: [token, tokenFor("email", "unknown@example.com")],
          purpose: "support ticket 4711",
        },
        DETOKENIZE_CONTEXT,
      ),
    ).resolves.toEqual({
      values: [{ token, field: "email", value }],
      missing: [tokenFor("email", "unknown@example.com")],
    });
  });
});
