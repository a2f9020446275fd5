/**
 * Ingest measurement for the analytics bench: Kinesis batches through the ingest core and its
 * ClickHouse sink, beside `clickhouse-client` inserting the same rows, with the core's time split
 * into parsing (decoding, parsing, dropping repeats) and the sink's exactly-once write.
 */
import { spawn, spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import type { ClickHouseClient } from "@clickhouse/client";
import type { PlaybackRow } from "../../../functions/analytics/clickhouse/tables";
import {
  ClickHouseSink,
  createClickHouseConnection,
  PLAYBACK_TABLE,
} from "../../../functions/analytics/rtlog-ingest/clickhouse-sink";
import {
  ingestBatch,
  type DeadLetter,
  type DeadLetterStore,
  type PlaybackSink,
  type WriteCounts,
} from "../../../functions/analytics/rtlog-ingest/core";
import { parseRecordData } from "../../../functions/analytics/rtlog-ingest/parse";
import { median } from "../median";
import { queryNumber, type Endpoint } from "./endpoint";
import type { IngestFigures, InsertPathFigures } from "./figures";
import { kinesisRecord, logLines } from "./log-lines";

/** A sink that times the writes it passes on, so the ingest time splits into parse and write. */
class TimedSink implements PlaybackSink {
  writeMs = 0;

  constructor(private readonly inner: PlaybackSink) {}

  async insertNew(rows: readonly PlaybackRow[], from: string, to: string): Promise<WriteCounts> {
    const start = performance.now();
    try {
      return await this.inner.insertNew(rows, from, to);
    } finally {
      this.writeMs += performance.now() - start;
    }
  }
}

/** Keeps malformed records in memory: the bench measures the ClickHouse path, not S3. */
class MemoryDeadLetters implements DeadLetterStore {
  readonly records: DeadLetter[] = [];

  put(records: readonly DeadLetter[]): Promise<string> {
    this.records.push(...records);
    return Promise.resolve(`dead-letter/${this.records.length}`);
  }
}

/** Why `clickhouse-client` cannot be used against `server`, or undefined when it can. */
function clientUnavailable(server: Endpoint): string | undefined {
  const probe = spawnSync("clickhouse-client", ["--version"], { stdio: "ignore" });
  if (probe.error !== undefined) {
    return "skipped: the clickhouse-client binary is missing (Debian package clickhouse-client)";
  }
  if (server.tcpPort === undefined) {
    return "skipped: the server's native port is unknown (set CLICKHOUSE_TCP_PORT beside CLICKHOUSE_URL)";
  }
  return undefined;
}

/** Milliseconds `clickhouse-client` takes to insert `body` (JSONEachRow) into `table`. */
async function clientInsert(server: Endpoint, table: string, body: Buffer): Promise<number> {
  const args = [
    "--host",
    server.host,
    "--port",
    String(server.tcpPort),
    "--user",
    server.username,
    ...(server.password === "" ? [] : ["--password", server.password]),
    ...(server.secure ? ["--secure"] : []),
    "--query",
    `INSERT INTO ${table} FORMAT JSONEachRow`,
  ];
  const start = performance.now();
  const child = spawn("clickhouse-client", args, { stdio: ["pipe", "ignore", "pipe"] });
  const errors: Buffer[] = [];
  child.stderr.on("data", (chunk: Buffer) => errors.push(chunk));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  // A client that fails early closes its input; its exit code and message tell why.
  child.stdin.on("error", () => undefined);
  child.stdin.end(body);
  const code = await exit;
  const ms = performance.now() - start;
  if (code !== 0) {
    const message = Buffer.concat(errors).toString().trim().split("\n").pop() ?? "";
    throw new Error(`clickhouse-client exited with ${code}: ${message}`);
  }
  return ms;
}

function pathFigures(
  rows: number,
  batchMs: readonly number[],
  batchRows: readonly number[],
): InsertPathFigures {
  const totalMs = batchMs.reduce((sum, ms) => sum + ms, 0);
  return {
    rows,
    totalMs,
    rowsPerSecond: rows / (totalMs / 1000),
    medianBatchRowsPerSecond: median(
      batchMs.map((ms, index) => (batchRows[index] ?? 0) / (ms / 1000)),
    ),
  };
}

/**
 * The ingest core with the real sink (its exactly-once write included) beside `clickhouse-client`,
 * batch by batch, into two freshly migrated databases: same rows, same batches, same tables. The order alternates per batch so background merges weigh on both alike.
 */
export async function measureIngest(
  server: Endpoint,
  admin: ClickHouseClient,
  databases: { readonly ingest: string; readonly client: string },
  batches: number,
  batchRecords: number,
): Promise<IngestFigures> {
  const connection = createClickHouseConnection({
    url: server.url,
    database: databases.ingest,
    username: server.username,
    password: server.password,
  });
  try {
    const sink = new TimedSink(new ClickHouseSink(connection, databases.ingest));
    const deadLetters = new MemoryDeadLetters();
    const skipped = clientUnavailable(server);
    // Batches of consecutive seconds ending now, as a busy stream delivers them.
    const batchSpanMs = 5_000;
    const startMs = Date.now() - batches * batchSpanMs;
    const ingestMs: number[] = [];
    const clientMs: number[] = [];
    const batchRows: number[] = [];
    let largestEventBytes = 0;
    for (let batch = 0; batch < batches; batch += 1) {
      const windowStart = startMs + batch * batchSpanMs;
      const records = logLines(batchRecords, {
        seed: 1_000 + batch,
        startMs: windowStart,
        spanMs: batchSpanMs,
      }).map((line, index) =>
        kinesisRecord(line, batch * batchRecords + index, windowStart + batchSpanMs),
      );
      largestEventBytes = Math.max(
        largestEventBytes,
        Buffer.byteLength(JSON.stringify({ Records: records })),
      );
      // The rows the core will insert, serialised as the sink's client sends them.
      const rows: PlaybackRow[] = [];
      for (const record of records) {
        const parsed = parseRecordData(record.kinesis.data);
        if (parsed.kind === "row") rows.push(parsed.row);
      }
      const body = Buffer.from(rows.map((row) => `${JSON.stringify(row)}\n`).join(""));
      batchRows.push(rows.length);

      const runIngest = async () => {
        const start = performance.now();
        const result = await ingestBatch(records, { sink, deadLetters });
        ingestMs.push(performance.now() - start);
        if (result.failure !== undefined) {
          throw new Error(
            `ingest failed at ${result.failure.stage}: ${(result.failure.error as Error).message}`,
          );
        }
        if (result.counts.inserted !== rows.length) {
          throw new Error(
            `ingest inserted ${result.counts.inserted} rows, expected ${rows.length}`,
          );
        }
      };
      const runClient = async () => {
        if (skipped === undefined) {
          clientMs.push(await clientInsert(server, `${databases.client}.${PLAYBACK_TABLE}`, body));
        }
      };
      for (const run of batch % 2 === 0 ? [runIngest, runClient] : [runClient, runIngest]) {
        await run();
      }
    }
    const rows = batchRows.reduce((sum, n) => sum + n, 0);
    for (const database of skipped === undefined
      ? [databases.ingest, databases.client]
      : [databases.ingest]) {
      const stored = await queryNumber(
        admin,
        `SELECT count() AS n FROM ${database}.${PLAYBACK_TABLE}`,
      );
      if (stored !== rows) {
        throw new Error(`${database} holds ${stored} rows, expected ${rows}`);
      }
    }
    const ingest = pathFigures(rows, ingestMs, batchRows);
    const client = skipped === undefined ? pathFigures(rows, clientMs, batchRows) : undefined;
    return {
      batches,
      batchRecords,
      malformed: deadLetters.records.length,
      largestEventBytes,
      ingest,
      ingestBreakdown: { parseMs: ingest.totalMs - sink.writeMs, writeMs: sink.writeMs },
      client: client ?? { skipped: skipped ?? "skipped" },
      overClient:
        client === undefined
          ? null
          : ingest.medianBatchRowsPerSecond / client.medianBatchRowsPerSecond,
    };
  } finally {
    await connection.close();
  }
}
