/**
 * Writes the pack's policy config for one stack from that stack's config (its file merged with
 * `Pulumi.yaml`'s project-level values), so the allowed regions the pack enforces are the ones
 * `Pulumi.<stack>.yaml` declares and adding a region stays one file:
 *
 *   npm run policy-config -- --stack me-south-1 --out policy-config.json
 *   pulumi preview --stack me-south-1 --policy-pack policy --policy-pack-config policy-config.json
 *
 * Not part of the pack itself (the CLI runs policy/index.ts); it runs from the project root.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { policyConfigFor, type ResidencyConfig } from "./crossguard";
import { RULES } from "./rules";
import { asObject } from "./rules/resource-facts";
import { decodeConfigValue } from "../stacks/config";
import { readStackFile } from "../stacks/stack-files";

/**
 * The stack's residency settings from its config (full keys to values): its allowed regions and,
 * when it names home regions (`homeRegion.hostnames`), those, where the home-region directory may
 * be replicated. Throws naming the stack file and what is wrong.
 */
export function residencyOfConfig(
  stack: string,
  project: string,
  config: Readonly<Record<string, unknown>>,
): ResidencyConfig {
  const key = `${project}:allowedRegions`;
  const where = `Pulumi.${stack}.yaml`;
  const value = config[key];
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((region): region is string => typeof region === "string" && region !== "")
  ) {
    throw new Error(
      `${where}: ${key} = ${JSON.stringify(value) ?? "(missing)"}; expected a non-empty list of region names`,
    );
  }
  const hostnames = asObject(config[`${project}:homeRegion`])?.hostnames;
  const homeRegions = Object.keys(asObject(hostnames) ?? {});
  return { stack, allowedRegions: value, ...(homeRegions.length > 0 ? { homeRegions } : {}) };
}

/** `residencyOfConfig` of a stack file's own text, without the project's config. */
export function residencyOfStackFile(
  stack: string,
  project: string,
  stackFileText: string,
): ResidencyConfig {
  const config = asObject(asObject(parse(stackFileText) as unknown)?.config);
  if (config === undefined) {
    throw new Error(
      `Pulumi.${stack}.yaml has no config section; expected ${project}:allowedRegions in it`,
    );
  }
  return residencyOfConfig(stack, project, config);
}

/** The project name, which prefixes the program's config keys. */
export function projectOf(projectFileText: string): string {
  const name = asObject(parse(projectFileText) as unknown)?.name;
  if (typeof name !== "string" || name === "") {
    throw new Error(`Pulumi.yaml has no project name; expected name: <project>`);
  }
  return name;
}

/** The policy config file's text for one stack of the project in `root`. */
export function policyConfigText(root: string, stack: string): string {
  const project = projectOf(readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  if (!existsSync(stackFile)) {
    const stacks = readdirSync(root)
      .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
      .filter((name): name is string => name !== undefined);
    throw new Error(`no stack file Pulumi.${stack}.yaml; the stacks are ${stacks.join(", ")}`);
  }
  // The stack file merged with Pulumi.yaml's project-level config, as the CLI hands it to the
  // program: the home-region map is set once, at project level.
  const merged = readStackFile(stack, root).config;
  const residency = residencyOfConfig(
    stack,
    project,
    Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, decodeConfigValue(v)])),
  );
  return `${JSON.stringify(policyConfigFor(RULES, residency), null, 2)}\n`;
}

function main(argv: readonly string[]): number {
  const { values } = parseArgs({
    args: [...argv],
    options: { stack: { type: "string" }, out: { type: "string" } },
  });
  if (values.stack === undefined) {
    process.stderr.write("usage: npm run policy-config -- --stack <stack> [--out <file>]\n");
    return 2;
  }
  const text = policyConfigText(path.join(__dirname, ".."), values.stack);
  if (values.out === undefined) {
    process.stdout.write(text);
  } else {
    writeFileSync(values.out, text);
  }
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
