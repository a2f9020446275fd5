/**
 * `npm run plan -- --diff BASE`: plans this checkout and compares it with BASE, a git ref (branch,
 * tag, commit; planned by its own code, `./base`) or a saved plan (`--format json --out FILE`).
 *
 *   npm run plan -- --diff BASE [--stack NAME]... [--format text|markdown] [--out FILE]
 *
 * Stacks: those named with `--stack`, else every stack file of this checkout; a git base plans
 * the same stacks where it has their files (a stack file it lacks is a new stack, and without
 * `--stack` a stack file only it has is a removed one). A saved plan must hold every stack named
 * with `--stack`; without `--stack` its own stacks are compared.
 *
 * Exit status: 1 only when the change brings a mandatory policy violation, or a failed IAM path,
 * that the base did not have (a saved plan records no IAM results: every IAM failure counts as
 * new); 0 otherwise, however much differs; 2 on bad usage, when this checkout or the base fails to
 * plan, or when the base is neither a file nor a commit.
 */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { failureLines, stackSetFailures } from "../cli";
import { architectureDiagram } from "../diagram/model";
import { planStack, type PlanDocument, type StackPlan } from "../document";
import { listStacks, PROJECT_ROOT } from "../engine";
import { checkStackIam, failureLines as iamFailureLines } from "../iam/check";
import { BaseError, planCommit, readSavedPlan, resolveCommit, type BasePlan } from "./base";
import { diffExitStatus, diffPlans, type PlanSide } from "./plan-diff";
import { renderMarkdown } from "./render-markdown";
import { renderText } from "./render-text";

const FORMATS = ["text", "markdown"] as const;
type Format = (typeof FORMATS)[number];

const USAGE =
  "usage: npm run plan -- --diff BASE [--stack NAME]... [--format text|markdown] [--out FILE]\n" +
  "  BASE: a git ref (branch, tag, commit) or a saved plan (npm run plan -- --format json --out FILE)";

class UsageError extends Error {}

interface DiffOptions {
  readonly base: string;
  /** The stacks named with `--stack`; undefined when none was. */
  readonly stacks?: readonly string[];
  readonly format: Format;
  readonly out?: string;
}

/** Where the command writes. */
export interface DiffIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const PROCESS_IO: DiffIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs `npm run plan -- --diff ...`; returns the exit status. */
export async function runDiffCommand(
  argv: readonly string[],
  io: DiffIo = PROCESS_IO,
): Promise<number> {
  try {
    return await diffCommand(parseDiffOptions(argv), io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n`);
      return 2;
    }
    if (error instanceof BaseError) {
      io.stderr(`plan failed: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function parseDiffOptions(argv: readonly string[]): DiffOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        diff: { type: "string" },
        stack: { type: "string", multiple: true },
        format: { type: "string", default: "text" },
        out: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const format = values.format as Format;
  if (!FORMATS.includes(format)) {
    throw new UsageError(
      `--format ${values.format}: with --diff, one of ${FORMATS.join(", ")}\n${USAGE}`,
    );
  }
  if (values.diff === undefined || values.diff === "") {
    throw new UsageError(`--diff needs a base\n${USAGE}`);
  }
  const known = listStacks();
  const unknown = (values.stack ?? []).filter((stack) => !known.includes(stack));
  if (unknown.length > 0) {
    throw new UsageError(
      `--stack ${unknown.join(", ")}: no Pulumi.<stack>.yaml; known stacks: ${known.join(", ")}`,
    );
  }
  return {
    base: values.diff,
    format,
    ...(values.stack === undefined ? {} : { stacks: values.stack }),
    ...(values.out === undefined ? {} : { out: values.out }),
  };
}

async function diffCommand(options: DiffOptions, io: DiffIo): Promise<number> {
  const log = (line: string): void => {
    io.stderr(`${line}\n`);
  };
  const saved =
    existsSync(options.base) && statSync(options.base).isFile()
      ? savedBase(options.base, options.stacks)
      : undefined;
  let startBase: (signal: AbortSignal) => Promise<BasePlan>;
  if (saved === undefined) {
    const commit = resolveCommit(options.base, PROJECT_ROOT);
    if (commit === undefined) {
      throw new UsageError(`--diff ${options.base}: neither a file nor a git commit\n${USAGE}`);
    }
    startBase = (signal) =>
      planCommit(options.base, commit, {
        root: PROJECT_ROOT,
        log,
        signal,
        ...(options.stacks === undefined ? {} : { stacks: options.stacks }),
      });
  } else {
    startBase = () => Promise.resolve(saved);
  }
  const stackFiles = stackSetFailures();
  if (stackFiles.length > 0) {
    io.stderr(stackFiles.map((line) => `${line}\n`).join(""));
    return 2;
  }
  const headStacks =
    options.stacks ??
    (saved === undefined ? listStacks() : saved.documents.map((d) => d.stack).filter(isKnownStack));
  const abort = new AbortController();
  // A commit plans in its own process while this one plans the checkout.
  const basePlanned = startBase(abort.signal);
  // Awaited below; this keeps a rejection that comes early from counting as unhandled.
  basePlanned.catch(() => undefined);
  const head = await planCheckout(headStacks);
  if ("failures" in head) {
    abort.abort();
    await basePlanned.catch(() => undefined);
    io.stderr(head.failures.map((line) => `${line}\n`).join(""));
    return 2;
  }
  const base = await basePlanned;
  const diff = diffPlans(base, head, { baseLabel: base.label, draw: architectureDiagram });
  const output =
    options.format === "markdown"
      ? renderMarkdown(diff, { command: `npm run plan -- --diff ${options.base}` })
      : renderText(diff);
  if (options.out === undefined) {
    io.stdout(output);
  } else {
    writeFileSync(options.out, output);
    io.stdout(`wrote the ${options.format} diff against ${base.label} to ${options.out}\n`);
  }
  const status = diffExitStatus(diff);
  if (status === 1) {
    io.stderr("the change brings mandatory policy violations the base did not have\n");
  }
  return status;
}

function isKnownStack(stack: string): boolean {
  return listStacks().includes(stack);
}

/** A saved plan as the base, narrowed to the stacks named. */
function savedBase(path: string, stacks: readonly string[] | undefined): BasePlan {
  const documents = readSavedPlan(path);
  const held = documents.map((d) => d.stack);
  const missing = (stacks ?? []).filter((stack) => !held.includes(stack));
  if (missing.length > 0) {
    throw new UsageError(
      `--diff ${path}: the saved plan has no stack ${missing.join(", ")} (it has ${held.join(", ") || "none"}); save the base with --stack ${missing.join(" --stack ")}`,
    );
  }
  return {
    label: path,
    documents: stacks === undefined ? documents : documents.filter((d) => stacks.includes(d.stack)),
    // A saved plan records no IAM results.
    iamFailures: {},
  };
}

/** Plans this checkout's stacks with their IAM check, or says why it failed. */
async function planCheckout(
  stacks: readonly string[],
): Promise<PlanSide | { readonly failures: readonly string[] }> {
  const plans: StackPlan[] = [];
  const failures: string[] = [];
  // Sequential on purpose: the Pulumi runtime is process-wide state.
  for (const stack of stacks) {
    try {
      plans.push(await planStack(stack));
    } catch (error) {
      failures.push(...failureLines(stack, error));
    }
  }
  if (failures.length > 0) {
    return { failures };
  }
  const iamFailures: Record<string, readonly string[]> = {};
  for (const plan of plans) {
    const report = await checkStackIam(plan.document.stack, plan.config.region, plan.recorded);
    iamFailures[plan.document.stack] = iamFailureLines(report);
  }
  // Through JSON, as a saved or a git base comes: an input set to `undefined` is absent there too.
  const documents = plans.map((plan) => JSON.parse(JSON.stringify(plan.document)) as PlanDocument);
  return { documents, iamFailures };
}
