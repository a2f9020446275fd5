import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { REGION_CODE_PATTERN } from "../../contracts/ids";
import type { AwsContext } from "../shared/context";
import { serviceTrustPolicy, type AccountSettingSource } from "../shared/iam";
import { NodeFunction } from "../shared/node-function";
import { SecureBucket } from "../shared/secure-bucket";
import { dataTags } from "../shared/tags";
import { BACKUP_DEFAULTS } from "./settings";

/**
 * AWS managed Config rules that apply to what the platform deploys: encryption at rest, public
 * access, TLS, deletion protection, backups, logging and network exposure.
 */
export const MANAGED_CONFIG_RULES: readonly string[] = [
  "RDS_STORAGE_ENCRYPTED",
  "RDS_CLUSTER_DELETION_PROTECTION_ENABLED",
  "RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
  "RDS_SNAPSHOTS_PUBLIC_PROHIBITED",
  "DYNAMODB_TABLE_ENCRYPTED_KMS",
  "DYNAMODB_PITR_ENABLED",
  "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
  "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
  "S3_BUCKET_SSL_REQUESTS_ONLY",
  "S3_BUCKET_VERSIONING_ENABLED",
  "CLOUDWATCH_LOG_GROUP_ENCRYPTED",
  "CMK_BACKING_KEY_ROTATION_ENABLED",
  "KMS_CMK_NOT_SCHEDULED_FOR_DELETION",
  "VPC_FLOW_LOGS_ENABLED",
  "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
  "INCOMING_SSH_DISABLED",
  "EC2_IMDSV2_CHECK",
  "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS",
  "BACKUP_RECOVERY_POINT_ENCRYPTED",
  "SECRETSMANAGER_USING_CMK",
];

/** Backup settings of the user store. */
export interface BackupSettings {
  /** When the daily backup starts (AWS Backup cron, UTC). @default "cron(0 2 * * ? *)" */
  readonly schedule?: string;
  /**
   * Days after which recovery points move to cold storage (AWS Backup's archive tier, priced
   * like Glacier Deep Archive), for the resource types that support it. @default 30
   */
  readonly coldStorageAfterDays?: number;
  /** Days recovery points are kept; at least 90 more than coldStorageAfterDays. @default 365 */
  readonly deleteAfterDays?: number;
}

/** The account-wide residency audit, which one stack per account (the primary) runs. */
export interface AccountAggregatorSettings {
  /**
   * Where each jurisdiction's user data may live: jurisdiction code (as the stacks' `Jurisdiction`
   * tag has it) -> region codes. The audit judges every user-data resource of the account, in any
   * region, by its own jurisdiction's entry; user data whose jurisdiction is not here is a finding.
   */
  readonly jurisdictionRegions: Readonly<Record<string, readonly string[]>>;
}

/** Arguments of `Compliance`. */
export interface ComplianceArgs {
  /** Account, partition and region the resources are created in. */
  readonly context: AwsContext;
  /** The stack's name (`me-south-1`), which names account-wide resources. */
  readonly stack: string;
  /** Regions where this stack may keep user data. */
  readonly allowedRegions: readonly string[];
  /** Whether this stack records the account's global resources (IAM); exactly one stack does. */
  readonly recordGlobalResources: boolean;
  /**
   * Telemetry key: the Config bucket and the audit function's logs, as
   * `DataKeys.policyReadyKeyArns.telemetry` (CloudWatch Logs checks the key policy when it creates
   * the function's log group).
   */
  readonly telemetryKeyArn: pulumi.Input<string>;
  /** User-data key: the backup vault holds copies of user data. */
  readonly userDataKeyArn: pulumi.Input<string>;
  /** The stores to back up (the user store's ARNs). */
  readonly backupResourceArns: readonly pulumi.Input<string>[];
  /** @default see BackupSettings */
  readonly backup?: BackupSettings;
  /** Days the Config bucket keeps snapshots and history. @default 2557 (7 years) */
  readonly configRetentionDays?: number;
  /**
   * The region's AWS Config recorder, delivery channel and recording status, which exist once per
   * account and region: `create` makes them with the Config bucket and role; `existing` uses the
   * account's (a landing zone's), which must record this region's resources, and adds only the
   * rules. @default "create"
   */
  readonly configRecorder?: AccountSettingSource;
  /**
   * The region's AWS Backup settings (which resource types Backup may protect), one per account
   * and region: `create` sets them; `existing` leaves them to the account, which must have opted
   * in Aurora, RDS and DynamoDB (with DynamoDB's advanced features). @default "create"
   */
  readonly backupRegionSettings?: AccountSettingSource;
  /**
   * The account-wide audit (primary stack only): an AWS Config aggregator of this account over
   * all regions, present and future, whose view the residency rule's daily run reads, so user data
   * created in any region, including one without a stack, is judged. Absent: the rule's daily run
   * reads this region only. Config must record in a region for the aggregator to see it.
   * @default undefined
   */
  readonly accountAggregator?: AccountAggregatorSettings;
  /**
   * The home regions, where the home-region directory (`DataClass=pseudonymous-directory`) may
   * live; without them the rule finds a directory table NON_COMPLIANT (its placement unproven).
   * @default undefined
   */
  readonly homeRegions?: readonly string[];
}

/**
 * Proof of the platform's promises: AWS Config records every resource of the region and judges it
 * with the managed rules above and a custom rule (`functions/security/residency-audit`) that flags any
 * resource tagged `DataClass=user-data` outside the allowed regions (in the primary stack, daily,
 * over every region of the account through an aggregator); AWS Backup keeps daily,
 * encrypted, lock-protected backups of the user store, moving them to cold storage.
 */
export class Compliance extends pulumi.ComponentResource {
  /** The Config bucket, when this stack makes the recorder (`configRecorder: create`). */
  public readonly configBucketName?: pulumi.Output<string>;
  /** The account's aggregator over all regions, in the stack given `accountAggregator`. */
  public readonly aggregatorName?: pulumi.Output<string>;
  public readonly residencyRuleName: pulumi.Output<string>;
  public readonly backupVaultName: pulumi.Output<string>;
  public readonly auditFunction: NodeFunction;

  constructor(name: string, args: ComplianceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:compliance:Compliance", name, {}, opts);
    const { accountId, partition } = args.context;
    const parent = { parent: this };
    const backup = {
      schedule: args.backup?.schedule ?? BACKUP_DEFAULTS.schedule,
      coldStorageAfterDays:
        args.backup?.coldStorageAfterDays ?? BACKUP_DEFAULTS.coldStorageAfterDays,
      deleteAfterDays: args.backup?.deleteAfterDays ?? BACKUP_DEFAULTS.deleteAfterDays,
    };
    if (backup.deleteAfterDays < backup.coldStorageAfterDays + 90) {
      throw new pulumi.ResourceError(
        `backup.deleteAfterDays = ${backup.deleteAfterDays}: must be at least coldStorageAfterDays + 90 (${backup.coldStorageAfterDays + 90}); cold storage has a 90-day minimum`,
        this,
      );
    }

    if (args.accountAggregator !== undefined) {
      const problems = jurisdictionRegionsProblems(args.accountAggregator.jurisdictionRegions);
      if (problems.length > 0) {
        throw new pulumi.ResourceError(
          `accountAggregator.jurisdictionRegions: ${problems.join("; ")}`,
          this,
        );
      }
    }

    // Recording: the account's own recorder, or one made here.
    const recording =
      (args.configRecorder ?? "create") === "create" ? createRecorder(name, args, this) : undefined;
    // The account's view over every region. An account source needs no IAM role (only an
    // organization source takes one: https://docs.aws.amazon.com/config/latest/APIReference/API_OrganizationAggregationSource.html).
    const aggregator =
      args.accountAggregator === undefined
        ? undefined
        : new aws.cfg.ConfigurationAggregator(
            `${name}-account`,
            { accountAggregationSource: { accountIds: [accountId], allRegions: true } },
            parent,
          );

    // Judging.
    for (const identifier of MANAGED_CONFIG_RULES) {
      new aws.cfg.Rule(
        `${name}-${identifier.toLowerCase().replace(/_/g, "-")}`,
        { source: { owner: "AWS", sourceIdentifier: identifier } },
        { parent: this, dependsOn: recording === undefined ? [] : [recording.status] },
      );
    }
    this.auditFunction = new NodeFunction(
      `${name}-residency-audit`,
      {
        context: args.context,
        contract: "residency-audit",
        // Its allowed regions come from the rule's input parameters, not the environment.
        environment: aggregator === undefined ? {} : { AGGREGATOR_NAME: aggregator.name },
        description: "AWS Config rule: user data outside the allowed regions",
        kmsKeyArn: args.telemetryKeyArn,
        timeoutSeconds: aggregator === undefined ? 120 : 300,
        permissions: [
          {
            // Config's APIs have no resource-level permissions for these calls.
            sid: "ReportAndReadConfig",
            actions: [
              "config:PutEvaluations",
              "config:GetResourceConfigHistory",
              // The daily run reads this region, or (below) the aggregator instead.
              ...(aggregator === undefined ? ["config:SelectResourceConfig"] : []),
            ],
            resources: ["*"],
          },
          ...(aggregator === undefined
            ? []
            : [
                {
                  // SelectAggregateResourceConfig takes the aggregator as its resource
                  // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsconfig.html).
                  sid: "QueryTheAccountAggregator",
                  actions: ["config:SelectAggregateResourceConfig"],
                  resources: [aggregator.arn],
                },
              ]),
        ],
      },
      parent,
    );
    const invoke = new aws.lambda.Permission(
      `${name}-residency-audit`,
      {
        action: "lambda:InvokeFunction",
        function: this.auditFunction.function.name,
        principal: "config.amazonaws.com",
        sourceAccount: accountId,
      },
      parent,
    );
    const residencyRule = new aws.cfg.Rule(
      `${name}-user-data-residency`,
      {
        description: `Resources tagged DataClass=user-data must stay in ${args.allowedRegions.join(", ")}`,
        inputParameters: JSON.stringify({
          allowedRegions: args.allowedRegions.join(","),
          ...(args.homeRegions === undefined ? {} : { homeRegions: args.homeRegions.join(",") }),
          ...(args.accountAggregator === undefined
            ? {}
            : {
                jurisdictionRegions: formatJurisdictionRegions(
                  args.accountAggregator.jurisdictionRegions,
                ),
              }),
        }),
        source: {
          owner: "CUSTOM_LAMBDA",
          sourceIdentifier: this.auditFunction.arn,
          sourceDetails: [
            { eventSource: "aws.config", messageType: "ConfigurationItemChangeNotification" },
            {
              eventSource: "aws.config",
              messageType: "OversizedConfigurationItemChangeNotification",
            },
            {
              eventSource: "aws.config",
              messageType: "ScheduledNotification",
              maximumExecutionFrequency: "TwentyFour_Hours",
            },
          ],
        },
      },
      { parent: this, dependsOn: [...(recording === undefined ? [] : [recording.status]), invoke] },
    );

    // Backups.
    const vault = new aws.backup.Vault(
      `${name}-backups`,
      { kmsKeyArn: args.userDataKeyArn, forceDestroy: false, tags: dataTags("user-data") },
      { parent: this, protect: true },
    );
    // Governance-mode lock: recovery points cannot be deleted early or kept forever.
    new aws.backup.VaultLockConfiguration(
      `${name}-backups`,
      {
        backupVaultName: vault.name,
        minRetentionDays: 7,
        maxRetentionDays: Math.max(backup.deleteAfterDays, 7),
      },
      parent,
    );
    if ((args.backupRegionSettings ?? "create") === "create") {
      new aws.backup.RegionSettings(
        `${name}-backup-settings`,
        {
          resourceTypeOptInPreference: {
            Aurora: true,
            DynamoDB: true,
            RDS: true,
            S3: true,
            EBS: true,
            EC2: true,
            EFS: true,
          },
          // DynamoDB's advanced backup features allow the cold-storage tier.
          resourceTypeManagementPreference: { DynamoDB: true },
        },
        parent,
      );
    }
    const backupRole = new aws.iam.Role(
      `${name}-backup`,
      {
        description: "AWS Backup of the user store",
        assumeRolePolicy: serviceTrustPolicy("backup.amazonaws.com", accountId),
        managedPolicyArns: [
          `arn:${partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup`,
          `arn:${partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores`,
        ],
      },
      parent,
    );
    const plan = new aws.backup.Plan(
      `${name}-user-data`,
      {
        rules: [
          {
            ruleName: "daily",
            targetVaultName: vault.name,
            schedule: backup.schedule,
            startWindow: 60,
            completionWindow: 360,
            lifecycle: {
              coldStorageAfter: backup.coldStorageAfterDays,
              deleteAfter: backup.deleteAfterDays,
              optInToArchiveForSupportedResources: true,
            },
            recoveryPointTags: { DataClass: "user-data", Stack: args.stack },
          },
        ],
        tags: dataTags("user-data"),
      },
      parent,
    );
    new aws.backup.Selection(
      `${name}-user-data`,
      { planId: plan.id, iamRoleArn: backupRole.arn, resources: [...args.backupResourceArns] },
      parent,
    );

    this.configBucketName = recording?.bucketName;
    this.aggregatorName = aggregator?.name;
    this.residencyRuleName = residencyRule.name;
    this.backupVaultName = vault.name;
    this.registerOutputs({
      configBucketName: this.configBucketName,
      aggregatorName: this.aggregatorName,
      residencyRuleName: this.residencyRuleName,
      backupVaultName: this.backupVaultName,
    });
  }
}

/**
 * The `jurisdictionRegions` rule parameter (`SA=me-south-1;US=us-east-1,us-west-2`): Config rule
 * parameters are strings, which the audit function parses back (functions/security/residency-audit/parameters.ts).
 */
export function formatJurisdictionRegions(
  map: Readonly<Record<string, readonly string[]>>,
): string {
  return Object.keys(map)
    .sort()
    .map((code) => `${code}=${(map[code] ?? []).join(",")}`)
    .join(";");
}

/** Every problem of a jurisdiction map, each naming the value and what is allowed. */
export function jurisdictionRegionsProblems(
  map: Readonly<Record<string, readonly string[]>>,
): string[] {
  const entries = Object.entries(map);
  if (entries.length === 0) {
    return ['is empty; expected every jurisdiction\'s regions, such as { SA: ["me-south-1"] }'];
  }
  return entries.flatMap(([code, regions]) => [
    ...(/^[A-Z]{2}$/.test(code)
      ? []
      : [`${JSON.stringify(code)} is not a two-letter jurisdiction code such as SA or US`]),
    ...(regions.length === 0 ? [`${code} has no regions; expected at least one region code`] : []),
    ...regions
      .filter((region) => !REGION_CODE_PATTERN.test(region))
      .map(
        (region) =>
          `${code}: ${JSON.stringify(region)} is not an AWS region code such as me-south-1`,
      ),
  ]);
}

/**
 * The region's AWS Config recorder, recording everything continuously (global resources where
 * told), and its delivery channel to an encrypted bucket. Each exists once per account and region.
 */
function createRecorder(
  name: string,
  args: ComplianceArgs,
  parent: pulumi.Resource,
): { readonly status: aws.cfg.RecorderStatus; readonly bucketName: pulumi.Output<string> } {
  const { accountId, partition } = args.context;
  const opts = { parent };
  const configBucket = new SecureBucket(
    `${name}-config`,
    {
      dataClass: "telemetry",
      encryption: { kmsKeyArn: args.telemetryKeyArn },
      lifecycleRules: [
        {
          id: "expire-config-history",
          status: "Enabled",
          filter: {},
          expiration: { days: args.configRetentionDays ?? 2557 },
          noncurrentVersionExpiration: { noncurrentDays: 30 },
        },
      ],
      statements: [
        {
          Sid: "ConfigChecksTheBucket",
          Principal: { Service: "config.amazonaws.com" },
          Action: ["s3:GetBucketAcl", "s3:ListBucket"],
          Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
      ],
    },
    opts,
  );
  const configRole = new aws.iam.Role(
    `${name}-config`,
    {
      description: "AWS Config recorder and delivery",
      assumeRolePolicy: serviceTrustPolicy("config.amazonaws.com", accountId),
      managedPolicyArns: [`arn:${partition}:iam::aws:policy/service-role/AWS_ConfigRole`],
    },
    opts,
  );
  new aws.iam.RolePolicy(
    `${name}-config-delivery`,
    {
      role: configRole.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DeliverToTheConfigBucket",
            Effect: "Allow",
            Action: ["s3:PutObject"],
            Resource: [pulumi.interpolate`${configBucket.arn}/AWSLogs/${accountId}/Config/*`],
          },
          {
            Sid: "CheckTheConfigBucket",
            Effect: "Allow",
            Action: ["s3:GetBucketAcl"],
            Resource: [configBucket.arn],
          },
          {
            Sid: "EncryptDeliveries",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: [args.telemetryKeyArn],
          },
        ],
      }),
    },
    opts,
  );
  const recorder = new aws.cfg.Recorder(
    `${name}-recorder`,
    {
      roleArn: configRole.arn,
      recordingGroup: {
        allSupported: true,
        includeGlobalResourceTypes: args.recordGlobalResources,
      },
      recordingMode: { recordingFrequency: "CONTINUOUS" },
    },
    opts,
  );
  const channel = new aws.cfg.DeliveryChannel(
    `${name}-delivery`,
    {
      s3BucketName: configBucket.bucketName,
      s3KmsKeyArn: args.telemetryKeyArn,
      snapshotDeliveryProperties: { deliveryFrequency: "TwentyFour_Hours" },
    },
    { parent, dependsOn: [recorder] },
  );
  const recording = new aws.cfg.RecorderStatus(
    `${name}-recording`,
    { name: recorder.name, isEnabled: true },
    { parent, dependsOn: [channel] },
  );
  return { status: recording, bucketName: configBucket.bucketName };
}
