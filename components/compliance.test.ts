import { describe, expect, it } from "vitest";
import {
  json,
  list,
  record,
  Recorded,
  runComponent,
  TEST_CONTEXT,
  type RecordedResource,
} from "../test/harness";
import { Compliance, MANAGED_CONFIG_RULES, type ComplianceArgs } from "./compliance";

const TELEMETRY = "arn:aws:kms:me-south-1:111122223333:key/telemetry";
const USER_DATA = "arn:aws:kms:me-south-1:111122223333:key/mrk-user-data";
const STORE = "arn:aws:rds:me-south-1:111122223333:cluster:users";

function run(overrides: Partial<ComplianceArgs> = {}) {
  return runComponent((provider) => {
    new Compliance(
      "audit",
      {
        context: TEST_CONTEXT,
        stack: "me-south-1",
        allowedRegions: ["me-south-1"],
        recordGlobalResources: false,
        telemetryKeyArn: TELEMETRY,
        userDataKeyArn: USER_DATA,
        backupResourceArns: [STORE],
        ...overrides,
      },
      { providers: [provider] },
    );
  });
}

const one = (recorded: Recorded, type: string): RecordedResource => {
  const [found, ...rest] = recorded.ofType(type);
  if (found === undefined || rest.length > 0) {
    throw new Error(`expected exactly one ${type}, found ${recorded.ofType(type).length}`);
  }
  return found;
};

describe("Compliance", async () => {
  const recorded = Recorded.of(await run());

  it("records every supported resource continuously, global ones only where told", async () => {
    const [recorder] = recorded.ofType("aws:cfg/recorder:Recorder");
    expect(recorder?.inputs.recordingGroup).toEqual({
      allSupported: true,
      includeGlobalResourceTypes: false,
    });
    const primary = Recorded.of(await run({ recordGlobalResources: true }));
    expect(
      record(primary.ofType("aws:cfg/recorder:Recorder")[0]?.inputs.recordingGroup)
        .includeGlobalResourceTypes,
    ).toBe(true);
    const [status] = recorded.ofType("aws:cfg/recorderStatus:RecorderStatus");
    expect(status?.inputs.isEnabled).toBe(true);
  });

  it("delivers to a private, encrypted, TLS-only bucket that only Config of this account may check", () => {
    const [channel] = recorded.ofType("aws:cfg/deliveryChannel:DeliveryChannel");
    expect(channel?.inputs.s3KmsKeyArn).toBe(TELEMETRY);
    const bucket = recorded.named("aws:s3/bucket:Bucket", "audit-config");
    expect(record(bucket.inputs.tags).DataClass).toBe("telemetry");
    expect(
      recorded.named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "audit-config")
        .inputs,
    ).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const statements = list(
      json(recorded.named("aws:s3/bucketPolicy:BucketPolicy", "audit-config").inputs.policy)
        .Statement,
    ).map(record);
    expect(statements[0]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(statements[1]).toMatchObject({
      Principal: { Service: "config.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } },
    });
  });

  it("judges resources with the managed rules and the residency rule", () => {
    const rules = recorded.ofType("aws:cfg/rule:Rule");
    const managed = rules
      .filter((r) => record(r.inputs.source).owner === "AWS")
      .map((r) => record(r.inputs.source).sourceIdentifier);
    expect(managed.sort()).toEqual([...MANAGED_CONFIG_RULES].sort());
    expect(managed).toEqual(
      expect.arrayContaining([
        "RDS_STORAGE_ENCRYPTED",
        "DYNAMODB_TABLE_ENCRYPTED_KMS",
        "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
      ]),
    );
    const residency = recorded.named("aws:cfg/rule:Rule", "audit-user-data-residency");
    expect(json(residency.inputs.inputParameters)).toEqual({ allowedRegions: "me-south-1" });
    const source = record(residency.inputs.source);
    expect(source.owner).toBe("CUSTOM_LAMBDA");
    expect(list(source.sourceDetails).map((d) => record(d).messageType)).toEqual([
      "ConfigurationItemChangeNotification",
      "OversizedConfigurationItemChangeNotification",
      "ScheduledNotification",
    ]);
    const fn = recorded.named("aws:lambda/function:Function", "audit-residency-audit-fn");
    expect(source.sourceIdentifier).toMatch(/^arn:aws:lambda:me-south-1:111122223333:/);
    expect(fn.inputs.handler).toBe("index.handler");
  });

  it("lets only AWS Config of this account invoke the audit function", () => {
    const [permission] = recorded.ofType("aws:lambda/permission:Permission");
    expect(permission?.inputs).toMatchObject({
      action: "lambda:InvokeFunction",
      principal: "config.amazonaws.com",
      sourceAccount: "111122223333",
    });
  });

  it("backs the user store up daily into a locked vault encrypted with the user-data key, moving to cold storage", () => {
    const vault = recorded.named("aws:backup/vault:Vault", "audit-backups");
    expect(vault.inputs).toMatchObject({ kmsKeyArn: USER_DATA, forceDestroy: false });
    expect(vault.protect).toBe(true);
    const [lock] = recorded.ofType("aws:backup/vaultLockConfiguration:VaultLockConfiguration");
    expect(lock?.inputs).toMatchObject({ minRetentionDays: 7, maxRetentionDays: 365 });
    const [plan] = recorded.ofType("aws:backup/plan:Plan");
    const [rule] = list(plan?.inputs.rules).map(record);
    expect(rule).toMatchObject({
      schedule: "cron(0 2 * * ? *)",
      lifecycle: {
        coldStorageAfter: 30,
        deleteAfter: 365,
        optInToArchiveForSupportedResources: true,
      },
    });
    expect(rule?.copyActions).toBeUndefined();
    const [selection] = recorded.ofType("aws:backup/selection:Selection");
    expect(selection?.inputs.resources).toEqual([STORE]);
  });

  it("makes the account's recorder, delivery channel and Backup settings by default, and records before judging", () => {
    const status = one(recorded, "aws:cfg/recorderStatus:RecorderStatus");
    one(recorded, "aws:cfg/recorder:Recorder");
    one(recorded, "aws:cfg/deliveryChannel:DeliveryChannel");
    one(recorded, "aws:backup/regionSettings:RegionSettings");
    for (const rule of recorded.ofType("aws:cfg/rule:Rule")) {
      expect(rule.dependsOn, rule.name).toContain(status.urn);
    }
  });

  it("uses the account's existing recorder and Backup settings, adding only its rules, when told to", async () => {
    const existing = Recorded.of(
      await run({ configRecorder: "existing", backupRegionSettings: "existing" }),
    );
    // One recorder and one delivery channel per account and region: a second would collide with
    // the landing zone's (MaxNumberOfConfigurationRecordersExceededException).
    for (const type of [
      "aws:cfg/recorder:Recorder",
      "aws:cfg/deliveryChannel:DeliveryChannel",
      "aws:cfg/recorderStatus:RecorderStatus",
      "aws:backup/regionSettings:RegionSettings",
    ]) {
      expect(existing.ofType(type), type).toEqual([]);
    }
    expect(existing.ofType("aws:s3/bucket:Bucket")).toEqual([]);
    const rules = existing.ofType("aws:cfg/rule:Rule");
    expect(rules).toHaveLength(MANAGED_CONFIG_RULES.length + 1);
    expect(rules.map((r) => r.name)).toContain("audit-user-data-residency");
    // The vault, plan and selection are the stack's own, whatever the account's settings.
    one(existing, "aws:backup/vault:Vault");
    one(existing, "aws:backup/selection:Selection");
  });

  it("refuses backups deleted before their 90 days in cold storage", async () => {
    await expect(
      run({ backup: { coldStorageAfterDays: 60, deleteAfterDays: 100 } }),
    ).rejects.toThrow(
      /backup.deleteAfterDays = 100: must be at least coldStorageAfterDays \+ 90 \(150\)/,
    );
  });
});
