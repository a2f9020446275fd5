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
import {
  LOOKUP_FROM_US,
  MOVE_SAUDI_TO_US,
  REGISTER_EMIRATI,
  REGISTER_SAUDI,
  REGISTER_US,
  SAUDI_IDENTITY,
} from "./fixtures/events";
import {
  HANDLER_ENV,
  US_HANDLER_ENV,
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

type Handler = (typeof import("./handler"))["handler"];
type Errors = typeof import("./errors");

/** The errors module the last loaded handler uses: its error classes are the ones it throws. */
let errors: Errors;

/** Loads the handler module afresh under `env`, as a cold start would. */
async function loadHandler(
  env: Parameters<typeof setHandlerEnvironment>[0] = HANDLER_ENV,
): Promise<Handler> {
  restoreEnvironment = setHandlerEnvironment(env);
  vi.resetModules();
  const { handler } = await import("./handler");
  errors = await import("./errors");
  return handler;
}

function awsCalls(): number {
  return kms.calls().length + ddb.calls().length;
}

beforeEach(() => {
  kms.reset();
  ddb.reset();
  fakeKms(kms);
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
  vi.useRealTimers();
  restoreEnvironment();
});

// Lookups, registrations, moves and their logs run on DynamoDB Local
// (handler.dynamodb.test.ts, privacy.dynamodb.test.ts); here what needs no table: events refused
// before any call, and the faults the emulator cannot produce.

/** The Saudi user's record as the table holds it after sign-up. */
const SAUDI_ITEM = {
  pk: { S: SAUDI_KEY },
  homeRegion: { S: "me-south-1" },
  version: { N: "1" },
  updatedAt: { S: SIGN_UP.toISOString() },
};

describe("bad events are refused before any AWS call", () => {
  it.each([
    ["an unknown action", { action: "delete", identity: SAUDI_IDENTITY }, "InvalidRequestError"],
    ["no action", { identity: SAUDI_IDENTITY }, "InvalidRequestError"],
    ["a string", "nora.alqahtani@example.sa", "InvalidRequestError"],
    [
      "register without a country",
      { action: "register", identity: SAUDI_IDENTITY, homeRegion: "me-south-1" },
      "InvalidRequestError",
    ],
    [
      "register with a country name",
      { ...REGISTER_SAUDI, country: "Saudi Arabia" },
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
    expect(error).toBeInstanceOf(errors[errorName]);
    expect(error).toMatchObject({ name: errorName });
    expect(awsCalls()).toBe(0);
    expect(logs.lines()).toEqual([
      expect.objectContaining({ level: "warn", event: "home_region.rejected" }),
    ]);
    expect(logs.text().toLowerCase()).not.toContain("nora");
    expect((error as Error).message.toLowerCase()).not.toContain("nora");
  });
});

describe("sign-up pinning", () => {
  it("refuses a sign-up whose country is kept in another region, before any AWS call, with that region's hostname", async () => {
    const handler = await loadHandler();
    const error = await rejection(handler(REGISTER_US, CONTEXT));
    expect(error).toBeInstanceOf(errors.HomeRegionElsewhereError);
    expect(error).toMatchObject({
      name: "HomeRegionElsewhereError",
      homeRegion: "us-east-1",
      apiHostname: "api.us.example.com",
      message:
        "accounts of country US are kept in home region us-east-1, not me-south-1: sign up at api.us.example.com; nothing was stored",
    });
    expect(awsCalls()).toBe(0);
    expect(logs.lines()).toEqual([
      {
        level: "warn",
        event: "home_region.refused",
        time: NOW.toISOString(),
        requestId: CONTEXT.awsRequestId,
        action: "register",
        country: "US",
        error: "HomeRegionElsewhereError",
        message: (error as Error).message,
      },
    ]);
    expect(logs.text()).not.toContain("rivera");
  });

  it("the US stack refuses a GCC sign-up with the Saudi hostname", async () => {
    const handler = await loadHandler(US_HANDLER_ENV);
    await expect(handler(REGISTER_EMIRATI, CONTEXT)).rejects.toMatchObject({
      name: "HomeRegionElsewhereError",
      homeRegion: "me-south-1",
      apiHostname: "api.sa.example.com",
    });
    expect(awsCalls()).toBe(0);
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
    expect(error).toBeInstanceOf(errors.KeyServiceError);
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
    expect(error).toBeInstanceOf(errors.StoreError);
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
    ddb.on(GetItemCommand).resolves({ Item: SAUDI_ITEM });
    ddb.on(TransactWriteItemsCommand).rejects(
      new TransactionCanceledException({
        message: "Transaction cancelled",
        $metadata: { httpStatusCode: 400, requestId: "ddb-req-7" },
        CancellationReasons: [{ Code: "ThrottlingError" }, { Code: "None" }],
      }),
    );
    await expect(handler(MOVE_SAUDI_TO_US, CONTEXT)).rejects.toBeInstanceOf(errors.StoreError);
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

  it("a stack region that is not a home region fails the cold start", async () => {
    restoreEnvironment = setHandlerEnvironment({ ...HANDLER_ENV, STACK_REGION: "eu-west-1" });
    vi.resetModules();
    await expect(import("./handler")).rejects.toThrow(
      "STACK_REGION eu-west-1 is not in HOME_REGIONS",
    );
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
