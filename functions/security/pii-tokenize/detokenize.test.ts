import {
  BatchGetItemCommand,
  DynamoDBClient,
  type AttributeValue,
  type BatchGetItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { DecryptCommand, KMSClient, type DecryptCommandInput } from "@aws-sdk/client-kms";
import {
  ExecuteStatementCommand,
  RDSDataClient,
  type ExecuteStatementCommandInput,
  type Field,
} from "@aws-sdk/client-rds-data";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  AURORA_ENV,
  DATA_KEY_ID,
  DYNAMODB_ENV,
  FakeKms,
  VAULT_TABLE,
  captureLogs,
  setHandlerEnvironment,
  tokenFor,
  rejection,
} from "./test-support";
import { DETOKENIZE_CONTEXT, EMAIL, PHONE, PURPOSE } from "./fixtures/events";

const kms = mockClient(KMSClient);
const ddb = mockClient(DynamoDBClient);
const rds = mockClient(RDSDataClient);

let restoreEnvironment: () => void = () => undefined;
let logs: ReturnType<typeof captureLogs>;
let fake: FakeKms;

type Handler = (typeof import("./detokenize"))["handler"];

/** Loads the handler module afresh under `env`, as a cold start would. */
async function loadHandler(env: Parameters<typeof setHandlerEnvironment>[0]): Promise<Handler> {
  restoreEnvironment = setHandlerEnvironment(env);
  vi.resetModules();
  return (await import("./detokenize")).handler;
}

interface Row {
  readonly token: string;
  readonly field: string;
  readonly ciphertext: Uint8Array;
}

/** The vault's contents, served to whichever client the handler uses. */
let stored: Row[] = [];

beforeEach(() => {
  kms.reset();
  ddb.reset();
  rds.reset();
  fake = new FakeKms(kms);
  stored = [];
  ddb.on(BatchGetItemCommand).callsFake((input: BatchGetItemCommandInput) => {
    const wanted = new Set(input.RequestItems?.[VAULT_TABLE]?.Keys?.map((key) => key.token?.S));
    return {
      Responses: {
        [VAULT_TABLE]: stored
          .filter((row) => wanted.has(row.token))
          .map((row): Record<string, AttributeValue> => ({
            token: { S: row.token },
            field: { S: row.field },
            ciphertext: { B: row.ciphertext },
          })),
      },
    };
  });
  rds.on(ExecuteStatementCommand).callsFake((input: ExecuteStatementCommandInput) => {
    const wanted = new Set(input.parameters?.map((parameter) => parameter.value?.stringValue));
    return {
      records: stored
        .filter((row) => wanted.has(row.token))
        .map((row): Field[] => [
          { stringValue: row.token },
          { stringValue: row.field },
          { blobValue: row.ciphertext },
        ]),
    };
  });
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
  restoreEnvironment();
});

const EMAIL_TOKEN = tokenFor("email", EMAIL);
const PHONE_TOKEN = tokenFor("phone", PHONE);
const UNKNOWN_TOKEN = tokenFor("email", "nobody@example.com");

/** Stores a record as the tokenize handler writes it. */
function seed(field: string, token: string, value: string): Uint8Array {
  const ciphertext = fake.seal(field, token, value);
  stored.push({ token, field, ciphertext });
  return ciphertext;
}

function vaultReads(): number {
  return (
    ddb.commandCalls(BatchGetItemCommand).length + rds.commandCalls(ExecuteStatementCommand).length
  );
}

describe.each([
  ["dynamodb", DYNAMODB_ENV],
  ["aurora", AURORA_ENV],
] as const)("detokenize handler with the %s vault", (kind, env) => {
  it("decrypts each token under its encryption context and logs no value", async () => {
    const handler = await loadHandler(env);
    const emailCiphertext = seed("email", EMAIL_TOKEN, EMAIL);
    const phoneCiphertext = seed("phone", PHONE_TOKEN, PHONE);
    const response = await handler(
      { tokens: [PHONE_TOKEN, EMAIL_TOKEN, PHONE_TOKEN], purpose: PURPOSE },
      DETOKENIZE_CONTEXT,
    );
    expect(response).toEqual({
      values: [
        { token: PHONE_TOKEN, field: "phone", value: PHONE },
        { token: EMAIL_TOKEN, field: "email", value: EMAIL },
      ],
      missing: [],
    });
    const decrypts = kms.commandCalls(DecryptCommand).map(({ args }) => args[0].input);
    expect(decrypts).toHaveLength(2);
    expect(decrypts).toEqual(
      expect.arrayContaining([
        {
          KeyId: DATA_KEY_ID,
          CiphertextBlob: emailCiphertext,
          EncryptionContext: { purpose: "pii-vault", field: "email", token: EMAIL_TOKEN },
        },
        {
          KeyId: DATA_KEY_ID,
          CiphertextBlob: phoneCiphertext,
          EncryptionContext: { purpose: "pii-vault", field: "phone", token: PHONE_TOKEN },
        },
      ]),
    );
    expect(vaultReads()).toBe(1);
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: "info",
        event: "detokenize.completed",
        requestId: "req-2",
        vault: kind,
        purpose: PURPOSE,
        requested: 3,
        found: 2,
        missing: 0,
        fields: ["phone", "email"],
        tokens: [PHONE_TOKEN, EMAIL_TOKEN],
        missingTokens: [],
      }),
    ]);
    expect(logs.text()).not.toContain(EMAIL);
    expect(logs.text()).not.toContain(PHONE);
  });

  it("reports unknown tokens as missing", async () => {
    const handler = await loadHandler(env);
    seed("email", EMAIL_TOKEN, EMAIL);
    const response = await handler({ tokens: [UNKNOWN_TOKEN, EMAIL_TOKEN], purpose: PURPOSE });
    expect(response).toEqual({
      values: [{ token: EMAIL_TOKEN, field: "email", value: EMAIL }],
      missing: [UNKNOWN_TOKEN],
    });
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(1);
  });

  it("fails clearly on a record moved to another token", async () => {
    const handler = await loadHandler(env);
    const ciphertext = fake.seal("email", EMAIL_TOKEN, EMAIL);
    stored.push({ token: UNKNOWN_TOKEN, field: "email", ciphertext });
    const error = await rejection(
      handler({ tokens: [UNKNOWN_TOKEN], purpose: PURPOSE }, DETOKENIZE_CONTEXT),
    );
    expect(error).toMatchObject({
      name: "VaultIntegrityError",
      message:
        `vault record for token ${UNKNOWN_TOKEN} is not valid: ` +
        "it does not decrypt under the data key with its encryption context",
    });
    expect(kms.commandCalls(DecryptCommand).map(({ args }) => args[0].input)).toEqual([
      {
        KeyId: DATA_KEY_ID,
        CiphertextBlob: ciphertext,
        EncryptionContext: { purpose: "pii-vault", field: "email", token: UNKNOWN_TOKEN },
      },
    ]);
    expect(logs.lines().map((line) => line.event)).toEqual([
      "vault.record_rejected",
      "detokenize.failed",
    ]);
  });

  it("fails clearly on a record stored under another field", async () => {
    const handler = await loadHandler(env);
    stored.push({
      token: EMAIL_TOKEN,
      field: "phone",
      ciphertext: fake.seal("phone", EMAIL_TOKEN, EMAIL),
    });
    await expect(handler({ tokens: [EMAIL_TOKEN], purpose: PURPOSE })).rejects.toMatchObject({
      name: "VaultIntegrityError",
      message: `vault record for token ${EMAIL_TOKEN} is not valid: the record does not match its token`,
    });
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(0);
  });

  it.each([
    [{ tokens: [EMAIL_TOKEN] }, "invalid request: purpose is required"],
    [{ tokens: [EMAIL_TOKEN], purpose: "" }, "invalid request: purpose must not be blank"],
    [
      { tokens: [EMAIL_TOKEN], purpose: "p".repeat(201) },
      "invalid request: purpose must be at most 200 characters",
    ],
    [
      { tokens: ["tok_email_x"], purpose: PURPOSE },
      "invalid request: tokens[0]: token is too short",
    ],
  ])("rejects %j before any AWS call", async (event, message) => {
    const handler = await loadHandler(env);
    await expect(handler(event, DETOKENIZE_CONTEXT)).rejects.toMatchObject({
      name: "InvalidRequestError",
      message,
    });
    expect(kms.calls().length + ddb.calls().length + rds.calls().length).toBe(0);
  });

  it("maps a KMS outage to KeyServiceError", async () => {
    const handler = await loadHandler(env);
    seed("email", EMAIL_TOKEN, EMAIL);
    kms
      .on(DecryptCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    await expect(handler({ tokens: [EMAIL_TOKEN], purpose: PURPOSE })).rejects.toMatchObject({
      name: "KeyServiceError",
      message: "key service call Decrypt failed",
    });
  });

  it("answers an empty request without AWS calls", async () => {
    const handler = await loadHandler(env);
    expect(await handler({ tokens: [], purpose: PURPOSE })).toEqual({ values: [], missing: [] });
    expect(kms.calls().length + ddb.calls().length + rds.calls().length).toBe(0);
  });
});

describe("detokenize handler with the dynamodb vault, unprocessed keys", () => {
  it("retries UnprocessedKeys until every key is read", async () => {
    const handler = await loadHandler(DYNAMODB_ENV);
    const emailCiphertext = seed("email", EMAIL_TOKEN, EMAIL);
    const phoneCiphertext = seed("phone", PHONE_TOKEN, PHONE);
    ddb
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: {
          [VAULT_TABLE]: [
            {
              token: { S: EMAIL_TOKEN },
              field: { S: "email" },
              ciphertext: { B: emailCiphertext },
            },
          ],
        },
        UnprocessedKeys: { [VAULT_TABLE]: { Keys: [{ token: { S: PHONE_TOKEN } }] } },
      })
      .resolvesOnce({
        Responses: {
          [VAULT_TABLE]: [
            {
              token: { S: PHONE_TOKEN },
              field: { S: "phone" },
              ciphertext: { B: phoneCiphertext },
            },
          ],
        },
      });
    const response = await handler({ tokens: [EMAIL_TOKEN, PHONE_TOKEN], purpose: PURPOSE });
    expect(response.values.map((entry) => entry.value)).toEqual([EMAIL, PHONE]);
    expect(
      ddb
        .commandCalls(BatchGetItemCommand)
        .map(({ args }) => args[0].input.RequestItems?.[VAULT_TABLE]?.Keys),
    ).toEqual([
      [{ token: { S: EMAIL_TOKEN } }, { token: { S: PHONE_TOKEN } }],
      [{ token: { S: PHONE_TOKEN } }],
    ]);
    expect(logs.lines().map((line) => line.event)).toEqual([
      "vault.read_retry",
      "detokenize.completed",
    ]);
  });

  it("fails with VaultError when keys stay unprocessed", async () => {
    const handler = await loadHandler(DYNAMODB_ENV);
    ddb.on(BatchGetItemCommand).resolves({
      Responses: { [VAULT_TABLE]: [] },
      UnprocessedKeys: { [VAULT_TABLE]: { Keys: [{ token: { S: EMAIL_TOKEN } }] } },
    });
    // Five calls with backoff (at most 50 + 100 + 200 + 400 ms of jittered waits).
    await expect(handler({ tokens: [EMAIL_TOKEN], purpose: PURPOSE })).rejects.toMatchObject({
      name: "VaultError",
      message: "vault read incomplete: 1 keys still unprocessed after 5 attempts",
    });
    expect(ddb.commandCalls(BatchGetItemCommand)).toHaveLength(5);
  });
});

describe("detokenize configuration", () => {
  it("needs no HMAC key", async () => {
    const handler = await loadHandler({
      DATA_KEY_ID,
      VAULT_KIND: "dynamodb",
      VAULT_TABLE,
    });
    expect(await handler({ tokens: [], purpose: PURPOSE })).toEqual({ values: [], missing: [] });
  });

  it("fails at module load with every missing variable named", async () => {
    await expect(loadHandler({ VAULT_KIND: "dynamodb" })).rejects.toMatchObject({
      name: "ConfigurationError",
      message: "missing environment variables: DATA_KEY_ID, VAULT_TABLE",
    });
  });
});

describe("the Decrypt fake", () => {
  it("rejects another context, like KMS", () => {
    const ciphertext = fake.seal("email", EMAIL_TOKEN, EMAIL);
    const input: DecryptCommandInput = {
      KeyId: DATA_KEY_ID,
      CiphertextBlob: ciphertext,
      EncryptionContext: { purpose: "pii-vault", field: "email", token: PHONE_TOKEN },
    };
    expect(() => fake.decrypt(input)).toThrow("invalid ciphertext");
  });
});
