/**
 * `npm run readme`: writes the README's generated blocks (the architecture diagrams of every
 * stack, the config table) from the program itself; `npm run readme -- --check` exits 1 naming
 * each block that is out of date, and changes nothing.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { format, resolveConfig } from "prettier";
import { configTableReadmeBlock } from "../../stacks/config-docs";
import { PROJECT_ROOT } from "../../stacks/stack-files";
import { diagramsReadmeBlock } from "../plan/diagram/readme";
import { readBlock, replaceBlock } from "./blocks";

export const README_PATH = join(PROJECT_ROOT, "README.md");

/** The README as `npm run readme` would write it: every block regenerated, then formatted. */
export async function generatedReadme(current: string): Promise<string> {
  const blocks: Record<string, string> = {
    diagrams: await diagramsReadmeBlock(),
    "config-table": configTableReadmeBlock(),
  };
  let next = current;
  for (const [name, content] of Object.entries(blocks)) {
    next = replaceBlock(next, name, content);
  }
  const options = (await resolveConfig(README_PATH)) ?? {};
  return format(next, { ...options, filepath: README_PATH });
}

/** Names of the blocks that differ between two READMEs. */
export function staleBlocks(current: string, generated: string): string[] {
  return ["diagrams", "config-table"].filter(
    (name) => readBlock(current, name) !== readBlock(generated, name),
  );
}

async function main(argv: readonly string[]): Promise<number> {
  const current = readFileSync(README_PATH, "utf8");
  const generated = await generatedReadme(current);
  if (argv.includes("--check")) {
    const stale = staleBlocks(current, generated);
    for (const name of stale) {
      process.stderr.write(`README block ${name} is out of date; run npm run readme\n`);
    }
    return stale.length > 0 || current !== generated ? 1 : 0;
  }
  if (generated !== current) {
    writeFileSync(README_PATH, generated);
    process.stdout.write("README.md: generated blocks rewritten\n");
  } else {
    process.stdout.write("README.md: generated blocks already current\n");
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`readme failed: ${(error as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}
