/** The analytics figures as `npm run bench` prints them. */
import { formatTable } from "../table";
import { MIN_INGEST_OVER_CLIENT, type AnalyticsFigures, type InsertPathFigures } from "./figures";
import { SPAN_DAYS } from "./traffic-model";

function integer(value: number): string {
  return Math.round(value).toLocaleString("en-US");
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
    formatTable([
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
    out.push(formatTable(rows));
    out.push(breakdown);
    out.push(`clickhouse-client comparison ${ingest.client.skipped}\n`);
  } else {
    rows.push(pathRow("clickhouse-client (native, JSONEachRow)", ingest.client));
    out.push(formatTable(rows));
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
    formatTable([
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
