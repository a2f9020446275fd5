import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HomeRegionRecord, MoveWrite } from "./core";
import { ConcurrentChangeError, StoreError, StoreIntegrityError } from "./errors";
import { auditKey } from "./identity";
import { SAUDI_IDENTITY } from "./fixtures/events";
import { DynamoDbHomeRegionStore, recordFromItem } from "./store";
import { TABLE_NAME, captureLogs, recordKeyOf, thrown } from "./test-support";

const ddb = mockClient(DynamoDBClient);
let logs: ReturnType<typeof captureLogs>;

beforeEach(() => {
  ddb.reset();
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
});

const KEY = recordKeyOf(SAUDI_IDENTITY);
const AT = "2025-03-01T12:00:00.000Z";
const RECORD: HomeRegionRecord = {
  key: KEY,
  homeRegion: "me-south-1",
  version: 1,
  updatedAt: "2024-11-20T08:30:00.000Z",
};
const ITEM: Record<string, AttributeValue> = {
  pk: { S: KEY },
  homeRegion: { S: "me-south-1" },
  version: { N: "1" },
  updatedAt: { S: "2024-11-20T08:30:00.000Z" },
};
const MOVE: MoveWrite = {
  key: KEY,
  fromRegion: "me-south-1",
  toRegion: "us-east-1",
  expectedVersion: 1,
  nextVersion: 2,
  updatedAt: AT,
  audit: {
    key: auditKey(KEY, AT),
    fromRegion: "me-south-1",
    toRegion: "us-east-1",
    reason: "CS-20931: residency corrected",
    requestedBy: "ops.oncall-7",
    at: AT,
  },
};

const store = (): DynamoDbHomeRegionStore =>
  new DynamoDbHomeRegionStore(new DynamoDBClient({}), TABLE_NAME);

const metadata = { httpStatusCode: 400, requestId: "ddb-req-1" };

describe("items", () => {
  it("read back as records", () => {
    expect(recordFromItem(KEY, ITEM)).toEqual(RECORD);
  });

  it.each([
    ["another key", { ...ITEM, pk: { S: recordKeyOf("someone@example.com") } }, "key"],
    ["no region", { pk: ITEM.pk, version: ITEM.version, updatedAt: ITEM.updatedAt }, "region"],
    ["no version", { ...ITEM, version: { S: "1" } }, "version"],
    ["version 0", { ...ITEM, version: { N: "0" } }, "positive integer"],
    ["a fractional version", { ...ITEM, version: { N: "1.5" } }, "positive integer"],
    ["no update time", { ...ITEM, updatedAt: { N: "1" } }, "update time"],
  ] as [string, Record<string, AttributeValue>, string][])(
    "refuse an item with %s",
    (_, item, reason) => {
      const error = thrown(() => recordFromItem(KEY, item));
      expect(error).toBeInstanceOf(StoreIntegrityError);
      expect((error as Error).message).toContain(reason);
      expect((error as Error).message).toContain(KEY.slice(0, 8));
      expect((error as Error).message).not.toContain(KEY);
    },
  );
});

describe("get", () => {
  it("reads strongly consistent, so a lookup right after a registration finds it", async () => {
    ddb.on(GetItemCommand).resolves({ Item: ITEM });
    await expect(store().get(KEY)).resolves.toEqual(RECORD);
    expect(ddb.commandCalls(GetItemCommand)[0]?.args[0].input).toMatchObject({
      TableName: TABLE_NAME,
      Key: { pk: { S: KEY } },
      ConsistentRead: true,
    });
  });

  it("turns an SDK error into StoreError", async () => {
    ddb
      .on(GetItemCommand)
      .rejects(new ResourceNotFoundException({ message: "no table", $metadata: metadata }));
    await expect(store().get(KEY)).rejects.toEqual(new StoreError("read"));
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        event: "store.failed",
        operation: "read",
        keyPrefix: KEY.slice(0, 8),
        errorName: "ResourceNotFoundException",
        awsRequestId: "ddb-req-1",
      }),
    ]);
  });
});

describe("create", () => {
  it("reads the stored record when the condition failure does not carry it", async () => {
    ddb
      .on(PutItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: "failed", $metadata: metadata }));
    ddb.on(GetItemCommand).resolves({ Item: ITEM });
    await expect(store().create(RECORD)).resolves.toEqual({ created: false, existing: RECORD });
  });

  it("is a concurrent change when the record vanished in between", async () => {
    ddb
      .on(PutItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: "failed", $metadata: metadata }));
    ddb.on(GetItemCommand).resolves({});
    await expect(store().create(RECORD)).rejects.toBeInstanceOf(ConcurrentChangeError);
  });

  it("turns any other SDK error into StoreError", async () => {
    ddb
      .on(PutItemCommand)
      .rejects(
        new ProvisionedThroughputExceededException({ message: "slow down", $metadata: metadata }),
      );
    await expect(store().create(RECORD)).rejects.toEqual(new StoreError("register"));
    expect(logs.text()).not.toContain("slow down");
  });
});

describe("move", () => {
  const cancelled = (
    reasons: { Code: string; Item?: Record<string, AttributeValue> }[],
  ): TransactionCanceledException =>
    new TransactionCanceledException({
      message: "Transaction cancelled",
      $metadata: metadata,
      CancellationReasons: reasons,
    });

  it("sends the update and the audit item in one call, so they succeed or fail together", async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    await store().move(MOVE);
    expect(ddb.calls()).toHaveLength(1);
    const input = ddb.commandCalls(TransactWriteItemsCommand)[0]?.args[0].input;
    expect(input?.TransactItems?.map((item) => Object.keys(item))).toEqual([["Update"], ["Put"]]);
  });

  // An existing audit key is a concurrent change too (tested on DynamoDB Local); a transaction
  // conflict is one the emulator does not produce on demand.
  it("a transaction conflict is a concurrent change", async () => {
    const reasons = [{ Code: "TransactionConflict" }, { Code: "None" }];
    ddb.on(TransactWriteItemsCommand).rejects(cancelled(reasons));
    await expect(store().move(MOVE)).rejects.toBeInstanceOf(ConcurrentChangeError);
    expect(logs.lines()[0]).toMatchObject({
      event: "store.move_conflict",
      keyPrefix: KEY.slice(0, 8),
      reasons: ["TransactionConflict", "None"],
    });
  });

  it("any other failure is a StoreError", async () => {
    ddb.on(TransactWriteItemsCommand).rejects(new Error("socket hang up"));
    await expect(store().move(MOVE)).rejects.toEqual(new StoreError("move"));
    expect(logs.lines()[0]).toEqual(
      expect.objectContaining({ operation: "move", errorName: "Error" }),
    );
    expect(logs.text()).not.toContain("socket hang up");
    expect(logs.text()).not.toContain(KEY);
  });
});
