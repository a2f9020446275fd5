/**
 * Where each stretch of a QoE range is read from: pure planning, no SQL. A range [from, to) is cut
 * into a raw head (from to the next whole hour), whole days from the daily slices, whole hours
 * from an hourly level, and raw rows for the rest (a partial tail and hours not built yet, such as
 * the open hour). Only levels the rollup job has marked complete (`qoe_rollup_state`) are used,
 * so every part's counts are exact and the parts together cover the range once.
 */
import { ANALYTICS_ROLLUPS } from "../../../contracts/clickhouse-users";
import type { QoeSliceDimension } from "../clickhouse/migrations";
import { ANALYTICS_TABLES } from "../clickhouse/tables";
import { BadRequest } from "./errors";
import type { Source } from "./requests";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** How far the rollup job has built each level: every unit before the mark is complete. */
export interface RollupMarks {
  /** Hours before this instant are complete in `qoe_hourly` and `qoe_slices_hourly`. */
  readonly hourlyThrough?: Date;
  /** Days before this instant are complete in `qoe_slices_daily`. */
  readonly dailyThrough?: Date;
  /**
   * Hours before this instant are complete in the copies of `qoe_hourly` ordered by place
   * (`qoe_hourly_by_country`, `qoe_hourly_by_edge`); hours after it are read from `qoe_hourly`.
   */
  readonly placesThrough?: Date;
}

/** The copies of `qoe_hourly` whose sort key starts with a place (migration 6). */
export type PlaceCopy =
  typeof ANALYTICS_ROLLUPS.qoeHourlyByCountry | typeof ANALYTICS_ROLLUPS.qoeHourlyByEdge;

/** The tables a part can be read from. */
export type PartTable =
  | typeof ANALYTICS_TABLES.playbackRequests
  | typeof ANALYTICS_ROLLUPS.qoeSlicesDaily
  | typeof ANALYTICS_ROLLUPS.qoeSlicesHourly
  | typeof ANALYTICS_ROLLUPS.qoeHourly
  | PlaceCopy;

/** One stretch of the range and the table that answers it; `from` and `to` are half-open. */
export interface PlanPart {
  readonly table: PartTable;
  readonly from: Date;
  readonly to: Date;
}

/**
 * Which rollup can answer a query: `slices` when at most one dimension is involved (the slice of
 * that dimension, or the total), `hourly` (the cube `qoe_hourly`, hours only) when two or more are.
 * `qoe_hourly` is sorted by course first; a query filtered by country or edge location but not by
 * course reads the `copy` sorted by that place first, which holds the same rows.
 */
export type RollupShape =
  | { readonly kind: "slices"; readonly dimension: QoeSliceDimension; readonly key?: string }
  | { readonly kind: "hourly"; readonly copy?: PlaceCopy };

/** The dimensions a query can filter or group by, as the slices name them. */
export type QoeAxis = Exclude<QoeSliceDimension, "all">;

/** What a QoE query involves: its filters and what it groups by. */
export interface QoeSelection {
  readonly filters: Partial<Readonly<Record<QoeAxis, string>>>;
  readonly groupBy?: QoeAxis;
}

/** The rollup shape of a selection: slices when it involves at most one dimension. */
export function rollupShape(selection: QoeSelection): RollupShape {
  const filtered = (Object.keys(selection.filters) as QoeAxis[]).filter(
    (axis) => selection.filters[axis] !== undefined,
  );
  const axes = new Set<QoeAxis>(filtered);
  if (selection.groupBy !== undefined) axes.add(selection.groupBy);
  const [only, ...others] = [...axes];
  if (only === undefined) return { kind: "slices", dimension: "all" };
  if (others.length > 0) {
    const { course, country, edge } = selection.filters;
    if (course !== undefined) return { kind: "hourly" };
    if (country !== undefined)
      return { kind: "hourly", copy: ANALYTICS_ROLLUPS.qoeHourlyByCountry };
    if (edge !== undefined) return { kind: "hourly", copy: ANALYTICS_ROLLUPS.qoeHourlyByEdge };
    return { kind: "hourly" };
  }
  const key = selection.filters[only];
  return key === undefined
    ? { kind: "slices", dimension: only }
    : { kind: "slices", dimension: only, key };
}

function floorTo(value: number, unit: number): number {
  return Math.floor(value / unit) * unit;
}

function ceilTo(value: number, unit: number): number {
  return Math.ceil(value / unit) * unit;
}

interface Span {
  readonly table: PartTable;
  readonly from: number;
  readonly to: number;
}

/** Where the hourly stretches of a plan are read from, and how far each source is built. */
interface HourlySources {
  readonly table: PartTable;
  readonly through: number;
  /** A copy of the cube read first, up to its own mark (the cube answers the rest). */
  readonly copy?: { readonly table: PlaceCopy; readonly through: number };
}

/**
 * The hours [from, to) as hourly rollup parts up to the hourly mark (a copy's up to its mark
 * first) and raw parts after it. `from` and `to` are whole hours.
 */
function hourSpans(from: number, to: number, sources: HourlySources): Span[] {
  const built = Math.min(to, Math.max(from, floorTo(sources.through, HOUR_MS)));
  const copied =
    sources.copy === undefined
      ? from
      : Math.min(built, Math.max(from, floorTo(sources.copy.through, HOUR_MS)));
  return [
    ...(sources.copy === undefined ? [] : [{ table: sources.copy.table, from, to: copied }]),
    { table: sources.table, from: copied, to: built },
    { table: ANALYTICS_TABLES.playbackRequests, from: built, to },
  ];
}

/**
 * The parts that answer [from, to) for `shape`, in time order, empty stretches left out and
 * neighbouring raw stretches joined. `source=raw` gives one raw part.
 */
export function planRange(
  from: Date,
  to: Date,
  shape: RollupShape,
  marks: RollupMarks,
  source: Source = "auto",
): PlanPart[] {
  const start = from.getTime();
  const end = to.getTime();
  if (!(end > start)) return [];
  const rawTable = ANALYTICS_TABLES.playbackRequests;
  if (source === "raw") return [{ table: rawTable, from, to }];
  const firstHour = Math.min(ceilTo(start, HOUR_MS), end);
  const lastHour = Math.max(floorTo(end, HOUR_MS), firstHour);
  const hourly: HourlySources = {
    table:
      shape.kind === "slices" ? ANALYTICS_ROLLUPS.qoeSlicesHourly : ANALYTICS_ROLLUPS.qoeHourly,
    through: marks.hourlyThrough?.getTime() ?? -Infinity,
    ...(shape.kind === "hourly" && shape.copy !== undefined
      ? { copy: { table: shape.copy, through: marks.placesThrough?.getTime() ?? -Infinity } }
      : {}),
  };
  const spans: Span[] = [{ table: rawTable, from: start, to: firstHour }];
  // Whole days come from the daily slices where they are built; the cube has no daily level.
  const dailyThrough = marks.dailyThrough?.getTime();
  const firstDay = ceilTo(firstHour, DAY_MS);
  const lastDay =
    shape.kind === "slices" && dailyThrough !== undefined
      ? Math.min(floorTo(lastHour, DAY_MS), floorTo(dailyThrough, DAY_MS))
      : firstDay;
  if (firstDay < lastDay) {
    spans.push(...hourSpans(firstHour, firstDay, hourly));
    spans.push({ table: ANALYTICS_ROLLUPS.qoeSlicesDaily, from: firstDay, to: lastDay });
    spans.push(...hourSpans(lastDay, lastHour, hourly));
  } else {
    spans.push(...hourSpans(firstHour, lastHour, hourly));
  }
  spans.push({ table: rawTable, from: lastHour, to: end });

  const parts: Span[] = [];
  for (const span of spans) {
    if (span.to <= span.from) continue;
    const previous = parts[parts.length - 1];
    if (previous?.table === rawTable && span.table === rawTable && previous.to === span.from) {
      parts[parts.length - 1] = { ...previous, to: span.to };
    } else {
      parts.push(span);
    }
  }
  return parts.map((part) => ({
    table: part.table,
    from: new Date(part.from),
    to: new Date(part.to),
  }));
}

/**
 * The plan for a request's `source`: `auto` and `raw` as `planRange` gives them; `rollup` the
 * same parts, refused with a `BadRequest` saying why when any part would need raw rows.
 */
export function planQuery(
  from: Date,
  to: Date,
  shape: RollupShape,
  marks: RollupMarks,
  source: Source,
): PlanPart[] {
  const parts = planRange(from, to, shape, marks, source);
  if (source !== "rollup") return parts;
  if (from.getTime() % HOUR_MS !== 0 || to.getTime() % HOUR_MS !== 0) {
    throw new BadRequest("source=rollup needs from and to on whole hours (UTC)");
  }
  const unbuilt = parts.find((part) => part.table === ANALYTICS_TABLES.playbackRequests);
  if (unbuilt !== undefined) {
    const built =
      marks.hourlyThrough === undefined
        ? "no hour is rolled up yet"
        : `the rollups are complete before ${marks.hourlyThrough.toISOString()}`;
    throw new BadRequest(
      `source=rollup cannot answer ${unbuilt.from.toISOString()}..${unbuilt.to.toISOString()}: ${built}; use source=auto or source=raw`,
    );
  }
  return parts;
}

/** Where an answer's figures came from, from its parts. */
export function answerSource(parts: readonly PlanPart[]): "raw" | "rollup" | "mixed" {
  const raw = parts.filter((part) => part.table === ANALYTICS_TABLES.playbackRequests).length;
  if (raw === parts.length) return "raw";
  return raw === 0 ? "rollup" : "mixed";
}
