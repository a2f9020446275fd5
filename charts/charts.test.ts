/**
 * The charts' values contracts, without a Helm binary: each `values.schema.json` compiles in
 * Ajv's strict mode, refuses what must never be deployed (missing secrets, one replica, inline
 * passwords, an ALB without a certificate, a world-open ClickHouse user) and accepts a realistic
 * deployment; every `.Values` path a template reads is declared in the schema and every declared
 * top-level key is read; the templates keep the invariants the platform relies on.
 */
import type { ErrorObject } from "ajv";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  CHARTS_ROOT,
  chartDefaults,
  chartSchema,
  chartValuesValidator,
  compileChartSchema,
  isRecord,
  mergeValues,
  resolveChartDir,
  type Values,
} from "./schema";

/** Charts this repository writes (Chart.yaml, templates and schema). */
const OWN_CHARTS = ["analytics-api", "clickhouse"] as const;
/** Every folder with a values.yaml and a schema, including the upstream chart's overlay. */
const ALL_CHARTS = [...OWN_CHARTS, "clickhouse-operator"] as const;

/** Schema errors of the chart's defaults merged with `overrides`, as Ajv reports them. */
function schemaErrors(chart: string, overrides: Values): ErrorObject[] {
  const validate = compileChartSchema(chart);
  return validate(mergeValues(chartDefaults(chart), overrides)) ? [] : [...(validate.errors ?? [])];
}

/** The (keyword, path) pairs of the errors, for exact assertions. */
function failures(chart: string, overrides: Values): { keyword: string; path: string }[] {
  return schemaErrors(chart, overrides).map((e) => ({ keyword: e.keyword, path: e.instancePath }));
}

/** The properties reported missing by `required`, as `<path>/<property>`. */
function missing(chart: string, overrides: Values): string[] {
  return schemaErrors(chart, overrides)
    .filter((e) => e.keyword === "required")
    .map((e) => `${e.instancePath}/${String(e.params.missingProperty)}`)
    .sort();
}

/** A copy of `values` with `patch` merged in the Helm way (objects merge, the rest replaces). */
function withPatch(values: Values, patch: Values): Values {
  return mergeValues(values, patch);
}

/** A complete, realistic deployment of the analytics API in us-east-1. */
const apiValues: Values = {
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
const clickhouseValues: Values = {
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
function chartFile(chart: string, ...parts: string[]): string {
  return readFileSync(join(CHARTS_ROOT, chart, ...parts), "utf8");
}

/** The text of every template of a chart, by file name. */
function templates(chart: string): Map<string, string> {
  const dir = join(CHARTS_ROOT, chart, "templates");
  return new Map(
    readdirSync(dir)
      .filter((file) => /\.(ya?ml|tpl|txt)$/.test(file))
      .sort()
      .map((file) => [file, readFileSync(join(dir, file), "utf8")] as const),
  );
}

/** Every `.Values.a.b.c` path the templates of a chart read, as segment lists. */
function valuesPaths(chart: string): string[][] {
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
function mappingPaths(values: Values, prefix: readonly string[] = []): string[][] {
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
function schemaDeclares(root: Values, segments: readonly string[]): boolean {
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

describe("charts/analytics-api values", () => {
  const chart = "analytics-api";

  it("refuse values.yaml alone: the image, identity and ClickHouse secrets have no defaults", () => {
    expect(missing(chart, {})).toEqual([
      "/clickhouse/migrator/passwordSecret",
      "/clickhouse/passwordSecret",
      "/clickhouse/url",
      "/image/digest",
      "/image/repository",
      "/serviceAccount/name",
    ]);
  });

  it("accept values.yaml with a complete deployment", () => {
    expect(schemaErrors(chart, apiValues)).toEqual([]);
  });

  it("fail without the API's password secret", () => {
    const values = withPatch(apiValues, { clickhouse: { passwordSecret: null } });
    expect(missing(chart, values)).toEqual(["/clickhouse/passwordSecret"]);
  });

  it("refuse an inline password, for the API or the migrator", () => {
    expect(
      schemaErrors(chart, withPatch(apiValues, { clickhouse: { password: "hunter2" } })),
    ).toEqual([
      expect.objectContaining({
        keyword: "additionalProperties",
        instancePath: "/clickhouse",
        params: { additionalProperty: "password" },
      }),
    ]);
    expect(
      failures(chart, withPatch(apiValues, { clickhouse: { migrator: { password: "x" } } })),
    ).toEqual([{ keyword: "additionalProperties", path: "/clickhouse/migrator" }]);
  });

  it("refuse a single replica and out-of-range autoscaling", () => {
    expect(failures(chart, withPatch(apiValues, { autoscaling: { minReplicas: 1 } }))).toEqual([
      { keyword: "minimum", path: "/autoscaling/minReplicas" },
    ]);
    expect(failures(chart, withPatch(apiValues, { autoscaling: { maxReplicas: 51 } }))).toEqual([
      { keyword: "maximum", path: "/autoscaling/maxReplicas" },
    ]);
    expect(
      failures(chart, withPatch(apiValues, { autoscaling: { targetCPUUtilizationPercentage: 5 } })),
    ).toEqual([{ keyword: "minimum", path: "/autoscaling/targetCPUUtilizationPercentage" }]);
    expect(
      failures(chart, withPatch(apiValues, { autoscaling: { minReplicas: 2.5 } })).map(
        (f) => f.keyword,
      ),
    ).toContain("type");
  });

  it("require host and certificate when the ingress is on, and nothing when it is off", () => {
    const noCert = withPatch(apiValues, { ingress: { certificateArn: null } });
    expect(missing(chart, noCert)).toEqual(["/ingress/certificateArn"]);
    expect(failures(chart, noCert).map((f) => f.keyword)).toContain("if");
    const off = withPatch(apiValues, {
      ingress: { enabled: false, host: null, certificateArn: null },
    });
    expect(schemaErrors(chart, off)).toEqual([]);
  });

  it("check ARNs, scheme and hostname of the ingress", () => {
    const cases: [Values, string, string][] = [
      [
        { certificateArn: "arn:aws:iam::123456789012:server-certificate/x" },
        "pattern",
        "certificateArn",
      ],
      [{ wafAclArn: "arn:aws:waf::123456789012:webacl/x" }, "pattern", "wafAclArn"],
      [{ scheme: "public" }, "enum", "scheme"],
      [{ host: "*.knowledgecity.com" }, "pattern", "host"],
      [{ groupName: "Shared_ALB" }, "pattern", "groupName"],
      [{ sslPolicy: "TLS-anything" }, "pattern", "sslPolicy"],
    ];
    for (const [ingress, keyword, field] of cases) {
      expect(failures(chart, withPatch(apiValues, { ingress }))).toEqual([
        { keyword, path: `/ingress/${field}` },
      ]);
    }
    const govCloud = withPatch(apiValues, {
      ingress: {
        certificateArn: "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/abc-1",
      },
    });
    expect(schemaErrors(chart, govCloud)).toEqual([]);
  });

  it("require a bucket when ALB access logs are on", () => {
    const logs = withPatch(apiValues, { ingress: { accessLogs: { enabled: true } } });
    expect(missing(chart, logs)).toEqual(["/ingress/accessLogs/bucket"]);
    const withBucket = withPatch(logs, { ingress: { accessLogs: { bucket: "kc-alb-logs" } } });
    expect(schemaErrors(chart, withBucket)).toEqual([]);
  });

  it("require the lake's bucket and region when the lake loader is on", () => {
    const loader = withPatch(apiValues, { lakeLoader: { enabled: true } });
    expect(missing(chart, loader)).toEqual(["/lakeLoader/bucket", "/lakeLoader/region"]);
    const located = withPatch(loader, {
      lakeLoader: { bucket: "kc-lake-me-south-1", region: "me-south-1" },
    });
    expect(schemaErrors(chart, located)).toEqual([]);
    expect(failures(chart, withPatch(located, { lakeLoader: { daysBack: 40 } }))).toEqual([
      { keyword: "maximum", path: "/lakeLoader/daysBack" },
    ]);
  });

  it("take the image by digest only: a tag, alone or beside the digest, is refused", () => {
    const byTag = withPatch(apiValues, { image: { digest: null, tag: "1.4.2" } });
    expect(missing(chart, byTag)).toEqual(["/image/digest"]);
    expect(failures(chart, byTag)).toEqual([
      { keyword: "required", path: "/image" },
      { keyword: "additionalProperties", path: "/image" },
    ]);
    expect(failures(chart, withPatch(apiValues, { image: { tag: "1.4.2" } }))).toEqual([
      { keyword: "additionalProperties", path: "/image" },
    ]);
  });

  it("refuse a malformed digest", () => {
    for (const digest of [
      "sha256:abc",
      `sha256:${"A".repeat(64)}`,
      `sha512:${"a".repeat(64)}`,
      `sha256:${"a".repeat(65)}`,
      "a".repeat(64),
      `123456789012.dkr.ecr.us-east-1.amazonaws.com/analytics-api@sha256:${"a".repeat(64)}`,
      "latest",
    ]) {
      expect(failures(chart, withPatch(apiValues, { image: { digest } }))).toEqual([
        { keyword: "pattern", path: "/image/digest" },
      ]);
    }
  });

  it("check the image's repository and pull policy", () => {
    expect(failures(chart, withPatch(apiValues, { image: { repository: "" } }))).toEqual([
      { keyword: "minLength", path: "/image/repository" },
      { keyword: "pattern", path: "/image/repository" },
    ]);
    expect(failures(chart, withPatch(apiValues, { image: { pullPolicy: "Never" } }))).toEqual([
      { keyword: "enum", path: "/image/pullPolicy" },
    ]);
  });

  it("check the ClickHouse URL and database name", () => {
    expect(
      failures(chart, withPatch(apiValues, { clickhouse: { url: "tcp://clickhouse:9000" } })),
    ).toEqual([{ keyword: "pattern", path: "/clickhouse/url" }]);
    expect(
      schemaErrors(
        chart,
        withPatch(apiValues, { clickhouse: { url: "https://ch.internal.knowledgecity.com:8443" } }),
      ),
    ).toEqual([]);
    expect(
      failures(chart, withPatch(apiValues, { clickhouse: { database: "Analytics" } })),
    ).toEqual([{ keyword: "pattern", path: "/clickhouse/database" }]);
  });

  it("require requests and a memory limit, and quantities as strings", () => {
    expect(
      missing(chart, withPatch(apiValues, { resources: { limits: { memory: null } } })),
    ).toEqual(["/resources/limits/memory"]);
    expect(failures(chart, withPatch(apiValues, { resources: { requests: { cpu: 1 } } }))).toEqual([
      { keyword: "type", path: "/resources/requests/cpu" },
    ]);
    expect(
      failures(chart, withPatch(apiValues, { resources: { requests: { memory: "1GB" } } })),
    ).toEqual([{ keyword: "pattern", path: "/resources/requests/memory" }]);
    expect(
      schemaErrors(chart, withPatch(apiValues, { resources: { limits: { cpu: "500m" } } })),
    ).toEqual([]);
  });

  it("refuse unknown keys and a privileged port", () => {
    expect(failures(chart, withPatch(apiValues, { replicaCount: 3 }))).toEqual([
      { keyword: "additionalProperties", path: "" },
    ]);
    expect(failures(chart, withPatch(apiValues, { containerPort: 80 }))).toEqual([
      { keyword: "minimum", path: "/containerPort" },
    ]);
    expect(
      failures(chart, withPatch(apiValues, { probes: { readiness: { path: "readyz" } } })),
    ).toEqual([{ keyword: "pattern", path: "/probes/readiness/path" }]);
    expect(
      failures(chart, withPatch(apiValues, { tolerations: [{ key: "a", effect: "Sometimes" }] })),
    ).toEqual([{ keyword: "enum", path: "/tolerations/0/effect" }]);
  });
});

describe("charts/clickhouse values", () => {
  const chart = "clickhouse";

  it("refuse values.yaml alone: storage class, users and the backup target have no defaults", () => {
    expect(missing(chart, {})).toEqual([
      "/backup/bucket",
      "/backup/kmsKeyArn",
      "/backup/region",
      "/storage/storageClassName",
    ]);
    expect(failures(chart, {})).toContainEqual({ keyword: "minItems", path: "/users" });
  });

  it("accept values.yaml with a complete deployment", () => {
    expect(schemaErrors(chart, clickhouseValues)).toEqual([]);
  });

  it("need no backup target when backups are off", () => {
    const withoutBackup = withPatch(clickhouseValues, { backup: null });
    expect(schemaErrors(chart, withPatch(withoutBackup, { backup: { enabled: false } }))).toEqual(
      [],
    );
  });

  it("refuse fewer than two replicas, and keep shards and replicas in range", () => {
    expect(failures(chart, withPatch(clickhouseValues, { replicas: 1 }))).toEqual([
      { keyword: "minimum", path: "/replicas" },
    ]);
    expect(failures(chart, withPatch(clickhouseValues, { replicas: 6 }))).toEqual([
      { keyword: "maximum", path: "/replicas" },
    ]);
    expect(failures(chart, withPatch(clickhouseValues, { shards: 0 }))).toEqual([
      { keyword: "minimum", path: "/shards" },
    ]);
  });

  it("refuse an inline password and a user without a password secret", () => {
    const inline = withPatch(clickhouseValues, {
      users: [
        {
          name: "bi",
          password: "hunter2",
          networks: ["10.20.0.0/16"],
          grants: ["GRANT SELECT ON analytics.playback_requests"],
        },
      ],
    });
    expect(schemaErrors(chart, inline)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          keyword: "additionalProperties",
          instancePath: "/users/0",
          params: { additionalProperty: "password" },
        }),
        expect.objectContaining({
          keyword: "required",
          instancePath: "/users/0",
          params: { missingProperty: "passwordSecret" },
        }),
      ]),
    );
  });

  it("refuse bad and world-open CIDRs, and users without networks", () => {
    const user = (networks: unknown[]): Values => ({
      users: [
        {
          name: "bi",
          passwordSecret: { name: "s", key: "k" },
          networks,
          grants: ["GRANT SELECT ON analytics.playback_requests"],
        },
      ],
      backup: { enabled: false },
    });
    expect(failures(chart, withPatch(clickhouseValues, user(["10.0.0.0/33"])))).toEqual([
      { keyword: "pattern", path: "/users/0/networks/0" },
    ]);
    expect(failures(chart, withPatch(clickhouseValues, user(["10.0.0.300/16"])))).toEqual([
      { keyword: "pattern", path: "/users/0/networks/0" },
    ]);
    expect(failures(chart, withPatch(clickhouseValues, user(["10.0.0.0"])))).toEqual([
      { keyword: "pattern", path: "/users/0/networks/0" },
    ]);
    expect(failures(chart, withPatch(clickhouseValues, user(["0.0.0.0/0"])))).toEqual([
      { keyword: "not", path: "/users/0/networks/0" },
    ]);
    expect(failures(chart, withPatch(clickhouseValues, user([])))).toEqual([
      { keyword: "minItems", path: "/users/0/networks" },
    ]);
  });

  it("reserve the default and operator user names, and allow only the two profiles", () => {
    const named = (name: string, profile = "default"): Values => ({
      users: [
        {
          name,
          profile,
          passwordSecret: { name: "s", key: "k" },
          networks: ["10.0.0.0/8"],
          grants: ["GRANT SELECT ON analytics.playback_requests"],
        },
      ],
      backup: { enabled: false },
    });
    expect(failures(chart, withPatch(clickhouseValues, named("default")))).toEqual([
      { keyword: "not", path: "/users/0/name" },
    ]);
    expect(failures(chart, withPatch(clickhouseValues, named("clickhouse_operator")))).toEqual([
      { keyword: "not", path: "/users/0/name" },
    ]);
    expect(failures(chart, withPatch(clickhouseValues, named("Admin")))).toEqual([
      { keyword: "pattern", path: "/users/0/name" },
    ]);
    expect(failures(chart, withPatch(clickhouseValues, named("bi", "admin")))).toEqual([
      { keyword: "enum", path: "/users/0/profile" },
    ]);
  });

  it("check the cluster name, storage, keeper size and resources", () => {
    const cases: [Values, string, string][] = [
      [{ clusterName: "analytics-cluster-eu" }, "pattern", "/clusterName"],
      [{ clusterName: "1st" }, "pattern", "/clusterName"],
      [{ storage: { size: "100G" } }, "pattern", "/storage/size"],
      [{ keeper: { replicas: 4 } }, "enum", "/keeper/replicas"],
      [{ keeper: { storage: { size: "1Ti" } } }, "pattern", "/keeper/storage/size"],
      [{ image: { tag: "latest" } }, "not", "/image/tag"],
      [{ metrics: { port: 8123 } }, "not", "/metrics/port"],
      [
        { podDisruptionBudget: { maxUnavailable: 0 } },
        "minimum",
        "/podDisruptionBudget/maxUnavailable",
      ],
    ];
    for (const [patch, keyword, path] of cases) {
      expect(failures(chart, withPatch(clickhouseValues, patch))).toEqual([{ keyword, path }]);
    }
    expect(
      missing(chart, withPatch(clickhouseValues, { resources: { limits: { cpu: null } } })),
    ).toEqual(["/resources/limits/cpu"]);
  });

  it("check the backup target", () => {
    const cases: [Values, string, string][] = [
      [{ bucket: "Backups_Bucket" }, "pattern", "/backup/bucket"],
      [{ region: "middle-east" }, "pattern", "/backup/region"],
      [{ kmsKeyArn: "alias/clickhouse" }, "pattern", "/backup/kmsKeyArn"],
      [{ prefix: "/clickhouse/" }, "pattern", "/backup/prefix"],
      [{ watchInterval: "1d" }, "pattern", "/backup/watchInterval"],
      [{ keepRemote: 0 }, "minimum", "/backup/keepRemote"],
      [{ accessKey: "AKIA0000000000000000" }, "additionalProperties", "/backup"],
    ];
    for (const [backup, keyword, path] of cases) {
      expect(failures(chart, withPatch(clickhouseValues, { backup }))).toEqual([{ keyword, path }]);
    }
  });
});

describe("charts/clickhouse-operator values", () => {
  const chart = "clickhouse-operator";

  it("accept our overlay as it is", () => {
    expect(schemaErrors(chart, {})).toEqual([]);
  });

  it("leave the upstream chart's other keys alone", () => {
    expect(
      schemaErrors(chart, { rbac: { create: true }, operator: { priorityClassName: "" } }),
    ).toEqual([]);
  });

  it("never let the chart create its Secret with the well-known password", () => {
    expect(failures(chart, { secret: { create: true } })).toEqual([
      { keyword: "const", path: "/secret/create" },
    ]);
    expect(failures(chart, { secret: { password: "clickhouse_operator_password" } })).toEqual([
      { keyword: "false schema", path: "/secret/password" },
    ]);
  });

  it("watch named namespaces only, and keep the exporter and resources", () => {
    const watch = (namespaces: unknown[]): Values => ({
      configs: { files: { "config.yaml": { watch: { namespaces } } } },
    });
    expect(failures(chart, watch([]))).toEqual([
      { keyword: "minItems", path: "/configs/files/config.yaml/watch/namespaces" },
    ]);
    expect(failures(chart, watch(["Analytics"]))).toEqual([
      { keyword: "pattern", path: "/configs/files/config.yaml/watch/namespaces/0" },
    ]);
    expect(failures(chart, { metrics: { enabled: false } })).toEqual([
      { keyword: "const", path: "/metrics/enabled" },
    ]);
    expect(missing(chart, { operator: { resources: { limits: { memory: null } } } })).toEqual([
      "/operator/resources/limits/memory",
    ]);
    expect(
      failures(chart, {
        operator: { containerSecurityContext: { allowPrivilegeEscalation: true } },
      }),
    ).toEqual([
      { keyword: "const", path: "/operator/containerSecurityContext/allowPrivilegeEscalation" },
    ]);
  });
});

describe("charts/analytics-api templates", () => {
  const files = templates("analytics-api");
  const text = (file: string): string => files.get(file) ?? "";

  it("has the conventional files", () => {
    expect([...files.keys()]).toEqual(
      expect.arrayContaining([
        "_helpers.tpl",
        "deployment.yaml",
        "service.yaml",
        "hpa.yaml",
        "pdb.yaml",
        "ingress.yaml",
        "serviceaccount.yaml",
        "migrations-job.yaml",
      ]),
    );
  });

  it("runs the API, the migrations Job and the lake loader by digest, never by tag", () => {
    const helper = /\{\{- define "analytics-api\.image" -\}\}([\s\S]*?)\{\{- end \}\}/.exec(
      text("_helpers.tpl"),
    );
    expect(helper?.[1]?.trim()).toBe(
      '{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}',
    );
    for (const file of ["deployment.yaml", "migrations-job.yaml", "lake-loader-cronjob.yaml"]) {
      expect(text(file)).toContain('image: {{ include "analytics-api.image" . | quote }}');
    }
    for (const [file, body] of files) {
      expect(`${file}: ${String(/\.Values\.image\.tag\b/.test(body))}`).toBe(`${file}: false`);
    }
  });

  it("leaves the replica count to the autoscaler", () => {
    expect(text("deployment.yaml")).not.toMatch(/^\s*replicas:/m);
    expect(text("hpa.yaml")).toContain("apiVersion: autoscaling/v2");
    expect(text("hpa.yaml")).toContain(
      "averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}",
    );
  });

  it("runs non-root with a restricted security context", () => {
    const helpers = text("_helpers.tpl");
    for (const line of [
      "runAsNonRoot: true",
      "runAsUser: 10001",
      "type: RuntimeDefault",
      "readOnlyRootFilesystem: true",
      "allowPrivilegeEscalation: false",
      "- ALL",
    ]) {
      expect(helpers).toContain(line);
    }
    for (const file of ["deployment.yaml", "migrations-job.yaml"]) {
      expect(text(file)).toContain('include "analytics-api.podSecurityContext"');
      expect(text(file)).toContain('include "analytics-api.containerSecurityContext"');
    }
  });

  it("scales the Deployment on CPU utilisation between the configured bounds", () => {
    const hpa = text("hpa.yaml");
    expect(hpa).toContain("apiVersion: autoscaling/v2");
    expect(hpa).toContain("kind: HorizontalPodAutoscaler");
    expect(hpa).toMatch(/scaleTargetRef:[\s\S]*kind: Deployment/);
    expect(hpa).toMatch(/name: cpu[\s\S]*type: Utilization/);
    expect(hpa).toContain(
      "averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}",
    );
    for (const bound of ["minReplicas", "maxReplicas"]) {
      expect(hpa).toContain(`${bound}: {{ .Values.autoscaling.${bound} }}`);
    }
    // The autoscaler owns the replica count: the Deployment does not set one.
    expect(text("deployment.yaml")).not.toMatch(/^\s+replicas:/m);
  });

  it("spreads pods over nodes and zones", () => {
    const deployment = text("deployment.yaml");
    expect(deployment).toMatch(
      /preferredDuringSchedulingIgnoredDuringExecution[\s\S]*topologyKey: kubernetes\.io\/hostname/,
    );
    expect(deployment).toMatch(
      /topologyKey: topology\.kubernetes\.io\/zone\s+whenUnsatisfiable: ScheduleAnyway/,
    );
    expect(deployment).toContain("maxSkew: 1");
  });

  it("passes the ClickHouse password from its Secret, never as a value", () => {
    const deployment = text("deployment.yaml");
    for (const name of ["CLICKHOUSE_URL", "CLICKHOUSE_DATABASE", "PORT"]) {
      expect(deployment + text("_helpers.tpl")).toContain(`name: ${name}`);
    }
    expect(deployment).toMatch(
      /name: CLICKHOUSE_PASSWORD\s+valueFrom:\s+secretKeyRef:\s+name: \{\{ \.Values\.clickhouse\.passwordSecret\.name \}\}/,
    );
    expect(deployment).toContain("prometheus.io/path: /metrics");
  });

  it("runs migrations as a pre-install and pre-upgrade hook with the migrator's credentials", () => {
    const job = text("migrations-job.yaml");
    expect(job).toContain("helm.sh/hook: pre-install,pre-upgrade");
    expect(job).toContain("helm.sh/hook-delete-policy: before-hook-creation");
    expect(job).toContain('command: ["node", "migrate.js"]');
    expect(job).toContain("value: {{ .Values.clickhouse.migrator.username | quote }}");
    expect(job).toContain("name: {{ .Values.clickhouse.migrator.passwordSecret.name }}");
    expect(job).not.toContain('include "analytics-api.selectorLabels"');
  });

  it("puts an HTTPS-only ALB in front, with the annotations of the AWS Load Balancer Controller", () => {
    const ingress = text("ingress.yaml");
    expect(ingress).toContain("apiVersion: networking.k8s.io/v1");
    expect(ingress).toContain("ingressClassName: alb");
    for (const annotation of [
      "scheme",
      "target-type",
      "listen-ports",
      "ssl-redirect",
      "certificate-arn",
      "ssl-policy",
      "wafv2-acl-arn",
      "healthcheck-path",
      "load-balancer-attributes",
      "group.name",
    ]) {
      expect(ingress).toContain(`alb.ingress.kubernetes.io/${annotation}:`);
    }
    expect(ingress).not.toMatch(/listen-ports: '\[\{"HTTP": 80\}\]'/);
  });

  it("creates the service account without an IRSA annotation", () => {
    expect(text("serviceaccount.yaml")).not.toContain("eks.amazonaws.com/role-arn");
    expect(text("serviceaccount.yaml")).toContain("name: {{ .Values.serviceAccount.name }}");
  });
});

describe("charts/clickhouse templates", () => {
  const files = templates("clickhouse");
  const chi = files.get("clickhouseinstallation.yaml") ?? "";
  const chk = files.get("clickhousekeeperinstallation.yaml") ?? "";

  it("renders the operator's two custom resources", () => {
    expect(chi).toContain("apiVersion: clickhouse.altinity.com/v1\nkind: ClickHouseInstallation");
    expect(chk).toContain(
      "apiVersion: clickhouse-keeper.altinity.com/v1\nkind: ClickHouseKeeperInstallation",
    );
  });

  it("reads every user password from a Secret and removes the default user", () => {
    const passwordLines = chi.split("\n").filter((line) => /\/password/.test(line));
    expect(passwordLines).toEqual(["      {{ .name }}/password:"]);
    expect(chi).toMatch(/\{\{ \.name \}\}\/password:\s+valueFrom:\s+secretKeyRef:/);
    expect(chi).toContain('<default remove="1"/>');
    expect(chi).toMatch(/secret:\s+auto: "true"/);
  });

  it("keeps replicas apart and lets the operator own the PodDisruptionBudget", () => {
    for (const resource of [chi, chk]) {
      expect(resource).toMatch(
        /requiredDuringSchedulingIgnoredDuringExecution:\s+- topologyKey: kubernetes\.io\/hostname/,
      );
      expect(resource).toMatch(
        /topologyKey: topology\.kubernetes\.io\/zone\s+whenUnsatisfiable: DoNotSchedule/,
      );
      expect(resource).toContain('pdbManaged: "true"');
    }
    expect(chi).toContain("pdbMaxUnavailable: {{ .Values.podDisruptionBudget.maxUnavailable }}");
    expect([...files.keys()].some((file) => /pdb/i.test(file))).toBe(false);
  });

  it("exposes the built-in Prometheus endpoint", () => {
    for (const setting of [
      "endpoint: /metrics",
      "metrics: true",
      "events: true",
      "asynchronous_metrics: true",
    ]) {
      expect(chi).toContain(`prometheus/${setting}`);
    }
    expect(chi).toContain('prometheus.io/scrape: "true"');
  });

  it("backs up to S3 with SSE-KMS and no keys", () => {
    expect(chi).toContain("value: aws:kms");
    expect(chi).toContain("name: S3_SSE_KMS_KEY_ID");
    expect(chi).not.toMatch(/S3_ACCESS_KEY|S3_SECRET_KEY|AWS_SECRET_ACCESS_KEY/);
  });
});

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
