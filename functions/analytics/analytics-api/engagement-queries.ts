/**
 * The engagement queries: from the daily rollup (`engagement_daily`, filled by a materialized
 * view) when the range is whole UTC days, else from the raw learning events; `source` can force
 * either. Learners are counted exactly either way (`uniqExact`).
 */
import type { ClickHouseClient } from "@clickhouse/client";
import { ANALYTICS_ROLLUPS } from "../../../contracts/clickhouse-users";
import { identifier, join, raw, sql, type SqlFragment } from "../clickhouse/bind";
import { ANALYTICS_TABLES } from "../clickhouse/tables";
import { num, ratio, rows, type Answer } from "./answer";
import { BadRequest } from "./errors";
import { DAY_MS } from "./qoe-plan";
import type { EngagementQuery } from "./requests";

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

function isoDate(value: Date): string {
  return value.toISOString().slice(0, 10);
}

/** Whether a request is answered from the daily rollup. */
function useRollup(query: EngagementQuery): boolean {
  const fits = query.from.getTime() % DAY_MS === 0 && query.to.getTime() % DAY_MS === 0;
  if (query.source === "rollup" && !fits) {
    throw new BadRequest("source=rollup needs from and to on whole days (UTC)");
  }
  return query.source === "rollup" || (query.source === "auto" && fits);
}

/** The engagement queries against one database. */
export class EngagementQueries {
  private readonly events: SqlFragment;
  private readonly daily: SqlFragment;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
  ) {
    this.events = identifier(database, ANALYTICS_TABLES.learningEvents);
    this.daily = identifier(database, ANALYTICS_ROLLUPS.engagementDaily);
  }

  /** Active learners, enrolments, lessons, completions and watch time over a range. */
  async summary(query: EngagementQuery): Promise<Answer<EngagementFigures>> {
    const rollup = useRollup(query);
    const [row] = await rows<EngagementRow>(
      this.client,
      sql`SELECT ${columns(rollup)} FROM ${rollup ? this.daily : this.events} WHERE ${where(query, rollup)}`,
    );
    return answer(query, rollup, engagementFigures(row));
  }

  /** Engagement per course, most active learners first. */
  async byCourse(query: EngagementQuery): Promise<Answer<CourseEngagement[]>> {
    const rollup = useRollup(query);
    const result = await rows<EngagementRow & { course_id: string }>(
      this.client,
      sql`SELECT course_id, ${columns(rollup)}
FROM ${rollup ? this.daily : this.events}
WHERE ${where(query, rollup)}
GROUP BY course_id ORDER BY learners DESC, course_id LIMIT ${query.limit}`,
    );
    return answer(
      query,
      rollup,
      result.map((row) => ({ courseId: row.course_id, ...engagementFigures(row) })),
    );
  }
}

function answer<T>(query: EngagementQuery, rollup: boolean, data: T): Answer<T> {
  const table = rollup ? ANALYTICS_ROLLUPS.engagementDaily : ANALYTICS_TABLES.learningEvents;
  return {
    source: rollup ? "rollup" : "raw",
    percentiles: "exact",
    parts: [{ table, from: query.from.toISOString(), to: query.to.toISOString() }],
    data,
  };
}

function columns(rollup: boolean): SqlFragment {
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

function where(query: EngagementQuery, rollup: boolean): SqlFragment {
  const conditions = rollup
    ? [sql`day >= toDate(${isoDate(query.from)})`, sql`day < toDate(${isoDate(query.to)})`]
    : [sql`occurred_at >= ${query.from}`, sql`occurred_at < ${query.to}`];
  if (query.courseId !== undefined) {
    conditions.push(sql`course_id = ${query.courseId}`);
  }
  return join(conditions, " AND ");
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
