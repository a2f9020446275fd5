/**
 * The order in which the workflows deploy the stacks: the primary stack first (it owns the global
 * edge and the home-region directory that every other stack's functions use), then the others
 * together. Stacks are the `Pulumi.<stack>.yaml` files, so a new region needs no workflow edit.
 *
 *   npx tsx tools/plan/deploy-order.ts [--only STACK]
 *
 * prints `all=`, `primary=` and `secondary=` lines (JSON lists), the form GitHub Actions reads
 * from `$GITHUB_OUTPUT`. Exits 1 with one line when the stack files break the rules below.
 */
import { parseArgs } from "node:util";
import { listStacks, readStackFile, type StackFile } from "../../stacks/stack-files";

/** Stacks in deployment waves. */
export interface DeployOrder {
  /** Every stack, sorted. */
  readonly all: readonly string[];
  /** The primary stack (exactly one when deploying everything; none when `only` names another). */
  readonly primary: readonly string[];
  /** Every other stack, deployed after the primary. */
  readonly secondary: readonly string[];
}

/** The workflows use the stack name as the AWS region and the GitHub Environment name. */
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;

/** Splits stack files into waves; throws one line naming the file when they break a rule. */
export function deployOrder(files: readonly StackFile[], only?: string): DeployOrder {
  if (files.length === 0) {
    throw new Error("no Pulumi.<stack>.yaml files found");
  }
  for (const file of files) {
    if (!REGION_NAME.test(file.stack)) {
      throw new Error(
        `${file.path}: stack ${JSON.stringify(file.stack)} is not an AWS region name`,
      );
    }
  }
  const primaries = files.filter((file) => file.config["knowledgecity:primary"] === "true");
  if (primaries.length !== 1) {
    throw new Error(
      `exactly one stack file must set knowledgecity:primary: true; found ${primaries.length}${
        primaries.length > 0 ? ` (${primaries.map((file) => file.stack).join(", ")})` : ""
      }`,
    );
  }
  const all = files.map((file) => file.stack).sort();
  if (only !== undefined && !all.includes(only)) {
    throw new Error(`--only ${only}: no Pulumi.${only}.yaml; known stacks: ${all.join(", ")}`);
  }
  const selected = (stack: string): boolean => only === undefined || stack === only;
  const primary = primaries.map((file) => file.stack).filter(selected);
  return {
    all,
    primary,
    secondary: all.filter((stack) => !primary.includes(stack) && selected(stack)),
  };
}

if (require.main === module) {
  try {
    const { values } = parseArgs({ options: { only: { type: "string" } }, strict: true });
    const only = values.only === "" ? undefined : values.only;
    const order = deployOrder(
      listStacks().map((stack) => readStackFile(stack)),
      only,
    );
    for (const [key, stacks] of Object.entries(order)) {
      process.stdout.write(`${key}=${JSON.stringify(stacks)}\n`);
    }
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
