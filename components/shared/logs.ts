/**
 * Log retention accepted by CloudWatch Logs. Nothing is kept forever by default.
 */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** A retention period CloudWatch Logs accepts, in days. */
export type LogRetentionDays = (typeof LOG_RETENTION_DAYS)[number];

/** The retention every log group gets unless its component is told otherwise. */
export const DEFAULT_LOG_RETENTION_DAYS: LogRetentionDays = 365;
