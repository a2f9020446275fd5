/**
 * Reads the project and its `Pulumi.<stack>.yaml` files the way the Pulumi CLI hands them to a
 * program: every config value becomes a string, structured values as JSON text.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";

/** The repository root: where `Pulumi.yaml` lives. */
export const PROJECT_ROOT = resolve(__dirname, "..");

/** A stack file loaded as the CLI would pass it to the program. */
export interface StackFile {
  readonly stack: string;
  readonly path: string;
  /** Full keys (`aws:region`) to values as strings. */
  readonly config: Readonly<Record<string, string>>;
  /** Keys whose values are encrypted in the file; the mock engine sees a placeholder. */
  readonly secretKeys: readonly string[];
}

/** The project name from `Pulumi.yaml`. */
export function projectName(root: string = PROJECT_ROOT): string {
  const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as { name?: unknown };
  if (typeof project.name !== "string") {
    throw new Error(`${join(root, "Pulumi.yaml")} has no project name`);
  }
  return project.name;
}

/** Stack names that have a `Pulumi.<stack>.yaml`, sorted. */
export function listStacks(root: string = PROJECT_ROOT): string[] {
  return readdirSync(root)
    .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

/** Loads one stack file; throws naming the file when it is missing or malformed. */
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
  return { stack, path, ...toCliConfig(raw as Record<string, unknown>) };
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

function isSecure(value: unknown): boolean {
  return value !== null && typeof value === "object" && "secure" in value;
}
