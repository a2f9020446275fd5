/**
 * Analytics figures for `npm run bench`: how fast real-time log lines parse, how fast Kinesis
 * batches reach ClickHouse through the ingest core beside `clickhouse-client` inserting the same
 * rows, how long the API's QoE queries take over each synthetic data set from the raw rows and
 * from the rollups (and how long the rollup job takes to build them), and how the API holds up
 * under load over the largest data set. Runs against the integration tests' ClickHouse server
 * (`CLICKHOUSE_URL`, or one started for the bench), in fresh databases that are dropped at the
 * end, failure or not.
 * Asserts nothing beyond the consistency checks that make the figures meaningful.
 */
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import type { ClickHouseClient } from "@clickhouse/client";
import { createAnalyticsClient } from "../../../functions/analytics/clickhouse/client";
import { migrate, readServerVersion } from "../../../functions/analytics/clickhouse/migrate";
import { acquireServer } from "../../../test/clickhouse/server";
import { endpoint } from "./endpoint";
import type {
  AnalyticsFigures,
  AnalyticsOptions,
  ApiLoadFigures,
  QoeDataSetFigures,
} from "./figures";
import { measureApiLoad, type LoadCache } from "./api-load";
import { measureIngest } from "./ingest";
import { measureParse } from "./parse-rate";
import { dataEndMs, measureQoe } from "./qoe";

/**
 * Measures parsing, ingest, the QoE queries over each data set (smallest first, each database
 * dropped once measured) and the API under load over the largest. The server and every database
 * created here are let go before this returns or throws.
 */
export async function measureAnalytics(options: AnalyticsOptions = {}): Promise<AnalyticsFigures> {
  const started = performance.now();
  const loadAtStart = loadavg()[0] ?? 0;
  const parseLines = positiveInteger("parseLines", options.parseLines ?? 200_000);
  const batches = positiveInteger("ingestBatches", options.ingestBatches ?? 20);
  const batchRecords = positiveInteger("batchRecords", options.batchRecords ?? 5_000);
  const queryRows = (options.queryRows ?? [10_000_000, 100_000_000]).map((rows) =>
    positiveInteger("queryRows", rows),
  );
  const queryRuns = positiveInteger("queryRuns", options.queryRuns ?? 5);
  const loadConnections = (options.loadConnections ?? [1, 10, 50]).map((connections) =>
    positiveInteger("loadConnections", connections),
  );
  const loadSeconds = positiveInteger("loadSeconds", options.loadSeconds ?? 10);
  if (queryRows.length === 0) throw new RangeError("queryRows: expected at least one row count");

  const parse = measureParse(parseLines, 3);

  const server = await acquireServer();
  const suffix = randomBytes(4).toString("hex");
  const databases = {
    ingest: `kc_bench_ingest_${suffix}`,
    client: `kc_bench_client_${suffix}`,
  };
  // One database per data set, each dropped once measured, so only one is on disk at a time.
  const qoeDatabases = queryRows.map((rows) => `kc_bench_qoe_${rows}_${suffix}`);
  let admin: ClickHouseClient | undefined;
  let measured: Omit<AnalyticsFigures, "totalMs" | "loadAverage"> | undefined;
  let failure: Error | undefined;
  try {
    const target = endpoint(server.url, server.tcpPort);
    admin = createAnalyticsClient({
      url: target.url,
      username: target.username,
      password: target.password,
      // A chunk of ten million rows, or the rollup job over a hundred million, takes minutes.
      requestTimeoutMs: 1_800_000,
      application: "bench",
    });
    for (const database of Object.values(databases)) {
      await migrate(admin, { database });
    }
    const serverVersion = await readServerVersion(admin);
    const ingest = await measureIngest(target, admin, databases, batches, batchRecords);
    const dataSets: QoeDataSetFigures[] = [];
    let api: ApiLoadFigures | undefined;
    let apiCached: ApiLoadFigures | undefined;
    for (const [index, rows] of queryRows.entries()) {
      const database = qoeDatabases[index] ?? "";
      await migrate(admin, { database });
      const endMs = dataEndMs(Date.now());
      dataSets.push(await measureQoe(target, admin, database, rows, queryRuns, endMs));
      if (index === queryRows.length - 1) {
        const load = (cache: LoadCache) =>
          measureApiLoad(target, database, rows, endMs, loadConnections, loadSeconds, cache);
        api = await load("off");
        apiCached = await load("default");
      }
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    }
    if (api === undefined || apiCached === undefined) {
      throw new Error("the API load was not measured");
    }
    measured = {
      serverVersion: `${serverVersion.major}.${serverVersion.minor}`,
      parse,
      ingest,
      qoe: { dataSets },
      api,
      apiCached,
    };
  } catch (error) {
    failure =
      error instanceof Error ? error : new Error(`analytics bench failed: ${String(error)}`);
  }

  const problems: string[] = [];
  if (admin !== undefined) {
    for (const database of [...Object.values(databases), ...qoeDatabases]) {
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
  return {
    ...measured,
    loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
    totalMs: performance.now() - started,
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} ${value}: expected a positive integer`);
  }
  return value;
}
