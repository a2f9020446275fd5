/**
 * The API's queries: typed parameters in, SQL built with the `sql` binder out, figures back.
 * Each figure comes from the rollups (hourly QoE, daily engagement) when the range falls on their
 * boundaries, else from the raw rows; `source` can force either, which is how the bench compares
 * them. Ratios are over all requests of the range; time-to-first-byte percentiles leave out
 * requests the viewer aborted (they have no first byte). Raw percentiles are exact; rollup
 * percentiles are t-digest estimates, close but not always equal.
 */
import type { ClickHouseClient } from "@clickhouse/client";
import { identifier, join, raw, sql, type SqlFragment } from "../clickhouse/bind";
import { ANALYTICS_TABLES } from "../clickhouse/tables";
import { BadRequest } from "./errors";
import {
  type EngagementQuery,
  type QoeBreakdownQuery,
  type QoeDimension,
  type QoeQuery,
  type Source,
} from "./requests";

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

/** Learning engagement over a range. */
export interface EngagementFigures {
  readonly activeLearners: number;
  readonly enrolments: number;
  readonly lessonsStarted: number;
  readonly lessonsCompleted: number;
  readonly coursesCompleted: number;
  readonly lessonCompletionRate: number;
  readonly watchHours: number;
}

/** Engagement figures of one course. */
export interface CourseEngagement extends EngagementFigures {
  readonly courseId: string;
}

/** Which figures a response used, so callers know whether percentiles are exact. */
export interface Answer<T> {
  readonly source: "rollup" | "raw";
  readonly data: T;
}

/** The column each breakdown groups by: a fixed table, never request text. */
const DIMENSION_COLUMNS: Readonly<Record<QoeDimension, string>> = {
  course: "course_id",
  country: "country",
  edge: "edge_location",
};

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

function aligned(value: Date, unit: number): boolean {
  return value.getTime() % unit === 0;
}

/** Whether a request is answered from the rollup whose rows are `unit` long. */
function useRollup(source: Source, from: Date, to: Date, unit: number, unitName: string): boolean {
  const fits = aligned(from, unit) && aligned(to, unit);
  if (source === "rollup" && !fits) {
    throw new BadRequest(`source=rollup needs from and to on whole ${unitName} (UTC)`);
  }
  return source === "rollup" || (source === "auto" && fits);
}

function isoDate(value: Date): string {
  return value.toISOString().slice(0, 10);
}

/** Runs a query and returns its rows. */
async function rows<T>(client: ClickHouseClient, query: SqlFragment): Promise<T[]> {
  const result = await client.query({ query: query.text, format: "JSONEachRow" });
  return result.json<T>();
}

/** ClickHouse returns 64-bit integers as strings in JSON: every figure goes through here. */
function num(value: unknown): number {
  const parsed = typeof value === "number" ? value : Number(value);
  return Number.isFinite(parsed) ? parsed : 0;
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

/** The API's QoE and engagement queries against one database. */
export class AnalyticsQueries {
  private readonly requests: SqlFragment;
  private readonly hourly: SqlFragment;
  private readonly events: SqlFragment;
  private readonly daily: SqlFragment;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
  ) {
    this.requests = identifier(database, ANALYTICS_TABLES.playbackRequests);
    this.hourly = identifier(database, "playback_hourly");
    this.events = identifier(database, ANALYTICS_TABLES.learningEvents);
    this.daily = identifier(database, "engagement_daily");
  }

  /** The select list of QoE figures, from raw rows or from the hourly rollup. */
  private qoeColumns(rollup: boolean): SqlFragment {
    return rollup
      ? raw(`sumMerge(requests) AS requests, sumMerge(errors) AS errors,
  sumMerge(aborts) AS aborts, sumMerge(cache_hits) AS cache_hits, sumMerge(bytes_sent) AS bytes_sent,
  quantilesTDigestIfMerge(0.5, 0.9, 0.95, 0.99)(ttfb) AS ttfb`)
      : raw(`count() AS requests, sum(is_error) AS errors, sum(aborted) AS aborts,
  sum(cache_hit) AS cache_hits, sum(bytes) AS bytes_sent,
  quantilesExactIf(0.5, 0.9, 0.95, 0.99)(ttfb_ms, aborted = 0) AS ttfb`);
  }

  private qoeWhere(query: QoeQuery, rollup: boolean): SqlFragment {
    const time = raw(rollup ? "hour" : "timestamp");
    const conditions = [sql`${time} >= ${query.from}`, sql`${time} < ${query.to}`];
    if (query.courseId !== undefined) {
      conditions.push(sql`course_id = ${query.courseId}`);
    }
    if (query.country !== undefined) {
      conditions.push(sql`country = ${query.country}`);
    }
    if (query.edge !== undefined) {
      conditions.push(sql`edge_location = ${query.edge}`);
    }
    return join(conditions, " AND ");
  }

  /** Error rate, time to first byte, cache hit ratio and volume over a range. */
  async qoeSummary(query: QoeQuery): Promise<Answer<QoeFigures>> {
    const rollup = useRollup(query.source, query.from, query.to, HOUR_MS, "hours");
    const [row] = await rows<QoeRow>(
      this.client,
      sql`SELECT ${this.qoeColumns(rollup)} FROM ${rollup ? this.hourly : this.requests} WHERE ${this.qoeWhere(query, rollup)}`,
    );
    return { source: rollup ? "rollup" : "raw", data: qoeFigures(row) };
  }

  /** QoE figures per course, country or edge location, busiest first. */
  async qoeBreakdown(query: QoeBreakdownQuery): Promise<Answer<QoeGroup[]>> {
    const rollup = useRollup(query.source, query.from, query.to, HOUR_MS, "hours");
    const column = raw(DIMENSION_COLUMNS[query.by]);
    const result = await rows<QoeRow & { key: string }>(
      this.client,
      sql`SELECT ${column} AS key, ${this.qoeColumns(rollup)}
FROM ${rollup ? this.hourly : this.requests}
WHERE ${this.qoeWhere(query, rollup)}
GROUP BY key ORDER BY requests DESC, key LIMIT ${query.limit}`,
    );
    return {
      source: rollup ? "rollup" : "raw",
      data: result.map((row) => ({ key: row.key, ...qoeFigures(row) })),
    };
  }

  /** How requests split between renditions (manifests and other files left out). */
  async renditionMix(query: QoeQuery): Promise<Answer<RenditionShare[]>> {
    const rollup = useRollup(query.source, query.from, query.to, HOUR_MS, "hours");
    const counts = rollup
      ? raw("sumMerge(requests) AS requests, sumMerge(bytes_sent) AS bytes_sent")
      : raw("count() AS requests, sum(bytes) AS bytes_sent");
    const result = await rows<{ rendition: string; requests: unknown; bytes_sent: unknown }>(
      this.client,
      sql`SELECT rendition, ${counts}
FROM ${rollup ? this.hourly : this.requests}
WHERE ${this.qoeWhere(query, rollup)} AND rendition != ''
GROUP BY rendition ORDER BY requests DESC, rendition`,
    );
    const total = result.reduce((sum, row) => sum + num(row.requests), 0);
    return {
      source: rollup ? "rollup" : "raw",
      data: result.map((row) => ({
        rendition: row.rendition,
        requests: num(row.requests),
        share: ratio(num(row.requests), total),
        bytes: num(row.bytes_sent),
      })),
    };
  }

  private engagementColumns(rollup: boolean): SqlFragment {
    return rollup
      ? raw(`uniqExactMerge(learners) AS learners, sumMerge(enrolments) AS enrolments,
  sumMerge(lessons_started) AS lessons_started, sumMerge(lessons_completed) AS lessons_completed,
  sumMerge(courses_completed) AS courses_completed, sumMerge(watched_seconds) AS watched_seconds`)
      : raw(`uniqExact(user_token) AS learners, countIf(event_type = 'enrolled') AS enrolments,
  countIf(event_type = 'lesson_started') AS lessons_started,
  countIf(event_type = 'lesson_completed') AS lessons_completed,
  countIf(event_type = 'course_completed') AS courses_completed,
  sum(watch_seconds) AS watched_seconds`);
  }

  private engagementWhere(query: EngagementQuery, rollup: boolean): SqlFragment {
    const conditions = rollup
      ? [sql`day >= toDate(${isoDate(query.from)})`, sql`day < toDate(${isoDate(query.to)})`]
      : [sql`occurred_at >= ${query.from}`, sql`occurred_at < ${query.to}`];
    if (query.courseId !== undefined) {
      conditions.push(sql`course_id = ${query.courseId}`);
    }
    return join(conditions, " AND ");
  }

  /** Active learners, enrolments, lessons, completions and watch time over a range. */
  async engagementSummary(query: EngagementQuery): Promise<Answer<EngagementFigures>> {
    const rollup = useRollup(query.source, query.from, query.to, DAY_MS, "days");
    const [row] = await rows<EngagementRow>(
      this.client,
      sql`SELECT ${this.engagementColumns(rollup)} FROM ${rollup ? this.daily : this.events} WHERE ${this.engagementWhere(query, rollup)}`,
    );
    return { source: rollup ? "rollup" : "raw", data: engagementFigures(row) };
  }

  /** Engagement per course, most active learners first. */
  async engagementByCourse(query: EngagementQuery): Promise<Answer<CourseEngagement[]>> {
    const rollup = useRollup(query.source, query.from, query.to, DAY_MS, "days");
    const result = await rows<EngagementRow & { course_id: string }>(
      this.client,
      sql`SELECT course_id, ${this.engagementColumns(rollup)}
FROM ${rollup ? this.daily : this.events}
WHERE ${this.engagementWhere(query, rollup)}
GROUP BY course_id ORDER BY learners DESC, course_id LIMIT ${query.limit}`,
    );
    return {
      source: rollup ? "rollup" : "raw",
      data: result.map((row) => ({ courseId: row.course_id, ...engagementFigures(row) })),
    };
  }
}

interface QoeRow {
  readonly requests: unknown;
  readonly errors: unknown;
  readonly aborts: unknown;
  readonly cache_hits: unknown;
  readonly bytes_sent: unknown;
  readonly ttfb: readonly unknown[];
}

function qoeFigures(row: QoeRow | undefined): QoeFigures {
  const requests = num(row?.requests);
  const errors = num(row?.errors);
  const cacheHits = num(row?.cache_hits);
  const [p50, p90, p95, p99] = (row?.ttfb ?? []).map(num);
  return {
    requests,
    errors,
    errorRate: ratio(errors, requests),
    aborted: num(row?.aborts),
    cacheHits,
    cacheHitRatio: ratio(cacheHits, requests),
    bytes: num(row?.bytes_sent),
    ttfbMs: { p50: p50 ?? 0, p90: p90 ?? 0, p95: p95 ?? 0, p99: p99 ?? 0 },
  };
}

interface EngagementRow {
  readonly learners: unknown;
  readonly enrolments: unknown;
  readonly lessons_started: unknown;
  readonly lessons_completed: unknown;
  readonly courses_completed: unknown;
  readonly watched_seconds: unknown;
}

function engagementFigures(row: EngagementRow | undefined): EngagementFigures {
  const lessonsStarted = num(row?.lessons_started);
  const lessonsCompleted = num(row?.lessons_completed);
  return {
    activeLearners: num(row?.learners),
    enrolments: num(row?.enrolments),
    lessonsStarted,
    lessonsCompleted,
    coursesCompleted: num(row?.courses_completed),
    lessonCompletionRate: ratio(lessonsCompleted, lessonsStarted),
    watchHours: num(row?.watched_seconds) / 3600,
  };
}
