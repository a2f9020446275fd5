/**
 * The QoE rollup job: builds the closed hours and days of the QoE rollups (migration 5) from the
 * raw requests, run every hour by the API chart's CronJob.
 *
 * An hour is closed `graceMinutes` after it ends. Each run rebuilds, from the raw rows, every day
 * partition of `qoe_hourly`, of its copies ordered by place (migration 6) and of
 * `qoe_slices_hourly` from `lookbackHours` before the last run's
 * `through` up to the closed hours of today: it builds the day in the staging tables and swaps the
 * partition in (`REPLACE PARTITION`), or drops it where the day has no rows. A rebuild replaces
 * rather than adds, so a re-run, a redelivered hour or late records end with rollups equal to the
 * raw rows. Then every month partition of `qoe_slices_daily` with a closed day in the same window
 * is rebuilt from the hourly slices. Each level then records how far it is complete in
 * `qoe_rollup_state` (`through` only moves forward): the API answers hours before the hourly
 * `through`, and days before the daily one, from the rollups. The first run (no state) builds
 * every day the raw table holds: that is how the data of a release before the rollups moves
 * forward; likewise the first run after migration 6 (no `places` mark) for the copies.
 *
 * The staging tables are each server's own. Behind a load balancer, the job therefore runs in one
 * HTTP session (`sessionId`): a statement that reaches another server than the first fails with
 * SESSION_NOT_FOUND instead of swapping in that server's empty staging partition.
 */
import type { ClickHouseClient, ClickHouseSettings } from "@clickhouse/client";
import {
  ANALYTICS_ROLLUPS,
  QOE_ROLLUP_BOUNDS,
  QOE_ROLLUP_DEFAULTS,
  stagingTable,
} from "../../../contracts/clickhouse-users";
import { formatDateTime, identifier, sql, type SqlFragment } from "./bind";
import type { QoeRollupLevel } from "./migrations";
import {
  buildHourlyStatement,
  buildPlaceCopyStatement,
  buildSlicesDailyStatement,
  buildSlicesHourlyStatement,
  dropPartitionStatement,
  replacePartitionStatement,
  type PartitionId,
  type TimeRange,
} from "./qoe-rollup-sql";
import { ANALYTICS_TABLES } from "./tables";

/** What one run builds, and when. */
export interface QoeRollupOptions {
  readonly database: string;
  /** The run's clock. */
  readonly now: Date;
  /** Minutes after its end an hour is closed. @default QOE_ROLLUP_DEFAULTS.graceMinutes (5) */
  readonly graceMinutes?: number;
  /** Hours before the last run's `through` rebuilt again. @default QOE_ROLLUP_DEFAULTS.lookbackHours (48) */
  readonly lookbackHours?: number;
  /**
   * The HTTP session every statement runs in (see the module comment); none for an engine without
   * HTTP sessions (chDB). @default undefined
   */
  readonly sessionId?: string;
}

/** Rows written into each rollup by one run (the rows of the partitions swapped in). */
export type RowsWritten = Readonly<
  Record<
    "qoeHourly" | "qoeHourlyByCountry" | "qoeHourlyByEdge" | "qoeSlicesHourly" | "qoeSlicesDaily",
    number
  >
>;

/** What one run did. */
export interface QoeRollupSummary {
  /** Hours before this are in the hourly levels (`YYYY-MM-DD hh:mm:ss` UTC). */
  readonly hourlyThrough: string;
  /** Days before this are in the daily level. */
  readonly dailyThrough: string;
  /** The day partitions rebuilt (`YYYYMMDD`). */
  readonly daysRebuilt: readonly PartitionId[];
  /** The month partitions rebuilt (`YYYYMM`). */
  readonly monthsRebuilt: readonly PartitionId[];
  readonly rowsWritten: RowsWritten;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The start of the UTC hour of `time`. */
export function startOfHour(time: Date): Date {
  return new Date(Math.floor(time.getTime() / HOUR_MS) * HOUR_MS);
}

/** The start of the UTC day of `time`. */
export function startOfDay(time: Date): Date {
  return new Date(Math.floor(time.getTime() / DAY_MS) * DAY_MS);
}

function addDays(time: Date, days: number): Date {
  return new Date(time.getTime() + days * DAY_MS);
}

/** `YYYYMMDD` of a UTC day: the partition of the hourly levels. */
export function dayPartition(day: Date): PartitionId {
  return day.getUTCFullYear() * 10_000 + (day.getUTCMonth() + 1) * 100 + day.getUTCDate();
}

/** `YYYYMM` of a UTC month: the partition of the daily level. */
export function monthPartition(month: Date): PartitionId {
  return month.getUTCFullYear() * 100 + (month.getUTCMonth() + 1);
}

function fromDayPartition(id: PartitionId): Date {
  return new Date(Date.UTC(Math.floor(id / 10_000), (Math.floor(id / 100) % 100) - 1, id % 100));
}

function fromMonthPartition(id: PartitionId): Date {
  return new Date(Date.UTC(Math.floor(id / 100), (id % 100) - 1, 1));
}

function laterOf(a: Date, b: Date | undefined): Date {
  return b !== undefined && b.getTime() > a.getTime() ? b : a;
}

/** The UTC days from `first` to `last`, both included, as partitions. */
function daysBetween(first: Date, last: Date): PartitionId[] {
  const days: PartitionId[] = [];
  for (let day = startOfDay(first); day.getTime() <= last.getTime(); day = addDays(day, 1)) {
    days.push(dayPartition(day));
  }
  return days;
}

function checkWhole(name: string, value: number, bounds: { min: number; max: number }): void {
  if (!Number.isInteger(value) || value < bounds.min || value > bounds.max) {
    throw new Error(`${name} = ${value}: expected an integer from ${bounds.min} to ${bounds.max}`);
  }
}

/**
 * The statements' session: the first statement opens it, every later one requires it
 * (`session_check`), so a statement that reaches another server fails.
 */
class Statements {
  private opened = false;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly sessionId: string | undefined,
  ) {}

  private params(): { session_id?: string; clickhouse_settings?: ClickHouseSettings } {
    if (this.sessionId === undefined) return {};
    const check = this.opened ? { clickhouse_settings: { session_check: 1 as const } } : {};
    this.opened = true;
    return { session_id: this.sessionId, ...check };
  }

  async run(statement: SqlFragment): Promise<void> {
    await this.client.command({ query: statement.text, ...this.params() });
  }

  async rows<Row>(statement: SqlFragment): Promise<Row[]> {
    const result = await this.client.query({
      query: statement.text,
      format: "JSONEachRow",
      ...this.params(),
    });
    return result.json<Row>();
  }
}

/** A DateTime as JSON output gives it (`YYYY-MM-DD hh:mm:ss`, the server's zone, UTC). */
function parseDateTime(text: string): Date {
  const time = new Date(`${text.replace(" ", "T")}Z`);
  if (Number.isNaN(time.getTime())) {
    throw new Error(`unexpected DateTime ${JSON.stringify(text)} from the server`);
  }
  return time;
}

/**
 * The partitions are days and months of the server's zone, and the job's ranges UTC: refuse a
 * server whose zone is not UTC (checked in winter and in summer).
 */
async function checkServerZone(statements: Statements): Promise<void> {
  const [row] = await statements.rows<{ january: string | number; july: string | number }>(
    sql`SELECT toUnixTimestamp(toDateTime('2000-01-01 00:00:00')) AS january, toUnixTimestamp(toDateTime('2000-07-01 00:00:00')) AS july`,
  );
  if (Number(row?.january) !== 946_684_800 || Number(row?.july) !== 962_409_600) {
    throw new Error(
      "the server's time zone is not UTC: the rollups' day partitions would not be UTC days; set <timezone>UTC</timezone>",
    );
  }
}

async function readThrough(
  statements: Statements,
  database: string,
): Promise<Partial<Record<QoeRollupLevel, Date>>> {
  const rows = await statements.rows<{ level: QoeRollupLevel; through: string }>(
    sql`SELECT level, max(through) AS through FROM ${identifier(database, ANALYTICS_ROLLUPS.qoeRollupState)} GROUP BY level`,
  );
  return Object.fromEntries(rows.map((row) => [row.level, parseDateTime(row.through)]));
}

async function count(
  statements: Statements,
  table: SqlFragment,
  where: SqlFragment,
): Promise<number> {
  const [row] = await statements.rows<{ rows: string | number }>(
    sql`SELECT count() AS rows FROM ${table} WHERE ${where}`,
  );
  return Number(row?.rows ?? 0);
}

/**
 * Makes `partition` of `rollup` what its staging table holds (the staging partition's rows, or none
 * where it is empty: current servers refuse `REPLACE PARTITION` from an empty source, 18.16 empties
 * the target), then empties the staging partition. Returns the rows swapped in.
 */
async function swapIn(
  statements: Statements,
  database: string,
  rollup: string,
  partition: PartitionId,
  where: SqlFragment,
): Promise<number> {
  const staged = await count(statements, identifier(database, stagingTable(rollup)), where);
  await statements.run(
    staged > 0
      ? replacePartitionStatement(database, rollup, partition)
      : dropPartitionStatement(database, rollup, partition),
  );
  await statements.run(dropPartitionStatement(database, stagingTable(rollup), partition));
  return staged;
}

/** Empties the staging partitions a failed run may have left. */
async function clearStaging(
  statements: Statements,
  database: string,
  rollups: readonly string[],
  partition: PartitionId,
): Promise<void> {
  for (const rollup of rollups) {
    await statements.run(dropPartitionStatement(database, stagingTable(rollup), partition));
  }
}

/** The copies of `qoe_hourly` ordered by place (migration 6), built from its staging table. */
const PLACE_COPIES = [ANALYTICS_ROLLUPS.qoeHourlyByCountry, ANALYTICS_ROLLUPS.qoeHourlyByEdge];

/** Rebuilds one day of the hourly levels over `range` (its closed hours). */
async function rebuildDay(
  statements: Statements,
  database: string,
  day: PartitionId,
  range: TimeRange,
): Promise<{ hourly: number; byCountry: number; byEdge: number; slices: number }> {
  const hourly = ANALYTICS_ROLLUPS.qoeHourly;
  const slices = ANALYTICS_ROLLUPS.qoeSlicesHourly;
  await clearStaging(statements, database, [hourly, ...PLACE_COPIES, slices], day);
  if (range.to.getTime() > range.from.getTime()) {
    await statements.run(buildHourlyStatement(database, range));
    for (const copy of PLACE_COPIES) {
      await statements.run(buildPlaceCopyStatement(database, copy, range));
    }
    await statements.run(buildSlicesHourlyStatement(database, range));
  }
  const where = sql`hour >= ${range.from} AND hour < ${range.to}`;
  // The copies and slices first: they are read from the hourly staging partition, which the swap
  // empties.
  const sliceRows = await swapIn(statements, database, slices, day, where);
  const byCountry = await swapIn(
    statements,
    database,
    ANALYTICS_ROLLUPS.qoeHourlyByCountry,
    day,
    where,
  );
  const byEdge = await swapIn(statements, database, ANALYTICS_ROLLUPS.qoeHourlyByEdge, day, where);
  const hourlyRows = await swapIn(statements, database, hourly, day, where);
  return { hourly: hourlyRows, byCountry, byEdge, slices: sliceRows };
}

/** Rebuilds one month of the daily level from the hourly slices of its days before `through`. */
async function rebuildMonth(
  statements: Statements,
  database: string,
  month: PartitionId,
  through: Date,
): Promise<number> {
  const daily = ANALYTICS_ROLLUPS.qoeSlicesDaily;
  const start = fromMonthPartition(month);
  const next = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  const range = { from: start, to: next.getTime() < through.getTime() ? next : through };
  await clearStaging(statements, database, [daily], month);
  await statements.run(buildSlicesDailyStatement(database, range));
  return swapIn(
    statements,
    database,
    daily,
    month,
    sql`day >= toDate(${formatDateTime(range.from).slice(0, 10)}) AND day < toDate(${formatDateTime(range.to).slice(0, 10)})`,
  );
}

async function recordThrough(
  statements: Statements,
  database: string,
  level: QoeRollupLevel,
  through: Date,
  now: Date,
): Promise<void> {
  await statements.run(
    sql`INSERT INTO ${identifier(database, ANALYTICS_ROLLUPS.qoeRollupState)} (level, through, built_at) VALUES (${level}, ${through}, ${now})`,
  );
}

/** The levels each day's rebuild completes: `qoe_hourly` and the slices, and the copies by place. */
const HOURLY_LEVELS = ["hourly", "places"] as const;

/** Runs the job once: see the module comment. */
export async function runQoeRollup(
  client: ClickHouseClient,
  options: QoeRollupOptions,
): Promise<QoeRollupSummary> {
  const graceMinutes = options.graceMinutes ?? QOE_ROLLUP_DEFAULTS.graceMinutes;
  const lookbackHours = options.lookbackHours ?? QOE_ROLLUP_DEFAULTS.lookbackHours;
  checkWhole("graceMinutes", graceMinutes, QOE_ROLLUP_BOUNDS.graceMinutes);
  checkWhole("lookbackHours", lookbackHours, QOE_ROLLUP_BOUNDS.lookbackHours);
  const { database, now } = options;
  const statements = new Statements(client, options.sessionId);
  await checkServerZone(statements);
  const state = await readThrough(statements, database);

  // Never behind what is recorded: a run with an earlier clock must not unbuild closed hours.
  const hourlyThrough = laterOf(
    startOfHour(new Date(now.getTime() - graceMinutes * 60_000)),
    state.hourly,
  );
  const lookback = lookbackHours * HOUR_MS;
  // The copies ordered by place (`places`) are built with the hourly level, but may start later
  // (migration 6 on an installation with rollups): rebuild from the earlier of the two marks, and
  // every day the raw table holds while either level has none.
  const earliest = Math.min(
    (state.hourly ?? hourlyThrough).getTime(),
    (state.places ?? hourlyThrough).getTime(),
  );
  const days = new Set(
    daysBetween(new Date(earliest - lookback), new Date(hourlyThrough.getTime() - 1)),
  );
  if (state.hourly === undefined || state.places === undefined) {
    const raw = identifier(database, ANALYTICS_TABLES.playbackRequests);
    const held = await statements.rows<{ day: string | number }>(
      sql`SELECT toYYYYMMDD(timestamp) AS day FROM ${raw} WHERE timestamp < ${hourlyThrough} GROUP BY day`,
    );
    for (const row of held) days.add(Number(row.day));
  }
  const daysRebuilt = [...days].sort((a, b) => a - b);
  const rowsWritten = {
    qoeHourly: 0,
    qoeHourlyByCountry: 0,
    qoeHourlyByEdge: 0,
    qoeSlicesHourly: 0,
    qoeSlicesDaily: 0,
  };
  const recorded = { hourly: state.hourly?.getTime() ?? 0, places: state.places?.getTime() ?? 0 };
  for (const day of daysRebuilt) {
    const from = fromDayPartition(day);
    const next = addDays(from, 1);
    const to = next.getTime() < hourlyThrough.getTime() ? next : hourlyThrough;
    const written = await rebuildDay(statements, database, day, { from, to });
    rowsWritten.qoeHourly += written.hourly;
    rowsWritten.qoeHourlyByCountry += written.byCountry;
    rowsWritten.qoeHourlyByEdge += written.byEdge;
    rowsWritten.qoeSlicesHourly += written.slices;
    // The days go in order and every earlier one is built (or has no rows): record the progress,
    // so a long first run stopped by its deadline resumes here rather than from the start.
    for (const level of HOURLY_LEVELS) {
      if (to.getTime() > recorded[level]) {
        await recordThrough(statements, database, level, to, now);
        recorded[level] = to.getTime();
      }
    }
  }
  for (const level of HOURLY_LEVELS) {
    if (hourlyThrough.getTime() > recorded[level]) {
      await recordThrough(statements, database, level, hourlyThrough, now);
    }
  }

  const dailyThrough = laterOf(startOfDay(hourlyThrough), state.daily);
  const dailyFrom = new Date((state.daily ?? dailyThrough).getTime() - lookback);
  const months = new Set(
    daysBetween(dailyFrom, new Date(dailyThrough.getTime() - 1)).map((day) =>
      monthPartition(fromDayPartition(day)),
    ),
  );
  for (const day of daysRebuilt) {
    if (fromDayPartition(day).getTime() < dailyThrough.getTime()) {
      months.add(monthPartition(fromDayPartition(day)));
    }
  }
  if (state.daily === undefined) {
    const slices = identifier(database, ANALYTICS_ROLLUPS.qoeSlicesHourly);
    const held = await statements.rows<{ month: string | number }>(
      sql`SELECT toYYYYMM(hour) AS month FROM ${slices} WHERE hour < ${dailyThrough} GROUP BY month`,
    );
    for (const row of held) months.add(Number(row.month));
  }
  const monthsRebuilt = [...months].sort((a, b) => a - b);
  for (const month of monthsRebuilt) {
    rowsWritten.qoeSlicesDaily += await rebuildMonth(statements, database, month, dailyThrough);
  }
  await recordThrough(statements, database, "daily", dailyThrough, now);

  return {
    hourlyThrough: formatDateTime(hourlyThrough),
    dailyThrough: formatDateTime(dailyThrough),
    daysRebuilt,
    monthsRebuilt,
    rowsWritten,
  };
}
