/**
 * Clients and throw-away tables on the run's DynamoDB endpoint, so test files can run in parallel
 * without seeing each other's items. Each table is created with the key schema the program deploys
 * (`test/dynamodb/tables.test.ts` holds these schemas against the components' tables).
 */
import { randomBytes } from "node:crypto";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
  type KeySchemaElement,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, inject } from "vitest";
import { USER_TABLES } from "../../components/data/user-data-store";
import { LOCAL_CLIENT_SETTINGS } from "./server";

/** The keys (all strings, as every table of the program has them) and stream of a table. */
export interface TableSchema {
  readonly hashKey: string;
  readonly rangeKey?: string;
  /** The stream view, for a table deployed with a stream (global tables replicate through it). */
  readonly stream?: "NEW_AND_OLD_IMAGES";
}

/** The home-region directory, as `components/data/home-region.ts` defines it. */
export const HOME_REGION_SCHEMA: TableSchema = { hashKey: "pk", stream: "NEW_AND_OLD_IMAGES" };

/**
 * The video catalog, as `components/video/video-pipeline.ts` defines it: encode-status's records and
 * encode-submit's submission ledger live on the same item.
 */
export const VIDEO_CATALOG_SCHEMA: TableSchema = { hashKey: "videoId" };

/** The US user store's PII token vault, as `components/data/user-data-store.ts` defines it. */
export const PII_VAULT_SCHEMA: TableSchema = {
  ...USER_TABLES["pii-vault"],
  stream: "NEW_AND_OLD_IMAGES",
};

/** A client for the run's endpoint. */
export function testClient(): DynamoDBClient {
  return new DynamoDBClient({ ...LOCAL_CLIENT_SETTINGS, endpoint: inject("dynamodbEndpoint") });
}

/** A unique table name for `label`, not yet created. */
export function uniqueTable(label: string): string {
  return `kc-${label}-${randomBytes(4).toString("hex")}`;
}

/**
 * Creates table `name` with `schema`, on demand, and waits until it is active. (Encryption with
 * a customer key, point-in-time recovery and replicas do not change what the code sees.)
 */
export async function createTable(
  client: DynamoDBClient,
  name: string,
  schema: TableSchema,
): Promise<void> {
  const keys: KeySchemaElement[] = [
    { AttributeName: schema.hashKey, KeyType: "HASH" },
    ...(schema.rangeKey === undefined
      ? []
      : [{ AttributeName: schema.rangeKey, KeyType: "RANGE" as const }]),
  ];
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: keys,
      AttributeDefinitions: keys.map((key) => ({
        AttributeName: key.AttributeName,
        AttributeType: "S",
      })),
      ...(schema.stream === undefined
        ? {}
        : { StreamSpecification: { StreamEnabled: true, StreamViewType: schema.stream } }),
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: name });
}

/** Creates the home-region directory table (`HOME_REGION_SCHEMA`). */
export function createHomeRegionTable(client: DynamoDBClient, name: string): Promise<void> {
  return createTable(client, name, HOME_REGION_SCHEMA);
}

/** Deletes `name`, then closes `client`. */
export async function deleteTable(client: DynamoDBClient, name: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: name }));
  } finally {
    client.destroy();
  }
}

/**
 * A table for one test file: a client for the run's endpoint and a unique table with `schema`,
 * created before the file's tests and deleted (and the client closed) after them.
 */
export function useTestTable(
  label: string,
  schema: TableSchema,
): { readonly client: DynamoDBClient; readonly table: string } {
  const client = testClient();
  const table = uniqueTable(label);
  beforeAll(() => createTable(client, table, schema));
  afterAll(() => deleteTable(client, table));
  return { client, table };
}

/** The variables that point every DynamoDB client the code creates (`new DynamoDBClient({})`). */
const SDK_VARIABLES = [
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_DYNAMODB",
  "AWS_REGION",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_PROFILE",
  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
] as const;

/**
 * Points the DynamoDB clients a handler creates at module load at the run's endpoint, through the
 * SDK's service-specific endpoint variable (`AWS_ENDPOINT_URL_DYNAMODB`), with the local
 * credentials; other services' clients are untouched (the tests stub them). Returns the restorer.
 *
 * Service-specific endpoints: https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
 */
export function pointHandlersAtEndpoint(): () => void {
  const saved = new Map(SDK_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of SDK_VARIABLES) Reflect.deleteProperty(process.env, name);
  process.env.AWS_ENDPOINT_URL_DYNAMODB = inject("dynamodbEndpoint");
  process.env.AWS_REGION = LOCAL_CLIENT_SETTINGS.region;
  process.env.AWS_ACCESS_KEY_ID = LOCAL_CLIENT_SETTINGS.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CLIENT_SETTINGS.credentials.secretAccessKey;
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  };
}
