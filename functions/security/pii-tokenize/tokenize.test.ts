import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  EncryptCommand,
  GenerateMacCommand,
  KMSClient,
  KMSInternalException,
  type EncryptCommandInput,
} from "@aws-sdk/client-kms";
import { ExecuteStatementCommand, RDSDataClient } from "@aws-sdk/client-rds-data";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { macMessage } from "./token";
import {
  AURORA_ENV,
  CLUSTER_ARN,
  DATABASE,
  DATA_KEY_ID,
  DYNAMODB_ENV,
  FakeKms,
  HMAC_KEY_ID,
  SECRET_ARN,
  VAULT_TABLE,
  captureLogs,
  setHandlerEnvironment,
  tokenFor,
  utf8,
  rejection,
} from "./test-support";
import { TOKENIZE_CONTEXT, TYPED_EMAIL, TYPED_PHONE } from "./fixtures/events";

const kms = mockClient(KMSClient);
const ddb = mockClient(DynamoDBClient);
const rds = mockClient(RDSDataClient);

const NOW = new Date("2025-03-01T12:00:00.000Z");

let restoreEnvironment: () => void = () => undefined;
let logs: ReturnType<typeof captureLogs>;

type Handler = (typeof import("./tokenize"))["handler"];

/** Loads the handler module afresh under `env`, as a cold start would. */
async function loadHandler(env: Parameters<typeof setHandlerEnvironment>[0]): Promise<Handler> {
  restoreEnvironment = setHandlerEnvironment(env);
  vi.resetModules();
  return (await import("./tokenize")).handler;
}

beforeEach(() => {
  kms.reset();
  ddb.reset();
  rds.reset();
  new FakeKms(kms);
  ddb.on(PutItemCommand).resolves({});
  rds.on(ExecuteStatementCommand).resolves({ numberOfRecordsUpdated: 1 });
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
  vi.useRealTimers();
  restoreEnvironment();
});

const EMAIL_TOKEN = tokenFor("email", TYPED_EMAIL);
const PHONE_TOKEN = tokenFor("phone", TYPED_PHONE);

/** Writes to the vault, as `{ token, field, ciphertext }`, whichever the kind. */
function vaultWrites(): { token?: string; field?: string; ciphertext?: Uint8Array }[] {
  const fromDynamo = ddb.commandCalls(PutItemCommand).map(({ args }) => ({
    token: args[0].input.Item?.token?.S,
    field: args[0].input.Item?.field?.S,
    ciphertext: args[0].input.Item?.ciphertext?.B,
  }));
  const fromAurora = rds.commandCalls(ExecuteStatementCommand).map(({ args }) => ({
    token: args[0].input.parameters?.[0]?.value?.stringValue,
    field: args[0].input.parameters?.[1]?.value?.stringValue,
    ciphertext: args[0].input.parameters?.[2]?.value?.blobValue,
  }));
  return [...fromDynamo, ...fromAurora];
}

function callCount(): number {
  return kms.calls().length + ddb.calls().length + rds.calls().length;
}

describe.each([
  ["dynamodb", DYNAMODB_ENV],
  ["aurora", AURORA_ENV],
] as const)("tokenize handler with the %s vault", (kind, env) => {
  it("tokenizes in request order and writes complete, context-bound records", async () => {
    const handler = await loadHandler(env);
    const response = await handler(
      {
        items: [
          { field: "email", value: TYPED_EMAIL },
          { field: "phone", value: TYPED_PHONE },
        ],
      },
      TOKENIZE_CONTEXT,
    );
    expect(response).toEqual({
      tokens: [
        { field: "email", token: EMAIL_TOKEN },
        { field: "phone", token: PHONE_TOKEN },
      ],
    });
    expect(EMAIL_TOKEN).toMatch(/^tok_email_[A-Za-z0-9_-]{43}$/);

    expect(kms.commandCalls(GenerateMacCommand).map(({ args }) => args[0].input)).toEqual([
      {
        KeyId: HMAC_KEY_ID,
        MacAlgorithm: "HMAC_SHA_256",
        Message: macMessage("email", "jane.doe@example.com"),
      },
      {
        KeyId: HMAC_KEY_ID,
        MacAlgorithm: "HMAC_SHA_256",
        Message: macMessage("phone", "+966501234567"),
      },
    ]);
    expect(kms.commandCalls(EncryptCommand).map(({ args }) => args[0].input)).toEqual([
      {
        KeyId: DATA_KEY_ID,
        Plaintext: utf8("jane.doe@example.com"),
        EncryptionContext: { purpose: "pii-vault", field: "email", token: EMAIL_TOKEN },
      },
      {
        KeyId: DATA_KEY_ID,
        Plaintext: utf8("+966501234567"),
        EncryptionContext: { purpose: "pii-vault", field: "phone", token: PHONE_TOKEN },
      },
    ]);

    // The fake KMS numbers its ciphertexts in order.
    const [emailCiphertext, phoneCiphertext] = [utf8("ciphertext-1"), utf8("ciphertext-2")];
    if (kind === "dynamodb") {
      // One complete record per token in the configured table; what the table does with a token
      // it holds already runs on DynamoDB Local (vault.dynamodb.test.ts).
      expect(ddb.commandCalls(PutItemCommand).map(({ args }) => args[0].input.TableName)).toEqual([
        VAULT_TABLE,
        VAULT_TABLE,
      ]);
      expect(vaultWrites()).toEqual([
        { token: EMAIL_TOKEN, field: "email", ciphertext: emailCiphertext },
        { token: PHONE_TOKEN, field: "phone", ciphertext: phoneCiphertext },
      ]);
      expect(
        ddb.commandCalls(PutItemCommand).map(({ args }) => args[0].input.Item?.createdAt),
      ).toEqual([{ S: "2025-03-01T12:00:00.000Z" }, { S: "2025-03-01T12:00:00.000Z" }]);
      expect(rds.calls()).toHaveLength(0);
    } else {
      const insert = (token: string, field: string, ciphertext: Uint8Array): unknown => ({
        resourceArn: CLUSTER_ARN,
        secretArn: SECRET_ARN,
        database: DATABASE,
        sql:
          "INSERT INTO vault.pii_token_vault (token, field, ciphertext, created_at) " +
          "VALUES (:token, :field, :ciphertext, CAST(:created_at AS timestamptz)) " +
          "ON CONFLICT DO NOTHING",
        parameters: [
          { name: "token", value: { stringValue: token } },
          { name: "field", value: { stringValue: field } },
          { name: "ciphertext", value: { blobValue: ciphertext } },
          { name: "created_at", value: { stringValue: "2025-03-01T12:00:00.000Z" } },
        ],
      });
      expect(rds.commandCalls(ExecuteStatementCommand).map(({ args }) => args[0].input)).toEqual([
        insert(EMAIL_TOKEN, "email", emailCiphertext),
        insert(PHONE_TOKEN, "phone", phoneCiphertext),
      ]);
      expect(ddb.calls()).toHaveLength(0);
    }

    expect(logs.lines()).toEqual([
      {
        level: "info",
        event: "tokenize.completed",
        time: "2025-03-01T12:00:00.000Z",
        requestId: "req-1",
        vault: kind,
        items: 2,
        unique: 2,
        created: 2,
        existing: 0,
        fields: { email: 1, phone: 1 },
        tokens: [EMAIL_TOKEN, PHONE_TOKEN],
      },
    ]);
    expect(logs.text()).not.toMatch(/jane|doe|966|4567/i);
  });

  it("tokenizes duplicate items once and answers each", async () => {
    const handler = await loadHandler(env);
    const response = await handler({
      items: [
        { field: "email", value: TYPED_EMAIL },
        { field: "email", value: "jane.doe@example.com" },
        { field: "email", value: TYPED_EMAIL },
      ],
    });
    expect(response.tokens).toEqual([
      { field: "email", token: EMAIL_TOKEN },
      { field: "email", token: EMAIL_TOKEN },
      { field: "email", token: EMAIL_TOKEN },
    ]);
    expect(kms.commandCalls(GenerateMacCommand)).toHaveLength(1);
    expect(kms.commandCalls(EncryptCommand)).toHaveLength(1);
    expect(vaultWrites()).toHaveLength(1);
  });

  it("rejects an invalid item before any AWS call and writes nothing", async () => {
    const handler = await loadHandler(env);
    const error = await rejection(
      handler(
        {
          items: [
            { field: "email", value: TYPED_EMAIL },
            { field: "Email", value: "someone@example.com" },
            { field: "phone", value: " - " },
            { field: "note", value: "\u0639".repeat(2049) },
          ],
        },
        TOKENIZE_CONTEXT,
      ),
    );
    expect(error).toMatchObject({
      name: "InvalidRequestError",
      message:
        "invalid request: items[1]: field must match ^[a-z][a-z0-9_]{0,63}$; " +
        "items[2]: value must not be empty after normalization; " +
        "items[3]: value must be at most 4096 bytes of UTF-8 after normalization, got 4098",
      issues: [
        { index: 1, reason: "field must match ^[a-z][a-z0-9_]{0,63}$" },
        { index: 2, reason: "value must not be empty after normalization" },
        {
          index: 3,
          reason: "value must be at most 4096 bytes of UTF-8 after normalization, got 4098",
        },
      ],
    });
    expect(callCount()).toBe(0);
    expect(logs.lines()).toEqual([
      expect.objectContaining({ level: "warn", event: "tokenize.rejected", requestId: "req-1" }),
    ]);
    expect(logs.text()).not.toMatch(/someone|jane/i);
  });

  it("rejects 101 items before any AWS call", async () => {
    const handler = await loadHandler(env);
    const items = Array.from({ length: 101 }, (_, index) => ({ field: "n", value: `${index}` }));
    await expect(handler({ items })).rejects.toMatchObject({
      name: "InvalidRequestError",
      message: "invalid request: items must hold at most 100 entries, got 101",
    });
    expect(callCount()).toBe(0);
  });

  it("writes nothing when GenerateMac fails", async () => {
    const handler = await loadHandler(env);
    kms.on(GenerateMacCommand).rejects(
      Object.assign(new Error("Rate exceeded"), {
        name: "ThrottlingException",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const error = await rejection(
      handler({ items: [{ field: "email", value: TYPED_EMAIL }] }, TOKENIZE_CONTEXT),
    );
    expect(error).toMatchObject({
      name: "KeyServiceError",
      message: "key service call GenerateMac failed",
    });
    expect(kms.commandCalls(EncryptCommand)).toHaveLength(0);
    expect(vaultWrites()).toEqual([]);
  });

  it("writes nothing when Encrypt fails for one item", async () => {
    const handler = await loadHandler(env);
    const fake = new FakeKms(kms);
    kms.on(EncryptCommand).callsFake((input: EncryptCommandInput) => {
      if (input.EncryptionContext?.field === "phone") {
        throw new KMSInternalException({ message: "internal", $metadata: {} });
      }
      return fake.encrypt(input);
    });
    const error = await rejection(
      handler(
        {
          items: [
            { field: "email", value: TYPED_EMAIL },
            { field: "phone", value: TYPED_PHONE },
          ],
        },
        TOKENIZE_CONTEXT,
      ),
    );
    expect(error).toMatchObject({
      name: "KeyServiceError",
      message: "key service call Encrypt failed",
    });
    expect(vaultWrites()).toEqual([]);
    const failure = logs.lines().find((line) => line.event === "kms.failed");
    expect(failure).toMatchObject({
      operation: "Encrypt",
      field: "phone",
      token: PHONE_TOKEN,
      errorName: "KMSInternalException",
    });
    expect(logs.lines().at(-1)).toMatchObject({
      level: "error",
      event: "tokenize.failed",
      error: "KeyServiceError",
    });
    expect(logs.text()).not.toMatch(/jane|4567/i);
  });

  it("returns a safe error when the vault write fails", async () => {
    const handler = await loadHandler(env);
    const raw = Object.assign(new Error(`raw failure for ${TYPED_EMAIL}`), {
      name: "InternalServerError",
    });
    ddb.on(PutItemCommand).rejects(raw);
    rds.on(ExecuteStatementCommand).rejects(raw);
    await expect(
      handler({ items: [{ field: "email", value: TYPED_EMAIL }] }),
    ).rejects.toMatchObject({
      name: "VaultError",
      message: "vault write failed",
    });
    expect(logs.text()).not.toMatch(/jane|raw failure/i);
  });

  it("accepts an empty request without AWS calls", async () => {
    const handler = await loadHandler(env);
    expect(await handler({ items: [] })).toEqual({ tokens: [] });
    expect(callCount()).toBe(0);
  });
});

// On DynamoDB, a re-run runs against DynamoDB Local (vault.dynamodb.test.ts).
describe("tokenize handler with the aurora vault, run again", () => {
  it("is idempotent: a re-run gets the same tokens and finds the records present", async () => {
    const handler = await loadHandler(AURORA_ENV);
    const event = { items: [{ field: "email", value: TYPED_EMAIL }] };
    const first = await handler(event, TOKENIZE_CONTEXT);
    rds.on(ExecuteStatementCommand).resolves({ numberOfRecordsUpdated: 0 });
    const second = await handler(event, TOKENIZE_CONTEXT);
    expect(second).toEqual(first);
    expect(vaultWrites().map((write) => write.token)).toEqual([EMAIL_TOKEN, EMAIL_TOKEN]);
    expect(logs.lines()[1]).toMatchObject({ created: 0, existing: 1 });
  });
});

describe("tokenize configuration", () => {
  it("fails at module load with every missing variable named", async () => {
    const error = await rejection(loadHandler({ VAULT_KIND: "aurora", VAULT_DATABASE: DATABASE }));
    expect(error).toMatchObject({
      name: "ConfigurationError",
      message:
        "missing environment variables: HMAC_KEY_ID, DATA_KEY_ID, VAULT_CLUSTER_ARN, VAULT_SECRET_ARN",
    });
  });

  it("fails at module load on an unknown vault kind", async () => {
    await expect(loadHandler({ ...DYNAMODB_ENV, VAULT_KIND: "s3" })).rejects.toMatchObject({
      name: "ConfigurationError",
      message: "VAULT_KIND must be one of: dynamodb, aurora",
    });
  });
});
