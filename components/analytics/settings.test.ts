import { describe, expect, it } from "vitest";
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
    });
    expect(analyticsProblems(settings)).toEqual([]);
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
});
