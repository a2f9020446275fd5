/**
 * Analytics figures for `npm run bench`: how fast real-time log lines parse, how fast Kinesis
 * batches reach ClickHouse through the ingest core beside `clickhouse-client` inserting the same
 * rows, and how long the API's QoE queries take over ten million rows, from the raw rows and from
 * the hourly rollup. Runs against the integration tests' ClickHouse server (`CLICKHOUSE_URL`, or
 * one started for the bench), in fresh databases that are dropped at the end, failure or not.
 * Prints figures; asserts nothing beyond the consistency checks that make the figures meaningful.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { ClickHouseClient } from "@clickhouse/client";
import type { KinesisStreamRecord } from "aws-lambda";
import { PLAYBACK_LOG_FIELDS, type PlaybackLogField } from "../../contracts/playback-logs";
import { AnalyticsQueries } from "../../functions/analytics/analytics-api/queries";
import type { Source } from "../../functions/analytics/analytics-api/requests";
import { createAnalyticsClient } from "../../functions/analytics/clickhouse/client";
import { migrate, readServerVersion } from "../../functions/analytics/clickhouse/migrate";
import type { PlaybackRow } from "../../functions/analytics/clickhouse/tables";
import {
  ClickHouseSink,
  createClickHouseConnection,
  PLAYBACK_TABLE,
} from "../../functions/analytics/rtlog-ingest/clickhouse-sink";
import {
  ingestBatch,
  type DeadLetter,
  type DeadLetterStore,
  type PlaybackSink,
} from "../../functions/analytics/rtlog-ingest/core";
import { parseLogLine, parseRecordData } from "../../functions/analytics/rtlog-ingest/parse";
import { acquireServer } from "../../test/clickhouse/server";
import { median } from "./median";

/** The ingest should reach at least half the rate of `clickhouse-client` inserting the same rows. */
export const MIN_INGEST_OVER_CLIENT = 0.5;

/** What to measure; every field has a default sized to finish well within three minutes. */
export interface AnalyticsOptions {
  /** Log lines parsed per run. @default 200000 */
  readonly parseLines?: number;
  /** Kinesis batches ingested, by each path. @default 20 */
  readonly ingestBatches?: number;
  /**
   * Records per batch. A Kinesis event source hands an invocation at most 10,000 records and
   * 6 MB of event; with these log lines 10,000 records make about 9.5 MB, 5,000 about 4.8 MB.
   * @default 5000
   */
  readonly batchRecords?: number;
  /** Synthetic rows the QoE queries run over. @default 10000000 */
  readonly queryRows?: number;
  /** Timed runs of each query, after one warm-up. @default 5 */
  readonly queryRuns?: number;
}

/** Parse rates, single thread. */
export interface ParseFigures {
  readonly lines: number;
  readonly malformed: number;
  readonly averageLineBytes: number;
  readonly runs: number;
  /** `parseRecordData`: base64 Kinesis data to a row, as the ingest core calls it. */
  readonly recordDataPerSecond: number;
  /** `parseLogLine`: the decoded line to a row. */
  readonly logLinePerSecond: number;
}

/** One insert path's figures over all batches. */
export interface InsertPathFigures {
  readonly rows: number;
  readonly totalMs: number;
  /** Rows over the summed batch times. */
  readonly rowsPerSecond: number;
  /** Median over batches of each batch's rows per second. */
  readonly medianBatchRowsPerSecond: number;
}

/** Where the ingest core's time went, summed over batches. */
export interface IngestBreakdown {
  /** The sink's lookups of stored request ids. */
  readonly lookupMs: number;
  /** The sink's inserts (serialising, compressing and sending the rows). */
  readonly insertMs: number;
  /** The rest: decoding and parsing records, dropping repeats within a batch. */
  readonly otherMs: number;
}

/** The ingest core beside `clickhouse-client`, or why the comparison was skipped. */
export interface IngestFigures {
  readonly batches: number;
  readonly batchRecords: number;
  /** Malformed records over all batches, kept by an in-memory dead-letter store. */
  readonly malformed: number;
  /** Largest batch's Lambda event (JSON), in bytes: an invocation's payload is at most 6 MB. */
  readonly largestEventBytes: number;
  readonly ingest: InsertPathFigures;
  readonly ingestBreakdown: IngestBreakdown;
  readonly client: InsertPathFigures | { readonly skipped: string };
}

/** One API query from the raw rows and from the hourly rollup. */
export interface QueryFigures {
  readonly name: string;
  readonly rawMs: number;
  readonly rollupMs: number;
  readonly rawRequests: number;
  readonly rollupRequests: number;
}

/** The QoE queries over the synthetic rows. */
export interface QoeFigures {
  readonly rows: number;
  readonly generateMs: number;
  readonly rollupRows: number;
  readonly rangeDays: number;
  readonly runs: number;
  readonly queries: readonly QueryFigures[];
}

/** Everything `measureAnalytics` measured. */
export interface AnalyticsFigures {
  readonly serverVersion: string;
  readonly parse: ParseFigures;
  readonly ingest: IngestFigures;
  readonly qoe: QoeFigures;
  readonly totalMs: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Days the synthetic rows span, and the range the queries ask for. */
const SPAN_DAYS = 30;
const RANGE_DAYS = 7;
/** Share of malformed lines in the generated traffic. */
const MALFORMED_SHARE = 0.001;
/** Longest wait for background merges to settle before the queries are timed. */
const SETTLE_TIMEOUT_MS = 60_000;

/** Twenty subjects at ten levels: 200 course ids in the upload API's format. */
const COURSES: readonly string[] = [
  "finance",
  "accounting",
  "leadership",
  "excel",
  "sales",
  "marketing",
  "negotiation",
  "project-management",
  "cyber-security",
  "python",
  "data-analysis",
  "customer-service",
  "hr-compliance",
  "time-management",
  "public-speaking",
  "business-writing",
  "arabic-business",
  "english-business",
  "supply-chain",
  "workplace-safety",
].flatMap((subject) => Array.from({ length: 10 }, (_, level) => `${subject}-${100 + level * 10}`));

/** Thirty viewer countries, busiest first, each served by two edge locations. */
const COUNTRY_EDGES: readonly (readonly [string, string, string])[] = [
  ["SA", "JED50-C1", "RUH52-P1"],
  ["AE", "DXB52-P1", "FJR50-C1"],
  ["EG", "CAI50-C1", "CAI51-P2"],
  ["KW", "KWI50-C1", "KWI51-P1"],
  ["QA", "DOH50-C1", "DOH51-P1"],
  ["US", "IAD89-C2", "JFK51-C1"],
  ["BH", "BAH53-C1", "BAH54-P1"],
  ["OM", "MCT50-C1", "MCT51-P1"],
  ["JO", "AMM50-C1", "AMM51-P1"],
  ["GB", "LHR61-P1", "MAN51-C1"],
  ["IN", "BOM52-C1", "DEL54-C3"],
  ["PK", "KHI50-C1", "LHE50-C1"],
  ["DE", "FRA56-C1", "MUC50-P1"],
  ["FR", "CDG52-C2", "MRS52-P1"],
  ["CA", "YTO50-C1", "YUL62-C1"],
  ["TR", "IST50-C1", "IST51-P1"],
  ["MA", "CMN50-C1", "RAK50-C1"],
  ["NG", "LOS50-C1", "LOS51-P1"],
  ["KE", "NBO50-C1", "NBO51-P1"],
  ["ZA", "JNB50-C1", "CPT50-C1"],
  ["ID", "CGK50-C1", "CGK51-P1"],
  ["MY", "KUL50-C1", "KUL51-P1"],
  ["PH", "MNL50-C1", "MNL51-P1"],
  ["AU", "SYD62-P2", "MEL50-C2"],
  ["NL", "AMS54-C1", "AMS58-P2"],
  ["ES", "MAD56-C1", "BCN50-C1"],
  ["IT", "MXP64-C1", "FCO50-C1"],
  ["BR", "GRU3-C1", "GIG51-C1"],
  ["SG", "SIN2-C1", "SIN52-C2"],
  ["LB", "BEY50-C1", "BEY51-P1"],
];
const COUNTRIES = COUNTRY_EDGES.map(([country]) => country);
const EDGES = COUNTRY_EDGES.flatMap(([, first, second]) => [first, second]);

/** The five video renditions with their bitrates (kbit/s) and shares of video segments. */
const VIDEO_RENDITIONS: readonly {
  readonly name: string;
  readonly kbps: number;
  readonly upTo: number;
}[] = [
  { name: "1080p_6000k", kbps: 6000, upTo: 0.25 },
  { name: "720p_3000k", kbps: 3000, upTo: 0.65 },
  { name: "540p_2000k", kbps: 2000, upTo: 0.85 },
  { name: "360p_1000k", kbps: 1000, upTo: 0.95 },
  { name: "240p_500k", kbps: 500, upTo: 1 },
];
const AUDIO_RENDITION = "audio_96k";
/** Requests of one viewing session, and how many of them between rendition switches. */
const SESSION_REQUESTS = 256;
const ABR_STEP_REQUESTS = 64;
/** Seconds of media per segment. */
const SEGMENT_SECONDS = 4;

/** Shares of request kinds: master playlists, variant playlists, video and audio segments. */
const MASTER_UP_TO = 0.03;
const VARIANT_UP_TO = 0.1;
const VIDEO_UP_TO = 0.85;

/** Cumulative shares of statuses: 0.5 % aborted (000), 1 % 5xx, a few 4xx, 206 and 304. */
const STATUS_SHARES: readonly { readonly upTo: number; readonly statuses: readonly string[] }[] = [
  { upTo: 0.005, statuses: ["000"] },
  { upTo: 0.015, statuses: ["500", "502", "503", "504"] },
  { upTo: 0.018, statuses: ["404"] },
  { upTo: 0.02, statuses: ["403"] },
  { upTo: 0.07, statuses: ["206"] },
  { upTo: 0.08, statuses: ["304"] },
  { upTo: 1, statuses: ["200"] },
];
/** Shares of cache outcomes among answered requests. */
const HIT_UP_TO = 0.85;
const REFRESH_HIT_UP_TO = 0.88;

/** A seeded generator of floats in [0, 1) (mulberry32): the same traffic on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(values: readonly T[], u: number): T {
  const value = values[Math.min(values.length - 1, Math.floor(u * values.length))];
  if (value === undefined) throw new RangeError("pick from an empty list");
  return value;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function uuid(next: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** Eight videos per course, fixed for all runs. */
const VIDEOS: ReadonlyMap<string, readonly string[]> = (() => {
  const next = random(7);
  return new Map(COURSES.map((course) => [course, Array.from({ length: 8 }, () => uuid(next))]));
})();

/** Where generated lines fall in time. */
interface TrafficWindow {
  readonly seed: number;
  readonly startMs: number;
  readonly spanMs: number;
}

/** What stays the same for a viewer's requests: the video, where they watch from, the edge. */
interface ViewingSession {
  readonly course: string;
  readonly video: string;
  readonly country: string;
  readonly edge: string;
}

function viewingSession(next: () => number): ViewingSession {
  const course = pick(COURSES, next() ** 2);
  const [country, ...edges] = pick(COUNTRY_EDGES, next() ** 2.2);
  return {
    course,
    video: pick(VIDEOS.get(course) ?? [], next()),
    country,
    edge: pick(edges, next()),
  };
}

/** A video rendition drawn by the shares of `VIDEO_RENDITIONS`. */
function videoRenditionOf(draw: number): (typeof VIDEO_RENDITIONS)[number] {
  return pick(
    VIDEO_RENDITIONS.filter((rendition) => draw < rendition.upTo),
    0,
  );
}

/**
 * CloudFront real-time log lines of the video distributions, in the stack's field order and
 * CloudFront's value formats: viewing sessions of `SESSION_REQUESTS` requests (popular courses and
 * Gulf countries first, each session on one edge, the rendition re-chosen every
 * `ABR_STEP_REQUESTS` requests, mostly 720p), manifests, audio, the statuses of `STATUS_SHARES`,
 * cache hits with fast first bytes and misses with a long tail, and about one line in a thousand
 * malformed.
 */
function logLines(lineCount: number, window: TrafficWindow): string[] {
  const next = random(window.seed);
  const idPrefix = Buffer.alloc(4);
  idPrefix.writeUInt32BE(window.seed >>> 0);
  const lines: string[] = [];
  let session = viewingSession(next);
  let videoRendition = videoRenditionOf(next());
  for (let index = 0; index < lineCount; index += 1) {
    if (index > 0 && index % SESSION_REQUESTS === 0) session = viewingSession(next);
    if (index > 0 && index % ABR_STEP_REQUESTS === 0) videoRendition = videoRenditionOf(next());
    const { course, video, country, edge } = session;
    const kind = next();
    const segment = String(1 + Math.floor(next() * 900)).padStart(5, "0");
    const base = `/courses/${course}/${video}/cmaf/index`;
    const file =
      kind < MASTER_UP_TO
        ? { path: `${base}.m3u8`, type: "application/vnd.apple.mpegurl", bytes: 900 }
        : kind < VARIANT_UP_TO
          ? {
              path: `${base}_${videoRendition.name}.m3u8`,
              type: "application/vnd.apple.mpegurl",
              bytes: 14_000,
            }
          : kind < VIDEO_UP_TO
            ? {
                path: `${base}_${videoRendition.name}_${segment}.cmfv`,
                type: "video/mp4",
                bytes: (videoRendition.kbps * 1000 * SEGMENT_SECONDS) / 8,
              }
            : {
                path: `${base}_${AUDIO_RENDITION}_${segment}.cmfa`,
                type: "audio/mp4",
                bytes: (96 * 1000 * SEGMENT_SECONDS) / 8,
              };
    const statusDraw = next();
    const status = pick(
      STATUS_SHARES.find((share) => statusDraw < share.upTo)?.statuses ?? ["200"],
      next(),
    );
    const aborted = status === "000";
    const failed = status.startsWith("5") || status.startsWith("4");
    const cacheDraw = next();
    const result =
      aborted || failed
        ? "Error"
        : cacheDraw < HIT_UP_TO
          ? "Hit"
          : cacheDraw < REFRESH_HIT_UP_TO
            ? "RefreshHit"
            : "Miss";
    const detailed = aborted ? "ClientCommError" : status.startsWith("5") ? "OriginError" : result;
    const hit = result === "Hit" || result === "RefreshHit";
    const ttfbMs = hit ? 1 + 12 * -Math.log(1 - next()) : 25 + 120 * (-Math.log(1 - next())) ** 1.5;
    const bytes = aborted
      ? Math.floor(file.bytes * next() * 0.5)
      : failed
        ? 600 + Math.floor(next() * 400)
        : status === "304"
          ? 300
          : Math.floor(file.bytes * (0.8 + 0.4 * next()));
    const transferMs = bytes / (1_000 + 4_000 * next());
    const timestampMs = window.startMs + (window.spanMs * index) / lineCount + next() * 1000;
    // Unique by seed and index; random after that, like CloudFront's.
    const requestId = Buffer.concat([idPrefix, Buffer.alloc(4), randomBytes(32)]);
    requestId.writeUInt32BE(index, 4);
    const values: Record<PlaybackLogField, string> = {
      timestamp: seconds(Math.floor(timestampMs)),
      "time-to-first-byte": aborted && next() < 0.5 ? "-" : seconds(aborted ? 0 : ttfbMs),
      "sc-status": status,
      "sc-bytes": String(bytes + 350),
      "cs-method": "GET",
      "cs-protocol": "https",
      "cs-host": "media.knowledgecity.com",
      "cs-uri-stem": file.path,
      "x-edge-location": edge,
      "x-edge-request-id": requestId.toString("base64").replace(/\+/g, "-").replace(/\//g, "_"),
      "time-taken": seconds((aborted ? 0 : ttfbMs) + transferMs),
      "cs-protocol-version": next() < 0.9 ? "HTTP/2.0" : "HTTP/1.1",
      "x-edge-response-result-type": result,
      "x-edge-result-type": result,
      "sc-content-type": failed ? "text/html" : file.type,
      "sc-content-len": String(bytes),
      "sc-range-start": "-",
      "sc-range-end": "-",
      "x-edge-detailed-result-type": detailed,
      "c-country": country,
      "cache-behavior-path-pattern": "/courses/*",
    };
    lines.push(malform(values, next, index));
  }
  return lines;
}

/** The line, or now and then one with a fault the parser must catch (bad field, count, time). */
function malform(
  values: Record<PlaybackLogField, string>,
  next: () => number,
  index: number,
): string {
  const fields = PLAYBACK_LOG_FIELDS.map((field) => values[field]);
  if (next() >= MALFORMED_SHARE) return `${fields.join("\t")}\n`;
  switch (index % 4) {
    case 0:
      return `${fields.join("\t").replace(`\t${values["sc-status"]}\t`, "\t2O0\t")}\n`;
    case 1:
      return `${fields.slice(0, -1).join("\t")}\n`;
    case 2:
      return `${[values.timestamp, "-", "200", ...fields.slice(3)].join("\t")}\n`;
    default:
      return `${["1.6e9", ...fields.slice(1)].join("\t")}\n`;
  }
}

/** A Kinesis record as the event source hands it to Lambda. */
function kinesisRecord(line: string, sequence: number, arrivalMs: number): KinesisStreamRecord {
  const sequenceNumber = `4959033827149025660855969253836157109592157598913${String(sequence).padStart(7, "0")}`;
  const streamArn = "arn:aws:kinesis:me-south-1:111122223333:stream/kc-video-rtlog";
  return {
    kinesis: {
      kinesisSchemaVersion: "1.0",
      partitionKey: `partition-${sequence % 64}`,
      sequenceNumber,
      data: Buffer.from(line, "utf8").toString("base64"),
      approximateArrivalTimestamp: arrivalMs / 1000,
    },
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn: "arn:aws:iam::111122223333:role/kc-analytics-rtlog-ingest",
    awsRegion: "me-south-1",
    eventSourceARN: streamArn,
  };
}

/** A sink that times the calls it passes on, so the ingest time can be split by step. */
class TimedSink implements PlaybackSink {
  lookupMs = 0;
  insertMs = 0;

  constructor(private readonly inner: PlaybackSink) {}

  async existingRequestIds(
    ids: readonly string[],
    from: string,
    to: string,
  ): Promise<ReadonlySet<string>> {
    const start = performance.now();
    try {
      return await this.inner.existingRequestIds(ids, from, to);
    } finally {
      this.lookupMs += performance.now() - start;
    }
  }

  async insert(rows: readonly PlaybackRow[]): Promise<void> {
    const start = performance.now();
    try {
      await this.inner.insert(rows);
    } finally {
      this.insertMs += performance.now() - start;
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

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} ${value}: expected a positive integer`);
  }
  return value;
}

/** Parse rates over `count` lines: one warm-up pass, then the median of `runs` passes. */
function measureParse(count: number, runs: number): ParseFigures {
  const lines = logLines(count, { seed: 11, startMs: Date.now() - HOUR_MS, spanMs: HOUR_MS });
  const data = lines.map((line) => Buffer.from(line, "utf8").toString("base64"));
  const pass = (parse: (input: string) => { kind: string }, inputs: readonly string[]) => {
    const start = performance.now();
    let malformed = 0;
    for (const input of inputs) {
      if (parse(input).kind !== "row") malformed += 1;
    }
    return { ms: performance.now() - start, malformed };
  };
  const rate = (parse: (input: string) => { kind: string }, inputs: readonly string[]) => {
    pass(parse, inputs);
    return count / (median(Array.from({ length: runs }, () => pass(parse, inputs).ms)) / 1000);
  };
  return {
    lines: count,
    malformed: pass(parseRecordData, data).malformed,
    averageLineBytes: lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0) / count,
    runs,
    recordDataPerSecond: rate(parseRecordData, data),
    logLinePerSecond: rate(parseLogLine, lines),
  };
}

/** Where the server is and as whom to connect, credentials taken from its URL. */
interface Endpoint {
  readonly url: string;
  readonly host: string;
  readonly secure: boolean;
  readonly username: string;
  readonly password: string;
  readonly tcpPort: number | undefined;
}

function endpoint(serverUrl: string, tcpPort: number | undefined): Endpoint {
  const url = new URL(serverUrl);
  return {
    url: `${url.protocol}//${url.host}`,
    host: url.hostname,
    secure: url.protocol === "https:",
    username: decodeURIComponent(url.username) || "default",
    password: decodeURIComponent(url.password),
    tcpPort,
  };
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

async function queryNumber(client: ClickHouseClient, query: string): Promise<number> {
  const result = await client.query({ query, format: "JSONEachRow" });
  const [row] = await result.json<{ n: unknown }>();
  return Number(row?.n ?? Number.NaN);
}

/**
 * The ingest core with the real sink (lookup of stored ids included) beside `clickhouse-client`,
 * batch by batch, into two freshly migrated databases: same rows, same batches, same tables and
 * materialized view. The order alternates per batch so background merges weigh on both alike.
 */
async function measureIngest(
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
      const rolledUp = await queryNumber(
        admin,
        `SELECT sumMerge(requests) AS n FROM ${database}.playback_hourly`,
      );
      if (stored !== rows || rolledUp !== rows) {
        throw new Error(
          `${database} holds ${stored} rows and ${rolledUp} in the rollup, expected ${rows}`,
        );
      }
    }
    const ingest = pathFigures(rows, ingestMs, batchRows);
    return {
      batches,
      batchRecords,
      malformed: deadLetters.records.length,
      largestEventBytes,
      ingest,
      ingestBreakdown: {
        lookupMs: sink.lookupMs,
        insertMs: sink.insertMs,
        otherMs: ingest.totalMs - sink.lookupMs - sink.insertMs,
      },
      client: skipped === undefined ? pathFigures(rows, clientMs, batchRows) : { skipped },
    };
  } finally {
    await connection.close();
  }
}

/** An SQL array literal of strings (the values are this file's constants). */
function stringArray(values: readonly string[]): string {
  return `[${values.map((value) => `'${value}'`).join(", ")}]`;
}

/**
 * `INSERT ... SELECT` of `rows` synthetic requests over `SPAN_DAYS` days ending at `endMs`, from
 * hashes of the row number (18.16 has no `generateRandom`), with the distributions of `logLines`:
 * viewing sessions of consecutive rows, skewed courses and countries, each country on its two
 * edges, six renditions, 0.5 % aborted, 1 % 5xx, and a long tail of time to first byte on cache
 * misses. Every value is cast to its column's type.
 */
function syntheticRowsSql(database: string, rows: number, endMs: number): string {
  const startSeconds = Math.floor(endMs / 1000) - SPAN_DAYS * 86_400;
  // Uniform draws in (0, 1): per request, per viewing session, per rendition step.
  const draw = (key: string, salt: number) =>
    `((cityHash64(${key}, ${salt}) % 1000000 + 0.5) / 1000000)`;
  const u = (salt: number) => draw("number", salt);
  const session = `intDiv(number, ${SESSION_REQUESTS})`;
  const step = `intDiv(number, ${ABR_STEP_REQUESTS})`;
  const statusCases = STATUS_SHARES.slice(0, -1)
    .map(
      (share) =>
        `status_u < ${share.upTo}, [${share.statuses.map(Number).join(", ")}][cityHash64(number, 12) % ${share.statuses.length} + 1]`,
    )
    .join(", ");
  const renditionCases = VIDEO_RENDITIONS.slice(0, -1)
    .map((rendition, index) => `rendition_u < ${rendition.upTo}, ${index + 1}`)
    .join(", ");
  const columns = [
    "request_id",
    "timestamp",
    "timestamp_ms",
    "course_id",
    "video_id",
    "rendition",
    "protocol",
    "edge_location",
    "country",
    "status",
    "ttfb_ms",
    "time_taken_ms",
    "bytes",
    "result_type",
    "detailed_result_type",
    "cache_hit",
    "is_error",
    "aborted",
  ].join(", ");
  return `INSERT INTO ${database}.${PLAYBACK_TABLE} (${columns})
SELECT ${columns} FROM (
  SELECT
    concat(hex(cityHash64(number, 1)), hex(cityHash64(number, 2)), hex(cityHash64(number, 3))) AS request_id,
    toDateTime(${startSeconds} + intDiv(number * ${SPAN_DAYS * 86_400}, ${rows})) AS timestamp,
    toUInt16(cityHash64(number, 4) % 1000) AS timestamp_ms,
    toUInt32(floor(${COURSES.length} * pow(${draw(session, 5)}, 2))) AS course_index,
    ${stringArray(COURSES)}[course_index + 1] AS course_id,
    cityHash64(${session}, 6) % 8 AS video_index,
    lower(concat(hex(cityHash64(course_index, video_index)), hex(cityHash64(video_index, course_index)))) AS video_hex,
    concat(substring(video_hex, 1, 8), '-', substring(video_hex, 9, 4), '-4', substring(video_hex, 14, 3), '-a', substring(video_hex, 18, 3), '-', substring(video_hex, 21, 12)) AS video_id,
    ${u(7)} AS kind_u,
    ${draw(step, 8)} AS rendition_u,
    multiIf(${renditionCases}, ${VIDEO_RENDITIONS.length}) AS rendition_index,
    multiIf(kind_u < ${MASTER_UP_TO}, '', kind_u >= ${VIDEO_UP_TO}, '${AUDIO_RENDITION}', ${stringArray(VIDEO_RENDITIONS.map((r) => r.name))}[rendition_index]) AS rendition,
    if(kind_u < ${VARIANT_UP_TO}, 'hls', 'other') AS protocol,
    toUInt32(floor(${COUNTRIES.length} * pow(${draw(session, 9)}, 2.2))) AS country_index,
    ${stringArray(COUNTRIES)}[country_index + 1] AS country,
    ${stringArray(EDGES)}[country_index * 2 + cityHash64(${session}, 10) % 2 + 1] AS edge_location,
    ${u(11)} AS status_u,
    toUInt16(multiIf(${statusCases}, 200)) AS status,
    toUInt8(status = 0) AS aborted,
    toUInt8(status >= 500 AND status <= 599) AS is_error,
    ${u(13)} AS cache_u,
    multiIf(status = 0 OR status >= 400, 'Error', cache_u < ${HIT_UP_TO}, 'Hit', cache_u < ${REFRESH_HIT_UP_TO}, 'RefreshHit', 'Miss') AS result_type,
    multiIf(status = 0, 'ClientCommError', status >= 500, 'OriginError', result_type) AS detailed_result_type,
    toUInt8(result_type IN ('Hit', 'RefreshHit')) AS cache_hit,
    toUInt32(if(aborted = 1, 0, if(cache_hit = 1, 1 + 12 * -log(${u(14)}), 25 + 120 * pow(-log(${u(14)}), 1.5)))) AS ttfb_ms,
    multiIf(kind_u < ${MASTER_UP_TO}, 900, kind_u < ${VARIANT_UP_TO}, 14000, kind_u >= ${VIDEO_UP_TO}, ${(96 * 1000 * SEGMENT_SECONDS) / 8}, [${VIDEO_RENDITIONS.map((r) => (r.kbps * 1000 * SEGMENT_SECONDS) / 8).join(", ")}][rendition_index]) AS file_bytes,
    toUInt64(multiIf(aborted = 1, file_bytes * ${u(15)} * 0.5, status >= 400, 600 + 400 * ${u(15)}, status = 304, 300, file_bytes * (0.8 + 0.4 * ${u(15)})) + 350) AS bytes,
    toUInt32(ttfb_ms + bytes / (1000 + 4000 * ${u(16)})) AS time_taken_ms
  FROM numbers(${rows})
)`;
}

/** Waits until no merge runs in `database` (or the timeout passes), so queries are timed alone. */
async function settleMerges(admin: ClickHouseClient, database: string): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let quiet = 0;
  while (Date.now() < deadline && quiet < 3) {
    const merges = await queryNumber(
      admin,
      `SELECT count() AS n FROM system.merges WHERE database = '${database}'`,
    );
    quiet = merges === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** One API call from either source, giving the requests it counted. */
type QueryCall = (
  queries: AnalyticsQueries,
  source: Source,
  from: Date,
  to: Date,
) => Promise<number>;

const QUERY_CALLS: readonly { readonly name: string; readonly call: QueryCall }[] = [
  {
    name: "qoeSummary",
    call: async (queries, source, from, to) =>
      (await queries.qoeSummary({ from, to, source })).data.requests,
  },
  {
    name: "qoeBreakdown by course, top 20",
    call: async (queries, source, from, to) =>
      (await queries.qoeBreakdown({ from, to, source, by: "course", limit: 20 })).data.reduce(
        (sum, group) => sum + group.requests,
        0,
      ),
  },
  {
    name: "renditionMix",
    call: async (queries, source, from, to) =>
      (await queries.renditionMix({ from, to, source })).data.reduce(
        (sum, share) => sum + share.requests,
        0,
      ),
  },
];

/**
 * The API's QoE queries over `rows` synthetic requests in a fresh database: the last `RANGE_DAYS`
 * days of `SPAN_DAYS`, each query from raw rows and from the rollup, one warm-up, then `runs` timed
 * runs with the two sources interleaved.
 */
async function measureQoe(
  server: Endpoint,
  admin: ClickHouseClient,
  database: string,
  rows: number,
  runs: number,
): Promise<QoeFigures> {
  const endMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const generateStart = performance.now();
  await admin.command({ query: syntheticRowsSql(database, rows, endMs) });
  const generateMs = performance.now() - generateStart;
  await settleMerges(admin, database);
  const rollupRows = await queryNumber(
    admin,
    `SELECT count() AS n FROM ${database}.playback_hourly`,
  );

  // The API's own client settings (keep-alive on), with room for a slow raw query.
  const client = createAnalyticsClient({
    url: server.url,
    username: server.username,
    password: server.password,
    requestTimeoutMs: 120_000,
    application: "bench",
  });
  try {
    const queries = new AnalyticsQueries(client, database);
    const to = new Date(endMs);
    const from = new Date(endMs - RANGE_DAYS * DAY_MS);
    const figures: QueryFigures[] = [];
    for (const { name, call } of QUERY_CALLS) {
      const timed = async (source: Source) => {
        const start = performance.now();
        const requests = await call(queries, source, from, to);
        return { ms: performance.now() - start, requests };
      };
      const rawRequests = (await timed("raw")).requests;
      const rollupRequests = (await timed("rollup")).requests;
      const rawMs: number[] = [];
      const rollupMs: number[] = [];
      for (let run = 0; run < runs; run += 1) {
        rawMs.push((await timed("raw")).ms);
        rollupMs.push((await timed("rollup")).ms);
      }
      figures.push({
        name,
        rawMs: median(rawMs),
        rollupMs: median(rollupMs),
        rawRequests,
        rollupRequests,
      });
    }
    return { rows, generateMs, rollupRows, rangeDays: RANGE_DAYS, runs, queries: figures };
  } finally {
    await client.close();
  }
}

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

function integer(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function table(rows: readonly (readonly string[])[]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows
    .map((row) => `${row.map((cell, column) => cell.padStart(widths[column] ?? 0)).join("  ")}\n`)
    .join("");
}

/** The figures as the bench prints them: a heading per part saying how each was measured. */
export function formatAnalytics(figures: AnalyticsFigures): string {
  const { parse, ingest, qoe } = figures;
  const out: string[] = [];
  out.push(`\nAnalytics (ClickHouse ${figures.serverVersion}, Node ${process.version})\n`);

  out.push(
    `\nParse: ${integer(parse.lines)} CloudFront real-time log lines (${parse.averageLineBytes.toFixed(0)} B average, ` +
      `${integer(parse.malformed)} malformed), one thread, median of ${parse.runs} passes after a warm-up\n`,
  );
  out.push(
    table([
      ["function", "records/s"],
      ["parseRecordData (base64 Kinesis data -> row)", integer(parse.recordDataPerSecond)],
      ["parseLogLine (decoded line -> row)", integer(parse.logLinePerSecond)],
    ]),
  );

  out.push(
    `\nIngest: ${ingest.batches} Kinesis batches of ${integer(ingest.batchRecords)} records ` +
      `(largest Lambda event ${(ingest.largestEventBytes / 1e6).toFixed(1)} MB; a Kinesis batch holds at most 10,000 records and 6 MB), ` +
      `each into a freshly migrated database (rollup view included), batches alternating between paths; ` +
      `${integer(ingest.malformed)} malformed records kept in memory\n`,
  );
  const pathRow = (name: string, path: InsertPathFigures) => [
    name,
    integer(path.rows),
    (path.totalMs / 1000).toFixed(2),
    integer(path.rowsPerSecond),
    integer(path.medianBatchRowsPerSecond),
  ];
  const rows = [
    ["path", "rows", "total s", "rows/s overall", "rows/s median batch"],
    pathRow("ingestBatch + ClickHouseSink (HTTP, id lookup)", ingest.ingest),
  ];
  const { lookupMs, insertMs, otherMs } = ingest.ingestBreakdown;
  const share = (ms: number) => `${((100 * ms) / ingest.ingest.totalMs).toFixed(0)} %`;
  const breakdown =
    `ingest time: id lookup ${(lookupMs / 1000).toFixed(2)} s (${share(lookupMs)}), ` +
    `insert ${(insertMs / 1000).toFixed(2)} s (${share(insertMs)}), ` +
    `parse and the rest ${(otherMs / 1000).toFixed(2)} s (${share(otherMs)})\n`;
  if ("skipped" in ingest.client) {
    out.push(table(rows));
    out.push(breakdown);
    out.push(`clickhouse-client comparison ${ingest.client.skipped}\n`);
  } else {
    rows.push(pathRow("clickhouse-client (native, JSONEachRow)", ingest.client));
    out.push(table(rows));
    out.push(breakdown);
    const ratio = ingest.ingest.medianBatchRowsPerSecond / ingest.client.medianBatchRowsPerSecond;
    out.push(
      `ingest / clickhouse-client (median batch rates): ${ratio.toFixed(2)}, ` +
        `target >= ${MIN_INGEST_OVER_CLIENT}: ${ratio >= MIN_INGEST_OVER_CLIENT ? "met" : "MISSED"}\n`,
    );
  }

  out.push(
    `\nQoE queries: ${integer(qoe.rows)} synthetic rows over ${SPAN_DAYS} days, generated server-side in ` +
      `${(qoe.generateMs / 1000).toFixed(1)} s (${integer(qoe.rows / (qoe.generateMs / 1000))} rows/s, rollup view included; ` +
      `${integer(qoe.rollupRows)} rollup rows); range the last ${qoe.rangeDays} days; ` +
      `median of ${qoe.runs} runs after a warm-up, sources interleaved\n`,
  );
  out.push(
    table([
      ["query", "raw ms", "rollup ms", "speed-up", "requests raw", "requests rollup", "same"],
      ...qoe.queries.map((query) => [
        query.name,
        query.rawMs.toFixed(1),
        query.rollupMs.toFixed(1),
        `${(query.rawMs / query.rollupMs).toFixed(1)}x`,
        integer(query.rawRequests),
        integer(query.rollupRequests),
        query.rawRequests === query.rollupRequests ? "yes" : "NO",
      ]),
    ]),
  );
  out.push(`\nAnalytics bench total: ${(figures.totalMs / 1000).toFixed(1)} s\n`);
  return out.join("");
}

/** Writes `formatAnalytics(figures)` to standard output. */
export function printAnalytics(figures: AnalyticsFigures): void {
  process.stdout.write(formatAnalytics(figures));
}
