/**
 * The token vault: each region's store of encrypted values, keyed by token. Two implementations,
 * chosen by `VAULT_KIND`: a DynamoDB table, or an Aurora PostgreSQL table reached through the RDS
 * Data API. Both write a complete record in a single conditional statement, so a record is either
 * whole or absent, and both leave an existing token untouched.
 */
import {
  BatchGetItemCommand,
  PutItemCommand,
  DynamoDBClient,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type PutItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  ExecuteStatementCommand,
  RDSDataClient,
  type ExecuteStatementCommandInput,
  type Field,
} from "@aws-sdk/client-rds-data";
import { AURORA_VAULT } from "../../../contracts/functions";
import type { VaultConfig } from "./config";
import type { PutOutcome, StoredRecord, TokenVault, VaultRecord } from "./core";
import { VaultError, VaultIntegrityError } from "./errors";
import { MAX_ITEMS_PER_REQUEST } from "./requests";
import { describeError, log } from "../../shared/log";
import { retryWhile, type RetryEnvironment } from "../../shared/retry";

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}

function vaultFailure(operation: string, error: unknown, fields = {}): VaultError {
  log("error", "vault.failed", { operation, ...fields, ...describeError(error) });
  return new VaultError(`vault ${operation} failed`);
}

/** Retries of unprocessed reads. */
export interface RetryOptions {
  /** Calls per batch, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** Backoff before the second call; doubles each time. @default 50 */
  readonly baseDelayMs?: number;
  /** Longest backoff. @default 1000 */
  readonly maxDelayMs?: number;
  /** Waits `ms` milliseconds. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1), for the jitter. */
  readonly random?: () => number;
}

/** Keys `BatchGetItem` left unprocessed (it returns them when throttled); retried with backoff. */
class UnprocessedKeysError extends Error {
  constructor(readonly keys: number) {
    super(`${keys} keys unprocessed`);
  }
}

// ---------------------------------------------------------------------------------------------
// DynamoDB
// ---------------------------------------------------------------------------------------------

/** Most keys in one `BatchGetItem` call. */
export const DYNAMODB_BATCH_GET_LIMIT = 100;

/** The `PutItem` input that writes `record` unless its token is already stored. */
export function dynamoPutItemInput(tableName: string, record: VaultRecord): PutItemCommandInput {
  return {
    TableName: tableName,
    Item: {
      token: { S: record.token },
      field: { S: record.field },
      ciphertext: { B: record.ciphertext },
      createdAt: { S: record.createdAt },
    },
    ConditionExpression: "attribute_not_exists(#token)",
    ExpressionAttributeNames: { "#token": "token" },
  };
}

/**
 * The vault in a DynamoDB table with partition key `token` (string) and attributes `field`
 * (string), `ciphertext` (binary) and `createdAt` (ISO 8601 string).
 */
export class DynamoDbTokenVault implements TokenVault {
  private readonly maxAttempts: number;
  private readonly retry: RetryEnvironment;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: RetryOptions = {},
  ) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.retry = {
      retry: {
        maxRetries: this.maxAttempts - 1,
        baseDelayMs: options.baseDelayMs ?? 50,
        maxDelayMs: options.maxDelayMs ?? 1000,
      },
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
      ...(options.random === undefined ? {} : { random: options.random }),
    };
  }

  async putIfAbsent(record: VaultRecord): Promise<PutOutcome> {
    try {
      await this.client.send(new PutItemCommand(dynamoPutItemInput(this.tableName, record)));
      return "created";
    } catch (error) {
      if (error instanceof Error && error.name === "ConditionalCheckFailedException") {
        return "existing";
      }
      throw vaultFailure("write", error, { token: record.token });
    }
  }

  async getMany(tokens: readonly string[]): Promise<ReadonlyMap<string, StoredRecord>> {
    const found = new Map<string, StoredRecord>();
    for (const batch of chunks([...new Set(tokens)], DYNAMODB_BATCH_GET_LIMIT)) {
      let pending: Record<string, AttributeValue>[] = batch.map((token) => ({
        token: { S: token },
      }));
      let attempt = 0;
      const readPending = async (): Promise<void> => {
        attempt += 1;
        const output = await this.batchGet(pending);
        for (const item of output.Responses?.[this.tableName] ?? []) {
          const record = dynamoRecord(item);
          found.set(record.token, record);
        }
        pending = output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        if (pending.length > 0) throw new UnprocessedKeysError(pending.length);
      };
      const retryable = (error: unknown): boolean => {
        if (!(error instanceof UnprocessedKeysError) || attempt >= this.maxAttempts) return false;
        log("warn", "vault.read_retry", { unprocessed: error.keys, attempt });
        return true;
      };
      try {
        await retryWhile(readPending, retryable, this.retry);
      } catch (error) {
        if (!(error instanceof UnprocessedKeysError)) throw error;
        log("error", "vault.read_unprocessed", { unprocessed: error.keys, attempts: attempt });
        throw new VaultError(
          `vault read incomplete: ${error.keys} keys still unprocessed after ${attempt} attempts`,
        );
      }
    }
    return found;
  }

  /** One strongly consistent `BatchGetItem` of `keys`; a failure is a `VaultError`. */
  private async batchGet(
    keys: Record<string, AttributeValue>[],
  ): Promise<BatchGetItemCommandOutput> {
    try {
      return await this.client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: keys,
              ConsistentRead: true,
              ProjectionExpression: "#token, #field, #ciphertext",
              ExpressionAttributeNames: {
                "#token": "token",
                "#field": "field",
                "#ciphertext": "ciphertext",
              },
            },
          },
        }),
      );
    } catch (error) {
      throw vaultFailure("read", error, { keys: keys.length });
    }
  }
}

function dynamoRecord(item: Record<string, AttributeValue>): StoredRecord {
  const token = item.token?.S;
  const field = item.field?.S;
  const ciphertext = item.ciphertext?.B;
  if (token === undefined) {
    throw new VaultIntegrityError("(unknown)", "the record has no token");
  }
  if (field === undefined || ciphertext === undefined || ciphertext.length === 0) {
    throw new VaultIntegrityError(token, "the record is incomplete");
  }
  return { token, field, ciphertext };
}

// ---------------------------------------------------------------------------------------------
// Aurora PostgreSQL through the RDS Data API
// ---------------------------------------------------------------------------------------------

/**
 * The Aurora vault table, qualified by its schema: the vault migration (functions/security/vault-migrate)
 * creates both and grants tokenize's role INSERT on it and detokenize's role SELECT, nothing else.
 * The handlers never run DDL.
 */
export const AURORA_VAULT_TABLE = `${AURORA_VAULT.schema}.${AURORA_VAULT.table}`;

/**
 * Inserts one record unless its token is already stored. The conflict has no target on purpose:
 * `ON CONFLICT (token)` makes PostgreSQL require SELECT on `token` (it reads the arbiter index),
 * while a bare `ON CONFLICT DO NOTHING` needs INSERT only, so tokenize's role reads nothing of the
 * vault. The primary key on `token` is the table's only unique constraint, so the two agree.
 */
export const AURORA_INSERT_SQL =
  `INSERT INTO ${AURORA_VAULT_TABLE} (token, field, ciphertext, created_at) ` +
  `VALUES (:token, :field, :ciphertext, CAST(:created_at AS timestamptz)) ` +
  `ON CONFLICT DO NOTHING`;

/** Most tokens in one select (one named parameter each). */
export const AURORA_SELECT_LIMIT = MAX_ITEMS_PER_REQUEST;

/** The select of `count` tokens, bound to parameters `:token0` .. `:token<count-1>`. */
export function auroraSelectSql(count: number): string {
  const parameters = Array.from({ length: count }, (_, index) => `:token${index}`);
  return `SELECT token, field, ciphertext FROM ${AURORA_VAULT_TABLE} WHERE token IN (${parameters.join(", ")})`;
}

/** Where the Aurora vault is. */
export interface AuroraVaultConfig {
  readonly clusterArn: string;
  readonly secretArn: string;
  readonly database: string;
}

/** The `ExecuteStatement` input that writes `record` unless its token is already stored. */
export function auroraInsertInput(
  config: AuroraVaultConfig,
  record: VaultRecord,
): ExecuteStatementCommandInput {
  return {
    resourceArn: config.clusterArn,
    secretArn: config.secretArn,
    database: config.database,
    sql: AURORA_INSERT_SQL,
    parameters: [
      { name: "token", value: { stringValue: record.token } },
      { name: "field", value: { stringValue: record.field } },
      { name: "ciphertext", value: { blobValue: record.ciphertext } },
      { name: "created_at", value: { stringValue: record.createdAt } },
    ],
  };
}

/** The `ExecuteStatement` input that selects the records of `tokens`. */
export function auroraSelectInput(
  config: AuroraVaultConfig,
  tokens: readonly string[],
): ExecuteStatementCommandInput {
  return {
    resourceArn: config.clusterArn,
    secretArn: config.secretArn,
    database: config.database,
    sql: auroraSelectSql(tokens.length),
    parameters: tokens.map((token, index) => ({
      name: `token${index}`,
      value: { stringValue: token },
    })),
  };
}

/** The vault in the Aurora PostgreSQL table `vault.pii_token_vault` (`AURORA_VAULT_TABLE`). */
export class AuroraTokenVault implements TokenVault {
  constructor(
    private readonly client: RDSDataClient,
    private readonly config: AuroraVaultConfig,
  ) {}

  async putIfAbsent(record: VaultRecord): Promise<PutOutcome> {
    let updated: number | undefined;
    try {
      const output = await this.client.send(
        new ExecuteStatementCommand(auroraInsertInput(this.config, record)),
      );
      updated = output.numberOfRecordsUpdated;
    } catch (error) {
      throw vaultFailure("write", error, { token: record.token });
    }
    return updated === 1 ? "created" : "existing";
  }

  async getMany(tokens: readonly string[]): Promise<ReadonlyMap<string, StoredRecord>> {
    const found = new Map<string, StoredRecord>();
    for (const batch of chunks([...new Set(tokens)], AURORA_SELECT_LIMIT)) {
      let rows: Field[][];
      try {
        const output = await this.client.send(
          new ExecuteStatementCommand(auroraSelectInput(this.config, batch)),
        );
        rows = output.records ?? [];
      } catch (error) {
        throw vaultFailure("read", error, { keys: batch.length });
      }
      for (const row of rows) {
        const record = auroraRecord(row);
        found.set(record.token, record);
      }
    }
    return found;
  }
}

function auroraRecord(row: readonly Field[]): StoredRecord {
  const [tokenField, fieldField, ciphertextField] = row;
  const token = tokenField?.stringValue;
  const field = fieldField?.stringValue;
  const ciphertext = ciphertextField?.blobValue;
  if (token === undefined) {
    throw new VaultIntegrityError("(unknown)", "the record has no token");
  }
  if (field === undefined || ciphertext === undefined || ciphertext.length === 0) {
    throw new VaultIntegrityError(token, "the record is incomplete");
  }
  return { token, field, ciphertext };
}

// ---------------------------------------------------------------------------------------------
// Selection
// ---------------------------------------------------------------------------------------------

/** The vault `config` describes, with a new SDK client for the kind it uses (the stack's region). */
export function createTokenVault(config: VaultConfig): TokenVault {
  switch (config.kind) {
    case "dynamodb":
      return new DynamoDbTokenVault(new DynamoDBClient({}), config.tableName);
    case "aurora":
      return new AuroraTokenVault(new RDSDataClient({}), config);
  }
}
