/**
 * The command line of `npm run bench`: which parts to run, how many runs, how many analytics rows,
 * and where to write the figures as JSON.
 */
import { parseArgs } from "node:util";

/** The parts of the bench, in the order they run. */
export const BENCH_PARTS = ["plan", "functions", "analytics"] as const;

/** One part of the bench: the offline plan, the Lambda handlers, or the ClickHouse analytics. */
export type BenchPart = (typeof BENCH_PARTS)[number];

/** Row counts the QoE queries run over when `--analytics-rows` is not given. */
export const DEFAULT_ANALYTICS_ROWS: readonly number[] = [10_000_000, 100_000_000];

/** How to call the bench. */
export const BENCH_USAGE =
  "usage: npm run bench -- [--only plan|functions|analytics]... [--runs N] [--skip-analytics] [--analytics-rows N[,N]...] [--json FILE]\n" +
  "  --only PART              run only that part (repeat for several); default: every part\n" +
  "  --runs N                 timed runs per figure (median taken); default 7\n" +
  "  --skip-analytics         leave out the analytics part (it needs a ClickHouse server)\n" +
  "  --analytics-rows N,...   synthetic rows the QoE queries run over, one data set per count;\n" +
  "                           default 10000000,100000000\n" +
  "  --json FILE              also write every figure to FILE as JSON";

/** The parsed command line. */
export interface BenchOptions {
  /** The parts to run, in `BENCH_PARTS` order. */
  readonly parts: readonly BenchPart[];
  /** Timed runs per figure. */
  readonly runs: number;
  /** Synthetic row counts the QoE queries run over, ascending, each once. */
  readonly analyticsRows: readonly number[];
  /** Where to write the figures as JSON; undefined: print only. */
  readonly jsonFile: string | undefined;
}

/** Thrown on a command line the bench cannot run; its message ends with the usage. */
export class BenchUsageError extends Error {
  constructor(problem: string) {
    super(`${problem}\n${BENCH_USAGE}`);
    this.name = "BenchUsageError";
  }
}

function positiveInteger(flag: string, value: string): number {
  const parsed = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new BenchUsageError(`${flag} ${value}: expected a positive integer`);
  }
  return parsed;
}

/** `--analytics-rows`: positive integers separated by commas, sorted, repeats dropped. */
function rowCounts(value: string): number[] {
  const counts = value.split(",").map((item) => item.trim());
  const bad = counts.filter((item) => !/^[0-9]+$/.test(item) || Number(item) < 1);
  if (bad.length > 0 || !counts.every((item) => Number.isSafeInteger(Number(item)))) {
    throw new BenchUsageError(
      `--analytics-rows ${value}: expected positive integers separated by commas, such as 10000000,100000000`,
    );
  }
  return [...new Set(counts.map(Number))].sort((a, b) => a - b);
}

function isPart(value: string): value is BenchPart {
  return (BENCH_PARTS as readonly string[]).includes(value);
}

/** The options of `argv` (the arguments after the script); throws `BenchUsageError` on bad ones. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        only: { type: "string", multiple: true },
        runs: { type: "string", default: "7" },
        "skip-analytics": { type: "boolean", default: false },
        "analytics-rows": { type: "string", default: DEFAULT_ANALYTICS_ROWS.join(",") },
        json: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
  const only = values.only ?? [];
  const unknown = only.filter((part) => !isPart(part));
  if (unknown.length > 0) {
    throw new BenchUsageError(
      `--only ${unknown.join(", ")}: expected one of ${BENCH_PARTS.join(", ")}`,
    );
  }
  if (values["skip-analytics"] && only.includes("analytics")) {
    throw new BenchUsageError(
      "--skip-analytics with --only analytics: nothing would be left to run",
    );
  }
  if (values.json !== undefined && (values.json === "" || values.json.startsWith("-"))) {
    throw new BenchUsageError(`--json ${values.json}: expected a file name`);
  }
  const chosen = only.length > 0 ? only : BENCH_PARTS;
  return {
    parts: BENCH_PARTS.filter(
      (part) => chosen.includes(part) && !(part === "analytics" && values["skip-analytics"]),
    ),
    runs: positiveInteger("--runs", values.runs),
    analyticsRows: rowCounts(values["analytics-rows"]),
    jsonFile: values.json,
  };
}
