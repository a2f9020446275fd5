/**
 * Checks Helm values against a chart's `values.schema.json` the way `helm install` does: the
 * chart's `values.yaml` deep-merged with the given values, then validated (JSON Schema draft-07).
 * The Pulumi components that deploy these charts use it in their tests, so a value they pass that
 * Helm would refuse fails there, offline, and not at deploy time.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { parse } from "yaml";

/** The folder holding the charts. */
export const CHARTS_ROOT = __dirname;

/** The repository root, which chart folders given as relative paths are resolved against. */
const REPO_ROOT = resolve(__dirname, "..");

/** Helm values: a YAML mapping. */
export type Values = Record<string, unknown>;

/** The outcome of validating values: every problem as one readable line. */
export interface ValuesValidation {
  readonly valid: boolean;
  readonly errors: string[];
}

/** True for a plain mapping (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The absolute folder of a chart. Accepts a path relative to the repository root
 * (`charts/analytics-api`), a chart name (`analytics-api`) or an absolute path, so callers work
 * from any working directory. Throws naming every place looked at when none holds a chart.
 */
export function resolveChartDir(chartDir: string): string {
  const candidates = isAbsolute(chartDir)
    ? [chartDir]
    : [join(REPO_ROOT, chartDir), join(CHARTS_ROOT, chartDir)];
  const found = candidates.find((dir) => existsSync(join(dir, "values.yaml")));
  if (found === undefined) {
    throw new Error(
      `no chart at ${JSON.stringify(chartDir)}: none of ${candidates.join(", ")} has a values.yaml`,
    );
  }
  return found;
}

/** Reads and parses a YAML or JSON file, naming the file in any error. */
function readParsed(file: string): unknown {
  try {
    return parse(readFileSync(file, "utf8")) as unknown;
  } catch (error) {
    throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

/** The chart's `values.yaml` as an object (an empty file gives `{}`). */
export function chartDefaults(chartDir: string): Values {
  const file = join(resolveChartDir(chartDir), "values.yaml");
  const parsed = readParsed(file);
  if (parsed === null || parsed === undefined) {
    return {};
  }
  if (!isRecord(parsed)) {
    throw new Error(`${file}: the top level must be a mapping`);
  }
  return parsed;
}

/** The chart's `values.schema.json` as an object. */
export function chartSchema(chartDir: string): Values {
  const file = join(resolveChartDir(chartDir), "values.schema.json");
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (!isRecord(parsed)) {
    throw new Error(`${file}: the schema must be a JSON object`);
  }
  return parsed;
}

/**
 * Merges user values over chart defaults as Helm does: mappings merge key by key, recursively;
 * arrays and scalars replace; a `null` deletes the default key. Neither input is changed.
 */
export function mergeValues(defaults: Values, overrides: Values): Values {
  const merged: Values = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) {
      // Object spread copies own properties only, so `delete` leaves `defaults` untouched.
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
      delete merged[key];
      continue;
    }
    const base = merged[key];
    merged[key] = isRecord(base) && isRecord(value) ? mergeValues(base, value) : value;
  }
  return merged;
}

const compiled = new Map<string, ValidateFunction>();

/**
 * The compiled schema of a chart, in Ajv's strict mode (unknown keywords, ambiguous types and
 * similar schema mistakes are errors); cached per chart.
 */
export function compileChartSchema(chartDir: string): ValidateFunction {
  const dir = resolveChartDir(chartDir);
  const cached = compiled.get(dir);
  if (cached !== undefined) {
    return cached;
  }
  // One Ajv per chart: schemas carry an $id, which one instance accepts once only.
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validate = ajv.compile(chartSchema(dir));
  compiled.set(dir, validate);
  return validate;
}

/** One line per schema error: the JSON pointer of the value, the rule and what it needs. */
export function formatSchemaError(error: ErrorObject): string {
  const where = error.instancePath === "" ? "(root)" : error.instancePath;
  const detail =
    error.keyword === "additionalProperties" && typeof error.params.additionalProperty === "string"
      ? ` (${error.params.additionalProperty})`
      : "";
  return `${where} ${error.message ?? error.keyword}${detail}`;
}

/**
 * A validator for a chart's values: each call merges the given values over the chart's
 * `values.yaml` (as Helm does) and checks the result against `values.schema.json`. `undefined`
 * or `null` stand for no user values.
 */
export function chartValuesValidator(chartDir: string): (values: unknown) => ValuesValidation {
  const validate = compileChartSchema(chartDir);
  const defaults = chartDefaults(chartDir);
  return (values: unknown): ValuesValidation => {
    if (values !== undefined && values !== null && !isRecord(values)) {
      return { valid: false, errors: ["(root) values must be a mapping"] };
    }
    const merged = mergeValues(defaults, values ?? {});
    if (validate(merged)) {
      return { valid: true, errors: [] };
    }
    return { valid: false, errors: (validate.errors ?? []).map(formatSchemaError) };
  };
}
