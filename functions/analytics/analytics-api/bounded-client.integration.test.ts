import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dropDatabase,
  serverOptions,
  testClient,
  uniqueDatabase,
} from "../../../test/clickhouse/database";
import { createAnalyticsClient } from "../clickhouse/client";
import { migrate } from "../clickhouse/migrate";
import { startApp, type RunningApp } from "./app.test-support";
import { boundedClient, killQuery } from "./bounded-client";
import { withDeadline } from "./deadline";
import { DeadlineExceeded, QueryFailed } from "./errors";
import { answerFor } from "./failures";
import { AnalyticsQueries } from "./queries";

/** 30 blocks of one row, each sleeping 3 s (the most `sleep` allows): a 90 s query. */
const SLOW_QUERY = "SELECT sleep(3) FROM system.numbers LIMIT 30 SETTINGS max_block_size = 1";

interface ProcessRow {
  readonly max_execution_time: string;
  readonly readonly: string;
  readonly max_result_rows: string;
  readonly max_memory_usage: string;
}

describe("bounded queries on a real server", () => {
  const database = uniqueDatabase("bounded");
  let observer: ClickHouseClient;
  let client: ClickHouseClient;
  let control: ClickHouseClient;
  let app: RunningApp;

  beforeAll(async () => {
    observer = testClient();
    await migrate(observer, { database });
    client = createAnalyticsClient({ ...serverOptions(), database, requestTimeoutMs: 30_000 });
    control = createAnalyticsClient({ ...serverOptions(), maxOpenConnections: 2 });
    app = await startApp({
      queries: new AnalyticsQueries(boundedClient(client, { killClient: control }), database),
      ping: () => Promise.resolve(true),
      requestTimeoutMs: 5_000,
    });
  });

  afterAll(async () => {
    await app.close();
    await client.close();
    await control.close();
    await dropDatabase(observer, database);
  });

  async function processOf(queryId: string): Promise<ProcessRow | undefined> {
    const result = await observer.query({
      query: `SELECT
  Settings.Values[indexOf(Settings.Names, 'max_execution_time')] AS max_execution_time,
  Settings.Values[indexOf(Settings.Names, 'readonly')] AS readonly,
  Settings.Values[indexOf(Settings.Names, 'max_result_rows')] AS max_result_rows,
  Settings.Values[indexOf(Settings.Names, 'max_memory_usage')] AS max_memory_usage
FROM system.processes WHERE query_id = '${queryId}'`,
      format: "JSONEachRow",
    });
    const [row] = await result.json<ProcessRow>();
    return row;
  }

  it("answers every route through the limits (the server accepts each setting)", async () => {
    const range = "from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z";
    for (const path of [
      `/v1/qoe/summary?${range}`,
      `/v1/qoe/breakdown?${range}&by=country`,
      `/v1/qoe/renditions?${range}`,
      `/v1/engagement/summary?${range}`,
      `/v1/engagement/courses?${range}`,
    ]) {
      const response = await fetch(`${app.base}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
  });

  async function exception(queryId: string): Promise<string | undefined> {
    await observer.command({ query: "SYSTEM FLUSH LOGS" });
    const result = await observer.query({
      query: `SELECT exception FROM system.query_log WHERE query_id = '${queryId}' AND type = 4`,
      format: "JSONEachRow",
    });
    const [row] = await result.json<{ exception: string }>();
    return row?.exception;
  }

  it("stops a slow query on the server at the deadline, long before its end", async () => {
    const bounded = boundedClient(client, { killClient: control });
    const queryId = `bounded-${Date.now()}`;
    const started = performance.now();
    // 2.2 s: max_execution_time 1 s, and time to watch the query run on a busy machine.
    const running = withDeadline(2_200, async () => {
      const result = await bounded.query({
        query: SLOW_QUERY,
        query_id: queryId,
        format: "JSONEachRow",
        clickhouse_settings: { log_queries: 1 },
      });
      return result.json();
    });
    // While it runs, the server holds it with the limits the client sent.
    await expect
      .poll(() => processOf(queryId), { timeout: 1_000, interval: 50 })
      .toMatchObject({
        max_execution_time: "1",
        readonly: "2",
        max_result_rows: "20000",
        max_memory_usage: String(2 * 1024 * 1024 * 1024),
      });
    await expect(running).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(performance.now() - started).toBeLessThan(3_000);
    // Gone at the end of its first 3 s block (sleep cannot be interrupted), not after 90 s.
    await expect.poll(() => processOf(queryId), { timeout: 5_000, interval: 100 }).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(8_000);
    // Stopped by the server: its own time limit or the kill, whichever it checked first.
    expect(await exception(queryId)).toMatch(/^Code: (159|394)[,.]/);
  });

  it("kills a query by id on 18.16", async () => {
    const queryId = `killed-${Date.now()}`;
    const slow = client
      .query({ query: SLOW_QUERY, query_id: queryId, clickhouse_settings: { log_queries: 1 } })
      .then((result) => result.text())
      .catch((error: unknown) => error);
    await expect.poll(() => processOf(queryId), { timeout: 5_000, interval: 50 }).toBeDefined();
    await killQuery(control, queryId);
    expect(String(await slow)).toContain("Code: 394");
    expect(await exception(queryId)).toMatch(
      /^Code: 394, e.displayText\(\) = DB::Exception: Query was cancelled/,
    );
  });

  it("refuses a result over max_result_rows instead of cutting it", async () => {
    const bounded = boundedClient(client, {
      limits: {
        maxExecutionSeconds: 10,
        maxResultRows: 100,
        maxResultBytes: 1024 * 1024,
        maxMemoryBytes: 1024 * 1024 * 1024,
      },
    });
    const small = await bounded.query({
      query: "SELECT count() AS n FROM (SELECT number FROM system.numbers LIMIT 100000)",
      format: "JSONEachRow",
    });
    expect(await small.json()).toEqual([{ n: "100000" }]);
    const failure = await bounded
      .query({ query: "SELECT number FROM system.numbers LIMIT 1000", format: "JSONEachRow" })
      .then((result) => result.json())
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(answerFor(failure)).toBeInstanceOf(QueryFailed);
    expect(String(failure)).toContain("Code: 396");
  });

  it("refuses to write (readonly=2)", async () => {
    const bounded = boundedClient(client);
    await expect(
      bounded.command({ query: `CREATE TABLE ${database}.intruder (x UInt8) ENGINE = Memory` }),
    ).rejects.toThrow(/Code: 164/);
  });
});
