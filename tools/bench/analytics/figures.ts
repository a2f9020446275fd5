/**
 * What the analytics bench measures and what it returns: the options with their defaults, the
 * goals, and the figures of each part (parsing, ingest, QoE queries, the API under load), shared
 * by the measuring and printing modules. `npm run bench -- --json FILE` writes these objects as
 * they are, so every field name below is a stable JSON key; times are in milliseconds (`...Ms`),
 * rates per second (`...PerSecond`), errors as fractions (0.032 is 3.2 %).
 */

/** The goals the figures are held to, printed as met or not met and written to the JSON. */
export const GOALS = {
  /** `parseRecordData` (base64 Kinesis data to a row), one core. */
  minRecordDataPerSecond: 500_000,
  /** `parseLogLine` (a decoded line to a row), one core. */
  minLogLinePerSecond: 700_000,
  /** The ingest core's median batch rate over `clickhouse-client`'s on the same rows. */
  minIngestOverClient: 1.0,
  /** An unfiltered QoE summary from the rollups. */
  maxSummaryMs: 15,
  /** Any other unfiltered or single-filter QoE query from the rollups. */
  maxQueryMs: 50,
  /** A QoE query with several filters from the rollups. */
  maxMultiFilterMs: 1_000,
  /** The largest relative error of a rollup percentile against the exact raw one. */
  maxPercentileError: 0.032,
  /** The API at `apiConnections` connections: at least this many requests per second... */
  minApiRequestsPerSecond: 100,
  /** ...with at most this 99th percentile latency... */
  maxApiP99Ms: 250,
  /** ...and no errors, at this many connections. */
  apiConnections: 10,
} as const;

/** What to measure; every field has a default. */
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
  /** Synthetic row counts the QoE queries run over, one data set each. @default [10000000, 100000000] */
  readonly queryRows?: readonly number[];
  /** Timed runs of each query, after one warm-up. @default 5 */
  readonly queryRuns?: number;
  /** Connection counts the API is loaded with, one after the other. @default [1, 10, 50] */
  readonly loadConnections?: readonly number[];
  /** Seconds of load at each connection count. @default 10 */
  readonly loadSeconds?: number;
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
  /** Decoding and parsing records and dropping repeats within a batch: the core minus the sink. */
  readonly parseMs: number;
  /** The sink's calls: the exactly-once write (serialising, compressing, sending the rows). */
  readonly writeMs: number;
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
  /** Median batch rates, ingest over `clickhouse-client`; null when the client was skipped. */
  readonly overClient: number | null;
}

/** Which goal a QoE query is held to. */
export type QueryGoal = "summary" | "query" | "multi-filter";

/** One API query over one range, from the raw rows and from the rollups. */
export interface QueryFigures {
  /** Stable id of the query, such as `summary` or `breakdown-course` (see `QOE_QUERIES`). */
  readonly query: string;
  readonly goal: QueryGoal;
  readonly rangeDays: number;
  /** Median of the timed runs with `source=raw`. */
  readonly rawMs: number;
  /** Median of the timed runs with `source=rollup`. */
  readonly rollupMs: number;
  /** `rawMs / rollupMs`. */
  readonly speedUp: number;
  /** The `source` the API reported for the rollup request: "rollup", "mixed" or "raw". */
  readonly rollupSource: string;
  /** The tables that answered the rollup request's parts, in time order. */
  readonly rollupTables: readonly string[];
  /** Whether every count (requests, errors, aborts, hits, bytes, per group) is the same. */
  readonly countsEqual: boolean;
  /** The first count that differs, as `name: raw X, rollup Y`; null when all are equal. */
  readonly countMismatch: string | null;
  /** Largest relative error of the rollup's p50/p90/p95/p99 against the raw (exact) ones. */
  readonly maxPercentileError: number;
  /** The rollup time goal for this query, in milliseconds. */
  readonly goalMs: number;
}

/** The QoE queries over one synthetic data set. */
export interface QoeDataSetFigures {
  readonly rows: number;
  /** Days the rows span, ending at `endIso`. */
  readonly spanDays: number;
  readonly endIso: string;
  /** Generating the rows server-side (`INSERT ... SELECT`, in chunks). */
  readonly generateMs: number;
  /** `runQoeRollup` building every rollup from the raw rows, with `now` after the data's end. */
  readonly rollupBuildMs: number;
  /** Rows of each rollup table after the build, by table name. */
  readonly rollupRows: Readonly<Record<string, number>>;
  readonly runs: number;
  /** Median of a trivial query (`SELECT 1`) through the same client: the floor under every time. */
  readonly roundTripMs: number;
  readonly queries: readonly QueryFigures[];
}

/** The QoE queries over every data set, smallest first. */
export interface QoeFigures {
  readonly dataSets: readonly QoeDataSetFigures[];
}

/** The API at one connection count. */
export interface LoadLevelFigures {
  readonly connections: number;
  readonly seconds: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Connection errors, timeouts and answers other than 2xx. */
  readonly errors: number;
}

/** The API served from a child process, under load from the bench process. */
export interface ApiLoadFigures {
  /** Rows of the data set the API answered from. */
  readonly rows: number;
  /** The API's answer cache lifetime during the load (0: off, every request is a query). */
  readonly cacheTtlMs: number;
  /** The distinct request paths (with query strings) the connections take turns through. */
  readonly requests: readonly string[];
  readonly levels: readonly LoadLevelFigures[];
}

/** One goal's verdict. */
export interface GoalVerdict {
  /** Stable id, such as `parse.recordData` or `qoe.10000000.7d.summary.rollupMs`. */
  readonly goal: string;
  readonly value: number;
  /** The bound, with `comparison` saying which side is good. */
  readonly target: number;
  readonly comparison: "<=" | ">=" | "==";
  readonly met: boolean;
}

/** Everything `measureAnalytics` measured. */
export interface AnalyticsFigures {
  readonly serverVersion: string;
  /** The machine's one-minute load average when the analytics part started and ended. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly parse: ParseFigures;
  readonly ingest: IngestFigures;
  readonly qoe: QoeFigures;
  /** The API with its answer cache off: every request is a query (the goal is held to this). */
  readonly api: ApiLoadFigures;
  /** The same load with the service's default answer cache, as deployed (no goal). */
  readonly apiCached: ApiLoadFigures;
  readonly totalMs: number;
}
