/**
 * What the analytics bench measures and what it returns: the options with their defaults, and the
 * figures of each part (parsing, ingest, QoE queries), shared by the measuring and printing modules.
 */

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
