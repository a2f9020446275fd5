/**
 * Our overlay of the upstream ClickHouse operator chart: the schema accepts it, leaves the
 * upstream chart's other keys alone and refuses the well-known operator password.
 */
import { describe, expect, it } from "vitest";
import { failures, missing, schemaErrors } from "./charts.fixtures";
import type { Values } from "./schema";

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
