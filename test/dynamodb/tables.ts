/**
 * Clients and throw-away tables on the run's DynamoDB endpoint, so test files can run in parallel
 * without seeing each other's items.
 */
import { randomBytes } from "node:crypto";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { inject } from "vitest";
import { LOCAL_CLIENT_SETTINGS } from "./server";

/** A client for the run's endpoint. */
export function testClient(): DynamoDBClient {
  return new DynamoDBClient({ ...LOCAL_CLIENT_SETTINGS, endpoint: inject("dynamodbEndpoint") });
}

/** A unique table name for `label`, not yet created. */
export function uniqueTable(label: string): string {
  return `kc-${label}-${randomBytes(4).toString("hex")}`;
}

/**
 * Creates the home-region directory table as `components/home-region.ts` defines it: partition
 * key `pk` (string), no sort key, on demand, with a stream of new and old images. (Encryption
 * with a customer key, point-in-time recovery and replicas do not change what the store sees.)
 */
export async function createHomeRegionTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: name });
}

/** Deletes `name`, then closes `client`. */
export async function deleteTable(client: DynamoDBClient, name: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: name }));
  } finally {
    client.destroy();
  }
}
