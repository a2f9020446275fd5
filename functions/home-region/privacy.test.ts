/**
 * Proof that the table, the only state shared across jurisdictions, never receives an identity:
 * every command the DynamoDB client is given, across every action and outcome, is serialized and
 * searched for the identity as typed, as normalized, and as plain (unkeyed) SHA-256 digests.
 */
import { createHash } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KMSClient } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_IDENTITY_LENGTH, macMessage, normalizeIdentity } from "./core";
import { SAUDI_IDENTITY, US_IDENTITY } from "./fixtures/events";
import { AUDIT_ATTRIBUTES, RECORD_ATTRIBUTES } from "./store";
import {
  FakeTable,
  HANDLER_ENV,
  captureLogs,
  fakeKms,
  rejection,
  setHandlerEnvironment,
} from "./test-support";

const kms = mockClient(KMSClient);
const ddb = mockClient(DynamoDBClient);

type Handler = (typeof import("./handler"))["handler"];
let handler: Handler;
let table: FakeTable;
let restoreEnvironment: () => void = () => undefined;
let logs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  restoreEnvironment = setHandlerEnvironment(HANDLER_ENV);
  vi.resetModules();
  handler = (await import("./handler")).handler;
});

afterAll(() => {
  restoreEnvironment();
});

beforeEach(() => {
  kms.reset();
  ddb.reset();
  fakeKms(kms);
  table = new FakeTable(ddb);
});

/** Every form of an identity that must never reach the table. */
function forbiddenForms(identity: string): { text: string[]; digests: string[] } {
  const normalized = normalizeIdentity(identity);
  const text = [...new Set([identity, identity.trim(), normalized])];
  const digests: string[] = [];
  for (const input of [...text, macMessage(normalized)]) {
    const digest = createHash("sha256").update(input).digest();
    digests.push(digest.toString("hex"), digest.toString("base64"), digest.toString("base64url"));
  }
  return { text, digests };
}

/** Runs every action and outcome for one identity, through the handler. */
async function exerciseEveryAction(identity: string): Promise<void> {
  const context = { awsRequestId: "privacy-run" };
  await handler({ action: "lookup", identity }, context);
  await handler({ action: "register", identity, homeRegion: "me-south-1" }, context);
  await handler(
    { action: "register", identity: ` ${identity.toUpperCase()} `, homeRegion: "me-south-1" },
    context,
  );
  await rejection(handler({ action: "register", identity, homeRegion: "us-east-1" }, context));
  await handler({ action: "lookup", identity }, context);
  const move = {
    action: "move",
    identity,
    fromRegion: "me-south-1",
    toRegion: "us-east-1",
    reason: "CS-20931: residency corrected after contract transfer",
    requestedBy: "ops.oncall-7",
  };
  await handler(move, context);
  await rejection(handler(move, context));
  await handler({ action: "lookup", identity }, context);
}

/** Every DynamoDB command input so far, serialized. */
function serializedCommands(): string {
  return ddb
    .calls()
    .map((call) => JSON.stringify(call.args[0].input))
    .join("\n");
}

function assertNothingIdentifying(identity: string): void {
  const serialized = serializedCommands();
  const stored = JSON.stringify([...table.items.values()]);
  const { text, digests } = forbiddenForms(identity);
  for (const haystack of [serialized, stored]) {
    for (const form of text) {
      expect(haystack).not.toContain(form);
      expect(haystack.toLowerCase()).not.toContain(form.toLowerCase());
    }
    for (const digest of digests) {
      expect(haystack).not.toContain(digest);
    }
    // No email address of any kind: every stored string is a key, region, time or operator id.
    expect(haystack).not.toContain("@");
  }
  for (const item of table.items.values()) {
    const allowed: readonly string[] =
      item.pk?.S?.startsWith("audit#") === true ? AUDIT_ATTRIBUTES : RECORD_ATTRIBUTES;
    expect(Object.keys(item).every((name) => allowed.includes(name))).toBe(true);
  }
}

describe("no identity reaches the table", () => {
  it.each([SAUDI_IDENTITY, US_IDENTITY, "Ahmed.Al-Harbi@Example.SA"])(
    "across every command for %s",
    async (identity) => {
      logs = captureLogs();
      try {
        await exerciseEveryAction(identity);
      } finally {
        logs.spy.mockRestore();
      }
      expect(ddb.calls().length).toBeGreaterThan(8);
      expect(table.items.size).toBe(2);
      assertNothingIdentifying(identity);
      const local = normalizeIdentity(identity).split("@")[0] ?? "";
      expect(serializedCommands().toLowerCase()).not.toContain(local);
      expect(logs.text().toLowerCase()).not.toContain(local);
    },
  );

  it("for any identity, however it is typed", async () => {
    const identityArb = fc
      .tuple(
        fc.emailAddress().filter((email) => email.length <= MAX_IDENTITY_LENGTH),
        fc.boolean(),
      )
      .map(([email, upper]) => (upper ? email.toUpperCase() : email));
    logs = captureLogs();
    try {
      await fc.assert(
        fc.asyncProperty(identityArb, async (identity) => {
          ddb.resetHistory();
          table.items.clear();
          await exerciseEveryAction(identity);
          assertNothingIdentifying(identity);
          expect(logs.text().toLowerCase()).not.toContain(normalizeIdentity(identity));
        }),
        { numRuns: 40 },
      );
    } finally {
      logs.spy.mockRestore();
    }
  });
});
