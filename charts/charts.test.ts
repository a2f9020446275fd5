/**
 * Contracts every chart keeps, without a Helm binary: each `values.schema.json` compiles in Ajv's
 * strict mode and the defaults break no rule; every `.Values` path a template reads is declared in
 * the schema and every declared top-level key is read.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  ALL_CHARTS,
  OWN_CHARTS,
  chartFile,
  mappingPaths,
  schemaDeclares,
  schemaErrors,
  valuesPaths,
} from "./charts.fixtures";
import {
  chartDefaults,
  chartSchema,
  chartValuesValidator,
  compileChartSchema,
  isRecord,
} from "./schema";

describe.each(ALL_CHARTS)("charts/%s", (chart) => {
  it("has a values.yaml that parses to a mapping", () => {
    const parsed: unknown = parse(chartFile(chart, "values.yaml"));
    expect(isRecord(parsed)).toBe(true);
  });

  it("has defaults that break no rule: values.yaml lacks values at most, never has wrong ones", () => {
    const wrong = schemaErrors(chart, {}).filter(
      (e) => !["required", "minItems", "if"].includes(e.keyword),
    );
    expect(wrong).toEqual([]);
  });

  it("has a draft-07 values.schema.json that compiles in Ajv's strict mode", () => {
    expect(chartSchema(chart).$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(() => compileChartSchema(chart)).not.toThrow();
  });
});

describe.each(OWN_CHARTS)("charts/%s: Chart.yaml", (chart) => {
  const meta: unknown = parse(chartFile(chart, "Chart.yaml"));

  it("is a Helm 3 application chart named after its folder, with semver versions", () => {
    expect(isRecord(meta)).toBe(true);
    if (!isRecord(meta)) return;
    expect(meta.apiVersion).toBe("v2");
    expect(meta.name).toBe(chart);
    expect(meta.type).toBe("application");
    expect(meta.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(typeof meta.appVersion).toBe("string");
    expect(typeof meta.description).toBe("string");
  });
});

describe("charts/analytics-api: Chart.yaml", () => {
  it("is version 0.1.0 of app 0.1.0", () => {
    const meta: unknown = parse(chartFile("analytics-api", "Chart.yaml"));
    expect(meta).toMatchObject({ version: "0.1.0", appVersion: "0.1.0" });
  });
});

describe.each(OWN_CHARTS)("charts/%s: CI values", (chart) => {
  it("pass the schema, so `helm lint` and `helm template` in CI run with complete values", () => {
    const values: unknown = parse(
      readFileSync(join(__dirname, chart, "ci", "test-values.yaml"), "utf8"),
    );
    expect(chartValuesValidator(`charts/${chart}`)(values).errors).toEqual([]);
  });
});

describe.each(OWN_CHARTS)("charts/%s: templates and schema agree", (chart) => {
  const schema = chartSchema(chart);
  const paths = valuesPaths(chart);

  it("reads some values", () => {
    expect(paths.length).toBeGreaterThan(10);
  });

  it("declares in the schema every .Values path a template reads", () => {
    const undeclared = paths
      .filter((path) => !schemaDeclares(schema, path))
      .map((p) => p.join("."));
    expect(undeclared).toEqual([]);
  });

  it("reads every top-level key the schema declares", () => {
    const properties = isRecord(schema.properties) ? Object.keys(schema.properties) : [];
    const read = new Set(paths.map((path) => path[0]));
    expect(properties.filter((key) => !read.has(key))).toEqual([]);
  });

  it("gives defaults in values.yaml only for keys the schema declares, at every depth", () => {
    const undeclared = mappingPaths(chartDefaults(chart))
      .filter((path) => !schemaDeclares(schema, path))
      .map((path) => path.join("."));
    expect(undeclared).toEqual([]);
  });
});
