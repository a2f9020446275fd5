/**
 * The QoE queries the bench times, as the dashboard calls them, and how a rollup answer is held to
 * the raw one: every count exactly, every time-to-first-byte percentile within a relative error.
 */
import type {
  AnalyticsQueries,
  Answer,
  QoeFigures as ApiQoeFigures,
  QoeGroup,
  RenditionShare,
} from "../../../functions/analytics/analytics-api/queries";
import type { Source } from "../../../functions/analytics/analytics-api/requests";
import { GOALS, type QueryGoal } from "./figures";
import { COUNTRIES, COURSES } from "./traffic-model";

/** The figures of one answer, flattened so two answers compare key by key. */
export interface Comparable {
  /** The `source` the API reported: "raw", "rollup" or "mixed". */
  readonly source: string;
  /** The tables that answered the range's parts, in time order, each once. */
  readonly tables: readonly string[];
  /** Counts by name (`requests`, `SA.bytes`, `groups`): must be equal between sources. */
  readonly counts: ReadonlyMap<string, number>;
  /** Percentiles by name (`p50`, `SA.p99`): within `GOALS.maxPercentileError` of the raw ones. */
  readonly percentiles: ReadonlyMap<string, number>;
}

/** One timed query. */
export interface QoeQuerySpec {
  /** Stable id, used in the JSON. */
  readonly id: string;
  /** What the printed table calls it. */
  readonly label: string;
  readonly goal: QueryGoal;
  readonly run: (
    queries: AnalyticsQueries,
    source: Source,
    from: Date,
    to: Date,
  ) => Promise<Comparable>;
}

/** The busiest course and country of the synthetic traffic: the filters the queries use. */
export const FILTER_COURSE = COURSES[0] ?? "finance-100";
export const FILTER_COUNTRY = COUNTRIES[0] ?? "SA";

/** The rollup time goal of a query's class. */
export function goalMs(goal: QueryGoal): number {
  switch (goal) {
    case "summary":
      return GOALS.maxSummaryMs;
    case "query":
      return GOALS.maxQueryMs;
    case "multi-filter":
      return GOALS.maxMultiFilterMs;
  }
}

function addFigures(
  counts: Map<string, number>,
  percentiles: Map<string, number>,
  figures: ApiQoeFigures,
  prefix: string,
): void {
  counts.set(`${prefix}requests`, figures.requests);
  counts.set(`${prefix}errors`, figures.errors);
  counts.set(`${prefix}aborted`, figures.aborted);
  counts.set(`${prefix}cacheHits`, figures.cacheHits);
  counts.set(`${prefix}bytes`, figures.bytes);
  for (const level of ["p50", "p90", "p95", "p99"] as const) {
    percentiles.set(`${prefix}${level}`, figures.ttfbMs[level]);
  }
}

function provenance(answer: Answer<unknown>): Pick<Comparable, "source" | "tables"> {
  return { source: answer.source, tables: [...new Set(answer.parts.map((part) => part.table))] };
}

/** A summary's counts and percentiles. */
export function summaryComparable(answer: Answer<ApiQoeFigures>): Comparable {
  const counts = new Map<string, number>();
  const percentiles = new Map<string, number>();
  addFigures(counts, percentiles, answer.data, "");
  return { ...provenance(answer), counts, percentiles };
}

/** A breakdown's groups (by key) with their counts and percentiles, and how many groups. */
export function groupsComparable(answer: Answer<readonly QoeGroup[]>): Comparable {
  const counts = new Map<string, number>([["groups", answer.data.length]]);
  const percentiles = new Map<string, number>();
  for (const group of answer.data) addFigures(counts, percentiles, group, `${group.key}.`);
  return { ...provenance(answer), counts, percentiles };
}

/** A rendition mix's requests and bytes per rendition. */
export function renditionsComparable(answer: Answer<readonly RenditionShare[]>): Comparable {
  const counts = new Map<string, number>([["renditions", answer.data.length]]);
  for (const share of answer.data) {
    counts.set(`${share.rendition}.requests`, share.requests);
    counts.set(`${share.rendition}.bytes`, share.bytes);
  }
  return { ...provenance(answer), counts, percentiles: new Map() };
}

/** The six dashboard queries, in the order they are timed and printed. */
export const QOE_QUERIES: readonly QoeQuerySpec[] = [
  {
    id: "summary",
    label: "summary",
    goal: "summary",
    run: async (queries, source, from, to) =>
      summaryComparable(await queries.qoeSummary({ from, to, source })),
  },
  {
    id: "summary-course",
    label: `summary, course ${FILTER_COURSE}`,
    goal: "query",
    run: async (queries, source, from, to) => {
      const answer = await queries.qoeSummary({ from, to, source, courseId: FILTER_COURSE });
      return summaryComparable(answer);
    },
  },
  {
    id: "breakdown-course",
    label: "breakdown by course, top 20",
    goal: "query",
    run: async (queries, source, from, to) => {
      const answer = await queries.qoeBreakdown({ from, to, source, by: "course", limit: 20 });
      return groupsComparable(answer);
    },
  },
  {
    id: "breakdown-country",
    label: "breakdown by country",
    goal: "query",
    run: async (queries, source, from, to) => {
      const answer = await queries.qoeBreakdown({ from, to, source, by: "country", limit: 100 });
      return groupsComparable(answer);
    },
  },
  {
    id: "renditions",
    label: "rendition mix",
    goal: "query",
    run: async (queries, source, from, to) => {
      const answer = await queries.renditionMix({ from, to, source });
      return renditionsComparable(answer);
    },
  },
  {
    id: "summary-course-country",
    label: `summary, course ${FILTER_COURSE} + country ${FILTER_COUNTRY}`,
    goal: "multi-filter",
    run: async (queries, source, from, to) => {
      const answer = await queries.qoeSummary({
        from,
        to,
        source,
        courseId: FILTER_COURSE,
        country: FILTER_COUNTRY,
      });
      return summaryComparable(answer);
    },
  },
];

/** How far a rollup answer is from the raw one. */
export interface Comparison {
  readonly countsEqual: boolean;
  /** The first count that differs, as `name: raw X, rollup Y`; null when all are equal. */
  readonly countMismatch: string | null;
  /** Largest `|rollup - raw| / raw` over the percentiles both answers hold (1 when raw is 0 and rollup is not). */
  readonly maxPercentileError: number;
}

/** Holds `rollup` to `raw`: the same counts under the same names, and the percentile error. */
export function compareAnswers(raw: Comparable, rollup: Comparable): Comparison {
  let countMismatch: string | null = null;
  for (const name of new Set([...raw.counts.keys(), ...rollup.counts.keys()])) {
    const exact = raw.counts.get(name);
    const estimate = rollup.counts.get(name);
    if (exact !== estimate) {
      countMismatch = `${name}: raw ${exact ?? "missing"}, rollup ${estimate ?? "missing"}`;
      break;
    }
  }
  let maxPercentileError = 0;
  for (const [name, exact] of raw.percentiles) {
    const estimate = rollup.percentiles.get(name);
    if (estimate === undefined) continue;
    const error = exact === 0 ? (estimate === 0 ? 0 : 1) : Math.abs(estimate - exact) / exact;
    maxPercentileError = Math.max(maxPercentileError, error);
  }
  return { countsEqual: countMismatch === null, countMismatch, maxPercentileError };
}
