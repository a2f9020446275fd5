import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { chartsPath, localChart } from "./helm";

describe("paths of this project's charts", () => {
  const start = process.cwd();
  afterEach(() => {
    process.chdir(start);
  });

  it("are relative to where the program runs, from the project root", () => {
    expect(localChart("clickhouse")).toBe("./charts/clickhouse");
    expect(existsSync(join(localChart("clickhouse"), "Chart.yaml"))).toBe(true);
  });

  it("still resolve when the program runs from stacks/, where Pulumi.yaml's main points", () => {
    process.chdir(join(start, "stacks"));
    expect(chartsPath("clickhouse-operator", "values.yaml")).toBe(
      "../charts/clickhouse-operator/values.yaml",
    );
    expect(existsSync(chartsPath("clickhouse-operator", "values.yaml"))).toBe(true);
  });
});
