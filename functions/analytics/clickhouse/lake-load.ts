/**
 * Loads the curated learning events (the Glue job's Parquet, one `event_date=YYYY-MM-DD/` folder a
 * day) into `learning_events`, one day at a time, with `INSERT … SELECT` on the server. A day
 * loaded again adds only the events not yet stored, so the nightly job can re-read the last few
 * days (late exports) without counting anything twice; the engagement rollup is fed by the same
 * insert through its materialized view.
 */
import type { ClickHouseClient } from "@clickhouse/client";
import { identifier, join, sql, type SqlFragment } from "./bind";
import { ANALYTICS_TABLES } from "./tables";

/** The columns loaded, in the order of the table and of the Parquet files. */
const COLUMNS = [
  "event_id",
  "occurred_at",
  "user_token",
  "course_id",
  "lesson_id",
  "event_type",
  "watch_seconds",
] as const;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Where a day of curated events is: the lake bucket and its prefix. */
export interface LakeLocation {
  readonly bucket: string;
  readonly region: string;
  /** For example `curated/learning-events/`. */
  readonly prefix: string;
}

/** The `s3()` table function over one day's Parquet files (credentials from the server's environment). */
export function lakeSource(location: LakeLocation, day: string): SqlFragment {
  if (!DAY.test(day)) {
    throw new Error(`day ${JSON.stringify(day)}: expected YYYY-MM-DD`);
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(location.bucket)) {
    throw new Error(`bucket ${JSON.stringify(location.bucket)}: expected an S3 bucket name`);
  }
  if (!/^(?:[A-Za-z0-9_.-]+\/)+$/.test(location.prefix)) {
    throw new Error(`prefix ${JSON.stringify(location.prefix)}: expected folders ending in "/"`);
  }
  const url = `https://${location.bucket}.s3.${location.region}.amazonaws.com/${location.prefix}event_date=${day}/*.parquet`;
  return sql`s3(${url}, 'Parquet')`;
}

/** The statement that adds `day`'s events from `source` that `learning_events` lacks. */
export function loadDayStatement(database: string, source: SqlFragment, day: string): SqlFragment {
  if (!DAY.test(day)) {
    throw new Error(`day ${JSON.stringify(day)}: expected YYYY-MM-DD`);
  }
  const table = identifier(database, ANALYTICS_TABLES.learningEvents);
  const columns = join(
    COLUMNS.map((column) => identifier(column)),
    ", ",
  );
  return sql`INSERT INTO ${table} (${columns})
SELECT ${columns}
FROM ${source}
WHERE toDate(occurred_at) = toDate(${day})
  AND event_id NOT IN (
    SELECT event_id FROM ${table} WHERE toDate(occurred_at) = toDate(${day})
  )`;
}

/** Events of `day` stored in `learning_events`. */
export async function eventsOn(
  client: ClickHouseClient,
  database: string,
  day: string,
): Promise<number> {
  const result = await client.query({
    query:
      sql`SELECT count() AS events FROM ${identifier(database, ANALYTICS_TABLES.learningEvents)} WHERE toDate(occurred_at) = toDate(${day})`
        .text,
    format: "JSONEachRow",
  });
  const [row] = await result.json<{ events: string }>();
  return Number(row?.events ?? 0);
}

/** Loads one day; returns how many events it added. */
export async function loadDay(
  client: ClickHouseClient,
  database: string,
  source: SqlFragment,
  day: string,
): Promise<number> {
  const before = await eventsOn(client, database, day);
  await client.command({ query: loadDayStatement(database, source, day).text });
  return (await eventsOn(client, database, day)) - before;
}

/** The UTC days from `daysBack` days before `today` to the day before it, oldest first. */
export function daysToLoad(today: Date, daysBack: number): string[] {
  if (!Number.isInteger(daysBack) || daysBack < 1 || daysBack > 31) {
    throw new Error(`daysBack ${daysBack}: expected an integer from 1 to 31`);
  }
  const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Array.from({ length: daysBack }, (_, index) =>
    new Date(midnight - (daysBack - index) * 86_400_000).toISOString().slice(0, 10),
  );
}
