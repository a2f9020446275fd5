import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";
import type { DataKeys } from "../security/data-keys";
import type { KeyUser } from "../security/key-policies";
import type { LogRetentionDays } from "../shared/logs";
import { SecureBucket } from "../shared/secure-bucket";
import {
  createCrawler,
  createEtlJob,
  createGlueSecurity,
  createLakeCatalog,
} from "./data-lake-glue";
import { lakeKeyUsers } from "./data-lake-policies";
import {
  LAKE_PREFIXES,
  lakeSettingsProblems,
  resolveLakeSettings,
  statementPrefix,
  type DataLakeEtlSettings,
  type LakeSettings,
} from "./data-lake-settings";

export {
  glueDatabaseName,
  LAKE_PREFIXES,
  LEARNING_EVENTS_ETL_SCRIPT,
  type DataLakeEtlSettings,
} from "./data-lake-settings";

/** Arguments of `DataLake`. */
export interface DataLakeArgs {
  /** Account, partition and region the resources are created in. */
  readonly context: AwsContext;
  /** Stack name; names the Glue database (`<stack>_learning`, lower case and underscores). */
  readonly stack: string;
  /**
   * Key of the lake, the job's temp data, bookmarks and Parquet output: the stack's user-data key
   * (learning events are pseudonymous personal data).
   */
  readonly dataKeyArn: pulumi.Input<string>;
  /** Key of the Glue job's and crawler's CloudWatch logs: the stack's telemetry key. */
  readonly telemetryKeyArn: pulumi.Input<string>;
  /**
   * The stack's keys. When given, the roles that use the data key directly are named in its
   * policy (see `userDataKeyUsers`); otherwise the caller must name them. @default none
   */
  readonly keys?: DataKeys;
  /**
   * Roles that may write exports (the monolith's instance role): `s3:PutObject` under
   * `exports/learning-events/` only, and the data key through S3 for this bucket. @default []
   */
  readonly exportWriterRoleArns?: readonly pulumi.Input<string>[];
  /** Worker type, size, class and schedule of the ETL job. */
  readonly etl: DataLakeEtlSettings;
  /**
   * Crawler schedule, a Glue cron expression.
   * @default LAKE_DEFAULTS.crawlerSchedule ("cron(15 4 * * ? *)", daily 04:15 UTC)
   */
  readonly crawlerSchedule?: string;
  /**
   * Days to keep raw exports before expiry (curated Parquet is kept).
   * @default LAKE_DEFAULTS.exportRetentionDays (90)
   */
  readonly exportRetentionDays?: number;
  /** Retention of the job's and crawler's logs. @default 365 */
  readonly logRetentionDays?: LogRetentionDays;
}

/**
 * The learning-events lake. The monolith exports events as JSON lines to
 * `s3://<lake>/exports/learning-events/`; a scheduled Glue 5.0 job (FLEX by default, job
 * bookmarks so each run reads only new files) writes them as snappy Parquet partitioned by
 * `event_date` under `curated/learning-events/`, which ClickHouse reads with `s3()`; a crawler
 * catalogs the curated data in a Glue database for Athena. The column contract
 * (`LEARNING_EVENT_LAKE_COLUMNS`, `LEARNING_EVENT_TYPES`) is handed to the job as arguments, so
 * TypeScript stays its single source.
 *
 * Everything is encrypted: the bucket, the script, temp data and Parquet with the user-data key;
 * bookmarks client-side with it; logs with the telemetry key. Each role may do only its part:
 * the job reads exports and writes curated and temp data (it cannot write exports), the crawler
 * reads curated data and writes the catalog, and export writers may only put exports.
 */
export class DataLake extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;
  public readonly databaseName: pulumi.Output<string>;
  /** Prefix of the raw exports. */
  public readonly exportPrefix: string = LAKE_PREFIXES.exports;
  /** Prefix of the Parquet files (`event_date=YYYY-MM-DD/` folders below it). */
  public readonly curatedPrefix: string = LAKE_PREFIXES.curated;
  /** Prefix for records other parts of the platform could not process. */
  public readonly deadLetterPrefix: string = LAKE_PREFIXES.deadLetter;
  public readonly jobName: pulumi.Output<string>;
  public readonly crawlerName: pulumi.Output<string>;
  public readonly jobRoleArn: pulumi.Output<string>;
  public readonly crawlerRoleArn: pulumi.Output<string>;
  /**
   * Who must be named in the user-data key's policy: the job and crawler roles, which use the key
   * directly (bookmarks, S3 objects), and each export writer (through S3, for this bucket only).
   * The key policy lets account principals use that key only through its stores' services, and
   * S3 and Glue are not among them. Already registered when `keys` was given.
   */
  public readonly userDataKeyUsers: readonly KeyUser[];

  constructor(name: string, args: DataLakeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:analytics:DataLake", name, {}, opts);
    const settings = resolveLakeSettings(args);
    const problems = lakeSettingsProblems(args.stack, settings);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`${name}: ${problems.join("; ")}`, this);
    }

    const lake = createLakeBucket(name, { dataKeyArn: args.dataKeyArn, settings }, this);
    const bucketArn = lake.arn;
    const lakeUri = pulumi.interpolate`s3://${lake.bucketName}/`;
    const security = createGlueSecurity(name, args, this);
    const { database, catalogArns } = createLakeCatalog(name, args, this);
    const glue = {
      context: args.context,
      bucketArn,
      lakeUri,
      dataKeyArn: args.dataKeyArn,
      telemetryKeyArn: args.telemetryKeyArn,
      security,
      catalogArns,
      logRetentionDays: settings.logRetentionDays,
    };
    const etl = createEtlJob(name, { ...glue, bucketName: lake.bucketName, settings }, this);
    const crawler = createCrawler(
      name,
      { ...glue, databaseName: database.name, schedule: settings.crawlerSchedule },
      this,
    );

    this.userDataKeyUsers = lakeKeyUsers({
      context: args.context,
      sidPrefix: statementPrefix(name),
      jobRoleArn: etl.role.arn,
      crawlerRoleArn: crawler.role.arn,
      writers: settings.writers,
      bucketArn,
    });
    for (const user of this.userDataKeyUsers) {
      args.keys?.allow("user-data", user);
    }
    // Nothing to add to the telemetry key: its policy already lets CloudWatch Logs use it for
    // this account's log groups.

    this.bucketName = lake.bucketName;
    this.bucketArn = bucketArn;
    this.databaseName = database.name;
    this.jobName = etl.job.name;
    this.crawlerName = crawler.crawler.name;
    this.jobRoleArn = etl.role.arn;
    this.crawlerRoleArn = crawler.role.arn;
    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      databaseName: this.databaseName,
      curatedPrefix: this.curatedPrefix,
      deadLetterPrefix: this.deadLetterPrefix,
      jobName: this.jobName,
      crawlerName: this.crawlerName,
    });
  }
}

/** What `createLakeBucket` needs. */
interface LakeBucketArgs {
  /** The key of the bucket's objects (user data). */
  readonly dataKeyArn: pulumi.Input<string>;
  readonly settings: LakeSettings;
}

/**
 * The lake bucket: raw exports, temp data and dead letters expire, curated Parquet is kept, and
 * export writers may only put exports.
 */
function createLakeBucket(
  name: string,
  args: LakeBucketArgs,
  parent: pulumi.Resource,
): SecureBucket {
  const { settings } = args;
  return new SecureBucket(
    `${name}-lake`,
    {
      dataClass: "user-data",
      encryption: { kmsKeyArn: args.dataKeyArn },
      lifecycleRules: [
        {
          id: "expire-raw-exports",
          status: "Enabled",
          filter: { prefix: "exports/" },
          expiration: { days: settings.exportRetentionDays },
        },
        {
          id: "expire-temp-data",
          status: "Enabled",
          filter: { prefix: LAKE_PREFIXES.temp },
          expiration: { days: 7 },
        },
        {
          id: "expire-dead-letters",
          status: "Enabled",
          filter: { prefix: LAKE_PREFIXES.deadLetter },
          expiration: { days: 90 },
        },
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: {},
          noncurrentVersionExpiration: { noncurrentDays: 30 },
        },
      ],
      statements:
        settings.writers.length === 0
          ? []
          : [
              {
                Sid: "ExportWritersPutLearningEvents",
                Principal: { AWS: [...settings.writers] },
                Action: ["s3:PutObject"],
                objectPrefix: LAKE_PREFIXES.exports,
              },
            ],
    },
    { parent },
  );
}
