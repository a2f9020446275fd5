/**
 * The QoE queries: a plan (qoe-plan.ts) cuts the range into parts, each part becomes one branch
 * of a `UNION ALL` that the outer query sums, so an API call is one SQL statement. Counts are sums
 * in every branch, hence exact. Percentiles are exact (`quantilesExactIf`) when only raw rows
 * answer; as soon as a rollup answers part of the range, every branch contributes a latency
 * histogram (raw rows through `ttfbBucketSql`) and the percentiles come from their sum.
 * Ratios are over all requests of the range; time-to-first-byte percentiles leave out requests the
 * viewer aborted (they have no first byte).
 */
import type { ClickHouseClient } from "@clickhouse/client";
import { ANALYTICS_ROLLUPS } from "../../../contracts/clickhouse-users";
import { identifier, join, raw, sql, type SqlFragment } from "../clickhouse/bind";
import { histogramPercentiles, ttfbBucketSql } from "../clickhouse/histogram";
import { ANALYTICS_TABLES } from "../clickhouse/tables";
import { num, ratio, rows, type Answer } from "./answer";
import {
  answerSource,
  planQuery,
  rollupShape,
  type PartTable,
  type PlanPart,
  type QoeAxis,
  type QoeSelection,
  type RollupShape,
} from "./qoe-plan";
import type { QoeBreakdownQuery, QoeQuery } from "./requests";
import type { RollupState } from "./rollup-state";

/** Time to first byte at the percentiles the API reports, in milliseconds. */
export interface TtfbPercentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
}

/** Video quality of experience over a range. */
export interface QoeFigures {
  readonly requests: number;
  readonly errors: number;
  readonly errorRate: number;
  readonly aborted: number;
  readonly cacheHits: number;
  readonly cacheHitRatio: number;
  readonly bytes: number;
  readonly ttfbMs: TtfbPercentiles;
}

/** QoE figures of one course, country or edge location. */
export interface QoeGroup extends QoeFigures {
  readonly key: string;
}

/** Requests per rendition. */
export interface RenditionShare {
  readonly rendition: string;
  readonly requests: number;
  readonly share: number;
  readonly bytes: number;
}

/** The percentile levels the API reports. */
export const LEVELS = [0.5, 0.9, 0.95, 0.99] as const;

/**
 * Breakdowns asking for at most this many groups choose their groups by counts first and merge
 * only those groups' histograms. Choosing costs a second, counts-only pass (a few ms); it pays off
 * when the dimension has many more values than the list (courses: hundreds, for 20), not when the
 * list holds most of them (30 countries, for 100). Measured on 18.16 with synthetic traffic.
 */
const TOP_GROUPS_FIRST_UP_TO = 50;

/** The raw and cube column of each dimension: a fixed table, never request text. */
export const AXIS_COLUMNS: Readonly<Record<QoeAxis, string>> = {
  course: "course_id",
  country: "country",
  edge: "edge_location",
  rendition: "rendition",
};

/** What a query computes: every QoE figure, or only requests and bytes (the rendition mix). */
type Measures = "qoe" | "volume";

/** One query's shape: what it involves, what it returns, how its groups are ordered and cut. */
interface QoeStatement {
  readonly selection: QoeSelection;
  readonly measures: Measures;
  /** Keep groups with an empty key out (manifests have no rendition). */
  readonly skipEmptyKey?: boolean;
  readonly limit?: number;
}

/** What a query involves: its filters, and the dimension it groups by. */
export function selection(query: QoeQuery, groupBy?: QoeAxis): QoeSelection {
  return {
    filters: {
      ...(query.courseId === undefined ? {} : { course: query.courseId }),
      ...(query.country === undefined ? {} : { country: query.country }),
      ...(query.edge === undefined ? {} : { edge: query.edge }),
    },
    ...(groupBy === undefined ? {} : { groupBy }),
  };
}

function isoDate(value: Date): string {
  return value.toISOString().slice(0, 10);
}

/** The filters of a selection on raw rows or the cube (and its copies), whose columns are the same. */
export function columnFilters(filters: QoeSelection["filters"]): SqlFragment[] {
  return (Object.keys(AXIS_COLUMNS) as QoeAxis[]).flatMap((axis) => {
    const value = filters[axis];
    return value === undefined ? [] : [sql`${raw(AXIS_COLUMNS[axis])} = ${value}`];
  });
}

/** The stretches of one table as a condition on its time column (`day` compares dates). */
export function within(
  column: "timestamp" | "hour" | "day",
  stretches: readonly PlanPart[],
): SqlFragment {
  const time = raw(column);
  const ranges = stretches.map((part) =>
    column === "day"
      ? sql`${time} >= toDate(${isoDate(part.from)}) AND ${time} < toDate(${isoDate(part.to)})`
      : sql`${time} >= ${part.from} AND ${time} < ${part.to}`,
  );
  return ranges.length === 1 ? join(ranges, "") : sql`((${join(ranges, ") OR (")}))`;
}

/** The group key of a branch: the grouping column, or one constant group. */
export function groupKey(column: string | undefined): SqlFragment {
  return raw(column === undefined ? "'' AS group_key" : `${column} AS group_key`);
}

/** The QoE queries against one database. */
export class QoeQueries {
  private readonly tables: Readonly<Record<PartTable, SqlFragment>>;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
    private readonly state: RollupState,
  ) {
    this.tables = {
      [ANALYTICS_TABLES.playbackRequests]: identifier(database, ANALYTICS_TABLES.playbackRequests),
      [ANALYTICS_ROLLUPS.qoeSlicesDaily]: identifier(database, ANALYTICS_ROLLUPS.qoeSlicesDaily),
      [ANALYTICS_ROLLUPS.qoeSlicesHourly]: identifier(database, ANALYTICS_ROLLUPS.qoeSlicesHourly),
      [ANALYTICS_ROLLUPS.qoeHourly]: identifier(database, ANALYTICS_ROLLUPS.qoeHourly),
      [ANALYTICS_ROLLUPS.qoeHourlyByCountry]: identifier(
        database,
        ANALYTICS_ROLLUPS.qoeHourlyByCountry,
      ),
      [ANALYTICS_ROLLUPS.qoeHourlyByEdge]: identifier(database, ANALYTICS_ROLLUPS.qoeHourlyByEdge),
    };
  }

  /** Error rate, time to first byte, cache hit ratio and volume over a range. */
  async summary(query: QoeQuery): Promise<Answer<QoeFigures>> {
    const { parts, exact, found } = await this.run(query, {
      selection: selection(query),
      measures: "qoe",
    });
    return answer(parts, exact, qoeFigures(found[0], exact));
  }

  /** QoE figures per course, country or edge location, busiest first. */
  async breakdown(query: QoeBreakdownQuery): Promise<Answer<QoeGroup[]>> {
    const { parts, exact, found } = await this.run(query, {
      selection: selection(query, query.by),
      measures: "qoe",
      limit: query.limit,
    });
    return answer(
      parts,
      exact,
      found.map((row) => ({ key: row.group_key ?? "", ...qoeFigures(row, exact) })),
    );
  }

  /** How requests split between renditions (manifests and other files left out). */
  async renditionMix(query: QoeQuery): Promise<Answer<RenditionShare[]>> {
    const { parts, found } = await this.run(query, {
      selection: selection(query, "rendition"),
      measures: "volume",
      skipEmptyKey: true,
    });
    const total = found.reduce((sum, row) => sum + num(row.requests), 0);
    // Nothing here is estimated: the figures are counts whatever answered them.
    return answer(
      parts,
      true,
      found.map((row) => ({
        rendition: row.group_key ?? "",
        requests: num(row.requests),
        share: ratio(num(row.requests), total),
        bytes: num(row.bytes),
      })),
    );
  }

  /** Plans the range, runs the one statement and returns its rows. */
  private async run(
    query: QoeQuery,
    statement: QoeStatement,
  ): Promise<{ parts: PlanPart[]; exact: boolean; found: QoeRow[] }> {
    const shape = rollupShape(statement.selection);
    const marks = query.source === "raw" ? {} : await this.state.marks();
    const parts = planQuery(query.from, query.to, shape, marks, query.source);
    const exact = answerSource(parts) === "raw";
    const text =
      exact && statement.measures === "qoe"
        ? this.exactStatement(query, statement)
        : this.mergedStatement(parts, shape, statement);
    return { parts, exact, found: await rows<QoeRow>(this.client, text) };
  }

  /** Raw rows only, percentiles exact: one scan of the range. */
  private exactStatement(query: QoeQuery, statement: QoeStatement): SqlFragment {
    const { groupBy, filters } = statement.selection;
    const conditions = [
      sql`timestamp >= ${query.from}`,
      sql`timestamp < ${query.to}`,
      ...columnFilters(filters),
    ];
    const select = sql`count() AS requests, sum(is_error) AS errors, sum(aborted) AS aborts,
  sum(cache_hit) AS cache_hits, sum(bytes) AS bytes,
  quantilesExactIf(${raw(LEVELS.join(", "))})(ttfb_ms, aborted = 0) AS ttfb`;
    const from = this.tables[ANALYTICS_TABLES.playbackRequests];
    const where = join(conditions, " AND ");
    if (groupBy === undefined) {
      return sql`SELECT ${select} FROM ${from} WHERE ${where}`;
    }
    return sql`SELECT ${groupKey(AXIS_COLUMNS[groupBy])}, ${select} FROM ${from} WHERE ${where}
${this.grouping(statement)}`;
  }

  /** One branch per part, summed outside; histograms merged when the measures have them. */
  private mergedStatement(
    parts: readonly PlanPart[],
    shape: RollupShape,
    statement: QoeStatement,
  ): SqlFragment {
    const union = this.union(parts, shape, statement);
    const sums =
      statement.measures === "qoe"
        ? raw(`sum(requests) AS requests, sum(errors) AS errors, sum(aborts) AS aborts,
  sum(cache_hits) AS cache_hits, sum(bytes) AS bytes, sumMap(buckets, counts) AS ttfb`)
        : raw("sum(requests) AS requests, sum(bytes) AS bytes");
    const conditions = statement.skipEmptyKey === true ? [raw("group_key != ''")] : [];
    if (statement.selection.groupBy === undefined) {
      return sql`SELECT ${sums} FROM (\n${union}\n)`;
    }
    if (
      statement.measures === "qoe" &&
      statement.limit !== undefined &&
      statement.limit <= TOP_GROUPS_FIRST_UP_TO
    ) {
      // Merging histograms is most of a breakdown's time: merge only those of the groups it
      // returns, chosen first by their counts alone.
      const counts = this.union(parts, shape, { ...statement, measures: "volume" });
      conditions.push(sql`group_key IN (SELECT group_key FROM (\n${counts}\n)
GROUP BY group_key ORDER BY sum(requests) DESC, group_key LIMIT ${statement.limit})`);
    }
    const where = conditions.length === 0 ? raw("") : sql`\nWHERE ${join(conditions, " AND ")}`;
    return sql`SELECT group_key, ${sums} FROM (\n${union}\n)${where}
${this.grouping(statement)}`;
  }

  /** One branch per table, its stretches joined with OR: the raw head and tail are one scan. */
  private union(
    parts: readonly PlanPart[],
    shape: RollupShape,
    statement: QoeStatement,
  ): SqlFragment {
    const byTable = new Map<PartTable, PlanPart[]>();
    for (const part of parts) byTable.set(part.table, [...(byTable.get(part.table) ?? []), part]);
    const branches = [...byTable].map(([table, stretches]) =>
      this.branch(table, stretches, shape, statement),
    );
    return join(branches, "\nUNION ALL\n");
  }

  private grouping(statement: QoeStatement): SqlFragment {
    const limit = statement.limit === undefined ? raw("") : sql` LIMIT ${statement.limit}`;
    return sql`GROUP BY group_key ORDER BY requests DESC, group_key${limit}`;
  }

  /**
   * The branch of one table's stretches, with the columns group_key, requests, errors, aborts,
   * cache_hits, bytes, buckets, counts (`volume`: group_key, requests, bytes) in that order.
   */
  private branch(
    partTable: PartTable,
    stretches: readonly PlanPart[],
    shape: RollupShape,
    statement: QoeStatement,
  ): SqlFragment {
    const { groupBy, filters } = statement.selection;
    const table = this.tables[partTable];
    const volume = statement.measures === "volume";
    if (partTable === ANALYTICS_TABLES.playbackRequests) {
      const where = join([within("timestamp", stretches), ...columnFilters(filters)], " AND ");
      const key = groupKey(groupBy === undefined ? undefined : AXIS_COLUMNS[groupBy]);
      if (volume) {
        return sql`SELECT ${key}, count() AS requests, sum(bytes) AS bytes FROM ${table} WHERE ${where} GROUP BY group_key`;
      }
      // Per key and latency first (a few thousand distinct values), then each latency's bucket:
      // computing buckets on the grouped rows halves the branch's time. A bucket can repeat in
      // the arrays; the outer sumMap adds repeats up.
      return sql`SELECT group_key, sum(requests) AS requests, sum(errors) AS errors, sum(aborts) AS aborts,
  sum(cache_hits) AS cache_hits, sum(bytes) AS bytes,
  groupArray(${raw(ttfbBucketSql("ttfb_ms"))}) AS buckets, groupArray(answered) AS counts
FROM (SELECT ${key}, ttfb_ms, count() AS requests,
  sum(is_error) AS errors, sum(aborted) AS aborts, sum(cache_hit) AS cache_hits, sum(bytes) AS bytes,
  countIf(aborted = 0) AS answered
  FROM ${table} WHERE ${where} GROUP BY group_key, ttfb_ms)
GROUP BY group_key`;
    }
    const columns = raw(
      volume
        ? "requests, bytes"
        : "requests, errors, aborts, cache_hits, bytes, ttfbMap.bucket AS buckets, ttfbMap.requests AS counts",
    );
    if (shape.kind === "hourly") {
      const where = join([within("hour", stretches), ...columnFilters(filters)], " AND ");
      const key = groupKey(groupBy === undefined ? undefined : AXIS_COLUMNS[groupBy]);
      return sql`SELECT ${key}, ${columns} FROM ${table} WHERE ${where}`;
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
    return sql`SELECT ${groupKey(groupBy === undefined ? undefined : "key")}, ${columns} FROM ${table} WHERE ${where}`;
  }
}

/** A row of either statement: `ttfb` is exact percentiles, or a summed histogram (keys, counts). */
interface QoeRow {
  readonly group_key?: string;
  readonly requests: unknown;
  readonly errors?: unknown;
  readonly aborts?: unknown;
  readonly cache_hits?: unknown;
  readonly bytes: unknown;
  readonly ttfb?: readonly unknown[];
}

/** An answer of `data` with its provenance: the parts, and whether percentiles are exact. */
export function answer<T>(parts: readonly PlanPart[], exact: boolean, data: T): Answer<T> {
  return {
    source: answerSource(parts),
    percentiles: exact ? "exact" : "histogram",
    parts: parts.map((part) => ({
      table: part.table,
      from: part.from.toISOString(),
      to: part.to.toISOString(),
    })),
    data,
  };
}

function percentiles(row: QoeRow | undefined, exact: boolean): number[] {
  const ttfb = row?.ttfb ?? [];
  if (exact) return ttfb.map(num);
  const [buckets, counts] = ttfb as readonly [(readonly unknown[])?, (readonly unknown[])?];
  return histogramPercentiles(
    { buckets: (buckets ?? []).map(num), counts: (counts ?? []).map(num) },
    LEVELS,
  );
}

function qoeFigures(row: QoeRow | undefined, exact: boolean): QoeFigures {
  const requests = num(row?.requests);
  const errors = num(row?.errors);
  const cacheHits = num(row?.cache_hits);
  const [p50, p90, p95, p99] = percentiles(row, exact);
  return {
    requests,
    errors,
    errorRate: ratio(errors, requests),
    aborted: num(row?.aborts),
    cacheHits,
    cacheHitRatio: ratio(cacheHits, requests),
    bytes: num(row?.bytes),
    ttfbMs: { p50: p50 ?? 0, p90: p90 ?? 0, p95: p95 ?? 0, p99: p99 ?? 0 },
  };
}
