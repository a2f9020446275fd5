import {
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { uniqueTable, useTestTable, HOME_REGION_SCHEMA } from "../../../test/dynamodb/tables";
import type { RegionDirectory } from "./config";
import {
  lookupHomeRegion,
  moveHomeRegion,
  registerHomeRegion,
  type HomeRegionDeps,
  type HomeRegionRecord,
  type MoveWrite,
} from "./core";
import {
  ConcurrentChangeError,
  HomeRegionConflictError,
  StaleHomeRegionError,
  StoreError,
} from "./errors";
import { auditKey, normalizeIdentity } from "./identity";
import { AUDIT_ATTRIBUTES, DynamoDbHomeRegionStore, RECORD_ATTRIBUTES } from "./store";
import { captureLogs, fakeMac, recordKeyOf, rejection } from "./test-support";

// The store against DynamoDB Local: real condition expressions, transactions and cancellation
// reasons, on a table shaped as components/data/home-region.ts defines it.

const { client, table } = useTestTable("home-region", HOME_REGION_SCHEMA);
let logs: ReturnType<typeof captureLogs>;

beforeEach(() => {
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
});

const store = (): DynamoDbHomeRegionStore => new DynamoDbHomeRegionStore(client, table);

/** A fresh identity's key per test: the table is shared by the file's tests. */
let identities = 0;
function freshKey(): string {
  identities += 1;
  return recordKeyOf(`person-${identities}-${table}@example.com`);
}

const REGISTERED_AT = "2024-11-20T08:30:00.000Z";
const MOVED_AT = "2025-03-01T12:00:00.000Z";

function record(key: string, fields: Partial<HomeRegionRecord> = {}): HomeRegionRecord {
  return { key, homeRegion: "me-south-1", version: 1, updatedAt: REGISTERED_AT, ...fields };
}

function moveOf(key: string, fields: Partial<Omit<MoveWrite, "audit">> = {}): MoveWrite {
  const write = {
    key,
    fromRegion: "me-south-1",
    toRegion: "us-east-1",
    expectedVersion: 1,
    nextVersion: 2,
    updatedAt: MOVED_AT,
    ...fields,
  };
  return {
    ...write,
    audit: {
      key: auditKey(key, write.updatedAt),
      fromRegion: write.fromRegion,
      toRegion: write.toRegion,
      reason: "CS-20931: residency corrected",
      requestedBy: "ops.oncall-7",
      at: write.updatedAt,
    },
  };
}

/** The whole stored item (every attribute, not the store's projection), or undefined. */
async function storedItem(key: string): Promise<Record<string, AttributeValue> | undefined> {
  const output = await client.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: key } }, ConsistentRead: true }),
  );
  return output.Item;
}

/** The keys of the audit items of a record. */
async function auditKeys(key: string): Promise<string[]> {
  const output = await client.send(
    new ScanCommand({
      TableName: table,
      ConsistentRead: true,
      FilterExpression: "begins_with(#pk, :prefix)",
      ExpressionAttributeNames: { "#pk": "pk" },
      ExpressionAttributeValues: { ":prefix": { S: auditKey(key, "") } },
    }),
  );
  return (output.Items ?? []).map((item) => item.pk?.S ?? "").sort();
}

describe("get", () => {
  it("returns undefined for a key that is not stored", async () => {
    await expect(store().get(freshKey())).resolves.toBeUndefined();
  });

  it("turns a missing table into StoreError, logging the error's name", async () => {
    const key = freshKey();
    const missing = new DynamoDbHomeRegionStore(client, uniqueTable("missing"));
    await expect(missing.get(key)).rejects.toEqual(new StoreError("read"));
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        event: "store.failed",
        operation: "read",
        errorName: "ResourceNotFoundException",
      }),
    ]);
    expect(logs.text()).not.toContain(key);
  });
});

describe("create", () => {
  it("stores the record with only its attributes, and reads it back", async () => {
    const key = freshKey();
    await expect(store().create(record(key))).resolves.toEqual({ created: true });
    expect(await storedItem(key)).toEqual({
      pk: { S: key },
      homeRegion: { S: "me-south-1" },
      version: { N: "1" },
      updatedAt: { S: REGISTERED_AT },
    });
    expect(Object.keys((await storedItem(key)) ?? {}).sort()).toEqual(
      [...RECORD_ATTRIBUTES].sort(),
    );
    await expect(store().get(key)).resolves.toEqual(record(key));
  });

  it("refuses a second registration of the key, returning the stored record unchanged", async () => {
    const key = freshKey();
    await store().create(record(key));
    const second = record(key, { homeRegion: "us-east-1", updatedAt: MOVED_AT });
    await expect(store().create(second)).resolves.toEqual({
      created: false,
      existing: record(key),
    });
    await expect(store().get(key)).resolves.toEqual(record(key));
  });

  it("returns a moved record as it is now when registration is refused", async () => {
    const key = freshKey();
    await store().create(record(key));
    await store().move(moveOf(key));
    await expect(store().create(record(key))).resolves.toEqual({
      created: false,
      existing: record(key, { homeRegion: "us-east-1", version: 2, updatedAt: MOVED_AT }),
    });
  });

  it("lets exactly one of concurrent registrations create the record", async () => {
    const key = freshKey();
    const regions = ["me-south-1", "us-east-1", "eu-central-1", "ap-south-1"];
    const outcomes = await Promise.all(
      regions.map((homeRegion) => store().create(record(key, { homeRegion }))),
    );
    const created = outcomes.filter((outcome) => outcome.created);
    expect(created).toHaveLength(1);
    const stored = await store().get(key);
    expect(stored).toBeDefined();
    for (const outcome of outcomes) {
      if (!outcome.created) expect(outcome.existing).toEqual(stored);
    }
  });
});

describe("move", () => {
  it("updates the record and writes the audit item with only its attributes", async () => {
    const key = freshKey();
    await store().create(record(key));
    await store().move(moveOf(key));
    await expect(store().get(key)).resolves.toEqual(
      record(key, { homeRegion: "us-east-1", version: 2, updatedAt: MOVED_AT }),
    );
    const audit = await storedItem(auditKey(key, MOVED_AT));
    expect(audit).toEqual({
      pk: { S: auditKey(key, MOVED_AT) },
      fromRegion: { S: "me-south-1" },
      toRegion: { S: "us-east-1" },
      reason: { S: "CS-20931: residency corrected" },
      requestedBy: { S: "ops.oncall-7" },
      at: { S: MOVED_AT },
    });
    expect(Object.keys(audit ?? {}).sort()).toEqual([...AUDIT_ATTRIBUTES].sort());
  });

  it("moves again from the new region and version, one audit item per move", async () => {
    const key = freshKey();
    const later = "2025-04-01T09:00:00.000Z";
    await store().create(record(key));
    await store().move(moveOf(key));
    await store().move(
      moveOf(key, {
        fromRegion: "us-east-1",
        toRegion: "me-south-1",
        expectedVersion: 2,
        nextVersion: 3,
        updatedAt: later,
      }),
    );
    await expect(store().get(key)).resolves.toEqual(record(key, { version: 3, updatedAt: later }));
    expect(await auditKeys(key)).toEqual([auditKey(key, MOVED_AT), auditKey(key, later)].sort());
  });

  it("refuses a move from a region that is no longer the record's, naming the current one", async () => {
    const key = freshKey();
    await store().create(record(key, { homeRegion: "us-east-1" }));
    await expect(store().move(moveOf(key, { toRegion: "eu-central-1" }))).rejects.toEqual(
      new StaleHomeRegionError("me-south-1", "us-east-1"),
    );
    await expect(store().get(key)).resolves.toEqual(record(key, { homeRegion: "us-east-1" }));
    expect(await auditKeys(key)).toEqual([]);
  });

  it("refuses a move made from an older version of the record, writing nothing", async () => {
    const key = freshKey();
    await store().create(record(key, { version: 3 }));
    await expect(store().move(moveOf(key))).rejects.toEqual(
      new StaleHomeRegionError("me-south-1", "me-south-1"),
    );
    await expect(store().get(key)).resolves.toEqual(record(key, { version: 3 }));
    expect(await auditKeys(key)).toEqual([]);
  });

  it("refuses a move of a record that is not stored, creating neither item", async () => {
    const key = freshKey();
    await expect(store().move(moveOf(key))).rejects.toEqual(
      new StaleHomeRegionError("me-south-1", null),
    );
    expect(await storedItem(key)).toBeUndefined();
    expect(await auditKeys(key)).toEqual([]);
  });

  it("refuses a move whose audit key exists as a concurrent change, leaving the record", async () => {
    const key = freshKey();
    await store().create(record(key));
    const existingAudit = { pk: { S: auditKey(key, MOVED_AT) }, at: { S: MOVED_AT } };
    await client.send(new PutItemCommand({ TableName: table, Item: existingAudit }));
    const error = await rejection(store().move(moveOf(key)));
    expect(error).toBeInstanceOf(ConcurrentChangeError);
    await expect(store().get(key)).resolves.toEqual(record(key));
    expect(await storedItem(auditKey(key, MOVED_AT))).toEqual(existingAudit);
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        event: "store.move_conflict",
        reasons: ["None", "ConditionalCheckFailed"],
      }),
    ]);
  });

  it("lets exactly one of concurrent moves from the same read win", async () => {
    const key = freshKey();
    await store().create(record(key));
    const targets = ["us-east-1", "eu-central-1", "ap-south-1"];
    const results = await Promise.allSettled(
      targets.map((toRegion, index) =>
        store().move(moveOf(key, { toRegion, updatedAt: `2025-03-01T12:00:0${index}.000Z` })),
      ),
    );
    const won = results.filter((result) => result.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") {
        expect(
          result.reason instanceof StaleHomeRegionError ||
            result.reason instanceof ConcurrentChangeError,
        ).toBe(true);
      }
    }
    const stored = await store().get(key);
    expect(stored?.version).toBe(2);
    expect(targets).toContain(stored?.homeRegion);
    expect(await auditKeys(key)).toHaveLength(1);
  });
});

describe("flows on the real table", () => {
  const directory: RegionDirectory = {
    regions: ["me-south-1", "us-east-1"],
    hostnames: new Map([
      ["me-south-1", "api.sa.example.com"],
      ["us-east-1", "api.us.example.com"],
    ]),
    countries: { SA: "me-south-1", "*": "us-east-1" },
    stackRegion: "me-south-1",
  };
  /** The Saudi stack's function, or the US stack's. */
  const deps = (stackRegion = "me-south-1"): HomeRegionDeps => ({
    mac: { generateMac: (message) => Promise.resolve(fakeMac(message)) },
    store: store(),
    directory: { ...directory, stackRegion },
    now: () => new Date(MOVED_AT),
  });

  it("register, lookup, a conflicting registration, move, lookup", async () => {
    identities += 1;
    const identity = normalizeIdentity(`flow-${identities}-${table}@example.com`);
    await expect(lookupHomeRegion({ action: "lookup", identity }, deps())).resolves.toMatchObject({
      response: { found: false },
    });
    await expect(
      registerHomeRegion({ action: "register", identity, country: "SA" }, deps()),
    ).resolves.toMatchObject({ response: { homeRegion: "me-south-1", created: true } });
    await expect(
      registerHomeRegion({ action: "register", identity, country: "SA" }, deps()),
    ).resolves.toMatchObject({ response: { created: false }, outcome: "existing" });
    // Declaring another country at the US stack's API: the stored record wins.
    await expect(
      registerHomeRegion({ action: "register", identity, country: "US" }, deps("us-east-1")),
    ).rejects.toBeInstanceOf(HomeRegionConflictError);
    await expect(
      moveHomeRegion(
        {
          action: "move",
          identity,
          fromRegion: "me-south-1",
          toRegion: "us-east-1",
          reason: "CS-20931: residency corrected",
          requestedBy: "ops.oncall-7",
        },
        deps(),
      ),
    ).resolves.toMatchObject({
      response: { homeRegion: "us-east-1", previousRegion: "me-south-1" },
    });
    await expect(lookupHomeRegion({ action: "lookup", identity }, deps())).resolves.toMatchObject({
      response: { found: true, homeRegion: "us-east-1", apiHostname: "api.us.example.com" },
    });
  });
});
