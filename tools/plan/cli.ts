/**
 * `npm run plan`: the offline plan. Runs the real program for every `Pulumi.<stack>.yaml` (or the
 * stacks named with `--stack`) under the mock engine, with no Pulumi CLI and no credentials.
 *
 *   npm run plan -- [--stack NAME]... [--format text|json|mermaid] [--component NAME] [--out FILE]
 *   npm run plan -- --diff BASE [--stack NAME]... [--format text|markdown] [--out FILE]
 *
 * `--format mermaid` draws the stacks' components and the data flows between them; with
 * `--component NAME` (a class such as VideoPipeline, a type token or a resource name) one
 * component in detail (./diagram).
 *
 * `--diff` compares with BASE, a git ref or a saved JSON plan, and has its own exit status
 * (./diff/command).
 *
 * Exit status: 0 when every stack planned with no mandatory violation, 1 on a mandatory
 * violation or a failed IAM path (a required path denied, a must-deny path allowed, a policy
 * naming what the IAM catalogue does not know: `./iam`), 2 when a stack's program failed (for
 * example on invalid config), when the stack files break a cross-stack rule (../stack-set: every
 * stack file is read, whichever stacks are planned) or on bad usage.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { listStacks } from "./engine";
import { checkStackSet } from "../../stacks/stack-set";
import { planStack, type StackPlan } from "./document";
import {
  checkStackIam,
  failureLines as iamFailureLines,
  passed,
  summaryLine,
  type IamReport,
} from "./iam/check";
import { renderDiagram } from "./mermaid";
import { ComponentNotFoundError } from "./diagram/model";
import { renderReport } from "./report";

const FORMATS = ["text", "json", "mermaid"] as const;
type Format = (typeof FORMATS)[number];

const USAGE =
  "usage: npm run plan -- [--stack NAME]... [--format text|json|mermaid] [--component NAME] [--out FILE]";

class UsageError extends Error {}

interface Options {
  readonly stacks: readonly string[];
  readonly format: Format;
  /** With `--format mermaid`: draw this component in detail instead of the architecture. */
  readonly component?: string;
  readonly out?: string;
}

function parseOptions(argv: readonly string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        stack: { type: "string", multiple: true },
        format: { type: "string", default: "text" },
        out: { type: "string" },
        component: { type: "string" },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { values } = parsed;
  if (values.help) {
    throw new UsageError(USAGE);
  }
  const format = values.format as Format;
  if (!FORMATS.includes(format)) {
    throw new UsageError(
      `--format ${values.format}: expected one of ${FORMATS.join(", ")}\n${USAGE}`,
    );
  }
  if (values.component !== undefined && format !== "mermaid") {
    throw new UsageError(`--component draws a diagram: use it with --format mermaid\n${USAGE}`);
  }
  const known = listStacks();
  const stacks = values.stack ?? known;
  const unknown = stacks.filter((stack) => !known.includes(stack));
  if (unknown.length > 0) {
    throw new UsageError(
      `--stack ${unknown.join(", ")}: no Pulumi.<stack>.yaml; known stacks: ${known.join(", ")}`,
    );
  }
  if (stacks.length === 0) {
    throw new UsageError("no Pulumi.<stack>.yaml files found");
  }
  return {
    stacks,
    format,
    ...(values.component === undefined ? {} : { component: values.component }),
    ...(values.out === undefined ? {} : { out: values.out }),
  };
}

function render(plans: readonly StackPlan[], format: Format, component?: string): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(
        plans.map((plan) => plan.document),
        null,
        2,
      )}\n`;
    case "mermaid":
      try {
        return renderDiagram(
          plans.map((plan) => plan.document),
          component,
        );
      } catch (error) {
        throw error instanceof ComponentNotFoundError ? new UsageError(error.message) : error;
      }
    case "text":
      return renderReport(plans);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  // `--diff BASE` compares with a base plan: a command of its own (./diff/command), loaded only
  // when asked for.
  if (argv.some((arg) => arg === "--diff" || arg.startsWith("--diff="))) {
    const { runDiffCommand } = await import("./diff/command");
    return runDiffCommand(argv);
  }
  const options = parseOptions(argv);
  const plans: StackPlan[] = [];
  const failures: string[] = stackSetFailures();
  if (failures.length > 0) {
    for (const failure of failures) {
      process.stderr.write(`${failure}\n`);
    }
    return 2;
  }
  // Sequential on purpose: the Pulumi runtime is process-wide state.
  for (const stack of options.stacks) {
    try {
      plans.push(await planStack(stack));
    } catch (error) {
      failures.push(...failureLines(stack, error));
    }
  }
  if (failures.length > 0) {
    for (const failure of failures) {
      process.stderr.write(`${failure}\n`);
    }
    return 2;
  }
  const output = render(plans, options.format, options.component);
  if (options.out === undefined) {
    process.stdout.write(output);
  } else {
    writeFileSync(options.out, output);
    process.stdout.write(
      `wrote the ${options.format} plan of ${plans.map((p) => p.document.stack).join(", ")} to ${options.out}\n`,
    );
  }
  const policyStatus = exitStatus(plans);
  if (policyStatus !== 0) {
    process.stderr.write("mandatory policy violations; see the report\n");
  }
  // IAM proven in the plan: every required path allowed, every must-deny path denied.
  const iamReports: IamReport[] = [];
  for (const plan of plans) {
    iamReports.push(await checkStackIam(plan.document.stack, plan.config.region, plan.recorded));
  }
  // The summary joins the text report; beside JSON or Mermaid on stdout it goes to stderr.
  const summaryStream =
    options.format === "text" || options.out !== undefined ? process.stdout : process.stderr;
  for (const report of iamReports) {
    for (const line of iamFailureLines(report)) {
      process.stderr.write(`${line}\n`);
    }
    summaryStream.write(`${summaryLine(report)}\n`);
  }
  return iamReports.every(passed) ? policyStatus : 1;
}

/**
 * How a stack's failure is reported: one `plan failed: <stack>: ...` line per problem, so each
 * refusal of the engine (a resource without an explicit provider, a key policy created too late)
 * reads as the real `pulumi preview` would report it, with the resource named.
 */
export function failureLines(stack: string, error: unknown): string[] {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => `plan failed: ${stack}: ${line}`);
}

/**
 * The stack files' own config errors and the cross-stack rules' problems, one line each in the
 * form of `failureLines`; empty when the set is sound.
 */
export function stackSetFailures(root?: string): string[] {
  const { invalid, problems } = checkStackSet(root);
  return [
    ...invalid.flatMap(({ stack, message }) => failureLines(stack, new Error(message))),
    ...problems.map((problem) => `plan failed: stack files: ${problem}`),
  ];
}

/** The exit status for a set of plans: 1 when any has a mandatory violation, else 0. */
export function exitStatus(plans: readonly StackPlan[]): 0 | 1 {
  return plans.some((plan) => plan.document.violations.some((v) => v.enforcement === "mandatory"))
    ? 1
    : 0;
}

// Run only as a command, so tests can import exitStatus.
if (require.main === module) {
  let settled = false;
  // A program whose outputs never resolve leaves the event loop empty with the plan unfinished;
  // Node would then exit with status 0. Fail instead, and say why.
  process.on("beforeExit", () => {
    if (!settled) {
      process.stderr.write(
        "plan failed: the program never finished; a resource input or output never resolved (set PULUMI_DEBUG_PROMISE_LEAKS=true to see which)\n",
      );
      process.exitCode = 2;
      settled = true;
    }
  });
  main(process.argv.slice(2))
    .finally(() => {
      settled = true;
    })
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        process.stderr.write(
          `${error instanceof UsageError ? "" : "plan failed: "}${(error as Error).message}\n`,
        );
        process.exitCode = 2;
      },
    );
}
