/**
 * The buffer queries: what players report of their buffer through Common Media Client Data
 * (CTA-5004, the `cmcd_*` columns since migration 7), over a range, in total or per course,
 * country, edge location or rendition. They follow the QoE queries (qoe-queries.ts): the plan
 * (qoe-plan.ts) cuts the range into raw and rollup parts, one statement sums a `UNION ALL` of one
 * branch per table; counts are sums, hence exact from any source; sessions are distinct
 * `cmcd_session_id`s merged from `uniqExact` states, so a session seen in several hours, days or
 * rollup rows counts once, and exact too; percentiles are exact when only raw rows answer and
 * come from the merged histograms (histogram.ts) otherwise.
 *
 * Requests without CMCD (players that send none) count in `requests` only; a value a player left
 * out (NULL) is left out of its own average and percentiles, never read as 0.
 */
import type { ClickHouseClient } from "@clickhouse/client";
import { ANALYTICS_ROLLUPS } from "../../../contracts/clickhouse-users";
import { identifier, join, raw, sql, type SqlFragment } from "../clickhouse/bind";
import { histogramPercentiles } from "../clickhouse/histogram";
import { cmcdHistogramSql } from "../clickhouse/qoe-rollup-sql";
import { ANALYTICS_TABLES } from "../clickhouse/tables";
import { num, ratio, rows, type Answer } from "./answer";
import {
  answerSource,
  planQuery,
  rollupShape,
  type PartTable,
  type PlanPart,
  type QoeSelection,
  type RollupShape,
} from "./qoe-plan";
import {
  AXIS_COLUMNS,
  LEVELS,
  answer,
  columnFilters,
  groupKey,
  selection,
  within,
} from "./qoe-queries";
import type { BufferBreakdownQuery, QoeQuery } from "./requests";
import type { RollupState } from "./rollup-state";

/** A value players report with some requests: how many reported it, its average, percentiles. */
export interface ReportedValue {
  /** Requests that carried the value. */
  readonly requests: number;
  /** Their average; 0 when none did. */
  readonly average: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
}

/** Buffer figures over a range, from the players' CMCD. */
export interface BufferFigures {
  /** Every request of the range, with CMCD or without. */
  readonly requests: number;
  /** Requests that carried CMCD. */
  readonly cmcdRequests: number;
  /** `cmcdRequests / requests`: how much of the traffic the figures below describe. */
  readonly cmcdRatio: number;
  /** Distinct CMCD session ids: playbacks. */
  readonly sessions: number;
  /** Sessions with at least one request reporting buffer starvation (`bs`). */
  readonly starvedSessions: number;
  /** Rebuffering ratio by sessions: `starvedSessions / sessions`. */
  readonly sessionRebufferingRatio: number;
  /** CMCD requests reporting buffer starvation since the previous request. */
  readonly starvedRequests: number;
  /** Rebuffering ratio by requests: `starvedRequests / cmcdRequests`. */
  readonly requestRebufferingRatio: number;
  /** Requests marked startup (`su`): needed urgently to start or resume playback. */
  readonly startupRequests: number;
  /** Buffer length (`bl`) when the player asked, milliseconds. */
  readonly bufferLengthMs: ReportedValue;
  /** Throughput the player measured (`mtp`), kbps. */
  readonly measuredThroughputKbps: ReportedValue;
}

/** Buffer figures of one course, country, edge location or rendition. */
export interface BufferGroup extends BufferFigures {
  readonly key: string;
}

/** A row of either statement: percentiles exact, or summed histograms (keys, counts). */
interface BufferRow {
  readonly group_key?: string;
  readonly requests: unknown;
  readonly cmcd_requests: unknown;
  readonly starved_requests: unknown;
  readonly startup_requests: unknown;
  readonly buffer_sum: unknown;
  readonly buffer_n: unknown;
  readonly throughput_sum: unknown;
  readonly throughput_n: unknown;
  readonly sessions: unknown;
  readonly starved_sessions: unknown;
  readonly buffer?: readonly unknown[];
  readonly throughput?: readonly unknown[];
}

/** A session id where `condition` holds and the player sent one, for `uniqExact...If`. */
function sessionArguments(condition = "1"): string {
  return `ifNull(cmcd_session_id, ''), isNotNull(cmcd_session_id) AND ${condition}`;
}
const STARVED = "ifNull(cmcd_buffer_starvation, 0) = 1";

/** The counts of raw rows, in the order every branch returns them. */
const RAW_COUNTS = `count() AS requests, sum(cmcd) AS cmcd_requests,
  sum(ifNull(cmcd_buffer_starvation, 0)) AS starved_requests,
  sum(ifNull(cmcd_startup, 0)) AS startup_requests,
  sum(ifNull(cmcd_buffer_length_ms, 0)) AS buffer_sum, count(cmcd_buffer_length_ms) AS buffer_n,
  sum(ifNull(cmcd_measured_throughput_kbps, 0)) AS throughput_sum,
  count(cmcd_measured_throughput_kbps) AS throughput_n`;

/** The same figures from a rollup row (migration 7's columns). */
const ROLLUP_COLUMNS = `requests, cmcd_requests, starved_requests, startup_requests,
  buffer_length_ms_sum AS buffer_sum, buffer_length_requests AS buffer_n,
  throughput_kbps_sum AS throughput_sum, throughput_requests AS throughput_n,
  sessions AS session_state, starved_sessions AS starved_state,
  bufferMap.bucket AS buffer_buckets, bufferMap.requests AS buffer_counts,
  throughputMap.bucket AS throughput_buckets, throughputMap.requests AS throughput_counts`;

/** The branches summed: counts added, session states merged, histograms added. */
const MERGED = `sum(requests) AS requests, sum(cmcd_requests) AS cmcd_requests,
  sum(starved_requests) AS starved_requests, sum(startup_requests) AS startup_requests,
  sum(buffer_sum) AS buffer_sum, sum(buffer_n) AS buffer_n,
  sum(throughput_sum) AS throughput_sum, sum(throughput_n) AS throughput_n,
  uniqExactMerge(session_state) AS sessions, uniqExactMerge(starved_state) AS starved_sessions,
  sumMap(buffer_buckets, buffer_counts) AS buffer,
  sumMap(throughput_buckets, throughput_counts) AS throughput`;

/** The buffer queries against one database. */
export class BufferQueries {
  private readonly tables: Readonly<Record<PartTable, SqlFragment>>;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
    private readonly state: RollupState,
  ) {
    const tables: PartTable[] = [
      ANALYTICS_TABLES.playbackRequests,
      ANALYTICS_ROLLUPS.qoeSlicesDaily,
      ANALYTICS_ROLLUPS.qoeSlicesHourly,
      ANALYTICS_ROLLUPS.qoeHourly,
      ANALYTICS_ROLLUPS.qoeHourlyByCountry,
      ANALYTICS_ROLLUPS.qoeHourlyByEdge,
    ];
    this.tables = Object.fromEntries(
      tables.map((name) => [name, identifier(database, name)]),
    ) as Record<PartTable, SqlFragment>;
  }

  /** Rebuffering, startup, buffer length and measured throughput over a range. */
  async summary(query: QoeQuery): Promise<Answer<BufferFigures>> {
    const { parts, exact, found } = await this.run(query, selection(query));
    return answer(parts, exact, bufferFigures(found[0], exact));
  }

  /** The same per course, country, edge location or rendition, most CMCD requests first. */
  async breakdown(query: BufferBreakdownQuery): Promise<Answer<BufferGroup[]>> {
    const { parts, exact, found } = await this.run(query, selection(query, query.by), query.limit);
    return answer(
      parts,
      exact,
      found.map((row) => ({ key: row.group_key ?? "", ...bufferFigures(row, exact) })),
    );
  }

  private async run(
    query: QoeQuery,
    chosen: QoeSelection,
    limit?: number,
  ): Promise<{ parts: PlanPart[]; exact: boolean; found: BufferRow[] }> {
    const shape = rollupShape(chosen);
    const marks = query.source === "raw" ? {} : await this.state.marks();
    const parts = planQuery(query.from, query.to, shape, marks, query.source);
    const exact = answerSource(parts) === "raw";
    const text = exact
      ? this.exactStatement(query, chosen, limit)
      : this.mergedStatement(parts, shape, chosen, limit);
    return { parts, exact, found: await rows<BufferRow>(this.client, text) };
  }

  private grouping(chosen: QoeSelection, limit: number | undefined): SqlFragment {
    if (chosen.groupBy === undefined) return raw("");
    const cut = limit === undefined ? raw("") : sql` LIMIT ${limit}`;
    return sql`\nGROUP BY group_key ORDER BY cmcd_requests DESC, group_key${cut}`;
  }

  /** Raw rows only, percentiles exact: one scan of the range. */
  private exactStatement(
    query: QoeQuery,
    chosen: QoeSelection,
    limit: number | undefined,
  ): SqlFragment {
    const where = join(
      [
        sql`timestamp >= ${query.from}`,
        sql`timestamp < ${query.to}`,
        ...columnFilters(chosen.filters),
      ],
      " AND ",
    );
    const levels = LEVELS.join(", ");
    const key =
      chosen.groupBy === undefined ? raw("") : sql`${groupKey(AXIS_COLUMNS[chosen.groupBy])}, `;
    return sql`SELECT ${key}${raw(RAW_COUNTS)},
  uniqExactIf(${raw(sessionArguments())}) AS sessions,
  uniqExactIf(${raw(sessionArguments(STARVED))}) AS starved_sessions,
  quantilesExactIf(${raw(levels)})(ifNull(cmcd_buffer_length_ms, 0), isNotNull(cmcd_buffer_length_ms)) AS buffer,
  quantilesExactIf(${raw(levels)})(ifNull(cmcd_measured_throughput_kbps, 0), isNotNull(cmcd_measured_throughput_kbps)) AS throughput
FROM ${this.tables[ANALYTICS_TABLES.playbackRequests]} WHERE ${where}${this.grouping(chosen, limit)}`;
  }

  /** One branch per table, summed outside. */
  private mergedStatement(
    parts: readonly PlanPart[],
    shape: RollupShape,
    chosen: QoeSelection,
    limit: number | undefined,
  ): SqlFragment {
    const byTable = new Map<PartTable, PlanPart[]>();
    for (const part of parts) byTable.set(part.table, [...(byTable.get(part.table) ?? []), part]);
    const union = join(
      [...byTable].map(([table, stretches]) => this.branch(table, stretches, shape, chosen)),
      "\nUNION ALL\n",
    );
    const key = chosen.groupBy === undefined ? raw("") : raw("group_key, ");
    return sql`SELECT ${key}${raw(MERGED)} FROM (\n${union}\n)${this.grouping(chosen, limit)}`;
  }

  /** The branch of one table's stretches, its columns in the order `MERGED` reads them. */
  private branch(
    partTable: PartTable,
    stretches: readonly PlanPart[],
    shape: RollupShape,
    chosen: QoeSelection,
  ): SqlFragment {
    const { groupBy, filters } = chosen;
    const table = this.tables[partTable];
    const axisKey = groupKey(groupBy === undefined ? undefined : AXIS_COLUMNS[groupBy]);
    if (partTable === ANALYTICS_TABLES.playbackRequests) {
      const where = join([within("timestamp", stretches), ...columnFilters(filters)], " AND ");
      const buffer = cmcdHistogramSql("cmcd_buffer_length_ms");
      const throughput = cmcdHistogramSql("cmcd_measured_throughput_kbps");
      return sql`SELECT ${axisKey}, ${raw(RAW_COUNTS)},
  uniqExactStateIf(${raw(sessionArguments())}) AS session_state,
  uniqExactStateIf(${raw(sessionArguments(STARVED))}) AS starved_state,
  tupleElement(${raw(buffer)}, 1) AS buffer_buckets, tupleElement(${raw(buffer)}, 2) AS buffer_counts,
  tupleElement(${raw(throughput)}, 1) AS throughput_buckets, tupleElement(${raw(throughput)}, 2) AS throughput_counts
FROM ${table} WHERE ${where} GROUP BY group_key`;
    }
    if (shape.kind === "hourly") {
      const where = join([within("hour", stretches), ...columnFilters(filters)], " AND ");
      return sql`SELECT ${axisKey}, ${raw(ROLLUP_COLUMNS)} FROM ${table} WHERE ${where}`;
    }
    // A slice: the primary key starts with (dimension, key), then the time.
    const time = within(partTable === ANALYTICS_ROLLUPS.qoeSlicesDaily ? "day" : "hour", stretches);
    const where = join(
      [
        sql`dimension = ${shape.dimension}`,
        ...(shape.key === undefined ? [] : [sql`key = ${shape.key}`]),
        time,
      ],
      " AND ",
    );
    const sliceKey = groupKey(groupBy === undefined ? undefined : "key");
    return sql`SELECT ${sliceKey}, ${raw(ROLLUP_COLUMNS)} FROM ${table} WHERE ${where}`;
  }
}

/** Percentiles at `LEVELS`: exact ones as given, or from a summed histogram (keys, counts). */
function percentiles(values: readonly unknown[] | undefined, exact: boolean): number[] {
  if (exact) return (values ?? []).map(num);
  const [buckets, counts] = (values ?? []) as readonly [
    (readonly unknown[])?,
    (readonly unknown[])?,
  ];
  return histogramPercentiles(
    { buckets: (buckets ?? []).map(num), counts: (counts ?? []).map(num) },
    LEVELS,
  );
}

function reported(
  sum: unknown,
  count: unknown,
  values: readonly unknown[] | undefined,
  exact: boolean,
): ReportedValue {
  const requests = num(count);
  const [p50, p90, p95, p99] = requests === 0 ? [] : percentiles(values, exact);
  return {
    requests,
    average: ratio(num(sum), requests),
    p50: p50 ?? 0,
    p90: p90 ?? 0,
    p95: p95 ?? 0,
    p99: p99 ?? 0,
  };
}

function bufferFigures(row: BufferRow | undefined, exact: boolean): BufferFigures {
  const requests = num(row?.requests);
  const cmcdRequests = num(row?.cmcd_requests);
  const sessions = num(row?.sessions);
  const starvedSessions = num(row?.starved_sessions);
  const starvedRequests = num(row?.starved_requests);
  return {
    requests,
    cmcdRequests,
    cmcdRatio: ratio(cmcdRequests, requests),
    sessions,
    starvedSessions,
    sessionRebufferingRatio: ratio(starvedSessions, sessions),
    starvedRequests,
    requestRebufferingRatio: ratio(starvedRequests, cmcdRequests),
    startupRequests: num(row?.startup_requests),
    bufferLengthMs: reported(row?.buffer_sum, row?.buffer_n, row?.buffer, exact),
    measuredThroughputKbps: reported(
      row?.throughput_sum,
      row?.throughput_n,
      row?.throughput,
      exact,
    ),
  };
}
