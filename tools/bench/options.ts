/** The command line of `npm run bench`: which parts to run, how many runs, how many analytics rows. */
import { parseArgs } from "node:util";

/** The parts of the bench, in the order they run. */
export const BENCH_PARTS = ["plan", "functions", "analytics"] as const;

/** One part of the bench: the offline plan, the Lambda handlers, or the ClickHouse analytics. */
export type BenchPart = (typeof BENCH_PARTS)[number];

/** How to call the bench. */
export const BENCH_USAGE =
  "usage: npm run bench -- [--only plan|functions|analytics]... [--runs N] [--skip-analytics] [--analytics-rows N]\n" +
  "  --only PART         run only that part (repeat for several); default: every part\n" +
  "  --runs N            timed runs per figure (median taken); default 7\n" +
  "  --skip-analytics    leave out the analytics part (it needs a ClickHouse server)\n" +
  "  --analytics-rows N  synthetic rows the QoE queries run over; default 10000000";

/** The parsed command line. */
export interface BenchOptions {
  /** The parts to run, in `BENCH_PARTS` order. */
  readonly parts: readonly BenchPart[];
  /** Timed runs per figure. */
  readonly runs: number;
  /** Synthetic rows the QoE queries run over. */
  readonly analyticsRows: number;
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
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new BenchUsageError(`${flag} ${value}: expected a positive integer`);
  }
  return parsed;
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
        "analytics-rows": { type: "string", default: "10000000" },
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
  const chosen = only.length > 0 ? only : BENCH_PARTS;
  return {
    parts: BENCH_PARTS.filter(
      (part) => chosen.includes(part) && !(part === "analytics" && values["skip-analytics"]),
    ),
    runs: positiveInteger("--runs", values.runs),
    analyticsRows: positiveInteger("--analytics-rows", values["analytics-rows"]),
  };
}
