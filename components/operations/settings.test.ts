import { describe, expect, it } from "vitest";
import { observabilitySettingsSchema } from "./settings";

describe("observability settings", () => {
  it("resolves every alarm threshold and Prometheus' retention and storage", () => {
    expect(observabilitySettingsSchema.parse(undefined)).toEqual({
      alertEmails: [],
      thresholds: {
        alb5xxPerMinute: 10,
        albP95LatencySeconds: 2,
        queueOldestMessageSeconds: 900,
        deadLetterMessages: 1,
        lambdaErrors: 5,
        lambdaThrottles: 1,
        mediaConvertErrors: 1,
        auroraCpuPercent: 80,
        auroraFreeableMemoryMiB: 512,
        dynamoThrottledRequests: 10,
        dynamoSystemErrors: 1,
        cloudFront5xxRatePercent: 1,
      },
      prometheus: { retentionDays: 15, storageGiB: 100 },
    });
  });

  it("refuses a threshold that is not positive", () => {
    const parsed = observabilitySettingsSchema.safeParse({ thresholds: { lambdaErrors: 0 } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe("expected a positive number");
  });
});
