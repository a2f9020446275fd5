/**
 * The ClickHouse chart: its schema refuses what must never be deployed (one replica, inline
 * passwords, a world-open user) and accepts a realistic deployment; its templates keep the
 * invariants the platform relies on.
 */
import { describe, expect, it } from "vitest";
import {
  clickhouseValues,
  failures,
  missing,
  schemaErrors,
  templates,
  withPatch,
} from "./charts.fixtures";
import type { Values } from "./schema";

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

  it("refuse a server release before 23.10, whose profile does not know distributed_foreground_insert", () => {
    for (const tag of ["23.9", "23.8.16.40", "22.8", "9.1", "18.16"]) {
      expect(failures(chart, withPatch(clickhouseValues, { image: { tag } })), tag).toEqual([
        { keyword: "not", path: "/image/tag" },
      ]);
    }
    for (const tag of [
      "23.10",
      "23.11.2.1",
      "24.8.14.39",
      "25.8",
      "100.1",
      `sha256:${"a".repeat(64)}`,
    ]) {
      expect(schemaErrors(chart, withPatch(clickhouseValues, { image: { tag } })), tag).toEqual([]);
    }
    // The sidecar and Keeper have versions of their own.
    expect(
      schemaErrors(chart, withPatch(clickhouseValues, { keeper: { image: { tag: "23.3" } } })),
    ).toEqual([]);
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

  it("inserts into Distributed tables synchronously, for every user of the default profile", () => {
    const configuration = /^ {2}configuration:\n([\s\S]*?)^ {2}templates:$/m.exec(chi)?.[1] ?? "";
    expect(configuration).toMatch(
      /^ {4}profiles:\n(?: {6}#.*\n)* {6}default\/distributed_foreground_insert: 1$/m,
    );
    // The setting's former name would be a second, conflicting switch.
    expect(chi).not.toMatch(/^\s*[^#\s].*insert_distributed_sync/m);
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
