import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { LEARNING_EVENT_LAKE_COLUMNS, LEARNING_EVENT_TYPES } from "../../contracts/analytics";
import { FUNCTIONS_ROOT } from "../shared/bundle";
import type { AwsContext } from "../shared/context";
import type { DataKeys } from "../security/data-keys";
import { serviceTrustPolicy } from "../shared/iam";
import type { KeyUser } from "../security/key-policies";
import {
  DEFAULT_LOG_RETENTION_DAYS,
  LOG_RETENTION_DAYS,
  type LogRetentionDays,
} from "../shared/logs";
import { SecureBucket } from "../shared/secure-bucket";
import { dataTags } from "../shared/tags";

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

const SCRIPT_KEY = `${LAKE_PREFIXES.scripts}learning-events-etl.py`;
const GLUE_CRON = /^cron\(.+\)$/;
const WORKER_TYPES = ["G.1X", "G.2X"] as const;
const EXECUTION_CLASSES = ["FLEX", "STANDARD"] as const;

/** Settings of the ETL job. */
export interface DataLakeEtlSettings {
  /** Worker type. @default "G.1X" */
  readonly workerType?: "G.1X" | "G.2X";
  /** Number of workers, 2-100. @default 2 */
  readonly workers?: number;
  /**
   * FLEX runs on spare capacity at a lower price (the seed's cost savings); STANDARD for urgent
   * runs. @default "FLEX"
   */
  readonly executionClass?: "FLEX" | "STANDARD";
  /** Glue cron expression, UTC. @default "cron(15 2 * * ? *)" (daily 02:15) */
  readonly schedule?: string;
  /** Run timeout, 10-2880 minutes. @default 120 */
  readonly timeoutMinutes?: number;
}

/** Arguments of `DataLake`. */
export interface DataLakeArgs {
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
  readonly etl: DataLakeEtlSettings;
  /** Crawler schedule, a Glue cron expression. @default "cron(15 4 * * ? *)" (daily 04:15 UTC) */
  readonly crawlerSchedule?: string;
  /** Days to keep raw exports before expiry (curated Parquet is kept). @default 90 */
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
    const settings = {
      workerType: args.etl.workerType ?? "G.1X",
      workers: args.etl.workers ?? 2,
      executionClass: args.etl.executionClass ?? "FLEX",
      schedule: args.etl.schedule ?? "cron(15 2 * * ? *)",
      timeoutMinutes: args.etl.timeoutMinutes ?? 120,
      crawlerSchedule: args.crawlerSchedule ?? "cron(15 4 * * ? *)",
      exportRetentionDays: args.exportRetentionDays ?? 90,
      logRetentionDays: args.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
      writers: args.exportWriterRoleArns ?? [],
    };
    const problems = validate(args.stack, settings);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`${name}: ${problems.join("; ")}`, this);
    }
    const { accountId, partition, region } = args.context;
    const parent = { parent: this };
    const sid = statementPrefix(name);

    const lake = new SecureBucket(
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
      parent,
    );
    const bucketArn = lake.arn;
    const lakeUri = pulumi.interpolate`s3://${lake.bucketName}/`;

    const script = new aws.s3.BucketObjectv2(
      `${name}-etl-script`,
      {
        bucket: lake.bucketName,
        key: SCRIPT_KEY,
        source: new pulumi.asset.FileAsset(LEARNING_EVENTS_ETL_SCRIPT),
        contentType: "text/x-python",
        serverSideEncryption: "aws:kms",
        kmsKeyId: args.dataKeyArn,
        bucketKeyEnabled: true,
      },
      parent,
    );

    const security = new aws.glue.SecurityConfiguration(
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
      parent,
    );

    const database = new aws.glue.CatalogDatabase(
      `${name}-catalog`,
      {
        name: glueDatabaseName(args.stack),
        description: `Learning events of stack ${args.stack}: the curated Parquet of the data lake (pseudonymous)`,
        tags: dataTags("user-data"),
      },
      parent,
    );
    const catalogArns = [
      `arn:${partition}:glue:${region}:${accountId}:catalog`,
      pulumi.interpolate`arn:${partition}:glue:${region}:${accountId}:database/${database.name}`,
      pulumi.interpolate`arn:${partition}:glue:${region}:${accountId}:table/${database.name}/*`,
    ];

    const jobRole = new aws.iam.Role(
      `${name}-etl`,
      {
        description: "Learning-events ETL: reads exports, writes curated Parquet",
        assumeRolePolicy: serviceTrustPolicy("glue.amazonaws.com", accountId),
      },
      parent,
    );
    const crawlerRole = new aws.iam.Role(
      `${name}-crawler`,
      {
        description: "Learning-events crawler: reads curated Parquet, writes the catalog",
        assumeRolePolicy: serviceTrustPolicy("glue.amazonaws.com", accountId),
      },
      parent,
    );

    // Glue names the log groups of a job or crawler with a CloudWatch-encrypting security
    // configuration after the configuration and the role; created here so they get retention.
    const logGroup = (role: string, logName: pulumi.Input<string>) =>
      new aws.cloudwatch.LogGroup(
        `${name}-${role}`,
        {
          name: logName,
          retentionInDays: settings.logRetentionDays,
          kmsKeyId: args.telemetryKeyArn,
          tags: dataTags("telemetry"),
        },
        parent,
      );
    const jobLogs = (["output", "error"] as const).map((stream) =>
      logGroup(
        `etl-${stream}`,
        pulumi.interpolate`/aws-glue/jobs/${security.name}-role/${jobRole.name}/${stream}`,
      ),
    );
    const crawlerLogs = logGroup(
      "crawler-logs",
      pulumi.interpolate`/aws-glue/crawlers-role/${crawlerRole.name}-${security.name}`,
    );

    const jobPolicy = new aws.iam.RolePolicy(
      `${name}-etl`,
      {
        role: jobRole.id,
        policy: pulumi.jsonStringify(
          etlJobPolicy({ bucketArn, dataKeyArn: args.dataKeyArn, catalogArns, logs: jobLogs }),
        ),
      },
      parent,
    );
    const crawlerPolicy = new aws.iam.RolePolicy(
      `${name}-crawler`,
      {
        role: crawlerRole.id,
        policy: pulumi.jsonStringify(
          crawlerRolePolicy({ bucketArn, dataKeyArn: args.dataKeyArn, catalogArns, crawlerLogs }),
        ),
      },
      parent,
    );

    const job = new aws.glue.Job(
      `${name}-etl`,
      {
        description: "Learning-events exports (JSON lines) to Parquet partitioned by event_date",
        roleArn: jobRole.arn,
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
        securityConfiguration: security.name,
        defaultArguments: {
          "--job-bookmark-option": "job-bookmark-enable",
          "--enable-metrics": "true",
          "--enable-continuous-cloudwatch-log": "true",
          "--TempDir": pulumi.interpolate`${lakeUri}${LAKE_PREFIXES.temp}`,
          "--source-path": pulumi.interpolate`${lakeUri}${LAKE_PREFIXES.exports}`,
          "--target-path": pulumi.interpolate`${lakeUri}${LAKE_PREFIXES.curated}`,
          "--columns": JSON.stringify(LEARNING_EVENT_LAKE_COLUMNS),
          "--event-types": JSON.stringify(LEARNING_EVENT_TYPES),
        },
      },
      // Logs and permissions are in place before the first run.
      { parent: this, dependsOn: [...jobLogs, jobPolicy] },
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
      parent,
    );

    const crawler = new aws.glue.Crawler(
      `${name}-crawler`,
      {
        description: "Catalogs the curated learning events for Athena",
        role: crawlerRole.arn,
        databaseName: database.name,
        s3Targets: [
          {
            path: pulumi.interpolate`${lakeUri}${LAKE_PREFIXES.curated}`,
            exclusions: ["**/_temporary/**", "**/_SUCCESS"],
          },
        ],
        schedule: settings.crawlerSchedule,
        // Only new event_date folders are crawled; AWS then requires LOG for both behaviours.
        recrawlPolicy: { recrawlBehavior: "CRAWL_NEW_FOLDERS_ONLY" },
        schemaChangePolicy: { updateBehavior: "LOG", deleteBehavior: "LOG" },
        securityConfiguration: security.name,
      },
      { parent: this, dependsOn: [crawlerLogs, crawlerPolicy] },
    );

    this.userDataKeyUsers = [
      {
        sid: `${sid}EtlJobUsesTheLakeKey`,
        principal: { AWS: jobRole.arn },
        actions: ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt", "kms:DescribeKey"],
      },
      {
        // The crawler only reads Parquet objects.
        sid: `${sid}CrawlerReadsTheLake`,
        principal: { AWS: crawlerRole.arn },
        actions: ["kms:Decrypt", "kms:DescribeKey"],
      },
      ...settings.writers.map((writer, index): KeyUser => ({
        sid: `${sid}ExportWriter${index + 1}`,
        principal: { AWS: writer },
        // Decrypt as well: S3 needs it for multipart uploads.
        actions: ["kms:GenerateDataKey", "kms:Decrypt"],
        condition: {
          StringEquals: { "kms:ViaService": `s3.${region}.${args.context.dnsSuffix}` },
          // With bucket keys the encryption context is the bucket, not the object.
          ArnEquals: { "kms:EncryptionContext:aws:s3:arn": bucketArn },
        },
      })),
    ];
    for (const user of this.userDataKeyUsers) {
      args.keys?.allow("user-data", user);
    }
    // Nothing to add to the telemetry key: its policy already lets CloudWatch Logs use it for
    // this account's log groups.

    this.bucketName = lake.bucketName;
    this.bucketArn = bucketArn;
    this.databaseName = database.name;
    this.jobName = job.name;
    this.crawlerName = crawler.name;
    this.jobRoleArn = jobRole.arn;
    this.crawlerRoleArn = crawlerRole.arn;
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

/** The Glue database of a stack: lower-case letters, digits and underscores, `<stack>_learning`. */
export function glueDatabaseName(stack: string): string {
  const base = stack
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return `${base}_learning`;
}

interface ResolvedSettings {
  readonly workerType: string;
  readonly workers: number;
  readonly executionClass: string;
  readonly schedule: string;
  readonly timeoutMinutes: number;
  readonly crawlerSchedule: string;
  readonly exportRetentionDays: number;
  readonly logRetentionDays: number;
}

/** Every problem with the arguments, each naming the argument, its value and what is allowed. */
function validate(stack: string, settings: ResolvedSettings): string[] {
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
  integerIn("etl.workers", settings.workers, 2, 100);
  oneOf("etl.executionClass", settings.executionClass, EXECUTION_CLASSES);
  cron("etl.schedule", settings.schedule);
  integerIn("etl.timeoutMinutes", settings.timeoutMinutes, 10, 2880);
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
function statementPrefix(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

interface EtlJobPolicyArgs {
  readonly bucketArn: pulumi.Input<string>;
  readonly dataKeyArn: pulumi.Input<string>;
  readonly catalogArns: readonly pulumi.Input<string>[];
  readonly logs: readonly aws.cloudwatch.LogGroup[];
}

/** Log-group and log-stream ARNs of the given groups. */
function logArns(groups: readonly aws.cloudwatch.LogGroup[]): pulumi.Output<string>[] {
  return groups.flatMap((group) => [group.arn, pulumi.interpolate`${group.arn}:*`]);
}

/**
 * The job's permissions: read exports and its script, write curated and temp data (never
 * exports), use the data key, write its own logs, publish Glue metrics, read the catalog.
 */
function etlJobPolicy(args: EtlJobPolicyArgs): aws.iam.PolicyDocument {
  const objects = (prefix: string) => pulumi.interpolate`${args.bucketArn}/${prefix}*`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "FindTheLake",
        Effect: "Allow",
        Action: ["s3:GetBucketLocation"],
        Resource: [args.bucketArn],
      },
      {
        Sid: "ListItsPrefixes",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [args.bucketArn],
        Condition: {
          StringLike: {
            "s3:prefix": [
              LAKE_PREFIXES.exports,
              LAKE_PREFIXES.curated,
              LAKE_PREFIXES.temp,
              LAKE_PREFIXES.scripts,
            ].map((prefix) => `${prefix.replace(/\/$/, "")}*`),
          },
        },
      },
      {
        Sid: "ReadExportsAndTheScript",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: [
          objects(LAKE_PREFIXES.exports),
          pulumi.interpolate`${args.bucketArn}/${SCRIPT_KEY}`,
        ],
      },
      {
        // Spark's committer writes under _temporary/ and moves files into place.
        Sid: "WriteCuratedAndTempData",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        Resource: [objects(LAKE_PREFIXES.curated), objects(LAKE_PREFIXES.temp)],
      },
      {
        Sid: "UseTheLakeKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt", "kms:DescribeKey"],
        Resource: [args.dataKeyArn],
      },
      {
        Sid: "WriteItsLogs",
        Effect: "Allow",
        Action: [
          "logs:CreateLogGroup",
          "logs:CreateLogStream",
          "logs:PutLogEvents",
          "logs:AssociateKmsKey",
        ],
        Resource: logArns(args.logs),
      },
      {
        Sid: "PublishGlueMetrics",
        Effect: "Allow",
        Action: ["cloudwatch:PutMetricData"],
        // PutMetricData has no resource-level permissions; the namespace condition narrows it.
        Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": "Glue" } },
      },
      {
        Sid: "ReadTheCatalog",
        Effect: "Allow",
        Action: ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartitions"],
        Resource: [...args.catalogArns],
      },
    ],
  };
}

interface CrawlerPolicyArgs {
  readonly bucketArn: pulumi.Input<string>;
  readonly dataKeyArn: pulumi.Input<string>;
  readonly catalogArns: readonly pulumi.Input<string>[];
  readonly crawlerLogs: aws.cloudwatch.LogGroup;
}

/** The crawler's permissions: read curated data, write tables and partitions, its own logs. */
function crawlerRolePolicy(args: CrawlerPolicyArgs): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ListCuratedData",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [args.bucketArn],
        Condition: {
          StringLike: { "s3:prefix": [`${LAKE_PREFIXES.curated.replace(/\/$/, "")}*`] },
        },
      },
      {
        Sid: "ReadCuratedData",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: [pulumi.interpolate`${args.bucketArn}/${LAKE_PREFIXES.curated}*`],
      },
      {
        Sid: "DecryptCuratedData",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:DescribeKey"],
        Resource: [args.dataKeyArn],
      },
      {
        Sid: "CatalogTheLake",
        Effect: "Allow",
        Action: [
          "glue:GetDatabase",
          "glue:GetTable",
          "glue:GetTables",
          "glue:CreateTable",
          "glue:UpdateTable",
          "glue:GetPartition",
          "glue:GetPartitions",
          "glue:BatchGetPartition",
          "glue:CreatePartition",
          "glue:BatchCreatePartition",
          "glue:UpdatePartition",
          "glue:BatchUpdatePartition",
        ],
        Resource: [...args.catalogArns],
      },
      {
        Sid: "WriteItsLogs",
        Effect: "Allow",
        Action: [
          "logs:CreateLogGroup",
          "logs:CreateLogStream",
          "logs:PutLogEvents",
          "logs:AssociateKmsKey",
        ],
        Resource: logArns([args.crawlerLogs]),
      },
    ],
  };
}
