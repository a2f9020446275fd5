/**
 * `npm run bench`: how long the offline plan takes per stack, against the floor of the same mock
 * engine registering the same number of trivial resources. Prints figures; asserts nothing.
 *
 * The floor is an AWS provider and empty `aws.s3.Bucket`s: trivial AWS resources, which cost what
 * the provider SDK's property handling costs. The engine minimum (bare custom resources with a
 * single input) is printed beside it for reference: AWS resources cannot get below the floor.
 *
 * Then the Lambda handlers' bundle sizes and cold starts (`bench-functions.ts`) and the ClickHouse
 * analytics figures (`analytics/`, which need a ClickHouse server). `--only` runs one part alone;
 * `--json FILE` also writes every figure to FILE (`document.ts` describes its keys).
 *
 *   npm run bench -- [--only plan|functions|analytics]... [--runs N] [--skip-analytics]
 *     [--analytics-rows N[,N]...] [--json FILE]
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { writeFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { listStacks, runInMockEngine } from "../plan/engine";
import { planStack } from "../plan/document";
import { printAnalytics } from "./analytics/format";
import { measureAnalytics } from "./analytics/measure";
import { MAX_BUNDLE_BYTES, MAX_INIT_OVER_EMPTY_MS, measureFunctions } from "./bench-functions";
import {
  benchDocument,
  serializeBenchDocument,
  type BenchResults,
  type FunctionsFigures,
  type PlanFigures,
} from "./document";
import { median } from "./median";
import { BenchUsageError, parseBenchOptions } from "./options";
import { formatTable } from "./table";

/** The ratio the plan should stay under: at most half again the engine's own cost. */
const TARGET_RATIO = 1.5;

async function timed(run: () => Promise<number>): Promise<{ ms: number; count: number }> {
  const start = performance.now();
  const count = await run();
  return { ms: performance.now() - start, count };
}

type Floor = "bucket" | "bare";

/** The cheapest resource the engine can register: a custom resource with a single input. */
class Trivial extends pulumi.CustomResource {
  constructor(name: string, index: number) {
    super("bench:index:Trivial", name, { index });
  }
}

/**
 * Registers trivial resources under the mock engine until `count` are recorded (the stack
 * resource included, as in a plan); returns how many were recorded.
 */
async function floorRun(count: number, kind: Floor): Promise<number> {
  const run = await runInMockEngine({
    project: "knowledgecity",
    stack: "bench",
    config: { "aws:region": "us-east-1" },
    program: () => {
      if (kind === "bucket") {
        const provider = new aws.Provider("aws", { region: "us-east-1" });
        for (let i = 0; i < count - 2; i += 1) {
          new aws.s3.Bucket(`trivial-${i}`, {}, { provider });
        }
      } else {
        for (let i = 0; i < count - 1; i += 1) {
          new Trivial(`trivial-${i}`, i);
        }
      }
    },
  });
  if (run.resources.length !== count) {
    throw new Error(
      `the ${kind} floor recorded ${run.resources.length} resources, expected ${count}`,
    );
  }
  return run.resources.length;
}

/** The offline plan of every stack beside the floor: median of `runs` interleaved runs. */
async function benchPlan(runs: number): Promise<PlanFigures[]> {
  const figures: PlanFigures[] = [];
  const rows: string[][] = [
    [
      "stack",
      "resources",
      "plan ms",
      "ms/resource",
      "floor ms/resource",
      "ratio",
      `target <= ${TARGET_RATIO}`,
      "engine minimum ms/resource",
    ],
  ];
  for (const stack of listStacks()) {
    // One run first so module loading and JIT warm-up are not measured.
    const size = (await planStack(stack)).recorded.length;
    await floorRun(size, "bucket");
    await floorRun(size, "bare");
    const plan: number[] = [];
    const floor: number[] = [];
    const bare: number[] = [];
    // Interleave the runs so drift in machine load affects all alike.
    for (let i = 0; i < runs; i += 1) {
      plan.push((await timed(async () => (await planStack(stack)).recorded.length)).ms);
      floor.push((await timed(() => floorRun(size, "bucket"))).ms);
      bare.push((await timed(() => floorRun(size, "bare"))).ms);
    }
    const planMs = median(plan);
    const floorPerResource = median(floor) / size;
    const ratio = planMs / size / floorPerResource;
    figures.push({
      stack,
      resources: size,
      planMs,
      msPerResource: planMs / size,
      floorMsPerResource: floorPerResource,
      ratio,
      targetRatio: TARGET_RATIO,
      met: ratio <= TARGET_RATIO,
      engineMinimumMsPerResource: median(bare) / size,
    });
    rows.push([
      stack,
      String(size),
      planMs.toFixed(1),
      (planMs / size).toFixed(2),
      floorPerResource.toFixed(2),
      ratio.toFixed(2),
      ratio <= TARGET_RATIO ? "met" : "MISSED",
      (median(bare) / size).toFixed(2),
    ]);
  }
  process.stdout.write(
    `Offline plan benchmark (median of ${runs} runs per figure, Node ${process.version})\n`,
  );
  process.stdout.write(formatTable(rows));
  return figures;
}

/** Every Lambda handler's bundle size and cold initialisation beside an empty handler's. */
async function benchFunctions(runs: number): Promise<FunctionsFigures> {
  const { empty, handlers } = await measureFunctions(runs);
  process.stdout.write(
    `\nLambda handlers: bundle size and cold initialisation in a fresh Node process (median of ${runs})\n`,
  );
  process.stdout.write(
    formatTable([
      [
        "handler",
        "bundle KiB",
        "init ms",
        "init over empty ms",
        `target <= ${MAX_BUNDLE_BYTES / 1024} KiB and <= ${MAX_INIT_OVER_EMPTY_MS} ms`,
      ],
      [empty.entry, (empty.bytes / 1024).toFixed(1), empty.initMs.toFixed(1), "0.0", ""],
      ...handlers.map((figures) => {
        const over = figures.initMs - empty.initMs;
        return [
          figures.entry,
          (figures.bytes / 1024).toFixed(1),
          figures.initMs.toFixed(1),
          over.toFixed(1),
          figures.bytes <= MAX_BUNDLE_BYTES && over <= MAX_INIT_OVER_EMPTY_MS ? "met" : "MISSED",
        ];
      }),
    ]),
  );
  return { empty, handlers };
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const startedAt = new Date();
  let results: BenchResults = {};
  for (const part of options.parts) {
    switch (part) {
      case "plan":
        results = { ...results, plan: await benchPlan(options.runs) };
        break;
      case "functions":
        results = { ...results, functions: await benchFunctions(options.runs) };
        break;
      case "analytics": {
        const analytics = await measureAnalytics({ queryRows: options.analyticsRows });
        printAnalytics(analytics);
        results = { ...results, analytics };
        break;
      }
    }
  }
  if (options.jsonFile !== undefined) {
    await writeFile(
      options.jsonFile,
      serializeBenchDocument(benchDocument(options, startedAt, results)),
    );
    process.stdout.write(`\nFigures written to ${options.jsonFile}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).message}\n`);
  process.exitCode = error instanceof BenchUsageError ? 2 : 1;
});
