import { PutItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { GenerateMacCommand, KMSClient } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { macMessage, normalizeIdentity } from "./identity";
import {
  LOOKUP_FROM_US,
  LOOKUP_US_USER,
  MOVE_SAUDI_TO_US,
  REGISTER_EMIRATI,
  REGISTER_SAUDI,
  REGISTER_US,
  SAUDI_IDENTITY,
  US_IDENTITY,
} from "./fixtures/events";
import { LocalDirectory } from "./test-dynamodb";
import {
  HMAC_KEY_ID,
  US_HANDLER_ENV,
  captureLogs,
  fakeKms,
  recordKeyOf,
  rejection,
} from "./test-support";

// The home-region handler on DynamoDB Local: its conditions and its transaction run on a real
// directory table (a fresh one per test), keyed as components/data/home-region.ts keys it. KMS is
// stubbed with a real keyed HMAC.

const kms = mockClient(KMSClient);

const SIGN_UP = new Date("2024-11-20T08:30:00.000Z");
const NOW = new Date("2025-03-01T12:00:00.000Z");
const CONTEXT = { awsRequestId: "3f1c9a52-7d1e-4b7a-9e0f-5c2d8a1b6e44" };
const SAUDI_KEY = recordKeyOf(SAUDI_IDENTITY);

let directory: LocalDirectory;
let logs: ReturnType<typeof captureLogs>;

type Handler = Awaited<ReturnType<LocalDirectory["loadHandler"]>>;
type Errors = typeof import("./errors");

/** The errors module the last loaded handler uses: its error classes are the ones it throws. */
let errors: Errors;

/** The handler of the Saudi stack, or of the stack `env` describes, on this test's table. */
async function loadHandler(env?: typeof US_HANDLER_ENV): Promise<Handler> {
  const handler = await directory.loadHandler(env);
  errors = await import("./errors");
  return handler;
}

beforeEach(async () => {
  kms.reset();
  fakeKms(kms);
  directory = new LocalDirectory();
  await directory.open();
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
  logs = captureLogs();
});

afterEach(async () => {
  logs.spy.mockRestore();
  vi.useRealTimers();
  await directory.close();
});

afterAll(() => {
  kms.restore();
});

/** Registers the Saudi fixture user as they signed up, then forgets the commands sent. */
async function signUpSaudiUser(handler: Handler): Promise<void> {
  vi.setSystemTime(SIGN_UP);
  await handler(REGISTER_SAUDI, CONTEXT);
  vi.setSystemTime(NOW);
  kms.resetHistory();
  directory.sent.length = 0;
}

/** Writes the Saudi user's record as another writer would, bypassing the handler. */
async function overwriteSaudiRecord(fields: Record<string, AttributeValue>): Promise<void> {
  const stored = (await directory.items()).get(SAUDI_KEY);
  await directory.client.send(
    new PutItemCommand({ TableName: directory.table, Item: { ...stored, ...fields } }),
  );
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
    // One read of the keyed hash, and nothing written.
    expect(directory.sent).toEqual([
      {
        name: "GetItemCommand",
        input: expect.objectContaining({
          Key: { pk: { S: recordKeyOf(LOOKUP_US_USER.identity) } },
        }) as unknown,
      },
    ]);
    expect((await directory.items()).size).toBe(0);
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
    expect(directory.names()).toEqual(["GetItemCommand", "GetItemCommand"]);
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
    const items = await directory.items();
    expect([...items.keys()]).toEqual([SAUDI_KEY]);
    expect(items.get(SAUDI_KEY)).toEqual({
      pk: { S: SAUDI_KEY },
      homeRegion: { S: "me-south-1" },
      version: { N: "1" },
      updatedAt: { S: NOW.toISOString() },
    });
    expect(SAUDI_KEY).toMatch(/^hr_[A-Za-z0-9_-]{43}$/);
  });

  it("registering twice with the same region is success and changes nothing", async () => {
    const handler = await loadHandler();
    await signUpSaudiUser(handler);
    const before = (await directory.items()).get(SAUDI_KEY);
    await expect(
      handler({ ...REGISTER_SAUDI, identity: "nora.alqahtani@EXAMPLE.sa" }, CONTEXT),
    ).resolves.toEqual({
      homeRegion: "me-south-1",
      apiHostname: "api.sa.example.com",
      created: false,
    });
    const after = (await directory.items()).get(SAUDI_KEY);
    expect(after).toEqual(before);
    expect(after?.updatedAt).toEqual({ S: SIGN_UP.toISOString() });
    expect(logs.lines().at(-1)).toMatchObject({ outcome: "existing", action: "register" });
  });

  it("registering again through another region's API is a conflict; the user keeps their jurisdiction", async () => {
    await signUpSaudiUser(await loadHandler());
    // The same person signs up again at the US API, now declaring the US.
    const usHandler = await loadHandler(US_HANDLER_ENV);
    const error = await rejection(usHandler({ ...REGISTER_SAUDI, country: "US" }, CONTEXT));
    expect(error).toBeInstanceOf(errors.HomeRegionConflictError);
    expect(error).toMatchObject({
      name: "HomeRegionConflictError",
      existingRegion: "me-south-1",
      requestedRegion: "us-east-1",
    });
    expect((await directory.items()).get(SAUDI_KEY)?.homeRegion).toEqual({ S: "me-south-1" });
    expect(logs.lines().at(-1)).toMatchObject({
      level: "warn",
      event: "home_region.refused",
      error: "HomeRegionConflictError",
    });
  });

  it("registers users of both jurisdictions side by side, each through their own region's API", async () => {
    await (
      await loadHandler()
    )(REGISTER_SAUDI, CONTEXT);
    const usHandler = await loadHandler(US_HANDLER_ENV);
    await usHandler(REGISTER_US, CONTEXT);
    await expect(usHandler(LOOKUP_US_USER, CONTEXT)).resolves.toEqual({
      found: true,
      homeRegion: "us-east-1",
      apiHostname: "api.us.example.com",
    });
    await expect(usHandler(LOOKUP_FROM_US, CONTEXT)).resolves.toMatchObject({
      homeRegion: "me-south-1",
    });
    expect((await directory.items()).size).toBe(2);
  });

  it("a sign-up kept in another region is refused and leaves the table untouched; its own region then keeps it", async () => {
    const handler = await loadHandler();
    const error = await rejection(handler(REGISTER_US, CONTEXT));
    expect(error).toBeInstanceOf(errors.HomeRegionElsewhereError);
    expect(error).toMatchObject({ homeRegion: "us-east-1", apiHostname: "api.us.example.com" });
    expect(directory.sent).toEqual([]);
    expect(kms.commandCalls(GenerateMacCommand)).toHaveLength(0);
    expect((await directory.items()).size).toBe(0);
    await expect(handler(LOOKUP_US_USER, CONTEXT)).resolves.toEqual({ found: false });
    // The client follows the refusal to the hostname it names.
    const usHandler = await loadHandler(US_HANDLER_ENV);
    await expect(usHandler(REGISTER_US, CONTEXT)).resolves.toEqual({
      homeRegion: "us-east-1",
      apiHostname: "api.us.example.com",
      created: true,
    });
    expect([...(await directory.items()).keys()]).toEqual([recordKeyOf(US_IDENTITY)]);
  });

  it("the US API refuses a GCC sign-up, which the Saudi API then keeps", async () => {
    const usHandler = await loadHandler(US_HANDLER_ENV);
    await expect(usHandler(REGISTER_EMIRATI, CONTEXT)).rejects.toMatchObject({
      name: "HomeRegionElsewhereError",
      homeRegion: "me-south-1",
      apiHostname: "api.sa.example.com",
    });
    expect((await directory.items()).size).toBe(0);
    const handler = await loadHandler();
    await expect(handler(REGISTER_EMIRATI, CONTEXT)).resolves.toMatchObject({
      homeRegion: "me-south-1",
      created: true,
    });
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
    // Exactly one read (for the version) and one write; nothing else touched the table.
    expect(directory.names()).toEqual(["GetItemCommand", "TransactWriteItemsCommand"]);
    const auditKey = `audit#${SAUDI_KEY}#${NOW.toISOString()}`;
    const items = await directory.items();
    expect(items.get(SAUDI_KEY)).toEqual({
      pk: { S: SAUDI_KEY },
      homeRegion: { S: "us-east-1" },
      version: { N: "2" },
      updatedAt: { S: NOW.toISOString() },
    });
    expect(items.get(auditKey)).toEqual({
      pk: { S: auditKey },
      fromRegion: { S: "me-south-1" },
      toRegion: { S: "us-east-1" },
      reason: { S: MOVE_SAUDI_TO_US.reason },
      requestedBy: { S: "ops.oncall-7" },
      at: { S: NOW.toISOString() },
    });
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
    expect(error).toBeInstanceOf(errors.StaleHomeRegionError);
    expect(error).toMatchObject({ fromRegion: "us-east-1", currentRegion: "me-south-1" });
    expect(directory.names()).not.toContain("TransactWriteItemsCommand");
  });

  it("a record that changed between the read and the write is refused by the condition", async () => {
    const handler = await loadHandler();
    await signUpSaudiUser(handler);
    // Another move lands between this move's read and its transaction.
    directory.afterNext("GetItemCommand", () =>
      overwriteSaudiRecord({ homeRegion: { S: "us-east-1" }, version: { N: "2" } }),
    );
    const error = await rejection(handler(MOVE_SAUDI_TO_US, CONTEXT));
    expect(error).toBeInstanceOf(errors.StaleHomeRegionError);
    expect(error).toMatchObject({ fromRegion: "me-south-1", currentRegion: "us-east-1" });
    expect(directory.names()).toEqual(["GetItemCommand", "TransactWriteItemsCommand"]);
    // Neither half of the transaction was written: no audit item.
    expect([...(await directory.items()).keys()]).toEqual([SAUDI_KEY]);
  });

  it("a move whose condition fails on the version alone is stale too", async () => {
    const handler = await loadHandler();
    await signUpSaudiUser(handler);
    directory.afterNext("GetItemCommand", () => overwriteSaudiRecord({ version: { N: "3" } }));
    await expect(handler(MOVE_SAUDI_TO_US, CONTEXT)).rejects.toBeInstanceOf(
      errors.StaleHomeRegionError,
    );
    const items = await directory.items();
    expect(items.get(SAUDI_KEY)?.homeRegion).toEqual({ S: "me-south-1" });
    expect(items.size).toBe(1);
  });

  it("an identity without a home region cannot be moved", async () => {
    const handler = await loadHandler();
    await expect(handler(MOVE_SAUDI_TO_US, CONTEXT)).rejects.toBeInstanceOf(
      errors.HomeRegionNotFoundError,
    );
    expect(directory.names()).not.toContain("TransactWriteItemsCommand");
    expect((await directory.items()).size).toBe(0);
  });
});

describe("logs", () => {
  it("hold the record key prefix at most, and never the identity", async () => {
    const handler = await loadHandler();
    await handler(REGISTER_SAUDI, CONTEXT);
    await handler(REGISTER_SAUDI, CONTEXT);
    await rejection(handler({ ...REGISTER_SAUDI, country: "US" }, CONTEXT));
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
      ["register", "HomeRegionElsewhereError"],
      ["lookup", "found"],
      ["move", "moved"],
      ["move", "StaleHomeRegionError"],
    ]);
  });
});
