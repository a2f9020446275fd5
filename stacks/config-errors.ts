import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

/** The config namespace of this project: keys are written `knowledgecity:<key>` in stack files. */
export const CONFIG_NAMESPACE = "knowledgecity";

/**
 * A stack configuration that cannot be used. It extends `RunError` so `pulumi up` prints the
 * message alone, without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
  /** Each problem on its own, already formatted as `key = value: what is allowed`. */
  public readonly problems: readonly string[];

  constructor(stack: string, problems: readonly string[]) {
    super(`Invalid config for stack ${stack}: ${problems.join("; ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** The key a user writes in a stack file for a path inside the parsed object. */
export function configKey(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path;
  if (head === undefined) {
    return CONFIG_NAMESPACE;
  }
  const top = head === "region" ? "aws:region" : `${CONFIG_NAMESPACE}:${String(head)}`;
  return rest.reduce<string>(
    (key, part) => (typeof part === "number" ? `${key}[${part}]` : `${key}.${String(part)}`),
    top,
  );
}

/**
 * One problem as a line of a `ConfigError`: `key = value: what is allowed`, naming the key as a
 * stack file writes it and showing the value as the user wrote it. `schema` is the whole stack
 * schema, which lists the keys allowed where an unknown one was written.
 */
export function describeIssue(
  issue: z.core.$ZodIssue,
  input: Record<string, unknown>,
  schema: z.core.$ZodType,
): string {
  if (issue.code === "unrecognized_keys") {
    return issue.keys
      .map(
        (key) =>
          `${configKey([...issue.path, key])}: unknown key; allowed keys are ${allowedKeys(schema, issue.path, input)}`,
      )
      .join("; ");
  }
  if (issue.code === "invalid_key") {
    // A record key that its key schema rejects: name the record, show the key.
    const reasons = issue.issues.map((inner) => inner.message).join(", ");
    return `${configKey(issue.path.slice(0, -1))} has key ${show(issue.input)}: ${reasons}`;
  }
  // Show the value as the user wrote it: an issue's own input can be the enclosing object (a
  // discriminated union reports the whole object against the path of its discriminator).
  if (valueAt(input, issue.path) === undefined) {
    return `${configKey(issue.path)} = (missing): required; ${issue.message}`;
  }
  return `${configKey(issue.path)} = ${show(valueAt(input, issue.path))}: ${issue.message}`;
}

/** A value as a problem shows it: JSON, cut to 80 characters. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The keys the schema allows at `path` (where the input's discriminators choose), for a hint. */
function allowedKeys(
  schema: z.core.$ZodType,
  path: readonly PropertyKey[],
  input: unknown,
): string {
  let current: z.core.$ZodType = schema;
  for (let index = 0; index < path.length; index += 1) {
    const shape = objectShape(current, valueAt(input, path.slice(0, index)));
    const next = shape?.[String(path[index])];
    if (next === undefined) {
      return "(see README)";
    }
    current = next;
  }
  const shape = objectShape(current, valueAt(input, path));
  if (shape === undefined) {
    return "(see README)";
  }
  const keys = Object.keys(shape).filter((key) => key !== "region");
  return keys.length === 0 ? "none yet" : keys.join(", ");
}

/** The object shape a schema carries; for a discriminated union, the option `value` selects. */
function objectShape(
  schema: z.core.$ZodType,
  value: unknown,
): Record<string, z.core.$ZodType> | undefined {
  let current: z.core.$ZodType = schema;
  // Unwrap defaults, optionals and refinements down to the object they carry.
  for (let depth = 0; depth < 8; depth += 1) {
    const def = current._zod.def;
    if (def.type === "object") {
      return (def as z.core.$ZodObjectDef).shape;
    }
    if (def.type === "union") {
      const union = def as z.core.$ZodDiscriminatedUnionDef;
      if (union.discriminator === undefined || value === null || typeof value !== "object") {
        return undefined;
      }
      const tag = (value as Record<string, unknown>)[union.discriminator];
      const option = union.options.find((candidate) => {
        const literal = objectShape(candidate, undefined)?.[union.discriminator]?._zod.def;
        return (
          literal?.type === "literal" &&
          (literal as z.core.$ZodLiteralDef<z.core.util.Literal>).values.some((v) => v === tag)
        );
      });
      if (option === undefined) {
        return undefined;
      }
      current = option;
      continue;
    }
    if (
      def.type === "default" ||
      def.type === "prefault" ||
      def.type === "optional" ||
      def.type === "pipe"
    ) {
      const inner =
        (def as { innerType?: z.core.$ZodType; in?: z.core.$ZodType }).innerType ??
        (def as { in?: z.core.$ZodType }).in;
      if (inner === undefined) {
        return undefined;
      }
      current = inner;
      continue;
    }
    return undefined;
  }
  return undefined;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const part of path) {
    if (current === null || typeof current !== "object") {
      return undefined;
    }
    current = (current as Record<string, unknown>)[String(part)];
  }
  return current;
}
