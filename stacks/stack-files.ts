/**
 * Reads the project and its `Pulumi.<stack>.yaml` files the way the Pulumi CLI hands them to a
 * program: the project's `config:` merged with the stack file's (./project-config), every value
 * a string, structured values as JSON text.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parse } from "yaml";
import {
  isSecure,
  mergeProjectConfig,
  parseProjectConfig,
  type ProjectConfigDeclaration,
} from "./project-config";

/** The repository root: where `Pulumi.yaml` lives. */
export const PROJECT_ROOT = resolve(__dirname, "..");

/** A stack file loaded as the CLI would pass it to the program. */
export interface StackFile {
  readonly stack: string;
  readonly path: string;
  /**
   * Full keys (`aws:region`) to values as strings: the stack file's, else the project's `value`
   * or `default` from `Pulumi.yaml`.
   */
  readonly config: Readonly<Record<string, string>>;
  /** Keys whose values are encrypted in the file; the mock engine sees a placeholder. */
  readonly secretKeys: readonly string[];
  /** Full keys whose value came from `Pulumi.yaml` (the stack file does not set them). @default [] */
  readonly projectKeys?: readonly string[];
}

/** The project file: its name and its `config:` block, shorthand resolved. */
export interface ProjectFile {
  readonly name: string;
  readonly path: string;
  /** Keys as `Pulumi.yaml` writes them to their declarations. */
  readonly config: Readonly<Record<string, ProjectConfigDeclaration>>;
}

/** Reads `Pulumi.yaml`; throws naming the file and key when its config breaks Pulumi's rules. */
export function readProjectFile(root: string = PROJECT_ROOT): ProjectFile {
  const path = join(root, "Pulumi.yaml");
  const project = parse(readFileSync(path, "utf8")) as { name?: unknown; config?: unknown } | null;
  if (typeof project?.name !== "string") {
    throw new Error(`${path} has no project name`);
  }
  return {
    name: project.name,
    path,
    config: parseProjectConfig(project.name, project.config, "Pulumi.yaml"),
  };
}

/** The project name from `Pulumi.yaml`. */
export function projectName(root: string = PROJECT_ROOT): string {
  return readProjectFile(root).name;
}

/** Stack names that have a `Pulumi.<stack>.yaml`, sorted. */
export function listStacks(root: string = PROJECT_ROOT): string[] {
  return readdirSync(root)
    .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

/**
 * Loads one stack file merged with the project's config, as the CLI would pass it to the
 * program; throws naming the file (and the key) when it is missing, malformed, or breaks a rule
 * of project-level config (./project-config), one line per problem.
 */
export function readStackFile(stack: string, root: string = PROJECT_ROOT): StackFile {
  const candidates = [`Pulumi.${stack}.yaml`, `Pulumi.${stack}.yml`].map((file) =>
    join(root, file),
  );
  const path = candidates.find((candidate) => {
    try {
      readFileSync(candidate);
      return true;
    } catch {
      return false;
    }
  });
  if (path === undefined) {
    throw new Error(
      `no stack file for stack ${JSON.stringify(stack)}; known stacks: ${listStacks(root).join(", ")}`,
    );
  }
  const document = parse(readFileSync(path, "utf8")) as { config?: unknown } | null;
  const raw = document?.config ?? {};
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error(`${path}: "config" must be a map of keys to values`);
  }
  const project = readProjectFile(root);
  const merged = mergeProjectConfig(
    project.name,
    project.config,
    stack,
    basename(path),
    raw as Record<string, unknown>,
  );
  return { stack, path, ...toCliConfig(merged.values), projectKeys: merged.fromProject };
}

/** Converts parsed YAML config to what the CLI passes a program. */
export function toCliConfig(raw: Readonly<Record<string, unknown>>): {
  config: Record<string, string>;
  secretKeys: string[];
} {
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (isSecure(value)) {
      config[key] = "[secret]";
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { config, secretKeys };
}
