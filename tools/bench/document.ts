/**
 * The figures of `npm run bench -- --json FILE`: one JSON object whose keys are stable, so runs can
 * be compared by tools. Only the parts that ran appear. Times are in milliseconds (`...Ms`),
 * rates per second (`...PerSecond`), errors as fractions; the analytics keys are documented on
 * their types in `analytics/figures.ts`, and `analytics.goals` holds every goal's verdict.
 */
import type { AnalyticsFigures, GoalVerdict } from "./analytics/figures";
import { evaluateGoals } from "./analytics/goals";
import type { FunctionFigures } from "./bench-functions";
import type { BenchOptions } from "./options";

/** Version of the document's shape; raised when a key changes meaning or goes away. */
export const BENCH_DOCUMENT_VERSION = 1;

/** The offline plan of one stack against the floor. */
export interface PlanFigures {
  readonly stack: string;
  readonly resources: number;
  readonly planMs: number;
  readonly msPerResource: number;
  readonly floorMsPerResource: number;
  /** `msPerResource / floorMsPerResource`, held to `targetRatio`. */
  readonly ratio: number;
  readonly targetRatio: number;
  readonly met: boolean;
  readonly engineMinimumMsPerResource: number;
}

/** The Lambda handlers' bundle sizes and cold initialisation. */
export interface FunctionsFigures {
  readonly empty: FunctionFigures;
  readonly handlers: readonly FunctionFigures[];
}

/** The whole document. */
export interface BenchDocument {
  readonly version: typeof BENCH_DOCUMENT_VERSION;
  /** When the bench started, ISO 8601. */
  readonly startedAt: string;
  readonly node: string;
  readonly options: {
    readonly parts: readonly string[];
    readonly runs: number;
    readonly analyticsRows: readonly number[];
  };
  readonly plan?: readonly PlanFigures[];
  readonly functions?: FunctionsFigures;
  readonly analytics?: AnalyticsFigures & { readonly goals: readonly GoalVerdict[] };
}

/** What the parts measured; a part that did not run is left out. */
export interface BenchResults {
  readonly plan?: readonly PlanFigures[];
  readonly functions?: FunctionsFigures;
  readonly analytics?: AnalyticsFigures;
}

/** The document of one bench run. */
export function benchDocument(
  options: BenchOptions,
  startedAt: Date,
  results: BenchResults,
): BenchDocument {
  return {
    version: BENCH_DOCUMENT_VERSION,
    startedAt: startedAt.toISOString(),
    node: process.version,
    options: { parts: options.parts, runs: options.runs, analyticsRows: options.analyticsRows },
    ...(results.plan === undefined ? {} : { plan: results.plan }),
    ...(results.functions === undefined ? {} : { functions: results.functions }),
    ...(results.analytics === undefined
      ? {}
      : { analytics: { ...results.analytics, goals: evaluateGoals(results.analytics) } }),
  };
}

/** The document as written to the file: indented JSON ending in a newline. */
export function serializeBenchDocument(document: BenchDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
