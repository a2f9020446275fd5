/**
 * Analytics figures for `npm run bench`: how fast real-time log lines parse, how fast Kinesis
 * batches reach ClickHouse through the ingest core beside `clickhouse-client` inserting the same
 * rows, and how long the API's QoE queries take over ten million rows, from the raw rows and from
 * the hourly rollup. Runs against the integration tests' ClickHouse server (`CLICKHOUSE_URL`, or
 * one started for the bench), in fresh databases that are dropped at the end, failure or not.
 * Asserts nothing beyond the consistency checks that make the figures meaningful.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { ClickHouseClient } from "@clickhouse/client";
import { createAnalyticsClient } from "../../../functions/analytics/clickhouse/client";
import { migrate, readServerVersion } from "../../../functions/analytics/clickhouse/migrate";
import { acquireServer } from "../../../test/clickhouse/server";
import { endpoint } from "./endpoint";
import type { AnalyticsFigures, AnalyticsOptions } from "./figures";
import { measureIngest } from "./ingest";
import { measureParse } from "./parse-rate";
import { measureQoe } from "./qoe";

/**
 * Measures parsing, ingest and QoE queries. The server and every database created here are let go
 * before this returns or throws.
 */
export async function measureAnalytics(options: AnalyticsOptions = {}): Promise<AnalyticsFigures> {
  const started = performance.now();
  const parseLines = positiveInteger("parseLines", options.parseLines ?? 200_000);
  const batches = positiveInteger("ingestBatches", options.ingestBatches ?? 20);
  const batchRecords = positiveInteger("batchRecords", options.batchRecords ?? 5_000);
  const queryRows = positiveInteger("queryRows", options.queryRows ?? 10_000_000);
  const queryRuns = positiveInteger("queryRuns", options.queryRuns ?? 5);

  const parse = measureParse(parseLines, 3);

  const server = await acquireServer();
  const suffix = randomBytes(4).toString("hex");
  const databases = {
    ingest: `kc_bench_ingest_${suffix}`,
    client: `kc_bench_client_${suffix}`,
    qoe: `kc_bench_qoe_${suffix}`,
  };
  let admin: ClickHouseClient | undefined;
  let measured: Omit<AnalyticsFigures, "totalMs"> | undefined;
  let failure: Error | undefined;
  try {
    const target = endpoint(server.url, server.tcpPort);
    admin = createAnalyticsClient({
      url: target.url,
      username: target.username,
      password: target.password,
      // Generating ten million rows with the rollup takes a while on a small machine.
      requestTimeoutMs: 600_000,
      application: "bench",
    });
    for (const database of Object.values(databases)) {
      await migrate(admin, { database });
    }
    const serverVersion = await readServerVersion(admin);
    const ingest = await measureIngest(target, admin, databases, batches, batchRecords);
    const qoe = await measureQoe(target, admin, databases.qoe, queryRows, queryRuns);
    measured = {
      serverVersion: `${serverVersion.major}.${serverVersion.minor}`,
      parse,
      ingest,
      qoe,
    };
  } catch (error) {
    failure =
      error instanceof Error ? error : new Error(`analytics bench failed: ${String(error)}`);
  }

  const problems: string[] = [];
  if (admin !== undefined) {
    for (const database of Object.values(databases)) {
      await admin
        .command({ query: `DROP DATABASE IF EXISTS ${database}` })
        .catch((error: unknown) => problems.push(`drop ${database}: ${(error as Error).message}`));
    }
    await admin.close().catch(() => undefined);
  }
  await server
    .stop()
    .catch((error: unknown) => problems.push(`stop server: ${(error as Error).message}`));

  if (failure !== undefined) {
    if (problems.length > 0) process.stderr.write(`cleanup: ${problems.join("; ")}\n`);
    throw failure;
  }
  if (problems.length > 0) throw new Error(`cleanup failed: ${problems.join("; ")}`);
  if (measured === undefined) throw new Error("analytics bench produced no figures");
  return { ...measured, totalMs: performance.now() - started };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} ${value}: expected a positive integer`);
  }
  return value;
}
