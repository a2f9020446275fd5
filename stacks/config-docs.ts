/**
 * The README's config table, made from the zod schemas' metadata (each key's `ConfigDoc`,
 * registered with `.meta()` or `documentSettings`) and from `Pulumi.yaml` (where each key is set).
 * One source: the schema that validates a key also says what it means, and Pulumi.yaml's
 * declarations carry the same descriptions (./config-docs.test.ts checks both).
 */
import { z } from "zod";
import type { ConfigDoc } from "../components/shared/settings";
import {
  DISABLE_DEFAULT_PROVIDERS,
  DISABLE_DEFAULT_PROVIDERS_DOC,
  stackSettingsSchema,
} from "./config";
import { configKey } from "./config-errors";
import { fullConfigKey, typeName, type ProjectConfigItems } from "./project-config";
import { readProjectFile, type ProjectFile } from "./stack-files";

/** One row of the config table. */
export interface ConfigRow {
  /** The key as a stack file writes it (`knowledgecity:network.cidr`). */
  readonly key: string;
  readonly type: string;
  readonly default: string;
  /** Where the key is set: once in Pulumi.yaml, or per stack. */
  readonly setIn: string;
  readonly meaning: string;
}

/** The documented keys of the stack schema, in the schema's order, and the undocumented ones. */
export function configRows(project: ProjectFile = readProjectFile()): {
  rows: ConfigRow[];
  undocumented: string[];
} {
  const rows: ConfigRow[] = [];
  const undocumented: string[] = [];
  const seen = new Set<string>();
  const where = (path: readonly string[]): { setIn: string; projectValue?: unknown } => {
    const top = configKey(path.slice(0, 1));
    const declared = Object.entries(project.config).find(
      ([key]) => fullConfigKey(project.name, key) === top,
    )?.[1];
    if (declared?.value !== undefined) {
      return { setIn: "Pulumi.yaml, for every stack", projectValue: declared.value };
    }
    if (declared?.default !== undefined) {
      return { setIn: "stack file; default in Pulumi.yaml" };
    }
    return { setIn: "stack file" };
  };
  const visit = (schema: z.core.$ZodType, path: readonly string[]): void => {
    const key = configKey(path);
    const doc = docOf(schema);
    const children = childrenOf(schema);
    const documentedChild = children.some(([, child]) => hasDoc(child));
    if (doc !== undefined && !documentedChild) {
      if (seen.has(key)) {
        return;
      }
      seen.add(key);
      const { setIn, projectValue } = where(path);
      rows.push({
        key: doc.keyText ?? key,
        type: doc.typeText ?? describeType(schema),
        default:
          path.length === 1 && projectValue !== undefined
            ? projectValueText(projectValue)
            : (doc.defaultText ?? describeDefault(schema)),
        setIn,
        meaning: doc.description,
      });
      return;
    }
    if (children.length === 0) {
      if (!seen.has(key)) {
        undocumented.push(key);
      }
      return;
    }
    for (const [name, child] of children) {
      visit(child, [...path, name]);
    }
  };
  for (const [name, child] of childrenOf(stackSettingsSchema)) {
    visit(child, [name]);
    if (name === "region") {
      rows.push({
        key: DISABLE_DEFAULT_PROVIDERS,
        type: DISABLE_DEFAULT_PROVIDERS_DOC.typeText ?? "list",
        default: DISABLE_DEFAULT_PROVIDERS_DOC.defaultText ?? "required",
        setIn: disableDefaultProvidersSetIn(project),
        meaning: DISABLE_DEFAULT_PROVIDERS_DOC.description,
      });
    }
  }
  return { rows, undocumented };
}

/**
 * The README's config table: key, type, default, where it is set and what it means, one row per
 * documented key, padded as Prettier pads a markdown table.
 */
export function configTableReadmeBlock(project: ProjectFile = readProjectFile()): string {
  const header = ["key", "type", "default", "set in", "meaning"];
  const cells = configRows(project).rows.map((row) => [
    `\`${row.key}\``,
    row.type,
    row.default,
    row.setIn,
    row.meaning,
  ]);
  const table = [header, ...cells].map((line) => line.map(escapeCell));
  const widths = header.map((_, column) =>
    Math.max(3, ...table.map((line) => (line[column] ?? "").length)),
  );
  const render = (line: readonly string[]): string =>
    `| ${line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  const [head, ...body] = table;
  return [
    render(head ?? []),
    `| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`,
    ...body.map(render),
  ].join("\n");
}

/** The type Pulumi.yaml can declare for a schema, or undefined (objects, records, unions). */
export function pulumiTypeOf(
  schema: z.core.$ZodType,
): { type: "string" | "integer" | "boolean" | "array"; items?: ProjectConfigItems } | undefined {
  const inner = unwrap(schema);
  const def = inner._zod.def;
  switch (def.type) {
    case "string":
    case "enum":
      return { type: "string" };
    case "boolean":
      return { type: "boolean" };
    case "number":
      return inner._zod.bag.format === "safeint" ? { type: "integer" } : undefined;
    case "literal": {
      const values = (def as z.core.$ZodLiteralDef<z.core.util.Literal>).values;
      if (values.every((value) => typeof value === "string")) {
        return { type: "string" };
      }
      if (values.every((value) => typeof value === "number" && Number.isInteger(value))) {
        return { type: "integer" };
      }
      return values.every((value) => typeof value === "boolean") ? { type: "boolean" } : undefined;
    }
    case "array": {
      const items = pulumiTypeOf((def as z.core.$ZodArrayDef).element);
      return items === undefined ? undefined : { type: "array", items };
    }
    default:
      return undefined;
  }
}

/** `array<string>`, `integer`, ... for a schema Pulumi can type. */
export function pulumiTypeName(schema: z.core.$ZodType): string | undefined {
  const type = pulumiTypeOf(schema);
  return type === undefined ? undefined : typeName(type.type, type.items);
}

/** The value a schema takes when the key is left out, or undefined when it has none. */
export function schemaDefault(schema: z.core.$ZodType): unknown {
  const result = z.safeParse(schema, undefined);
  return result.success ? result.data : undefined;
}

/** The doc of a schema: the first metadata found through the wrappers around it. */
export function docOf(schema: z.core.$ZodType): ConfigDoc | undefined {
  let current: z.core.$ZodType | undefined = schema;
  for (let depth = 0; current !== undefined && depth < 8; depth += 1) {
    const meta = z.globalRegistry.get(current);
    if (typeof meta?.description === "string") {
      return meta as ConfigDoc;
    }
    current = innerOf(current);
  }
  return undefined;
}

function hasDoc(schema: z.core.$ZodType): boolean {
  return docOf(schema) !== undefined || childrenOf(schema).some(([, child]) => hasDoc(child));
}

function disableDefaultProvidersSetIn(project: ProjectFile): string {
  const declared = project.config[DISABLE_DEFAULT_PROVIDERS];
  return declared?.value === undefined ? "stack file" : "Pulumi.yaml, for every stack";
}

/** The keys inside an object schema (for a union, every option's, first seen first). */
function childrenOf(schema: z.core.$ZodType): [string, z.core.$ZodType][] {
  const inner = unwrap(schema);
  const def = inner._zod.def;
  if (def.type === "object") {
    return Object.entries((def as z.core.$ZodObjectDef).shape);
  }
  if (def.type === "union") {
    const entries = (def as z.core.$ZodUnionDef).options.flatMap(childrenOf);
    const first = new Map<string, z.core.$ZodType>();
    for (const [name, child] of entries) {
      if (!first.has(name) || (docOf(first.get(name) ?? child) === undefined && hasDoc(child))) {
        first.set(name, child);
      }
    }
    return [...first.entries()];
  }
  return [];
}

function innerOf(schema: z.core.$ZodType): z.core.$ZodType | undefined {
  const def = schema._zod.def;
  switch (def.type) {
    case "default":
    case "prefault":
    case "optional":
    case "nullable":
      return (def as unknown as { innerType: z.core.$ZodType }).innerType;
    case "pipe":
      return (def as z.core.$ZodPipeDef).in;
    default:
      return undefined;
  }
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (let inner = innerOf(current); inner !== undefined; inner = innerOf(current)) {
    current = inner;
  }
  return current;
}

/** A type as the table words it, where the doc does not say. */
function describeType(schema: z.core.$ZodType): string {
  const inner = unwrap(schema);
  const def = inner._zod.def;
  if (def.type === "enum") {
    return Object.values((def as z.core.$ZodEnumDef).entries)
      .map((value) => `\`${String(value)}\``)
      .join(" | ");
  }
  if (def.type === "literal") {
    return (def as z.core.$ZodLiteralDef<z.core.util.Literal>).values
      .map((value) => `\`${String(value)}\``)
      .join(" | ");
  }
  if (def.type === "number") {
    const { minimum, maximum } = inner._zod.bag as { minimum?: number; maximum?: number };
    return minimum !== undefined && maximum !== undefined ? `${minimum}-${maximum}` : "number";
  }
  if (def.type === "array") {
    return "list";
  }
  if (def.type === "object" || def.type === "record") {
    return "map";
  }
  return def.type;
}

/** A default as the table words it, where the doc does not say. */
function describeDefault(schema: z.core.$ZodType): string {
  const result = z.safeParse(schema, undefined);
  if (!result.success) {
    return "required";
  }
  if (result.data === undefined) {
    return "none";
  }
  if (Array.isArray(result.data) && result.data.every((item) => typeof item === "string")) {
    return result.data.length === 0 ? "`[]`" : `\`${result.data.join(" ")}\``;
  }
  return typeof result.data === "string"
    ? `\`${result.data}\``
    : `\`${JSON.stringify(result.data)}\``;
}

function projectValueText(value: unknown): string {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? "see Pulumi.yaml"
    : `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;
}

/** A cell's text with the table's separator escaped. */
function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/**
 * Where Pulumi.yaml's declarations disagree with the zod schemas, one line each: a description
 * that is not the schema's, a type that is not the one Pulumi can declare for it, a default that
 * is not the schema's, a key the schema does not have; a key Pulumi can type that is declared
 * untyped or not at all; a key the schema requires that Pulumi.yaml does not require of (or give
 * to) every stack.
 */
export function projectConfigDrift(project: ProjectFile = readProjectFile()): string[] {
  const shape = Object.fromEntries(childrenOf(stackSettingsSchema));
  const problems: string[] = [];
  const declaredKeys = new Set<string>();
  for (const [written, declaration] of Object.entries(project.config)) {
    const key = fullConfigKey(project.name, written);
    declaredKeys.add(key);
    if (key === DISABLE_DEFAULT_PROVIDERS) {
      if (declaration.description !== DISABLE_DEFAULT_PROVIDERS_DOC.description) {
        problems.push(`${key}: description differs from DISABLE_DEFAULT_PROVIDERS_DOC's`);
      }
      continue;
    }
    const name = key.startsWith(`${project.name}:`) ? key.slice(project.name.length + 1) : "";
    const schema = shape[name];
    if (schema === undefined || name === "region") {
      problems.push(`${key}: not a key of the stack schema (stacks/config.ts)`);
      continue;
    }
    const doc = docOf(schema);
    if (declaration.description !== doc?.description) {
      problems.push(
        `${key}: description ${JSON.stringify(declaration.description)}, the schema's ${JSON.stringify(doc?.description)}`,
      );
    }
    const type = pulumiTypeName(schema);
    const declaredType =
      declaration.type === undefined ? undefined : typeName(declaration.type, declaration.items);
    if (declaredType !== type) {
      problems.push(
        `${key}: declared type ${declaredType ?? "none"}, the schema's ${type ?? "none (an object)"}`,
      );
    }
    const required = declaration.default === undefined && declaration.value === undefined;
    if (required && z.safeParse(schema, undefined).success) {
      problems.push(`${key}: Pulumi.yaml requires it of every stack, the schema does not`);
    }
    if (
      declaration.default !== undefined &&
      JSON.stringify(declaration.default) !== JSON.stringify(schemaDefault(schema))
    ) {
      problems.push(
        `${key}: default ${JSON.stringify(declaration.default)}, the schema's ${JSON.stringify(schemaDefault(schema))}`,
      );
    }
  }
  for (const [name, schema] of Object.entries(shape)) {
    if (name === "region") {
      continue; // aws:region: another namespace's key, which Pulumi.yaml cannot require
    }
    const key = `${project.name}:${name}`;
    const type = pulumiTypeName(schema);
    if (type !== undefined && !declaredKeys.has(key)) {
      problems.push(`${key}: Pulumi can type it (${type}) but Pulumi.yaml does not declare it`);
    }
    if (!z.safeParse(schema, undefined).success && !declaredKeys.has(key)) {
      problems.push(`${key}: required by the schema but not declared in Pulumi.yaml`);
    }
  }
  return problems;
}
