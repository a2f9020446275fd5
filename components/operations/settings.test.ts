import { describe, expect, it } from "vitest";
import { PROMETHEUS_BOUNDS } from "./observability-validation";
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

  it("refuses an alert address listed twice, ignoring case, naming its index", () => {
    const parsed = observabilitySettingsSchema.safeParse({
      alertEmails: ["ops@example.com", "Ops@Example.com"],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toMatchObject([
      {
        path: ["alertEmails", 1],
        message: "listed twice (addresses are compared ignoring case)",
      },
    ]);
  });

  it("refuses Prometheus settings outside the bounds the component checks", () => {
    const refuses = (prometheus: object) =>
      !observabilitySettingsSchema.safeParse({ prometheus }).success;
    const days = PROMETHEUS_BOUNDS.retentionDays;
    expect(refuses({ retentionDays: days.max + 1 })).toBe(true);
    expect(refuses({ retentionDays: days.min - 1 })).toBe(true);
    expect(refuses({ storageGiB: PROMETHEUS_BOUNDS.minStorageGiB - 1 })).toBe(true);
    expect(refuses({ retentionDays: days.max, storageGiB: PROMETHEUS_BOUNDS.minStorageGiB })).toBe(
      false,
    );
  });
});
