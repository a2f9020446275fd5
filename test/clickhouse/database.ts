/**
 * A fresh database on the run's ClickHouse server for one integration test file, so files can run
 * in parallel without seeing each other's rows.
 */
import { randomBytes } from "node:crypto";
import type { ClickHouseClient } from "@clickhouse/client";
import { inject } from "vitest";
import {
  createAnalyticsClient,
  type AnalyticsClientOptions,
} from "../../functions/analytics/clickhouse/client";

/** Connection options for the run's server, credentials taken from its URL. */
export function serverOptions(): AnalyticsClientOptions {
  const url = new URL(inject("clickhouseUrl"));
  const options = {
    url: `${url.protocol}//${url.host}`,
    username: decodeURIComponent(url.username) || "default",
    password: decodeURIComponent(url.password),
  };
  return options;
}

/** A client for the run's server. */
export function testClient(database?: string): ClickHouseClient {
  return createAnalyticsClient({
    ...serverOptions(),
    ...(database === undefined ? {} : { database }),
    requestTimeoutMs: 120_000,
  });
}

/** A unique database name for `label`, not yet created. */
export function uniqueDatabase(label: string): string {
  return `kc_${label}_${randomBytes(4).toString("hex")}`;
}

/** Drops `database` and closes `client`. */
export async function dropDatabase(client: ClickHouseClient, database: string): Promise<void> {
  await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await client.close();
}
