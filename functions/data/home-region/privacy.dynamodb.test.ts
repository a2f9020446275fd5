/**
 * Proof that the table, the only state shared across jurisdictions, never receives an identity:
 * every command the handler's DynamoDB client sends to DynamoDB Local, across every action and
 * outcome, and every item the table then holds, is serialized and searched for the identity as
 * typed, as normalized, and as plain (unkeyed) SHA-256 digests.
 */
import { createHash } from "node:crypto";
import { KMSClient } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_IDENTITY_LENGTH, macMessage, normalizeIdentity } from "./identity";
import { SAUDI_IDENTITY, US_IDENTITY } from "./fixtures/events";
import { AUDIT_ATTRIBUTES, RECORD_ATTRIBUTES } from "./store";
import { LocalDirectory } from "./test-dynamodb";
import { captureLogs, fakeKms, rejection } from "./test-support";

const kms = mockClient(KMSClient);

type Handler = Awaited<ReturnType<LocalDirectory["loadHandler"]>>;
let handler: Handler;
let directory: LocalDirectory;
let logs: ReturnType<typeof captureLogs>;

beforeEach(async () => {
  kms.reset();
  fakeKms(kms);
  directory = new LocalDirectory();
  await directory.open();
  handler = await directory.loadHandler();
});

afterEach(async () => {
  await directory.close();
});

afterAll(() => {
  kms.restore();
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
  await handler({ action: "register", identity, country: "SA" }, context);
  await handler(
    { action: "register", identity: ` ${identity.toUpperCase()} `, country: "SA" },
    context,
  );
  // Kept in another region: refused before anything is hashed or sent.
  await rejection(handler({ action: "register", identity, country: "US" }, context));
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
  // Registered again here after the move: a conflict, found by the conditional write.
  await rejection(handler({ action: "register", identity, country: "QA" }, context));
  await handler({ action: "lookup", identity }, context);
}

/** Every DynamoDB command input so far, serialized. */
function serializedCommands(): string {
  return directory.sent.map((command) => JSON.stringify(command.input)).join("\n");
}

async function assertNothingIdentifying(identity: string): Promise<void> {
  const serialized = serializedCommands();
  const items = [...(await directory.items()).values()];
  const stored = JSON.stringify(items);
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
  for (const item of items) {
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
      expect(directory.sent.length).toBeGreaterThan(8);
      expect((await directory.items()).size).toBe(2);
      await assertNothingIdentifying(identity);
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
          await directory.clear();
          await exerciseEveryAction(identity);
          await assertNothingIdentifying(identity);
          expect(logs.text().toLowerCase()).not.toContain(normalizeIdentity(identity));
        }),
        { numRuns: 40 },
      );
    } finally {
      logs.spy.mockRestore();
    }
  });
});
