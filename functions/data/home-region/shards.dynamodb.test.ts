import { GetItemCommand, PutItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useTestTable, HOME_REGION_SCHEMA } from "../../../test/dynamodb/tables";
import { assignShard, type StoreShard } from "../../../contracts/user-store-shards";
import { lookupHomeRegion, moveHomeRegion, registerHomeRegion, type HomeRegionDeps } from "./core";
import { StoreIntegrityError } from "./errors";
import { normalizeIdentity } from "./identity";
import { DynamoDbHomeRegionStore, RECORD_ATTRIBUTES, SHARD_ATTRIBUTE } from "./store";
import { captureLogs, DIRECTORY, fakeMac, recordKeyOf } from "./test-support";

// The directory record carries the account's shard: assigned at registration by the contract's
// rule, recorded, answered by lookup, kept however the shards change, cleared by a move. On
// DynamoDB Local, through the real store.

const { client, table } = useTestTable("home-region-shards", HOME_REGION_SCHEMA);
let logs: ReturnType<typeof captureLogs>;

beforeEach(() => {
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
});

const TWO_SHARDS: readonly StoreShard[] = [
  { id: "s1", weight: 1 },
  { id: "s2", weight: 1 },
];

function deps(shards?: readonly StoreShard[]): HomeRegionDeps {
  return {
    mac: { generateMac: (message) => Promise.resolve(fakeMac(message)) },
    store: new DynamoDbHomeRegionStore(client, table),
    directory: DIRECTORY,
    ...(shards === undefined ? {} : { shards }),
    now: () => new Date("2025-03-01T12:00:00.000Z"),
  };
}

let people = 0;
/** A fresh Saudi identity per test (the table is shared by the file's tests). */
function freshIdentity(): string {
  people += 1;
  return `member-${people}-${table}@example.sa`;
}

async function storedItem(key: string): Promise<Record<string, AttributeValue> | undefined> {
  const output = await client.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: key } }, ConsistentRead: true }),
  );
  return output.Item;
}

/** Identities until both shards have been assigned at least once by the rule. */
function identitiesOnBothShards(): { s1: string; s2: string } {
  const found: Partial<Record<string, string>> = {};
  while (found.s1 === undefined || found.s2 === undefined) {
    const identity = freshIdentity();
    found[assignShard(recordKeyOf(identity), TWO_SHARDS)] ??= identity;
  }
  return { s1: found.s1, s2: found.s2 };
}

describe("a region with two shards", () => {
  it("records the shard the rule assigns and answers it on register and lookup", async () => {
    const { s1, s2 } = identitiesOnBothShards();
    for (const [shard, raw] of [
      ["s1", s1],
      ["s2", s2],
    ] as const) {
      const identity = normalizeIdentity(raw);
      const registered = await registerHomeRegion(
        { action: "register", identity, country: "SA" },
        deps(TWO_SHARDS),
      );
      expect(registered.response).toEqual({
        homeRegion: "me-south-1",
        apiHostname: "api.sa.example.com",
        created: true,
        shard,
      });
      expect((await storedItem(registered.key))?.[SHARD_ATTRIBUTE]).toEqual({ S: shard });
      const found = await lookupHomeRegion({ action: "lookup", identity }, deps(TWO_SHARDS));
      expect(found.response).toEqual({
        found: true,
        homeRegion: "me-south-1",
        apiHostname: "api.sa.example.com",
        shard,
      });
    }
  });

  it("keeps an existing account on its shard when the weights change or a shard closes", async () => {
    const { s2 } = identitiesOnBothShards();
    const identity = normalizeIdentity(s2);
    const request = { action: "register", identity, country: "SA" } as const;
    const first = await registerHomeRegion(request, deps(TWO_SHARDS));
    expect(first.response).toMatchObject({ created: true, shard: "s2" });
    // s2 closed to new accounts, a third shard added: the account stays on s2.
    const changed: readonly StoreShard[] = [
      { id: "s1", weight: 1 },
      { id: "s2", weight: 0 },
      { id: "s3", weight: 5 },
    ];
    const again = await registerHomeRegion(request, deps(changed));
    expect(again.response).toEqual({
      homeRegion: "me-south-1",
      apiHostname: "api.sa.example.com",
      created: false,
      shard: "s2",
    });
    await expect(
      lookupHomeRegion({ action: "lookup", identity }, deps(changed)),
    ).resolves.toMatchObject({ response: { shard: "s2" } });
    expect((await storedItem(first.key))?.[SHARD_ATTRIBUTE]).toEqual({ S: "s2" });
  });

  it("leaves an account registered before shards existed on the first shard (no shard recorded)", async () => {
    const identity = normalizeIdentity(freshIdentity());
    const before = await registerHomeRegion(
      { action: "register", identity, country: "SA" },
      deps(),
    );
    const item = await storedItem(before.key);
    expect(Object.keys(item ?? {}).sort()).toEqual([...RECORD_ATTRIBUTES].sort());
    expect(before.response).not.toHaveProperty("shard");
    // Shards added since: the record is unchanged, and the answer names no shard (the first).
    const again = await registerHomeRegion(
      { action: "register", identity, country: "SA" },
      deps(TWO_SHARDS),
    );
    expect(again.response).toEqual({
      homeRegion: "me-south-1",
      apiHostname: "api.sa.example.com",
      created: false,
    });
    expect(await storedItem(before.key)).toEqual(item);
  });

  it("clears the shard on a move to another region (its first shard)", async () => {
    const { s2 } = identitiesOnBothShards();
    const identity = normalizeIdentity(s2);
    const registered = await registerHomeRegion(
      { action: "register", identity, country: "SA" },
      deps(TWO_SHARDS),
    );
    await moveHomeRegion(
      {
        action: "move",
        identity,
        fromRegion: "me-south-1",
        toRegion: "us-east-1",
        reason: "CS-31337: moved to the US",
        requestedBy: "ops.oncall-7",
      },
      deps(TWO_SHARDS),
    );
    const item = await storedItem(registered.key);
    expect(item?.homeRegion).toEqual({ S: "us-east-1" });
    expect(item).not.toHaveProperty(SHARD_ATTRIBUTE);
    const found = await lookupHomeRegion({ action: "lookup", identity }, deps(TWO_SHARDS));
    expect(found.response).toEqual({
      found: true,
      homeRegion: "us-east-1",
      apiHostname: "api.us.example.com",
    });
  });

  it("refuses a stored shard that is no shard id", async () => {
    const raw = freshIdentity();
    const identity = normalizeIdentity(raw);
    const key = recordKeyOf(raw);
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: key },
          homeRegion: { S: "me-south-1" },
          version: { N: "1" },
          updatedAt: { S: "2025-01-01T00:00:00.000Z" },
          [SHARD_ATTRIBUTE]: { S: "Shard Two" },
        },
      }),
    );
    await expect(
      lookupHomeRegion({ action: "lookup", identity }, deps(TWO_SHARDS)),
    ).rejects.toBeInstanceOf(StoreIntegrityError);
  });
});
