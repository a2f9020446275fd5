import {
  DynamoDBClient,
  GetItemCommand,
  InternalServerError,
  PutItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import { GenerateMacCommand, KMSClient, KMSInternalException } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { macMessage, normalizeIdentity } from "./core";
import {
  LOOKUP_FROM_US,
  LOOKUP_US_USER,
  MOVE_SAUDI_TO_US,
  REGISTER_SAUDI,
  REGISTER_US,
  SAUDI_IDENTITY,
} from "./fixtures/events";
import {
  FakeTable,
  HANDLER_ENV,
  HMAC_KEY_ID,
  TABLE_NAME,
  captureLogs,
  fakeKms,
  recordKeyOf,
  rejection,
  setHandlerEnvironment,
} from "./test-support";

const kms = mockClient(KMSClient);
const ddb = mockClient(DynamoDBClient);

const SIGN_UP = new Date("2024-11-20T08:30:00.000Z");
const NOW = new Date("2025-03-01T12:00:00.000Z");
const CONTEXT = { awsRequestId: "3f1c9a52-7d1e-4b7a-9e0f-5c2d8a1b6e44" };
const SAUDI_KEY = recordKeyOf(SAUDI_IDENTITY);

let restoreEnvironment: () => void = () => undefined;
let logs: ReturnType<typeof captureLogs>;
let table: FakeTable;

type Handler = (typeof import("./handler"))["handler"];
type Core = typeof import("./core");

/** The core module the last loaded handler uses: its error classes are the ones it throws. */
let core: Core;

/** Loads the handler module afresh under `env`, as a cold start would. */
async function loadHandler(
  env: Parameters<typeof setHandlerEnvironment>[0] = HANDLER_ENV,
): Promise<Handler> {
  restoreEnvironment = setHandlerEnvironment(env);
  vi.resetModules();
  const { handler } = await import("./handler");
  core = await import("./core");
  return handler;
}

function awsCalls(): number {
  return kms.calls().length + ddb.calls().length;
}

beforeEach(() => {
  kms.reset();
  ddb.reset();
  fakeKms(kms);
  table = new FakeTable(ddb);
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
  vi.useRealTimers();
  restoreEnvironment();
});

/** Registers the Saudi fixture user as they signed up, then clears the call history. */
async function signUpSaudiUser(handler: Handler): Promise<void> {
  vi.setSystemTime(SIGN_UP);
  await handler(REGISTER_SAUDI, CONTEXT);
  vi.setSystemTime(NOW);
  kms.resetHistory();
  ddb.resetHistory();
}

describe("lookup", () => {
  it("an unknown user is not found, and that is not an error", async () => {
    const handler = await loadHandler();
    await expect(handler(LOOKUP_US_USER, CONTEXT)).resolves.toEqual({ found: false });
    expect(kms.commandCalls(GenerateMacCommand).map(({ args }) => args[0].input)).toEqual([
      {
        KeyId: HMAC_KEY_ID,
        MacAlgorithm: "HMAC_SHA_256",
        Message: macMessage(normalizeIdentity(LOOKUP_US_USER.identity)),
      },
    ]);
    expect(ddb.commandCalls(GetItemCommand).map(({ args }) => args[0].input)).toEqual([
      {
        TableName: TABLE_NAME,
        Key: { pk: { S: recordKeyOf(LOOKUP_US_USER.identity) } },
        ConsistentRead: true,
        ProjectionExpression: "#pk, #homeRegion, #version, #updatedAt",
        ExpressionAttributeNames: {
          "#pk": "pk",
          "#homeRegion": "homeRegion",
          "#version": "version",
          "#updatedAt": "updatedAt",
        },
      },
    ]);
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: "info",
        event: "home_region.completed",
        requestId: CONTEXT.awsRequestId,
        action: "lookup",
        outcome: "not_found",
        keyPrefix: recordKeyOf(LOOKUP_US_USER.identity).slice(0, 8),
      }),
    ]);
  });

  it("a Saudi user signing in from the US is sent to the Saudi API", async () => {
    const handler = await loadHandler();
    await signUpSaudiUser(handler);
    await expect(handler(LOOKUP_FROM_US, CONTEXT)).resolves.toEqual({
      found: true,
      homeRegion: "me-south-1",
      apiHostname: "api.sa.example.com",
    });
    await expect(
      handler({ action: "lookup", identity: "NORA.ALQAHTANI@example.sa" }, CONTEXT),
    ).resolves.toMatchObject({ found: true, homeRegion: "me-south-1" });
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(0);
  });
});

describe("register", () => {
  it("writes a new record holding only the keyed hash, region, version and time", async () => {
    const handler = await loadHandler();
    await expect(handler(REGISTER_SAUDI, CONTEXT)).resolves.toEqual({
      homeRegion: "me-south-1",
      apiHostname: "api.sa.example.com",
      created: true,
    });
    expect(ddb.commandCalls(PutItemCommand).map(({ args }) => args[0].input)).toEqual([
      {
        TableName: TABLE_NAME,
        Item: {
          pk: { S: SAUDI_KEY },
          homeRegion: { S: "me-south-1" },
          version: { N: "1" },
          updatedAt: { S: NOW.toISOString() },
        },
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": "pk" },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    ]);
    expect([...table.items.keys()]).toEqual([SAUDI_KEY]);
    expect(SAUDI_KEY).toMatch(/^hr_[A-Za-z0-9_-]{43}$/);
  });

  it("registering twice with the same region is success and changes nothing", async () => {
    const handler = await loadHandler();
    await signUpSaudiUser(handler);
    const before = structuredClone(table.items.get(SAUDI_KEY));
    await expect(
      handler({ ...REGISTER_SAUDI, identity: "nora.alqahtani@EXAMPLE.sa" }, CONTEXT),
    ).resolves.toEqual({
      homeRegion: "me-south-1",
      apiHostname: "api.sa.example.com",
      created: false,
    });
    expect(table.items.get(SAUDI_KEY)).toEqual(before);
    expect(table.items.get(SAUDI_KEY)?.updatedAt).toEqual({ S: SIGN_UP.toISOString() });
    expect(logs.lines().at(-1)).toMatchObject({ outcome: "existing", action: "register" });
  });

  it("registering with another region is a conflict; the user keeps their jurisdiction", async () => {
    const handler = await loadHandler();
    await signUpSaudiUser(handler);
    const error = await rejection(handler({ ...REGISTER_SAUDI, homeRegion: "us-east-1" }, CONTEXT));
    expect(error).toBeInstanceOf(core.HomeRegionConflictError);
    expect(error).toMatchObject({
      name: "HomeRegionConflictError",
      existingRegion: "me-south-1",
      requestedRegion: "us-east-1",
    });
    expect(table.items.get(SAUDI_KEY)?.homeRegion).toEqual({ S: "me-south-1" });
    expect(logs.lines().at(-1)).toMatchObject({
      level: "warn",
      event: "home_region.refused",
      error: "HomeRegionConflictError",
    });
  });

  it("registers users of both jurisdictions side by side", async () => {
    const handler = await loadHandler();
    await handler(REGISTER_SAUDI, CONTEXT);
    await handler(REGISTER_US, CONTEXT);
    await expect(handler(LOOKUP_US_USER, CONTEXT)).resolves.toEqual({
      found: true,
      homeRegion: "us-east-1",
      apiHostname: "api.us.example.com",
    });
    expect(table.items.size).toBe(2);
  });
});

describe("move", () => {
  it("updates the record and writes its audit item in one transaction", async () => {
    const handler = await loadHandler();
    await signUpSaudiUser(handler);
    await expect(handler(MOVE_SAUDI_TO_US, CONTEXT)).resolves.toEqual({
      homeRegion: "us-east-1",
      apiHostname: "api.us.example.com",
      previousRegion: "me-south-1",
      movedAt: NOW.toISOString(),
    });
    const auditKey = `audit#${SAUDI_KEY}#${NOW.toISOString()}`;
    expect(ddb.commandCalls(TransactWriteItemsCommand).map(({ args }) => args[0].input)).toEqual([
      {
        TransactItems: [
          {
            Update: {
              TableName: TABLE_NAME,
              Key: { pk: { S: SAUDI_KEY } },
              UpdateExpression: "SET #homeRegion = :to, #version = :next, #updatedAt = :at",
              ConditionExpression: "#homeRegion = :from AND #version = :expected",
              ExpressionAttributeNames: {
                "#homeRegion": "homeRegion",
                "#version": "version",
                "#updatedAt": "updatedAt",
              },
              ExpressionAttributeValues: {
                ":from": { S: "me-south-1" },
                ":to": { S: "us-east-1" },
                ":expected": { N: "1" },
                ":next": { N: "2" },
                ":at": { S: NOW.toISOString() },
              },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
          {
            Put: {
              TableName: TABLE_NAME,
              Item: {
                pk: { S: auditKey },
                fromRegion: { S: "me-south-1" },
                toRegion: { S: "us-east-1" },
                reason: { S: MOVE_SAUDI_TO_US.reason },
                requestedBy: { S: "ops.oncall-7" },
                at: { S: NOW.toISOString() },
              },
              ConditionExpression: "attribute_not_exists(#pk)",
              ExpressionAttributeNames: { "#pk": "pk" },
            },
          },
        ],
      },
    ]);
    // Exactly one read (for the version) and one write; nothing else touched the table.
    expect(ddb.calls()).toHaveLength(2);
    expect(table.items.get(SAUDI_KEY)).toEqual({
      pk: { S: SAUDI_KEY },
      homeRegion: { S: "us-east-1" },
      version: { N: "2" },
      updatedAt: { S: NOW.toISOString() },
    });
    expect(table.items.get(auditKey)).toBeDefined();
    await expect(handler(LOOKUP_FROM_US, CONTEXT)).resolves.toMatchObject({
      homeRegion: "us-east-1",
    });
  });

  it("a stale fromRegion is refused before any write", async () => {
    const handler = await loadHandler();
    await signUpSaudiUser(handler);
    const error = await rejection(
      handler({ ...MOVE_SAUDI_TO_US, fromRegion: "us-east-1", toRegion: "me-south-1" }, CONTEXT),
    );
    expect(error).toBeInstanceOf(core.StaleHomeRegionError);
    expect(error).toMatchObject({ fromRegion: "us-east-1", currentRegion: "me-south-1" });
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
  });

  it("a record that changed between the read and the write is refused by the condition", async () => {
    const handler = await loadHandler();
    await signUpSaudiUser(handler);
    // Another move lands between this move's read and its transaction.
    const stored = table.items.get(SAUDI_KEY);
    ddb.on(GetItemCommand).resolvesOnce({ Item: stored });
    table.seed({ ...stored, homeRegion: { S: "us-east-1" }, version: { N: "2" } });
    const error = await rejection(handler(MOVE_SAUDI_TO_US, CONTEXT));
    expect(error).toBeInstanceOf(core.StaleHomeRegionError);
    expect(error).toMatchObject({ fromRegion: "me-south-1", currentRegion: "us-east-1" });
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(1);
    expect([...table.items.keys()]).toEqual([SAUDI_KEY]);
  });

  it("a move whose condition fails on the version alone is stale too", async () => {
    const handler = await loadHandler();
    await signUpSaudiUser(handler);
    const stored = table.items.get(SAUDI_KEY);
    ddb.on(GetItemCommand).resolvesOnce({ Item: stored });
    table.seed({ ...stored, version: { N: "3" } });
    await expect(handler(MOVE_SAUDI_TO_US, CONTEXT)).rejects.toBeInstanceOf(
      core.StaleHomeRegionError,
    );
    expect(table.items.get(SAUDI_KEY)?.homeRegion).toEqual({ S: "me-south-1" });
  });

  it("an identity without a home region cannot be moved", async () => {
    const handler = await loadHandler();
    await expect(handler(MOVE_SAUDI_TO_US, CONTEXT)).rejects.toBeInstanceOf(
      core.HomeRegionNotFoundError,
    );
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
  });
});

describe("bad events are refused before any AWS call", () => {
  it.each([
    ["an unknown action", { action: "delete", identity: SAUDI_IDENTITY }, "InvalidRequestError"],
    ["no action", { identity: SAUDI_IDENTITY }, "InvalidRequestError"],
    ["a string", "nora.alqahtani@example.sa", "InvalidRequestError"],
    [
      "register without a region",
      { action: "register", identity: SAUDI_IDENTITY },
      "InvalidRequestError",
    ],
    [
      "register in an unknown region",
      { ...REGISTER_SAUDI, homeRegion: "eu-central-1" },
      "InvalidRequestError",
    ],
    [
      "move to an unknown region",
      { ...MOVE_SAUDI_TO_US, toRegion: "eu-central-1" },
      "InvalidRequestError",
    ],
    ["move without a reason", { ...MOVE_SAUDI_TO_US, reason: undefined }, "InvalidRequestError"],
    [
      "move by an email address",
      { ...MOVE_SAUDI_TO_US, requestedBy: "ops@example.com" },
      "InvalidRequestError",
    ],
    ["lookup without an identity", { action: "lookup" }, "InvalidIdentityError"],
    ["lookup of a number", { action: "lookup", identity: 966501234567 }, "InvalidIdentityError"],
    [
      "lookup of a malformed identity",
      { action: "lookup", identity: "nora.example.sa" },
      "InvalidIdentityError",
    ],
    [
      "register of a malformed identity",
      { ...REGISTER_SAUDI, identity: "nora@sa" },
      "InvalidIdentityError",
    ],
  ] as const)("%s", async (_, event, errorName) => {
    const handler = await loadHandler();
    const error = await rejection(handler(event, CONTEXT));
    expect(error).toBeInstanceOf(core[errorName]);
    expect(error).toMatchObject({ name: errorName });
    expect(awsCalls()).toBe(0);
    expect(logs.lines()).toEqual([
      expect.objectContaining({ level: "warn", event: "home_region.rejected" }),
    ]);
    expect(logs.text().toLowerCase()).not.toContain("nora");
    expect((error as Error).message.toLowerCase()).not.toContain("nora");
  });
});

describe("AWS failures become named errors", () => {
  it("a KMS failure is a KeyServiceError; the table is not touched", async () => {
    const handler = await loadHandler();
    kms.on(GenerateMacCommand).rejects(
      new KMSInternalException({
        message: "internal error",
        $metadata: { httpStatusCode: 500, requestId: "kms-req-1" },
      }),
    );
    const error = await rejection(handler(LOOKUP_FROM_US, CONTEXT));
    expect(error).toBeInstanceOf(core.KeyServiceError);
    expect(ddb.calls()).toHaveLength(0);
    expect(logs.lines()[0]).toEqual({
      level: "error",
      event: "kms.failed",
      time: NOW.toISOString(),
      operation: "GenerateMac",
      errorName: "KMSInternalException",
      httpStatusCode: 500,
      awsRequestId: "kms-req-1",
      fault: "server",
    });
  });

  it("a DynamoDB failure is a StoreError that echoes nothing", async () => {
    const handler = await loadHandler();
    ddb.on(PutItemCommand).rejects(
      new InternalServerError({
        message: `failed writing ${SAUDI_IDENTITY}`,
        $metadata: { httpStatusCode: 500, requestId: "ddb-req-9" },
      }),
    );
    const error = await rejection(handler(REGISTER_SAUDI, CONTEXT));
    expect(error).toBeInstanceOf(core.StoreError);
    expect((error as Error).message).toBe("home region store register failed");
    expect(logs.lines()[0]).toEqual({
      level: "error",
      event: "store.failed",
      time: NOW.toISOString(),
      operation: "register",
      keyPrefix: SAUDI_KEY.slice(0, 8),
      errorName: "InternalServerError",
      httpStatusCode: 500,
      awsRequestId: "ddb-req-9",
      fault: "server",
    });
    expect(logs.text().toLowerCase()).not.toContain("nora");
  });

  it("a cancelled transaction for another reason is a StoreError", async () => {
    const handler = await loadHandler();
    await signUpSaudiUser(handler);
    ddb.on(TransactWriteItemsCommand).rejects(
      new TransactionCanceledException({
        message: "Transaction cancelled",
        $metadata: { httpStatusCode: 400, requestId: "ddb-req-7" },
        CancellationReasons: [{ Code: "ThrottlingError" }, { Code: "None" }],
      }),
    );
    await expect(handler(MOVE_SAUDI_TO_US, CONTEXT)).rejects.toBeInstanceOf(core.StoreError);
    expect(logs.lines().find((line) => line.event === "store.failed")).toMatchObject({
      operation: "move",
      reasons: ["ThrottlingError", "None"],
      awsRequestId: "ddb-req-7",
    });
  });
});

describe("configuration", () => {
  it("a missing variable fails the cold start", async () => {
    restoreEnvironment = setHandlerEnvironment({ ...HANDLER_ENV, TABLE_NAME: undefined });
    vi.resetModules();
    await expect(import("./handler")).rejects.toMatchObject({
      name: "ConfigurationError",
      missing: ["TABLE_NAME"],
    });
  });

  it("a home region without a hostname fails the cold start", async () => {
    restoreEnvironment = setHandlerEnvironment({
      ...HANDLER_ENV,
      HOME_REGIONS: "me-south-1,us-east-1,eu-west-1",
    });
    vi.resetModules();
    await expect(import("./handler")).rejects.toThrow(
      "REGION_HOSTNAMES has no entry for eu-west-1",
    );
  });
});

describe("logs", () => {
  it("hold the record key prefix at most, and never the identity", async () => {
    const handler = await loadHandler();
    await handler(REGISTER_SAUDI, CONTEXT);
    await handler(REGISTER_SAUDI, CONTEXT);
    await rejection(handler({ ...REGISTER_SAUDI, homeRegion: "us-east-1" }, CONTEXT));
    await handler(LOOKUP_FROM_US, CONTEXT);
    await handler(MOVE_SAUDI_TO_US, CONTEXT);
    await rejection(handler(MOVE_SAUDI_TO_US, CONTEXT));
    const text = logs.text();
    expect(text).not.toContain(SAUDI_KEY);
    expect(text).not.toContain(SAUDI_KEY.slice(0, 9));
    expect(text).toContain(SAUDI_KEY.slice(0, 8));
    expect(text.toLowerCase()).not.toContain("nora");
    expect(text.toLowerCase()).not.toContain("alqahtani");
    expect(logs.lines().map((line) => [line.action, line.outcome ?? line.error])).toEqual([
      ["register", "created"],
      ["register", "existing"],
      ["register", "HomeRegionConflictError"],
      ["lookup", "found"],
      ["move", "moved"],
      ["move", "StaleHomeRegionError"],
    ]);
  });
});
