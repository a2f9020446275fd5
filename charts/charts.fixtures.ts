/**
 * Shared setup of the chart tests: the charts under test, realistic complete values for each
 * chart, and helpers that read templates and report schema errors in a form tests compare exactly.
 */
import type { ErrorObject } from "ajv";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  CHARTS_ROOT,
  chartDefaults,
  compileChartSchema,
  isRecord,
  mergeValues,
  type Values,
} from "./schema";

/** Charts this repository writes (Chart.yaml, templates and schema). */
export const OWN_CHARTS = ["analytics-api", "clickhouse"] as const;
/** Every folder with a values.yaml and a schema, including the upstream chart's overlay. */
export const ALL_CHARTS = [...OWN_CHARTS, "clickhouse-operator"] as const;

/** Schema errors of the chart's defaults merged with `overrides`, as Ajv reports them. */
export function schemaErrors(chart: string, overrides: Values): ErrorObject[] {
  const validate = compileChartSchema(chart);
  return validate(mergeValues(chartDefaults(chart), overrides)) ? [] : [...(validate.errors ?? [])];
}

/** The (keyword, path) pairs of the errors, for exact assertions. */
export function failures(chart: string, overrides: Values): { keyword: string; path: string }[] {
  return schemaErrors(chart, overrides).map((e) => ({ keyword: e.keyword, path: e.instancePath }));
}

/** The properties reported missing by `required`, as `<path>/<property>`. */
export function missing(chart: string, overrides: Values): string[] {
  return schemaErrors(chart, overrides)
    .filter((e) => e.keyword === "required")
    .map((e) => `${e.instancePath}/${String(e.params.missingProperty)}`)
    .sort();
}

/** A copy of `values` with `patch` merged in the Helm way (objects merge, the rest replaces). */
export function withPatch(values: Values, patch: Values): Values {
  return mergeValues(values, patch);
}

/** A complete, realistic deployment of the analytics API in us-east-1. */
export const apiValues: Values = {
  image: {
    repository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/analytics-api",
    digest: `sha256:${"3f".repeat(32)}`,
  },
  serviceAccount: { name: "analytics-api" },
  clickhouse: {
    url: "http://clickhouse-analytics.clickhouse.svc:8123",
    passwordSecret: { name: "analytics-api-clickhouse", key: "password" },
    migrator: { passwordSecret: { name: "analytics-api-clickhouse", key: "migrator-password" } },
  },
  ingress: {
    enabled: true,
    host: "analytics.us.knowledgecity.com",
    certificateArn:
      "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
    wafAclArn:
      "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/analytics/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
  },
  nodeSelector: { "karpenter.sh/nodepool": "general" },
  tolerations: [{ key: "workload", operator: "Equal", value: "general", effect: "NoSchedule" }],
};

/** A complete, realistic ClickHouse deployment in me-south-1. */
export const clickhouseValues: Values = {
  storage: { storageClassName: "gp3-encrypted" },
  users: [
    {
      name: "analytics_api",
      passwordSecret: { name: "clickhouse-users", key: "analytics_api" },
      networks: ["10.20.0.0/16"],
      grants: ["GRANT SELECT ON analytics.playback_requests"],
    },
    {
      name: "analytics_migrator",
      passwordSecret: { name: "clickhouse-users", key: "analytics_migrator" },
      networks: ["10.20.0.0/16"],
      grants: ["GRANT SELECT ON analytics.playback_requests"],
    },
    {
      name: "grafana",
      passwordSecret: { name: "clickhouse-users", key: "grafana" },
      profile: "readonly",
      networks: ["10.20.0.0/16"],
      grants: ["GRANT SELECT ON analytics.playback_requests"],
    },
    {
      name: "backup",
      passwordSecret: { name: "clickhouse-users", key: "backup" },
      networks: ["127.0.0.1/32"],
      grants: ["GRANT SELECT ON analytics.playback_requests"],
    },
  ],
  backup: {
    bucket: "knowledgecity-me-south-1-clickhouse-backups",
    region: "me-south-1",
    kmsKeyArn: "arn:aws:kms:me-south-1:123456789012:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789",
  },
};

/** Reads a chart file as text. */
export function chartFile(chart: string, ...parts: string[]): string {
  return readFileSync(join(CHARTS_ROOT, chart, ...parts), "utf8");
}

/** The text of every template of a chart, by file name. */
export function templates(chart: string): Map<string, string> {
  const dir = join(CHARTS_ROOT, chart, "templates");
  return new Map(
    readdirSync(dir)
      .filter((file) => /\.(ya?ml|tpl|txt)$/.test(file))
      .sort()
      .map((file) => [file, readFileSync(join(dir, file), "utf8")] as const),
  );
}

/** Every `.Values.a.b.c` path the templates of a chart read, as segment lists. */
export function valuesPaths(chart: string): string[][] {
  const paths = new Map<string, string[]>();
  for (const text of templates(chart).values()) {
    for (const match of text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
      const segments = (match[1] ?? "").split(".").slice(1);
      paths.set(segments.join("."), segments);
    }
  }
  return [...paths.values()];
}

/** The path of every key of nested mappings (not into arrays), as segment lists. */
export function mappingPaths(values: Values, prefix: readonly string[] = []): string[][] {
  return Object.entries(values).flatMap(([key, value]) => {
    const path = [...prefix, key];
    return isRecord(value) ? [path, ...mappingPaths(value, path)] : [path];
  });
}

/** Follows a local `$ref` (`#/definitions/x`) to the schema it names. */
function deref(root: Values, schema: Values): Values {
  const ref = schema.$ref;
  if (typeof ref !== "string") {
    return schema;
  }
  let target: unknown = root;
  for (const part of ref.replace(/^#\//, "").split("/")) {
    target = isRecord(target) ? target[part] : undefined;
  }
  if (!isRecord(target)) {
    throw new Error(`unresolvable $ref ${ref}`);
  }
  return deref(root, target);
}

/**
 * Whether a schema declares the path: each segment is a declared property, or falls under an
 * `additionalProperties` schema (free-form maps such as nodeSelector).
 */
export function schemaDeclares(root: Values, segments: readonly string[]): boolean {
  let schema: Values = root;
  for (const segment of segments) {
    schema = deref(root, schema);
    const properties = schema.properties;
    const declared = isRecord(properties) ? properties[segment] : undefined;
    if (isRecord(declared)) {
      schema = declared;
      continue;
    }
    const additional = schema.additionalProperties;
    if (isRecord(additional)) {
      schema = additional;
      continue;
    }
    return false;
  }
  return true;
}
