/**
 * The data lake's layout, settings and their checks: where things live in the bucket, the ETL
 * job's and crawler's settings with their defaults resolved in one object, and every problem with
 * them collected at once. Pure, so it is tested without an engine.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { FUNCTIONS_ROOT } from "../shared/bundle";
import {
  DEFAULT_LOG_RETENTION_DAYS,
  LOG_RETENTION_DAYS,
  type LogRetentionDays,
} from "../shared/logs";

/** Where things live in the lake bucket. */
export const LAKE_PREFIXES = {
  /** Raw exports of the monolith (JSON lines, gzip allowed); expired after `exportRetentionDays`. */
  exports: "exports/learning-events/",
  /** The job's Parquet output, `event_date=YYYY-MM-DD/` folders; kept. */
  curated: "curated/learning-events/",
  /** The job's script. */
  scripts: "scripts/",
  /** The job's temporary data (`--TempDir`); expired after a week. */
  temp: "tmp/",
  /** Records other parts of the platform could not process; expired after 90 days. */
  deadLetter: "dead-letter/",
} as const;

/** The ETL script, uploaded to `scripts/learning-events-etl.py`. */
export const LEARNING_EVENTS_ETL_SCRIPT = join(
  FUNCTIONS_ROOT,
  "analytics",
  "learning-events-etl",
  "job.py",
);

/** The script's object key in the lake. */
export const SCRIPT_KEY = `${LAKE_PREFIXES.scripts}learning-events-etl.py`;

const GLUE_CRON = /^cron\(.+\)$/;

/** The Glue worker types the ETL job may use. https://docs.aws.amazon.com/glue/latest/dg/add-job.html */
export const WORKER_TYPES = ["G.1X", "G.2X"] as const;
/** The Glue execution classes the ETL job may use. */
export const EXECUTION_CLASSES = ["FLEX", "STANDARD"] as const;

/**
 * The lake's defaults, in one place: `resolveLakeSettings` applies them to a lake built without
 * config, and the analytics settings' schema gives them to a stack that sets nothing.
 */
export const LAKE_DEFAULTS = {
  workerType: "G.1X",
  workers: 2,
  executionClass: "FLEX",
  schedule: "cron(15 2 * * ? *)",
  timeoutMinutes: 120,
  crawlerSchedule: "cron(15 4 * * ? *)",
  exportRetentionDays: 90,
} as const;

/** The lake's numeric bounds, checked by `lakeSettingsProblems` and the settings' schema. */
export const LAKE_BOUNDS = {
  /** Workers of the ETL job. */
  workers: { min: 2, max: 100 },
  /** The ETL job's run timeout, minutes (Glue's maximum is 2880, two days). */
  timeoutMinutes: { min: 10, max: 2880 },
} as const;

/** Settings of the ETL job. */
export interface DataLakeEtlSettings {
  /**
   * Worker type.
   * https://docs.aws.amazon.com/glue/latest/dg/add-job.html
   * @default LAKE_DEFAULTS.workerType ("G.1X")
   */
  readonly workerType?: (typeof WORKER_TYPES)[number];
  /** Number of workers, within LAKE_BOUNDS.workers (2-100). @default LAKE_DEFAULTS.workers (2) */
  readonly workers?: number;
  /**
   * FLEX runs on spare capacity at a lower price (the seed's cost savings); STANDARD for urgent
   * runs.
   * https://docs.aws.amazon.com/glue/latest/dg/add-job.html#flex-jobs
   * @default LAKE_DEFAULTS.executionClass ("FLEX")
   */
  readonly executionClass?: (typeof EXECUTION_CLASSES)[number];
  /**
   * Glue cron expression, UTC.
   * https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html
   * @default LAKE_DEFAULTS.schedule ("cron(15 2 * * ? *)", daily 02:15)
   */
  readonly schedule?: string;
  /**
   * Run timeout in minutes, within LAKE_BOUNDS.timeoutMinutes (10-2880).
   * @default LAKE_DEFAULTS.timeoutMinutes (120)
   */
  readonly timeoutMinutes?: number;
}

/** What `resolveLakeSettings` reads: the lake's optional arguments (see `DataLakeArgs`). */
export interface LakeSettingsInput {
  /** See `DataLakeArgs.etl`. */
  readonly etl: DataLakeEtlSettings;
  /** See `DataLakeArgs.crawlerSchedule`. @default LAKE_DEFAULTS.crawlerSchedule */
  readonly crawlerSchedule?: string;
  /** See `DataLakeArgs.exportRetentionDays`. @default LAKE_DEFAULTS.exportRetentionDays (90) */
  readonly exportRetentionDays?: number;
  /** See `DataLakeArgs.logRetentionDays`. @default 365 */
  readonly logRetentionDays?: LogRetentionDays;
  /** See `DataLakeArgs.exportWriterRoleArns`. @default [] */
  readonly exportWriterRoleArns?: readonly pulumi.Input<string>[];
}

/** The lake's settings with every default applied (see `DataLakeEtlSettings` and `DataLakeArgs`). */
export interface LakeSettings {
  readonly workerType: string;
  readonly workers: number;
  readonly executionClass: string;
  readonly schedule: string;
  readonly timeoutMinutes: number;
  readonly crawlerSchedule: string;
  readonly exportRetentionDays: number;
  readonly logRetentionDays: LogRetentionDays;
  readonly writers: readonly pulumi.Input<string>[];
}

/** The defaults of the lake's optional arguments, in one place. */
export function resolveLakeSettings(args: LakeSettingsInput): LakeSettings {
  return {
    workerType: args.etl.workerType ?? LAKE_DEFAULTS.workerType,
    workers: args.etl.workers ?? LAKE_DEFAULTS.workers,
    executionClass: args.etl.executionClass ?? LAKE_DEFAULTS.executionClass,
    schedule: args.etl.schedule ?? LAKE_DEFAULTS.schedule,
    timeoutMinutes: args.etl.timeoutMinutes ?? LAKE_DEFAULTS.timeoutMinutes,
    crawlerSchedule: args.crawlerSchedule ?? LAKE_DEFAULTS.crawlerSchedule,
    exportRetentionDays: args.exportRetentionDays ?? LAKE_DEFAULTS.exportRetentionDays,
    logRetentionDays: args.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    writers: args.exportWriterRoleArns ?? [],
  };
}

/** The Glue database of a stack: lower-case letters, digits and underscores, `<stack>_learning`. */
export function glueDatabaseName(stack: string): string {
  const base = stack
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return `${base}_learning`;
}

/** Every problem with the arguments, each naming the argument, its value and what is allowed. */
export function lakeSettingsProblems(stack: string, settings: LakeSettings): string[] {
  const problems: string[] = [];
  const integerIn = (arg: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${arg} = ${value}: expected an integer from ${min} to ${max}`);
    }
  };
  const oneOf = (arg: string, value: string, allowed: readonly string[]) => {
    if (!allowed.includes(value)) {
      problems.push(`${arg} = ${JSON.stringify(value)}: expected one of ${allowed.join(", ")}`);
    }
  };
  const cron = (arg: string, value: string) => {
    if (!GLUE_CRON.test(value)) {
      problems.push(
        `${arg} = ${JSON.stringify(value)}: expected a Glue cron expression such as cron(15 2 * * ? *)`,
      );
    }
  };
  if (glueDatabaseName(stack) === "_learning") {
    problems.push(`stack = ${JSON.stringify(stack)}: expected letters or digits`);
  }
  oneOf("etl.workerType", settings.workerType, WORKER_TYPES);
  integerIn("etl.workers", settings.workers, LAKE_BOUNDS.workers.min, LAKE_BOUNDS.workers.max);
  oneOf("etl.executionClass", settings.executionClass, EXECUTION_CLASSES);
  cron("etl.schedule", settings.schedule);
  const timeout = LAKE_BOUNDS.timeoutMinutes;
  integerIn("etl.timeoutMinutes", settings.timeoutMinutes, timeout.min, timeout.max);
  cron("crawlerSchedule", settings.crawlerSchedule);
  if (!Number.isInteger(settings.exportRetentionDays) || settings.exportRetentionDays < 1) {
    problems.push(
      `exportRetentionDays = ${settings.exportRetentionDays}: expected a positive whole number of days`,
    );
  }
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(settings.logRetentionDays)) {
    problems.push(
      `logRetentionDays = ${settings.logRetentionDays}: expected a CloudWatch retention (${LOG_RETENTION_DAYS.join(", ")})`,
    );
  }
  if (!existsSync(LEARNING_EVENTS_ETL_SCRIPT)) {
    problems.push("the ETL script functions/analytics/learning-events-etl/job.py is missing");
  }
  return problems;
}

/** A key-policy statement id prefix from the component's name: `data-lake` gives `DataLake`. */
export function statementPrefix(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}
