import { describe, expect, it } from "vitest";
import {
  DEFAULT_DEPLOY_FROM,
  MIN_SYSTEM_NODES,
  SYSTEM_NODE_DEFAULTS,
} from "../kubernetes/kubernetes-cluster";
import { MIN_API_REPLICAS } from "./analytics-api";
import { CLICKHOUSE_BOUNDS } from "./clickhouse";
import { LAKE_BOUNDS, LAKE_DEFAULTS } from "./data-lake-settings";
import { RTLOG_INGEST_BOUNDS } from "./rtlog-ingest";
import { analyticsProblems, analyticsSettingsSchema } from "./settings";

const DEPLOY = "arn:aws:iam::111122223333:role/deploy";

describe("analytics settings", () => {
  it("resolves the cluster's defaults, the node pools' limits included", () => {
    const settings = analyticsSettingsSchema.parse(undefined);
    expect(settings).toMatchObject({
      enabled: true,
      deployFrom: "vpc",
      publicAccessCidrs: [],
      systemNodes: { instanceTypes: ["m7g.large"], minSize: 2, maxSize: 4 },
      nodePools: {
        clickhouse: { cpuLimit: 64, memoryLimitGiB: 512 },
        batch: { cpuLimit: 128, memoryLimitGiB: 512 },
        general: { cpuLimit: 32, memoryLimitGiB: 128 },
      },
      clickhouse: { rawRetentionDays: 400, backupRetentionDays: 35 },
      api: { rollup: { schedule: "5 * * * *", graceMinutes: 5, lookbackHours: 48 } },
    });
    expect(analyticsProblems(settings)).toEqual([]);
  });

  it("checks the QoE rollup job's schedule and bounds", () => {
    const rollup = (value: unknown) =>
      analyticsSettingsSchema.safeParse({ api: { rollup: value } });
    expect(
      rollup({ schedule: "20 */2 * * *", graceMinutes: 0, lookbackHours: 744 }).data?.api.rollup,
    ).toEqual({ schedule: "20 */2 * * *", graceMinutes: 0, lookbackHours: 744 });
    const issues = (value: unknown) =>
      rollup(value).error?.issues.map((issue) => [issue.path.join("."), issue.message]);
    expect(issues({ schedule: "cron(5 * * * ? *)" })).toEqual([
      [
        "api.rollup.schedule",
        "expected a Kubernetes cron schedule of five fields such as 5 * * * *",
      ],
    ]);
    expect(issues({ schedule: "5 * * *" })?.[0]?.[0]).toBe("api.rollup.schedule");
    expect(issues({ graceMinutes: 121 })?.[0]?.[0]).toBe("api.rollup.graceMinutes");
    expect(issues({ lookbackHours: 0 })?.[0]?.[0]).toBe("api.rollup.lookbackHours");
    expect(issues({ lookback: 3 })?.[0]?.[0]).toBe("api.rollup");
  });

  it("finds bounds out of order, and access problems only while the cluster is on", () => {
    const raw = {
      deployFrom: "cidrs",
      adminRoleArns: [DEPLOY],
      deployRoleArn: DEPLOY,
      api: { minReplicas: 4, maxReplicas: 3 },
      systemNodes: { minSize: 5, maxSize: 4 },
    };
    expect(analyticsProblems(analyticsSettingsSchema.parse(raw)).map((p) => p.path)).toEqual([
      ["api", "maxReplicas"],
      ["deployFrom"],
      ["adminRoleArns", 0],
      ["systemNodes", "maxSize"],
    ]);
    const off = analyticsSettingsSchema.parse({ ...raw, enabled: false });
    expect(analyticsProblems(off).map((p) => p.path)).toEqual([
      ["api", "maxReplicas"],
      ["systemNodes", "maxSize"],
    ]);
  });

  it("refuses an admin role listed twice, which the cluster would refuse as a second access entry", () => {
    const admin = "arn:aws:iam::111122223333:role/platform";
    const settings = analyticsSettingsSchema.parse({ adminRoleArns: [admin, admin] });
    expect(analyticsProblems(settings)).toEqual([
      {
        path: ["adminRoleArns", 1],
        input: admin,
        message: "listed twice: a principal has one access entry; remove this one",
      },
    ]);
  });

  it("takes its defaults and bounds from the components that apply them", () => {
    const settings = analyticsSettingsSchema.parse(undefined);
    expect(settings.systemNodes).toEqual({
      instanceTypes: [...SYSTEM_NODE_DEFAULTS.instanceTypes],
      minSize: SYSTEM_NODE_DEFAULTS.minSize,
      maxSize: SYSTEM_NODE_DEFAULTS.maxSize,
    });
    expect(settings.deployFrom).toBe(DEFAULT_DEPLOY_FROM);
    expect(settings.lake).toEqual({
      workerType: LAKE_DEFAULTS.workerType,
      workers: LAKE_DEFAULTS.workers,
      executionClass: LAKE_DEFAULTS.executionClass,
      schedule: LAKE_DEFAULTS.schedule,
      crawlerSchedule: LAKE_DEFAULTS.crawlerSchedule,
      timeoutMinutes: LAKE_DEFAULTS.timeoutMinutes,
    });
    const refuses = (raw: object) => !analyticsSettingsSchema.safeParse(raw).success;
    expect(refuses({ systemNodes: { minSize: MIN_SYSTEM_NODES - 1 } })).toBe(true);
    expect(refuses({ clickhouse: { replicas: CLICKHOUSE_BOUNDS.replicas.max + 1 } })).toBe(true);
    expect(refuses({ clickhouse: { replicas: CLICKHOUSE_BOUNDS.replicas.min - 1 } })).toBe(true);
    expect(refuses({ clickhouse: { storageGiB: CLICKHOUSE_BOUNDS.minStorageGiB - 1 } })).toBe(true);
    expect(refuses({ api: { minReplicas: MIN_API_REPLICAS - 1 } })).toBe(true);
    expect(refuses({ lake: { workers: LAKE_BOUNDS.workers.max + 1 } })).toBe(true);
    expect(refuses({ lake: { timeoutMinutes: LAKE_BOUNDS.timeoutMinutes.min - 1 } })).toBe(true);
    for (const [key, { min, max }] of Object.entries(RTLOG_INGEST_BOUNDS)) {
      expect(refuses({ ingest: { [key]: min - 1 } })).toBe(true);
      expect(refuses({ ingest: { [key]: max + 1 } })).toBe(true);
      expect(refuses({ ingest: { [key]: max } })).toBe(false);
    }
  });
});
