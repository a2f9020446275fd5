/**
 * The data lake's Glue resources, one `createX` helper each: the catalog database, the ETL job
 * (its script, role, logs, policy and schedule) and the crawler (its role, logs and policy). Each
 * takes a typed args object and returns what it created; names derive from the component's.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LEARNING_EVENT_LAKE_COLUMNS, LEARNING_EVENT_TYPES } from "../../contracts/analytics";
import type { AwsContext } from "../shared/context";
import { serviceTrustPolicy } from "../shared/iam";
import type { LogRetentionDays } from "../shared/logs";
import { encryptedLogGroup } from "../shared/secure-defaults";
import { dataTags } from "../shared/tags";
import { crawlerRolePolicy, etlJobPolicy } from "./data-lake-policies";
import {
  glueDatabaseName,
  LAKE_PREFIXES,
  LEARNING_EVENTS_ETL_SCRIPT,
  SCRIPT_KEY,
  type LakeSettings,
} from "./data-lake-settings";

/** What `createLakeCatalog` needs. */
export interface LakeCatalogArgs {
  /** Account, partition and region of the catalog. */
  readonly context: AwsContext;
  /** Stack name; names the database (`glueDatabaseName`). */
  readonly stack: string;
}

/** What `createLakeCatalog` creates. */
export interface LakeCatalog {
  /** The Glue database. */
  readonly database: aws.glue.CatalogDatabase;
  /** The catalog, the database and its tables: what the job reads and the crawler writes. */
  readonly catalogArns: readonly pulumi.Input<string>[];
}

/** The Glue database of the curated learning events, for Athena. */
export function createLakeCatalog(
  name: string,
  args: LakeCatalogArgs,
  parent: pulumi.Resource,
): LakeCatalog {
  const { accountId, partition, region } = args.context;
  const database = new aws.glue.CatalogDatabase(
    `${name}-catalog`,
    {
      name: glueDatabaseName(args.stack),
      description: `Learning events of stack ${args.stack}: the curated Parquet of the data lake (pseudonymous)`,
      tags: dataTags("user-data"),
    },
    { parent },
  );
  return {
    database,
    catalogArns: [
      `arn:${partition}:glue:${region}:${accountId}:catalog`,
      pulumi.interpolate`arn:${partition}:glue:${region}:${accountId}:database/${database.name}`,
      pulumi.interpolate`arn:${partition}:glue:${region}:${accountId}:table/${database.name}/*`,
    ],
  };
}

/** What the job and the crawler share. */
interface GlueArgs {
  readonly context: AwsContext;
  /** The lake bucket's ARN. */
  readonly bucketArn: pulumi.Input<string>;
  /** `s3://<lake>/`. */
  readonly lakeUri: pulumi.Input<string>;
  /** Key of the lake's objects, temp data and bookmarks (user data). */
  readonly dataKeyArn: pulumi.Input<string>;
  /** Key of the CloudWatch logs (telemetry). */
  readonly telemetryKeyArn: pulumi.Input<string>;
  /** The Glue security configuration that encrypts everything the job and crawler write. */
  readonly security: aws.glue.SecurityConfiguration;
  /** See `LakeCatalog.catalogArns`. */
  readonly catalogArns: readonly pulumi.Input<string>[];
  /** Retention of the logs. */
  readonly logRetentionDays: LogRetentionDays;
}

/** What `createEtlJob` needs. */
export interface EtlJobArgs extends GlueArgs {
  /** The lake bucket's name (the script is uploaded into it). */
  readonly bucketName: pulumi.Input<string>;
  /** The job's resolved settings. */
  readonly settings: LakeSettings;
}

/** What `createEtlJob` creates. */
export interface EtlJob {
  /** The Glue job. */
  readonly job: aws.glue.Job;
  /** The job's role. */
  readonly role: aws.iam.Role;
}

/** What `createCrawler` needs. */
export interface CrawlerArgs extends GlueArgs {
  /** The database the crawler writes tables into. */
  readonly databaseName: pulumi.Input<string>;
  /** Glue cron expression. */
  readonly schedule: string;
}

/** What `createCrawler` creates. */
export interface LakeCrawler {
  /** The Glue crawler. */
  readonly crawler: aws.glue.Crawler;
  /** The crawler's role. */
  readonly role: aws.iam.Role;
}

/**
 * The Glue security configuration of the job and the crawler: S3 data and bookmarks with the data
 * key, logs with the telemetry key.
 * https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html
 */
export function createGlueSecurity(
  name: string,
  args: {
    readonly dataKeyArn: pulumi.Input<string>;
    readonly telemetryKeyArn: pulumi.Input<string>;
  },
  parent: pulumi.Resource,
): aws.glue.SecurityConfiguration {
  return new aws.glue.SecurityConfiguration(
    `${name}-security`,
    {
      encryptionConfiguration: {
        s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: args.dataKeyArn },
        // Glue offers SSE-KMS (not client-side) for CloudWatch Logs.
        cloudwatchEncryption: {
          cloudwatchEncryptionMode: "SSE-KMS",
          kmsKeyArn: args.telemetryKeyArn,
        },
        jobBookmarksEncryption: {
          jobBookmarksEncryptionMode: "CSE-KMS",
          kmsKeyArn: args.dataKeyArn,
        },
      },
    },
    { parent },
  );
}

/** A Glue role, trusted by Glue of this account only. */
function glueRole(
  name: string,
  args: { readonly context: AwsContext; readonly description: string },
  parent: pulumi.Resource,
): aws.iam.Role {
  return new aws.iam.Role(
    name,
    {
      description: args.description,
      assumeRolePolicy: serviceTrustPolicy("glue.amazonaws.com", args.context.accountId),
    },
    { parent },
  );
}

/**
 * Glue names the log groups of a job or crawler with a CloudWatch-encrypting security
 * configuration after the configuration and the role; created here so they get retention.
 * https://docs.aws.amazon.com/glue/latest/dg/console-security-configurations.html
 */
function glueLogGroup(
  name: string,
  args: GlueArgs & { readonly logName: pulumi.Input<string> },
  parent: pulumi.Resource,
): aws.cloudwatch.LogGroup {
  return encryptedLogGroup(
    name,
    { name: args.logName, kmsKeyArn: args.telemetryKeyArn, retentionDays: args.logRetentionDays },
    parent,
  );
}

/**
 * The ETL job: its script in the lake, its role (reads exports, writes curated and temp data),
 * its logs and policy, the Glue 5.0 job with bookmarks, and the trigger that runs it on schedule.
 */
export function createEtlJob(name: string, args: EtlJobArgs, parent: pulumi.Resource): EtlJob {
  const { settings } = args;
  const script = new aws.s3.BucketObjectv2(
    `${name}-etl-script`,
    {
      bucket: args.bucketName,
      key: SCRIPT_KEY,
      source: new pulumi.asset.FileAsset(LEARNING_EVENTS_ETL_SCRIPT),
      contentType: "text/x-python",
      serverSideEncryption: "aws:kms",
      kmsKeyId: args.dataKeyArn,
      bucketKeyEnabled: true,
    },
    { parent },
  );
  const role = glueRole(
    `${name}-etl`,
    {
      context: args.context,
      description: "Learning-events ETL: reads exports, writes curated Parquet",
    },
    parent,
  );
  const logs = (["output", "error"] as const).map((stream) =>
    glueLogGroup(
      `${name}-etl-${stream}`,
      {
        ...args,
        logName: pulumi.interpolate`/aws-glue/jobs/${args.security.name}-role/${role.name}/${stream}`,
      },
      parent,
    ),
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-etl`,
    {
      role: role.id,
      policy: pulumi.jsonStringify(
        etlJobPolicy({
          bucketArn: args.bucketArn,
          dataKeyArn: args.dataKeyArn,
          catalogArns: args.catalogArns,
          logs,
        }),
      ),
    },
    { parent },
  );
  const job = new aws.glue.Job(
    `${name}-etl`,
    {
      description: "Learning-events exports (JSON lines) to Parquet partitioned by event_date",
      roleArn: role.arn,
      glueVersion: "5.0",
      command: {
        name: "glueetl",
        pythonVersion: "3",
        scriptLocation: pulumi.interpolate`s3://${script.bucket}/${script.key}`,
      },
      workerType: settings.workerType,
      numberOfWorkers: settings.workers,
      executionClass: settings.executionClass,
      timeout: settings.timeoutMinutes,
      maxRetries: 1,
      // Bookmarks assume one run at a time.
      executionProperty: { maxConcurrentRuns: 1 },
      securityConfiguration: args.security.name,
      defaultArguments: {
        "--job-bookmark-option": "job-bookmark-enable",
        "--enable-metrics": "true",
        "--enable-continuous-cloudwatch-log": "true",
        "--TempDir": pulumi.interpolate`${args.lakeUri}${LAKE_PREFIXES.temp}`,
        "--source-path": pulumi.interpolate`${args.lakeUri}${LAKE_PREFIXES.exports}`,
        "--target-path": pulumi.interpolate`${args.lakeUri}${LAKE_PREFIXES.curated}`,
        "--columns": JSON.stringify(LEARNING_EVENT_LAKE_COLUMNS),
        "--event-types": JSON.stringify(LEARNING_EVENT_TYPES),
      },
    },
    // Logs and permissions are in place before the first run.
    { parent, dependsOn: [...logs, policy] },
  );
  new aws.glue.Trigger(
    `${name}-etl-schedule`,
    {
      description: "Runs the learning-events ETL on its schedule",
      type: "SCHEDULED",
      schedule: settings.schedule,
      startOnCreation: true,
      actions: [{ jobName: job.name }],
    },
    { parent },
  );
  return { job, role };
}

/**
 * The crawler that catalogs the curated Parquet: its role (reads curated data, writes the
 * catalog), its logs and policy, and the crawler, which crawls new `event_date` folders only.
 * https://docs.aws.amazon.com/glue/latest/dg/incremental-crawls.html
 */
export function createCrawler(
  name: string,
  args: CrawlerArgs,
  parent: pulumi.Resource,
): LakeCrawler {
  const role = glueRole(
    `${name}-crawler`,
    {
      context: args.context,
      description: "Learning-events crawler: reads curated Parquet, writes the catalog",
    },
    parent,
  );
  const crawlerLogs = glueLogGroup(
    `${name}-crawler-logs`,
    {
      ...args,
      logName: pulumi.interpolate`/aws-glue/crawlers-role/${role.name}-${args.security.name}`,
    },
    parent,
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-crawler`,
    {
      role: role.id,
      policy: pulumi.jsonStringify(
        crawlerRolePolicy({
          bucketArn: args.bucketArn,
          dataKeyArn: args.dataKeyArn,
          catalogArns: args.catalogArns,
          crawlerLogs,
        }),
      ),
    },
    { parent },
  );
  const crawler = new aws.glue.Crawler(
    `${name}-crawler`,
    {
      description: "Catalogs the curated learning events for Athena",
      role: role.arn,
      databaseName: args.databaseName,
      s3Targets: [
        {
          path: pulumi.interpolate`${args.lakeUri}${LAKE_PREFIXES.curated}`,
          exclusions: ["**/_temporary/**", "**/_SUCCESS"],
        },
      ],
      schedule: args.schedule,
      // Only new event_date folders are crawled; AWS then requires LOG for both behaviours.
      recrawlPolicy: { recrawlBehavior: "CRAWL_NEW_FOLDERS_ONLY" },
      schemaChangePolicy: { updateBehavior: "LOG", deleteBehavior: "LOG" },
      securityConfiguration: args.security.name,
    },
    { parent, dependsOn: [crawlerLogs, policy] },
  );
  return { crawler, role };
}
