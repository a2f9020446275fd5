/** The analytics figures as `npm run bench` prints them. */
import { cpus } from "node:os";
import { formatTable } from "../table";
import {
  GOALS,
  type AnalyticsFigures,
  type ApiLoadFigures,
  type IngestFigures,
  type InsertPathFigures,
  type ParseFigures,
  type QoeDataSetFigures,
} from "./figures";
import { evaluateGoals } from "./goals";
import { QOE_QUERIES } from "./qoe-queries";

function integer(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function verdict(met: boolean): string {
  return met ? "met" : "NOT MET";
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function percent(fraction: number): string {
  return `${(100 * fraction).toFixed(2)} %`;
}

function formatParse(parse: ParseFigures): string {
  return (
    `\nParse: ${integer(parse.lines)} CloudFront real-time log lines (${parse.averageLineBytes.toFixed(0)} B average, ` +
    `${integer(parse.malformed)} malformed), one core, median of ${parse.runs} passes after a warm-up\n` +
    formatTable([
      ["function", "records/s", "target", ""],
      [
        "parseRecordData (base64 Kinesis data -> row)",
        integer(parse.recordDataPerSecond),
        `>= ${integer(GOALS.minRecordDataPerSecond)}`,
        verdict(parse.recordDataPerSecond >= GOALS.minRecordDataPerSecond),
      ],
      [
        "parseLogLine (decoded line -> row)",
        integer(parse.logLinePerSecond),
        `>= ${integer(GOALS.minLogLinePerSecond)}`,
        verdict(parse.logLinePerSecond >= GOALS.minLogLinePerSecond),
      ],
    ])
  );
}

function formatIngest(ingest: IngestFigures): string {
  const out: string[] = [];
  out.push(
    `\nIngest: ${ingest.batches} Kinesis batches of ${integer(ingest.batchRecords)} records ` +
      `(largest Lambda event ${(ingest.largestEventBytes / 1e6).toFixed(1)} MB; a Kinesis batch holds at most 10,000 records and 6 MB), ` +
      `each path into its own freshly migrated database, batches alternating between paths; ` +
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
    pathRow("ingestBatch + ClickHouseSink (HTTP, exactly once)", ingest.ingest),
  ];
  if (!("skipped" in ingest.client)) {
    rows.push(pathRow("clickhouse-client (native, JSONEachRow)", ingest.client));
  }
  out.push(formatTable(rows));
  const { parseMs, writeMs } = ingest.ingestBreakdown;
  const share = (ms: number) => `${((100 * ms) / ingest.ingest.totalMs).toFixed(0)} %`;
  out.push(
    `ingest time: parse and the rest ${(parseMs / 1000).toFixed(2)} s (${share(parseMs)}), ` +
      `write ${(writeMs / 1000).toFixed(2)} s (${share(writeMs)})\n`,
  );
  if ("skipped" in ingest.client || ingest.overClient === null) {
    out.push(
      `clickhouse-client comparison ${"skipped" in ingest.client ? ingest.client.skipped : "skipped"}\n`,
    );
  } else {
    out.push(
      `ingest / clickhouse-client (median batch rates): ${ingest.overClient.toFixed(2)}, ` +
        `target >= ${GOALS.minIngestOverClient.toFixed(1)}: ${verdict(ingest.overClient >= GOALS.minIngestOverClient)}\n`,
    );
  }
  return out.join("");
}

function formatDataSet(dataSet: QoeDataSetFigures): string {
  const rollupRows = Object.entries(dataSet.rollupRows)
    .map(([table, rows]) => `${table} ${integer(rows)}`)
    .join(", ");
  const labels = new Map(QOE_QUERIES.map((spec) => [spec.id, spec.label]));
  return (
    `\nQoE queries over ${integer(dataSet.rows)} synthetic rows (${dataSet.spanDays} days to ${dataSet.endIso}): ` +
    `generated server-side in ${seconds(dataSet.generateMs)} ` +
    `(${integer(dataSet.rows / (dataSet.generateMs / 1000))} rows/s); rollup job's full build ${seconds(dataSet.rollupBuildMs)} ` +
    `(${rollupRows}); median of ${dataSet.runs} runs after a warm-up, sources interleaved ` +
    `(a trivial query's round trip: ${dataSet.roundTripMs.toFixed(1)} ms); ` +
    `counts raw vs rollup compared exactly, percentile error = largest |rollup - raw| / raw of p50/p90/p95/p99\n` +
    formatTable([
      [
        "range",
        "query",
        "raw ms",
        "rollup ms",
        "speed-up",
        "answered from",
        "counts equal",
        "max pct error",
        "goal",
        "",
      ],
      ...dataSet.queries.map((query) => {
        const met =
          query.rollupMs <= query.goalMs &&
          query.countsEqual &&
          query.maxPercentileError <= GOALS.maxPercentileError;
        return [
          `${query.rangeDays} d`,
          labels.get(query.query) ?? query.query,
          query.rawMs.toFixed(1),
          query.rollupMs.toFixed(1),
          `${query.speedUp.toFixed(1)}x`,
          `${query.rollupSource} (${query.rollupTables.join(", ")})`,
          query.countsEqual ? "yes" : `NO (${query.countMismatch})`,
          percent(query.maxPercentileError),
          `<= ${query.goalMs} ms, <= ${percent(GOALS.maxPercentileError)}`,
          verdict(met),
        ];
      }),
    ])
  );
}

function formatApi(api: ApiLoadFigures, withGoal: boolean): string {
  return (
    `\nAPI under load: createApp over ${integer(api.rows)} rows in a child process, autocannon in the bench process; ` +
    `${api.requests.length} distinct dashboard requests taken in turn (source chosen by the API; ` +
    `answer cache ${api.cacheTtlMs === 0 ? "off" : `${api.cacheTtlMs} ms`}), such as:\n` +
    api.requests
      .slice(0, 3)
      .map((path) => `  ${path}\n`)
      .join("") +
    formatTable([
      [
        "connections",
        "s",
        "requests",
        "requests/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "errors",
        "goal",
        "",
      ],
      ...api.levels.map((level) => {
        const goal = withGoal && level.connections === GOALS.apiConnections;
        return [
          String(level.connections),
          level.seconds.toFixed(1),
          integer(level.requests),
          level.requestsPerSecond.toFixed(1),
          level.p50Ms.toFixed(1),
          level.p99Ms.toFixed(1),
          level.maxMs.toFixed(1),
          integer(level.errors),
          goal
            ? `>= ${GOALS.minApiRequestsPerSecond}/s, p99 <= ${GOALS.maxApiP99Ms} ms, 0 errors`
            : "",
          goal
            ? verdict(
                level.requestsPerSecond >= GOALS.minApiRequestsPerSecond &&
                  level.p99Ms <= GOALS.maxApiP99Ms &&
                  level.errors === 0,
              )
            : "",
        ];
      }),
    ])
  );
}

/** The figures as the bench prints them: a heading per part saying how each was measured. */
export function formatAnalytics(figures: AnalyticsFigures): string {
  const out: string[] = [];
  out.push(
    `\nAnalytics (ClickHouse ${figures.serverVersion}, Node ${process.version}; ` +
      `one-minute load average ${figures.loadAverage.start.toFixed(1)} at the start, ` +
      `${figures.loadAverage.end.toFixed(1)} at the end, on ${cpus().length} cores)\n`,
  );
  out.push(formatParse(figures.parse));
  out.push(formatIngest(figures.ingest));
  for (const dataSet of figures.qoe.dataSets) out.push(formatDataSet(dataSet));
  out.push(formatApi(figures.api, true));
  out.push(formatApi(figures.apiCached, false));
  const verdicts = evaluateGoals(figures);
  const missed = verdicts.filter((each) => !each.met);
  out.push(
    `\nGoals: ${verdicts.length - missed.length} of ${verdicts.length} met` +
      (missed.length === 0
        ? "\n"
        : `; not met:\n${missed.map((each) => `  ${each.goal}: ${Number(each.value.toPrecision(4))} (target ${each.comparison} ${each.target})\n`).join("")}`),
  );
  out.push(`\nAnalytics bench total: ${(figures.totalMs / 1000).toFixed(1)} s\n`);
  return out.join("");
}

/** Writes `formatAnalytics(figures)` to standard output. */
export function printAnalytics(figures: AnalyticsFigures): void {
  process.stdout.write(formatAnalytics(figures));
}
