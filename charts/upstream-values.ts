/**
 * Checks Helm values against a chart's own `values.yaml` when the chart ships no
 * `values.schema.json`: every key set must be one the chart has (Helm silently ignores the others,
 * so a typo or a removed key fails nowhere), and none the chart's comments mark DEPRECATED.
 */
import { readFileSync } from "node:fs";
import { isMap, isScalar, parseDocument, type YAMLMap } from "yaml";
import { isRecord } from "./schema";

/** Every problem with `values` against the chart's `values.yaml`, one line each. */
export function upstreamValuesProblems(
  values: Readonly<Record<string, unknown>>,
  valuesYamlFile: string,
): string[] {
  const document = parseDocument(readFileSync(valuesYamlFile, "utf8"));
  if (!isMap(document.contents)) {
    return [`${valuesYamlFile}: not a mapping`];
  }
  return walk(values, document.contents, []);
}

/** Mappings whose keys are the user's (node selectors, labels, annotations), defaults or not. */
const FREE_FORM = /^(nodeSelector|labels|annotations|.*Labels|.*Annotations)$/;

function walk(
  values: Readonly<Record<string, unknown>>,
  upstream: YAMLMap,
  path: readonly string[],
): string[] {
  // An empty mapping upstream is free-form (annotations, labels, extra settings).
  if (upstream.items.length === 0) {
    return [];
  }
  return Object.entries(values).flatMap(([key, value]) => {
    const here = [...path, key].join(".");
    const pair = upstream.items.find((item) => isScalar(item.key) && item.key.value === key);
    if (pair === undefined) {
      return [`${here}: not a value of the chart`];
    }
    const comment = isScalar(pair.key) ? (pair.key.commentBefore ?? "") : "";
    if (/\bDEPRECATED\b/.test(comment)) {
      return [`${here}: deprecated by the chart (${comment.trim().split("\n")[0] ?? ""})`];
    }
    return isRecord(value) && isMap(pair.value) && !FREE_FORM.test(key)
      ? walk(value, pair.value, [...path, key])
      : [];
  });
}
