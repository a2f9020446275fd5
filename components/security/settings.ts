import { z } from "zod";
import { documentSettings, type SettingsIssue } from "../shared/settings";

/** The compliance settings of a stack: backups of the user store. */
export const complianceSettingsSchema = z
  .strictObject({
    /** Backups of the user store. */
    backup: z
      .strictObject({
        /** AWS Backup cron expression (UTC). @default "cron(0 2 * * ? *)" */
        schedule: z
          .string()
          .regex(/^cron\(.+\)$/, {
            error: "expected an AWS cron expression such as cron(0 2 * * ? *)",
          })
          .optional(),
        /** Days before recovery points move to cold storage. @default 30 */
        coldStorageAfterDays: z
          .number()
          .int()
          .min(1, { error: "expected at least 1 day" })
          .optional(),
        /** Days recovery points are kept; at least coldStorageAfterDays + 90. @default 365 */
        deleteAfterDays: z
          .number()
          .int()
          .min(91, { error: "expected at least 91 days" })
          .optional(),
      })
      .default({}),
  })
  .prefault({});

/** The daily backup plan's defaults, for what a stack leaves out. */
export const BACKUP_DEFAULTS = {
  schedule: "cron(0 2 * * ? *)",
  coldStorageAfterDays: 30,
  deleteAfterDays: 365,
} as const;

/** The compliance settings, as parsed. */
export type ComplianceSettings = z.output<typeof complianceSettingsSchema>;

/**
 * What is wrong between the backup settings: recovery points deleted before cold storage has kept
 * them 90 days, the minimum AWS Backup charges and enforces
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Lifecycle.html).
 */
export function complianceProblems(compliance: ComplianceSettings): SettingsIssue[] {
  const backup = compliance.backup;
  const coldAfter = backup.coldStorageAfterDays ?? BACKUP_DEFAULTS.coldStorageAfterDays;
  return backup.deleteAfterDays !== undefined && backup.deleteAfterDays < coldAfter + 90
    ? [
        {
          path: ["backup", "deleteAfterDays"],
          input: backup.deleteAfterDays,
          message: `expected at least coldStorageAfterDays + 90 (${coldAfter + 90}): cold storage keeps a backup for 90 days at least`,
        },
      ]
    : [];
}

/** Whether the stack makes an account-level setting or uses the one the account already has. */
const accountSetting = z.enum(["create", "existing"], {
  error: 'expected "create" (this stack makes it) or "existing" (the account already has it)',
});

/**
 * Account-level settings, which exist once per account (IAM) or once per account and region: each
 * is either created by this stack (a fresh account) or the account's own is used (a landing zone
 * such as Control Tower made it). See the README's "Adopting existing account-level settings" for
 * what `existing` requires.
 */
export const accountSetupSettingsSchema = z
  .strictObject({
    /** AWS Config recorder, delivery channel and recording status of the region. @default create */
    configRecorder: accountSetting.default("create"),
    /** AWS Backup's region settings (which resource types it protects). @default create */
    backupRegionSettings: accountSetting.default("create"),
    /**
     * The Auto Scaling and EC2 Spot service-linked roles (IAM: one stack per account creates
     * them). @default create in the primary stack, existing elsewhere
     */
    serviceLinkedRoles: accountSetting.optional(),
  })
  .prefault({});

/** The account-level settings, as parsed. */
export type AccountSetupSettings = z.output<typeof accountSetupSettingsSchema>;

documentSettings(accountSetupSettingsSchema, {
  configRecorder: {
    description:
      "the region's AWS Config recorder and delivery channel: made here, or the account's (see Compliance)",
    typeText: "`create` | `existing`",
  },
  backupRegionSettings: {
    description: "AWS Backup's region settings: set here, or the account's",
    typeText: "`create` | `existing`",
  },
  serviceLinkedRoles: {
    description:
      "the Auto Scaling and EC2 Spot service-linked roles (account-global: one stack per account creates them)",
    typeText: "`create` | `existing`",
    defaultText: "primary `create`, else `existing`",
  },
});

/**
 * Whether this stack makes the account's service-linked roles: as `accountSetup` says, else the
 * primary stack does and the others use them (IAM is global, so only one stack of an account may
 * create them).
 */
export function serviceLinkedRolesSource(config: {
  readonly primary: boolean;
  readonly accountSetup: Pick<AccountSetupSettings, "serviceLinkedRoles">;
}): "create" | "existing" {
  return config.accountSetup.serviceLinkedRoles ?? (config.primary ? "create" : "existing");
}
