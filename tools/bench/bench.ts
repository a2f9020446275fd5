/**
 * `npm run bench`: how long the offline plan takes per stack, against the floor of the same mock
 * engine registering the same number of trivial resources. Prints figures; asserts nothing.
 *
 * The floor is an AWS provider and empty `aws.s3.Bucket`s: trivial AWS resources, which cost what
 * the provider SDK's property handling costs. The engine minimum (bare custom resources with a
 * single input) is printed beside it for reference: AWS resources cannot get below the floor.
 *
 *   npm run bench -- [--runs N] [--skip-analytics] [--analytics-rows N]
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { listStacks, runInMockEngine } from "../plan/engine";
import { measureAnalytics, printAnalytics } from "./bench-analytics";
import { MAX_BUNDLE_BYTES, MAX_INIT_OVER_EMPTY_MS, measureFunctions } from "./bench-functions";
import { median } from "./median";
import { planStack } from "../plan/document";

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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "7" },
      "skip-analytics": { type: "boolean", default: false },
      "analytics-rows": { type: "string", default: "10000000" },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`--runs ${values.runs}: expected a positive integer`);
  }
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
  printTable(rows);

  const { empty, handlers } = await measureFunctions(runs);
  process.stdout.write(
    `\nLambda handlers: bundle size and cold initialisation in a fresh Node process (median of ${runs})\n`,
  );
  printTable([
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
  ]);

  if (!values["skip-analytics"]) {
    printAnalytics(await measureAnalytics({ queryRows: Number(values["analytics-rows"]) }));
  }
}

function printTable(rows: readonly (readonly string[])[]): void {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  for (const row of rows) {
    process.stdout.write(
      `${row.map((cell, column) => cell.padStart(widths[column] ?? 0)).join("  ")}\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
