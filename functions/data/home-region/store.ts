/**
 * The DynamoDB implementation of the core's `HomeRegionStore`: one global table, replicated to
 * every home region, partition key `pk` (string), no sort key.
 *
 * Two kinds of item, and no other attribute than these:
 * - a record: `pk` = `hr_<MAC>`, `homeRegion` (S), `version` (N), `updatedAt` (S, ISO 8601) and,
 *   when its region's user store has more than one shard, `shard` (S, the shard's id);
 * - an audit item of a move: `pk` = `audit#hr_<MAC>#<ISO time>`, `fromRegion`, `toRegion`,
 *   `reason`, `requestedBy`, `at` (all S).
 *
 * Condition failures become the core's named errors; any other SDK error is logged (name, status,
 * request id, key prefix) and replaced by `StoreError`.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  type AttributeValue,
  type DynamoDBClient,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type TransactWriteItemsCommandInput,
} from "@aws-sdk/client-dynamodb";
import type { CreateOutcome, HomeRegionRecord, HomeRegionStore, MoveWrite } from "./core";
import {
  ConcurrentChangeError,
  StaleHomeRegionError,
  StoreError,
  StoreIntegrityError,
} from "./errors";
import { keyPrefix } from "./identity";
import { describeError, log } from "../../shared/log";

/** The table's partition key attribute (string). */
export const PARTITION_KEY = "pk";
/** Attributes every home-region record has. */
export const RECORD_ATTRIBUTES = [PARTITION_KEY, "homeRegion", "version", "updatedAt"] as const;
/** The attribute a record has when its region's store has shards: the account's shard. */
export const SHARD_ATTRIBUTE = "shard";
/** Attributes of an audit item. */
export const AUDIT_ATTRIBUTES = [
  PARTITION_KEY,
  "fromRegion",
  "toRegion",
  "reason",
  "requestedBy",
  "at",
] as const;

type Item = Record<string, AttributeValue>;

/** The `GetItem` input that reads a record, strongly consistent in this region. */
export function getItemInput(tableName: string, key: string): GetItemCommandInput {
  return {
    TableName: tableName,
    Key: { pk: { S: key } },
    ConsistentRead: true,
    ProjectionExpression: "#pk, #homeRegion, #version, #updatedAt, #shard",
    ExpressionAttributeNames: {
      "#pk": "pk",
      "#homeRegion": "homeRegion",
      "#version": "version",
      "#updatedAt": "updatedAt",
      "#shard": SHARD_ATTRIBUTE,
    },
  };
}

/**
 * The `PutItem` input that writes a new record unless its key is already stored; on a condition
 * failure DynamoDB returns the stored record with the error.
 */
export function createItemInput(tableName: string, record: HomeRegionRecord): PutItemCommandInput {
  return {
    TableName: tableName,
    Item: {
      pk: { S: record.key },
      homeRegion: { S: record.homeRegion },
      ...(record.shard === undefined ? {} : { [SHARD_ATTRIBUTE]: { S: record.shard } }),
      version: { N: String(record.version) },
      updatedAt: { S: record.updatedAt },
    },
    ConditionExpression: "attribute_not_exists(#pk)",
    ExpressionAttributeNames: { "#pk": "pk" },
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

/**
 * The `TransactWriteItems` input of a move: the record update, conditional on the region and
 * version read, and the audit item, conditional on its key being new, in one transaction. The
 * update removes the record's shard: the account lands on the new region's first shard.
 */
export function moveTransactionInput(
  tableName: string,
  write: MoveWrite,
): TransactWriteItemsCommandInput {
  return {
    TransactItems: [
      {
        Update: {
          TableName: tableName,
          Key: { pk: { S: write.key } },
          UpdateExpression:
            "SET #homeRegion = :to, #version = :next, #updatedAt = :at REMOVE #shard",
          ConditionExpression: "#homeRegion = :from AND #version = :expected",
          ExpressionAttributeNames: {
            "#homeRegion": "homeRegion",
            "#version": "version",
            "#updatedAt": "updatedAt",
            "#shard": SHARD_ATTRIBUTE,
          },
          ExpressionAttributeValues: {
            ":from": { S: write.fromRegion },
            ":to": { S: write.toRegion },
            ":expected": { N: String(write.expectedVersion) },
            ":next": { N: String(write.nextVersion) },
            ":at": { S: write.updatedAt },
          },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      },
      {
        Put: {
          TableName: tableName,
          Item: {
            pk: { S: write.audit.key },
            fromRegion: { S: write.audit.fromRegion },
            toRegion: { S: write.audit.toRegion },
            reason: { S: write.audit.reason },
            requestedBy: { S: write.audit.requestedBy },
            at: { S: write.audit.at },
          },
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": "pk" },
        },
      },
    ],
  };
}

const VERSION = /^[1-9][0-9]{0,14}$/;

/** A stored item as a record; `StoreIntegrityError` if it is not one. */
export function recordFromItem(key: string, item: Item): HomeRegionRecord {
  const fail = (reason: string): never => {
    throw new StoreIntegrityError(keyPrefix(key), reason);
  };
  if (item.pk?.S !== key) fail("its key does not match");
  const homeRegion = item.homeRegion?.S ?? fail("it has no home region");
  const version = item.version?.N ?? fail("it has no version");
  const updatedAt = item.updatedAt?.S ?? fail("it has no update time");
  if (!VERSION.test(version)) fail("its version is not a positive integer");
  const shardValue = item[SHARD_ATTRIBUTE];
  const shard =
    shardValue === undefined ? undefined : (shardValue.S ?? fail("its shard is no string"));
  return {
    key,
    homeRegion,
    ...(shard === undefined ? {} : { shard }),
    version: Number(version),
    updatedAt,
  };
}

function storeFailure(
  operation: string,
  key: string,
  error: unknown,
  fields: Record<string, unknown> = {},
): StoreError {
  log("error", "store.failed", {
    operation,
    keyPrefix: keyPrefix(key),
    ...fields,
    ...describeError(error),
  });
  return new StoreError(operation);
}

/** The home-region table in DynamoDB. */
export class DynamoDbHomeRegionStore implements HomeRegionStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(key: string): Promise<HomeRegionRecord | undefined> {
    let item: Item | undefined;
    try {
      const output = await this.client.send(new GetItemCommand(getItemInput(this.tableName, key)));
      item = output.Item;
    } catch (error) {
      throw storeFailure("read", key, error);
    }
    return item === undefined ? undefined : recordFromItem(key, item);
  }

  async create(record: HomeRegionRecord): Promise<CreateOutcome> {
    try {
      await this.client.send(new PutItemCommand(createItemInput(this.tableName, record)));
      return { created: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw storeFailure("register", record.key, error);
      }
      const existing =
        error.Item === undefined
          ? await this.get(record.key)
          : recordFromItem(record.key, error.Item);
      if (existing === undefined) {
        // The record was there for the condition and gone for the read: a concurrent change.
        throw new ConcurrentChangeError();
      }
      return { created: false, existing };
    }
  }

  async move(write: MoveWrite): Promise<void> {
    try {
      await this.client.send(
        new TransactWriteItemsCommand(moveTransactionInput(this.tableName, write)),
      );
    } catch (error) {
      let fields = {};
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        const codes = reasons.map((reason) => reason.Code ?? "None");
        fields = { reasons: codes };
        const [recordReason, auditReason] = reasons;
        if (recordReason?.Code === "ConditionalCheckFailed") {
          throw new StaleHomeRegionError(
            write.fromRegion,
            recordReason.Item?.homeRegion?.S ?? null,
          );
        }
        if (
          auditReason?.Code === "ConditionalCheckFailed" ||
          reasons.some((reason) => reason.Code === "TransactionConflict")
        ) {
          log("warn", "store.move_conflict", {
            keyPrefix: keyPrefix(write.key),
            reasons: codes,
          });
          throw new ConcurrentChangeError();
        }
      }
      throw storeFailure("move", write.key, error, fields);
    }
  }
}
