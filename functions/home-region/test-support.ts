/**
 * Test support (not bundled: no handler imports it). A fake KMS that computes a real keyed HMAC,
 * and a fake DynamoDB table that holds items and evaluates the small set of condition and update
 * expressions the store uses, both wired into `aws-sdk-client-mock` stubs. Plus environment and
 * log helpers for the handler tests.
 */
import { createHmac } from "node:crypto";
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  type AttributeValue,
  type CancellationReason,
  type DynamoDBClient,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type TransactWriteItemsCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  GenerateMacCommand,
  NotFoundException,
  type GenerateMacCommandInput,
  type KMSClient,
} from "@aws-sdk/client-kms";
import type { AwsClientStub } from "aws-sdk-client-mock";
import { macMessage, normalizeIdentity, recordKey } from "./core";
import { setEnvironment } from "../shared/test-support";
export { captureLogs, rejection, thrown } from "../shared/test-support";

export const HMAC_KEY_ID =
  "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
export const TABLE_NAME = "home-region";
export const HOME_REGIONS = "me-south-1,us-east-1";
export const REGION_HOSTNAMES = JSON.stringify({
  "me-south-1": "api.sa.example.com",
  "us-east-1": "api.us.example.com",
});

/** The handler's environment. */
export const HANDLER_ENV = { HMAC_KEY_ID, TABLE_NAME, HOME_REGIONS, REGION_HOSTNAMES };

const HMAC_SECRET = "test-home-region-hmac-secret";

/** HMAC-SHA-256 under the fake key (or another secret). */
export function fakeMac(message: Uint8Array, secret: string = HMAC_SECRET): Uint8Array {
  return new Uint8Array(createHmac("sha256", secret).update(message).digest());
}

/** The record key the fake key gives a raw identity. */
export function recordKeyOf(identity: string, secret: string = HMAC_SECRET): string {
  return recordKey(fakeMac(macMessage(normalizeIdentity(identity)), secret));
}

/** Wires a keyed HMAC into a `KMSClient` stub, for `HMAC_KEY_ID` only. */
export function fakeKms(stub: AwsClientStub<KMSClient>): void {
  stub.on(GenerateMacCommand).callsFake((input: GenerateMacCommandInput) => {
    if (input.KeyId !== HMAC_KEY_ID || input.Message === undefined) {
      throw new NotFoundException({ message: "no such key", $metadata: {} });
    }
    if (input.MacAlgorithm !== "HMAC_SHA_256") {
      throw new Error(`unexpected MAC algorithm ${String(input.MacAlgorithm)}`);
    }
    return { Mac: fakeMac(input.Message), KeyId: input.KeyId, MacAlgorithm: input.MacAlgorithm };
  });
}

type Item = Record<string, AttributeValue>;

interface Expression {
  readonly names?: Record<string, string>;
  readonly values?: Record<string, AttributeValue>;
}

function resolveName(token: string, expression: Expression): string {
  const name = token.startsWith("#") ? expression.names?.[token] : token;
  if (name === undefined) throw new Error(`fake table: unknown name ${token}`);
  return name;
}

function resolveValue(token: string, expression: Expression): AttributeValue {
  const value = expression.values?.[token];
  if (value === undefined) throw new Error(`fake table: unknown value ${token}`);
  return value;
}

const sameValue = (a: AttributeValue | undefined, b: AttributeValue): boolean =>
  a !== undefined && JSON.stringify(a) === JSON.stringify(b);

/**
 * Evaluates a condition made of `attribute_exists(x)`, `attribute_not_exists(x)` and `x = :v`
 * clauses joined by `AND`. Anything else fails the test loudly.
 */
function conditionHolds(
  item: Item | undefined,
  condition: string | undefined,
  expression: Expression,
): boolean {
  if (condition === undefined) return true;
  return condition.split(" AND ").every((clause) => {
    const exists = /^attribute_(not_)?exists\((\S+)\)$/.exec(clause.trim());
    if (exists !== null) {
      const present = item?.[resolveName(exists[2] ?? "", expression)] !== undefined;
      return exists[1] === undefined ? present : !present;
    }
    const equals = /^(\S+) = (:\S+)$/.exec(clause.trim());
    if (equals !== null) {
      return sameValue(
        item?.[resolveName(equals[1] ?? "", expression)],
        resolveValue(equals[2] ?? "", expression),
      );
    }
    throw new Error(`fake table: unsupported condition ${clause}`);
  });
}

/** Applies `SET a = :x, b = :y` to an item. */
function applyUpdate(item: Item, update: string, expression: Expression): Item {
  const set = /^SET (.+)$/.exec(update.trim());
  if (set === null) throw new Error(`fake table: unsupported update ${update}`);
  const next = { ...item };
  for (const assignment of (set[1] ?? "").split(",")) {
    const parts = /^(\S+) = (:\S+)$/.exec(assignment.trim());
    if (parts === null) throw new Error(`fake table: unsupported assignment ${assignment}`);
    next[resolveName(parts[1] ?? "", expression)] = resolveValue(parts[2] ?? "", expression);
  }
  return next;
}

/** A DynamoDB table with partition key `pk`, wired into a `DynamoDBClient` stub. */
export class FakeTable {
  readonly items = new Map<string, Item>();

  constructor(
    stub: AwsClientStub<DynamoDBClient>,
    readonly tableName: string = TABLE_NAME,
  ) {
    stub.on(GetItemCommand).callsFake((input: GetItemCommandInput) => this.getItem(input));
    stub.on(PutItemCommand).callsFake((input: PutItemCommandInput) => this.putItem(input));
    stub
      .on(TransactWriteItemsCommand)
      .callsFake((input: TransactWriteItemsCommandInput) => this.transactWrite(input));
  }

  private checkTable(name: string | undefined): void {
    if (name !== this.tableName) throw new Error(`fake table: unknown table ${String(name)}`);
  }

  private static keyOf(key: Item | undefined): string {
    const pk = key?.pk?.S;
    if (pk === undefined) throw new Error("fake table: key without pk");
    return pk;
  }

  /** Stores an item as it is (test setup). */
  seed(item: Item): void {
    this.items.set(FakeTable.keyOf(item), item);
  }

  getItem(input: GetItemCommandInput): { Item?: Item } {
    this.checkTable(input.TableName);
    const item = this.items.get(FakeTable.keyOf(input.Key));
    return item === undefined ? {} : { Item: item };
  }

  putItem(input: PutItemCommandInput): Record<string, never> {
    this.checkTable(input.TableName);
    const item = input.Item ?? {};
    const key = FakeTable.keyOf(item);
    const existing = this.items.get(key);
    const expression = {
      names: input.ExpressionAttributeNames,
      values: input.ExpressionAttributeValues,
    };
    if (!conditionHolds(existing, input.ConditionExpression, expression)) {
      throw new ConditionalCheckFailedException({
        message: "The conditional request failed",
        $metadata: { httpStatusCode: 400, requestId: "ddb-req-condition" },
        ...(input.ReturnValuesOnConditionCheckFailure === "ALL_OLD" && existing !== undefined
          ? { Item: existing }
          : {}),
      });
    }
    this.items.set(key, item);
    return {};
  }

  transactWrite(input: TransactWriteItemsCommandInput): Record<string, never> {
    const writes: (() => void)[] = [];
    const reasons: CancellationReason[] = [];
    for (const entry of input.TransactItems ?? []) {
      if (entry.Put !== undefined) {
        const put = entry.Put;
        this.checkTable(put.TableName);
        const item = put.Item ?? {};
        const key = FakeTable.keyOf(item);
        const existing = this.items.get(key);
        const expression = {
          names: put.ExpressionAttributeNames,
          values: put.ExpressionAttributeValues,
        };
        const holds = conditionHolds(existing, put.ConditionExpression, expression);
        reasons.push(
          holds
            ? { Code: "None" }
            : {
                Code: "ConditionalCheckFailed",
                ...(put.ReturnValuesOnConditionCheckFailure === "ALL_OLD"
                  ? { Item: existing }
                  : {}),
              },
        );
        writes.push(() => this.items.set(key, item));
      } else if (entry.Update !== undefined) {
        const update = entry.Update;
        this.checkTable(update.TableName);
        const key = FakeTable.keyOf(update.Key);
        const existing = this.items.get(key);
        const expression = {
          names: update.ExpressionAttributeNames,
          values: update.ExpressionAttributeValues,
        };
        const holds = conditionHolds(existing, update.ConditionExpression, expression);
        reasons.push(
          holds
            ? { Code: "None" }
            : {
                Code: "ConditionalCheckFailed",
                ...(update.ReturnValuesOnConditionCheckFailure === "ALL_OLD"
                  ? { Item: existing }
                  : {}),
              },
        );
        writes.push(() =>
          this.items.set(
            key,
            applyUpdate(existing ?? { pk: { S: key } }, update.UpdateExpression ?? "", expression),
          ),
        );
      } else {
        throw new Error("fake table: unsupported transaction entry");
      }
    }
    if (reasons.some((reason) => reason.Code !== "None")) {
      throw new TransactionCanceledException({
        message: "Transaction cancelled",
        $metadata: { httpStatusCode: 400, requestId: "ddb-req-cancelled" },
        CancellationReasons: reasons,
      });
    }
    for (const write of writes) write();
    return {};
  }
}

/** Sets exactly the given handler variables (the others are removed); returns the restorer. */
export function setHandlerEnvironment(
  values: Partial<Record<keyof typeof HANDLER_ENV, string>>,
): () => void {
  return setEnvironment(Object.keys(HANDLER_ENV) as (keyof typeof HANDLER_ENV)[], values);
}
