/**
 * `schema.ts`: finding a chart, reading its defaults, merging values the Helm way and validating
 * the merge.
 */
import { describe, expect, it } from "vitest";
import { apiValues, clickhouseValues, withPatch } from "./charts.fixtures";
import {
  chartDefaults,
  chartValuesValidator,
  mergeValues,
  resolveChartDir,
  type Values,
} from "./schema";

describe("schema.ts", () => {
  it("finds a chart by repository path, by name or by absolute path", () => {
    const byName = resolveChartDir("analytics-api");
    expect(resolveChartDir("charts/analytics-api")).toBe(byName);
    expect(resolveChartDir("./charts/analytics-api")).toBe(byName);
    expect(resolveChartDir(byName)).toBe(byName);
    expect(() => resolveChartDir("charts/no-such-chart")).toThrow(
      /no chart at "charts\/no-such-chart"/,
    );
  });

  it("chartDefaults returns values.yaml", () => {
    const defaults = chartDefaults("charts/analytics-api");
    expect(defaults.containerPort).toBe(8080);
    expect(defaults.service).toEqual({ port: 80 });
    expect(chartDefaults("clickhouse").replicas).toBe(2);
  });

  it("mergeValues merges mappings, replaces arrays and scalars, and deletes on null", () => {
    const defaults: Values = { a: { b: 1, c: [1, 2], d: "x" }, e: true, f: { g: 1 } };
    const merged = mergeValues(defaults, { a: { c: [3], d: "y", h: 2 }, e: false, f: null });
    expect(merged).toEqual({ a: { b: 1, c: [3], d: "y", h: 2 }, e: false });
    expect(defaults).toEqual({ a: { b: 1, c: [1, 2], d: "x" }, e: true, f: { g: 1 } });
  });

  it("chartValuesValidator validates the merge of values.yaml and the given values", () => {
    const validate = chartValuesValidator("charts/analytics-api");
    expect(validate(apiValues)).toEqual({ valid: true, errors: [] });
    const alone = validate(undefined);
    expect(alone.valid).toBe(false);
    expect(alone.errors).toContain("/image must have required property 'repository'");
    expect(validate(withPatch(apiValues, { clickhouse: { password: "x" } })).errors).toEqual([
      "/clickhouse must NOT have additional properties (password)",
    ]);
    expect(validate(["not", "a", "mapping"])).toEqual({
      valid: false,
      errors: ["(root) values must be a mapping"],
    });
  });

  it("chartValuesValidator replaces arrays rather than merging them, as Helm does", () => {
    const validate = chartValuesValidator("clickhouse");
    expect(validate(clickhouseValues).valid).toBe(true);
    expect(validate(withPatch(clickhouseValues, { users: [] })).errors).toContain(
      "/users must NOT have fewer than 1 items",
    );
  });
});
