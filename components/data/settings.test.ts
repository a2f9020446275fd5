import { describe, expect, it } from "vitest";
import {
  AURORA_STORE_DEFAULTS,
  homeRegionSettingsSchema,
  MAX_BACKUP_RETENTION_DAYS,
  MIN_BACKUP_RETENTION_DAYS,
  userStoreSettingsSchema,
} from "./settings";

describe("user store and home-region settings", () => {
  it("defaults an Aurora store to PostgreSQL, no secondaries, and a DynamoDB one to no replicas", () => {
    expect(userStoreSettingsSchema.parse({ kind: "aurora" })).toEqual({
      kind: "aurora",
      engine: "aurora-postgresql",
      replicaRegions: [],
      secondaryCidrs: {},
      shards: [{ id: "s1", weight: 1 }],
    });
    expect(userStoreSettingsSchema.parse({ kind: "dynamodb" })).toEqual({
      kind: "dynamodb",
      replicaRegions: [],
    });
  });

  it("takes a secondary's CIDR only as a VPC's range, and its region only as a region code", () => {
    const store = (secondaryCidrs: Record<string, string>) =>
      userStoreSettingsSchema.safeParse({
        kind: "aurora",
        replicaRegions: ["me-central-1"],
        secondaryCidrs,
      }).success;
    expect(store({ "me-central-1": "10.30.0.0/16" })).toBe(true);
    expect(store({ "me-central-1": "8.8.0.0/16" })).toBe(false);
    expect(store({ Bahrain: "10.30.0.0/16" })).toBe(false);
  });

  it("is off unless configured, and needs an api.* hostname per home region", () => {
    expect(homeRegionSettingsSchema.parse(undefined)).toBeUndefined();
    expect(
      homeRegionSettingsSchema.safeParse({ hostnames: { "me-south-1": "www.example.com" } })
        .success,
    ).toBe(false);
  });

  it("takes the backup retention's bounds the store checks, and leaves its defaults to the store", () => {
    const aurora = (settings: object) =>
      userStoreSettingsSchema.safeParse({ kind: "aurora", ...settings }).success;
    expect(aurora({ backupRetentionDays: MAX_BACKUP_RETENTION_DAYS })).toBe(true);
    expect(aurora({ backupRetentionDays: MAX_BACKUP_RETENTION_DAYS + 1 })).toBe(false);
    expect(aurora({ backupRetentionDays: MIN_BACKUP_RETENTION_DAYS - 1 })).toBe(false);
    expect(aurora({ instanceClass: AURORA_STORE_DEFAULTS.instanceClass })).toBe(true);
    expect(userStoreSettingsSchema.parse({ kind: "aurora" })).toMatchObject({
      engine: AURORA_STORE_DEFAULTS.engine,
    });
  });
});
