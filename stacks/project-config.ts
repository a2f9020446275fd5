/**
 * Project-level config: the `config:` block of `Pulumi.yaml`, checked and merged with a stack
 * file the way the Pulumi CLI does before it runs the program, so the offline plan and the tests
 * see the config `pulumi preview` would pass.
 *
 * Pulumi's rules, from the project file reference
 * (https://www.pulumi.com/docs/iac/concepts/projects/project-file/#config-options), the
 * configuration page (https://www.pulumi.com/docs/iac/concepts/config/, "Project Level
 * Configuration", "Project and Stack Configuration Scope", "Strongly Typed Configuration") and
 * the CLI's own code (pulumi/pulumi `sdk/go/common/workspace/project.go`, `project.json` and
 * `config.go`, which decides where the pages are silent):
 *
 * - a key is a string, integer, boolean or array written directly (shorthand), or a declaration
 *   with only `type`, `items`, `description`, `secret`, `default` and `value`;
 * - shorthand on a key of the project's namespace (`knowledgecity:x`, or `x` alone) is its
 *   `default`; on any other namespace (`aws:region`, `pulumi:disable-default-providers`) its
 *   `value`. Objects need the declaration form (`value:` or `default:`);
 * - `type` is `string`, `integer`, `boolean` or `array` (which needs `items`); objects cannot be
 *   typed. A `default` must match the `type`; `default` and `value` exclude each other;
 * - a key of another namespace takes neither `type` nor `default`, only `value`;
 * - a stack file's value for a key replaces the project's whole value: objects are not merged;
 * - a project-namespace key declared without `default` or `value` must be set by every stack;
 * - a typed key's value, after the merge, must be of its type (a stack file's top-level scalar is
 *   checked as the text the CLI holds: `"5"` is an integer, `"true"` a boolean); a key declared
 *   `secret: true` must be encrypted (`secure:`) in the stack file.
 *
 * Project-level values are clear text: Pulumi has no project-level secrets yet
 * (https://github.com/pulumi/pulumi/issues/11549), so a secret is set per stack as `secure:`.
 */

/** The types a project may declare for a config key (project.json `simpleConfigType`). */
export const PROJECT_CONFIG_TYPES = ["string", "integer", "boolean", "array"] as const;

/** A type a project declares for a config key. */
export type ProjectConfigType = (typeof PROJECT_CONFIG_TYPES)[number];

/** The type of an array's items, possibly itself an array. */
export interface ProjectConfigItems {
  readonly type: ProjectConfigType;
  readonly items?: ProjectConfigItems;
}

/** One key of `Pulumi.yaml`'s `config:` block, shorthand resolved to `default` or `value`. */
export interface ProjectConfigDeclaration {
  readonly type?: ProjectConfigType;
  readonly items?: ProjectConfigItems;
  readonly description?: string;
  readonly secret?: boolean;
  /** What a stack gets when its file does not set the key; the stack file may set it. */
  readonly default?: unknown;
  /** The key's value for every stack (this project refuses a stack file that sets it). */
  readonly value?: unknown;
}

const DECLARATION_FIELDS = ["type", "items", "description", "secret", "default", "value"];

/** Whether `key` is in the project's namespace (`name:x`, or `x` alone), as Pulumi decides it. */
export function inProjectNamespace(project: string, key: string): boolean {
  return !key.includes(":") || key.startsWith(`${project}:`);
}

/** The full key (`knowledgecity:x`) of a project-level key written `x` or `knowledgecity:x`. */
export function fullConfigKey(project: string, key: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/**
 * Reads the `config:` block of a project file, shorthand resolved. Throws one line per problem
 * (each naming `file` and the key) when the block breaks a rule the CLI enforces.
 */
export function parseProjectConfig(
  project: string,
  raw: unknown,
  file: string,
): Record<string, ProjectConfigDeclaration> {
  if (raw === undefined || raw === null) {
    return {};
  }
  if (!isPlainObject(raw)) {
    throw new Error(`${file}: config: expected a map of config keys to values or declarations`);
  }
  const declarations: Record<string, ProjectConfigDeclaration> = {};
  const problems: string[] = [];
  for (const [key, entry] of Object.entries(raw)) {
    const result = declarationOf(project, key, entry);
    if (typeof result === "string") {
      problems.push(`${file}: config: ${key}: ${result}`);
    } else {
      declarations[key] = result;
    }
  }
  if (problems.length > 0) {
    throw new Error(problems.join("\n"));
  }
  return declarations;
}

/** One entry as a declaration, or what is wrong with it. */
function declarationOf(
  project: string,
  key: string,
  entry: unknown,
): ProjectConfigDeclaration | string {
  const own = inProjectNamespace(project, key);
  if (isShorthand(entry)) {
    return own ? { default: entry } : { value: entry };
  }
  if (!isPlainObject(entry)) {
    return "expected a string, integer, boolean, array or a declaration ({ type, description, default, value, ... }); an object value goes under value:";
  }
  const unknown = Object.keys(entry).filter((field) => !DECLARATION_FIELDS.includes(field));
  if (unknown.length > 0) {
    return `unknown attribute ${unknown.join(", ")}; a declaration takes ${DECLARATION_FIELDS.join(", ")} (an object value goes under value:)`;
  }
  const { type, items, description, secret } = entry;
  const declaration = {
    ...(type === undefined ? {} : { type }),
    ...(items === undefined ? {} : { items }),
    ...(description === undefined ? {} : { description }),
    ...(secret === undefined ? {} : { secret }),
    ...(entry.default === undefined ? {} : { default: entry.default }),
    ...(entry.value === undefined ? {} : { value: entry.value }),
  };
  if (description !== undefined && typeof description !== "string") {
    return "description: expected a string";
  }
  if (secret !== undefined && typeof secret !== "boolean") {
    return "secret: expected true or false";
  }
  if (type !== undefined) {
    const problem = typeProblem(type, items);
    if (problem !== undefined) {
      return problem;
    }
  } else if (items !== undefined) {
    return "items: only an array type takes items";
  }
  if (entry.default !== undefined && entry.value !== undefined) {
    return "cannot have both a 'default' and 'value' attribute";
  }
  if (!own) {
    if (type !== undefined) {
      return "is not namespaced by the project and should not define a type";
    }
    if (entry.default !== undefined) {
      return "is not namespaced by the project and should not define a default value; use value:";
    }
    if (entry.value === undefined) {
      return "is namespaced and must provide an attribute 'value'";
    }
  } else if (type !== undefined && entry.default !== undefined) {
    const typed = declaration as ProjectConfigDeclaration & { type: ProjectConfigType };
    if (!matchesType(typed.type, typed.items, entry.default)) {
      return `the default value is not of the expected type '${typeName(typed.type, typed.items)}'`;
    }
  }
  return declaration as ProjectConfigDeclaration;
}

/** What is wrong with a declared type and its items, or undefined. */
function typeProblem(type: unknown, items: unknown): string | undefined {
  if (!PROJECT_CONFIG_TYPES.includes(type as ProjectConfigType)) {
    return `type ${JSON.stringify(type)} is not a type Pulumi declares; expected ${PROJECT_CONFIG_TYPES.join(", ")} (objects cannot be typed)`;
  }
  if (type === "array") {
    if (items === undefined) {
      return "declares an array but does not specify the underlying type via the 'items' attribute";
    }
    if (!isPlainObject(items)) {
      return "items: expected { type }";
    }
    return typeProblem(items.type, items.items);
  }
  return items === undefined ? undefined : "items: only an array type takes items";
}

/** `array<string>` for an array of strings, as the CLI names a type in its messages. */
export function typeName(type: ProjectConfigType, items?: ProjectConfigItems): string {
  return items === undefined ? type : `array<${typeName(items.type, items.items)}>`;
}

/**
 * Whether a value is of a declared type, as the CLI's `ValidateConfigValue` decides: an integer
 * may be the text of one, a boolean the text `true` or `false`, and each item of an array must
 * be of the items' type.
 */
export function matchesType(
  type: ProjectConfigType,
  items: ProjectConfigItems | undefined,
  value: unknown,
): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return (
        (typeof value === "number" && Number.isInteger(value)) ||
        (typeof value === "string" && /^[+-]?\d+$/.test(value))
      );
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "array":
      return (
        Array.isArray(value) &&
        items !== undefined &&
        value.every((item) => matchesType(items.type, items.items, item))
      );
  }
}

/** A stack file's config as parsed YAML: full keys to values, `{ secure }` for encrypted ones. */
export type StackFileValues = Readonly<Record<string, unknown>>;

/** The result of merging a project's config into one stack file's. */
export interface MergedConfig {
  /** Full keys to values: the stack file's, else the project's `value` or `default`. */
  readonly values: Record<string, unknown>;
  /** Full keys whose value came from `Pulumi.yaml`. */
  readonly fromProject: readonly string[];
}

/**
 * Merges the project's config into a stack file's as the CLI does, then checks it: a required
 * project key the stack leaves unset, a typed key of the wrong type, a secret key in clear text,
 * and (this project's rule) a stack file setting a key `Pulumi.yaml` gives a `value`. Throws one
 * line per problem, in the CLI's words where it has them.
 */
export function mergeProjectConfig(
  project: string,
  declarations: Readonly<Record<string, ProjectConfigDeclaration>>,
  stack: string,
  file: string,
  stackValues: StackFileValues,
): MergedConfig {
  const values: Record<string, unknown> = { ...stackValues };
  const fromProject: string[] = [];
  const missing: string[] = [];
  const problems: string[] = [];
  for (const key of Object.keys(declarations).sort()) {
    const declaration = declarations[key] ?? {};
    const full = fullConfigKey(project, key);
    const onStack = full in stackValues;
    if (onStack && declaration.value !== undefined) {
      // Pulumi lets the stack file win; a second copy of a value every stack shares is what
      // project-level config removes, and the cross-stack rules rely on it being one value.
      problems.push(
        `${file}: ${full}: set once for every stack in Pulumi.yaml (its value: ${JSON.stringify(declaration.value)}); remove it from the stack file`,
      );
      continue;
    }
    if (!onStack) {
      const projectValue = declaration.value ?? declaration.default;
      if (projectValue === undefined) {
        if (inProjectNamespace(project, key)) {
          missing.push(key);
        }
        continue;
      }
      values[full] = projectValue;
      fromProject.push(full);
    }
  }
  if (missing.length > 0) {
    problems.push(
      `Stack '${stack}' is missing configuration ${missing.length > 1 ? "values" : "value"} ${missing.map((key) => `'${key}'`).join(", ")}: set ${missing.length > 1 ? "them" : "it"} in ${file} (Pulumi.yaml declares ${missing.length > 1 ? "them" : "it"} with no default)`,
    );
  }
  for (const key of Object.keys(declarations).sort()) {
    const declaration = declarations[key] ?? {};
    if (declaration.type === undefined) {
      continue;
    }
    const full = fullConfigKey(project, key);
    const value = values[full];
    if (value === undefined) {
      continue;
    }
    if (isSecure(value)) {
      continue; // encrypted: the CLI decrypts it before checking; offline it stays unread
    }
    if (declaration.secret === true && !fromProject.includes(full)) {
      problems.push(
        `Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret (pulumi config set --secret ${full})`,
      );
      continue;
    }
    if (!matchesType(declaration.type, declaration.items, asCliHolds(value))) {
      problems.push(
        `Stack '${stack}' with configuration key '${key}' must be of type '${typeName(declaration.type, declaration.items)}' (${file} has ${JSON.stringify(value)})`,
      );
    }
  }
  if (problems.length > 0) {
    throw new Error(problems.join("\n"));
  }
  return { values, fromProject };
}

/** Whether a stack file value is encrypted (`secure: v1:...`). */
export function isSecure(value: unknown): boolean {
  return isPlainObject(value) && "secure" in value;
}

/**
 * A value as the CLI holds it when it checks a type: a top-level scalar as its text (YAML `5`
 * and `"5"` are both the text 5), structures as they are.
 */
function asCliHolds(value: unknown): unknown {
  return value !== null && typeof value === "object" ? value : String(value);
}

function isShorthand(value: unknown): boolean {
  return (
    typeof value === "string" ||
    typeof value === "boolean" ||
    (typeof value === "number" && Number.isInteger(value)) ||
    Array.isArray(value)
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
