import { describe, expect, it } from "vitest";
import {
  json,
  list,
  record,
  Recorded,
  runComponent,
  TEST_CONTEXT,
  type RecordedResource,
} from "../../tools/plan/engine";
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

  describe("the account-wide audit", async () => {
    const JURISDICTIONS = { US: ["us-east-1", "us-west-2"], SA: ["me-south-1"] };
    const primary = Recorded.of(
      await run({
        allowedRegions: ["us-east-1", "us-west-2"],
        accountAggregator: { jurisdictionRegions: JURISDICTIONS },
      }),
    );
    const auditPolicy = (recorded: Recorded) =>
      list(
        json(
          recorded.named("aws:iam/rolePolicy:RolePolicy", "audit-residency-audit-policy").inputs
            .policy,
        ).Statement,
      ).map(record);

    it("aggregates this account's every region, present and future, in the primary only", () => {
      expect(recorded.ofType("aws:cfg/configurationAggregator:ConfigurationAggregator")).toEqual(
        [],
      );
      const aggregator = one(primary, "aws:cfg/configurationAggregator:ConfigurationAggregator");
      expect(aggregator.inputs.accountAggregationSource).toEqual({
        accountIds: ["111122223333"],
        allRegions: true,
      });
      // An account source: no organization source, so no role to pass.
      expect(aggregator.inputs.organizationAggregationSource).toBeUndefined();
    });

    it("lets the audit query the aggregator, and only it, instead of the region", () => {
      const aggregator = one(primary, "aws:cfg/configurationAggregator:ConfigurationAggregator");
      const arn = String(aggregator.state.arn);
      expect(arn).toMatch(
        /^arn:aws:config:me-south-1:111122223333:config-aggregator\/config-aggregator-[a-z0-9]{8}$/,
      );
      const statements = auditPolicy(primary);
      const grants = statements.filter((s) =>
        list(s.Action).includes("config:SelectAggregateResourceConfig"),
      );
      expect(grants).toEqual([
        {
          Sid: "QueryTheAccountAggregator",
          Effect: "Allow",
          Action: ["config:SelectAggregateResourceConfig"],
          Resource: [arn],
        },
      ]);
      const actions = statements.flatMap((s) => list(s.Action));
      expect(actions).not.toContain("config:SelectResourceConfig");
      // Without the aggregator the audit reads its own region, and no aggregator at all.
      const regional = auditPolicy(recorded).flatMap((s) => list(s.Action));
      expect(regional).toContain("config:SelectResourceConfig");
      expect(regional).not.toContain("config:SelectAggregateResourceConfig");
    });

    it("tells the function the aggregator and the rule every jurisdiction's regions", () => {
      const aggregator = one(primary, "aws:cfg/configurationAggregator:ConfigurationAggregator");
      const fn = primary.named("aws:lambda/function:Function", "audit-residency-audit-fn");
      expect(record(fn.inputs.environment).variables).toEqual({
        AGGREGATOR_NAME: aggregator.state.name,
      });
      const residency = primary.named("aws:cfg/rule:Rule", "audit-user-data-residency");
      expect(json(residency.inputs.inputParameters)).toEqual({
        allowedRegions: "us-east-1,us-west-2",
        jurisdictionRegions: "SA=me-south-1;US=us-east-1,us-west-2",
      });
      const regionalFn = recorded.named("aws:lambda/function:Function", "audit-residency-audit-fn");
      expect(record(regionalFn.inputs.environment).variables ?? {}).toEqual({});
    });

    it("refuses a jurisdiction map the audit could not use, naming every problem", async () => {
      await expect(
        run({
          accountAggregator: {
            jurisdictionRegions: { sa: ["me-south-1"], US: [], GB: ["London"] },
          },
        }),
      ).rejects.toThrow(
        'accountAggregator.jurisdictionRegions: "sa" is not a two-letter jurisdiction code such as SA or US; US has no regions; expected at least one region code; GB: "London" is not an AWS region code such as me-south-1',
      );
    });
  });

  it("refuses backups deleted before their 90 days in cold storage", async () => {
    await expect(
      run({ backup: { coldStorageAfterDays: 60, deleteAfterDays: 100 } }),
    ).rejects.toThrow(
      /backup.deleteAfterDays = 100: must be at least coldStorageAfterDays \+ 90 \(150\)/,
    );
  });
});

describe("the residency rule and the home-region directory", async () => {
  const recorded = Recorded.of(await run({ homeRegions: ["me-south-1", "us-east-1"] }));

  it("tells the rule the home regions, where the directory may live", () => {
    const residency = recorded.named("aws:cfg/rule:Rule", "audit-user-data-residency");
    expect(json(residency.inputs.inputParameters)).toEqual({
      allowedRegions: "me-south-1",
      homeRegions: "me-south-1,us-east-1",
    });
  });
});
