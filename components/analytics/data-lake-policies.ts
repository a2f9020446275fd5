/**
 * The data lake's IAM: what the ETL job and the crawler may do (each only its part), and who the
 * user-data key's policy must name for the lake.
 */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { KeyUser } from "../security/key-policies";
import type { AwsContext } from "../shared/context";
import { LAKE_PREFIXES, SCRIPT_KEY } from "./data-lake-settings";

/** What `lakeKeyUsers` names. */
export interface LakeKeyUsersArgs {
  /** Region and DNS suffix of S3, through which writers use the key. */
  readonly context: AwsContext;
  /** Prefix of the statement ids (`statementPrefix` of the component's name). */
  readonly sidPrefix: string;
  /** The ETL job's role. */
  readonly jobRoleArn: pulumi.Input<string>;
  /** The crawler's role. */
  readonly crawlerRoleArn: pulumi.Input<string>;
  /** Roles that put exports. */
  readonly writers: readonly pulumi.Input<string>[];
  /** The lake bucket: writers use the key through S3 for it only. */
  readonly bucketArn: pulumi.Input<string>;
}

/**
 * The lake's users of the user-data key: the job and crawler roles, which use the key directly
 * (bookmarks, S3 objects), and each export writer (through S3, for this bucket only).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms
 */
export function lakeKeyUsers(args: LakeKeyUsersArgs): KeyUser[] {
  const { sidPrefix: sid } = args;
  return [
    {
      sid: `${sid}EtlJobUsesTheLakeKey`,
      principal: { AWS: args.jobRoleArn },
      actions: ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt", "kms:DescribeKey"],
    },
    {
      // The crawler only reads Parquet objects.
      sid: `${sid}CrawlerReadsTheLake`,
      principal: { AWS: args.crawlerRoleArn },
      actions: ["kms:Decrypt", "kms:DescribeKey"],
    },
    ...args.writers.map((writer, index): KeyUser => ({
      sid: `${sid}ExportWriter${index + 1}`,
      principal: { AWS: writer },
      // Decrypt as well: S3 needs it for multipart uploads.
      actions: ["kms:GenerateDataKey", "kms:Decrypt"],
      condition: {
        StringEquals: {
          "kms:ViaService": `s3.${args.context.region}.${args.context.dnsSuffix}`,
        },
        // With bucket keys the encryption context is the bucket, not the object.
        ArnEquals: { "kms:EncryptionContext:aws:s3:arn": args.bucketArn },
      },
    })),
  ];
}

/** What the ETL job's policy names. */
export interface EtlJobPolicyArgs {
  /** The lake bucket. */
  readonly bucketArn: pulumi.Input<string>;
  /** The key of the lake's objects and the job's bookmarks. */
  readonly dataKeyArn: pulumi.Input<string>;
  /** The Glue catalog, the lake's database and its tables. */
  readonly catalogArns: readonly pulumi.Input<string>[];
  /** The job's log groups. */
  readonly logs: readonly aws.cloudwatch.LogGroup[];
}

/** The statement that lets Glue write (and encrypt) the given log groups' events. */
function writeLogsStatement(groups: readonly aws.cloudwatch.LogGroup[]): aws.iam.PolicyStatement {
  return {
    Sid: "WriteItsLogs",
    Effect: "Allow",
    Action: [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:AssociateKmsKey",
    ],
    // The groups and their streams.
    Resource: groups.flatMap((group) => [group.arn, pulumi.interpolate`${group.arn}:*`]),
  };
}

/**
 * The job's permissions: read exports and its script, write curated and temp data (never
 * exports), use the data key, write its own logs, publish Glue metrics, read the catalog.
 */
export function etlJobPolicy(args: EtlJobPolicyArgs): aws.iam.PolicyDocument {
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
      writeLogsStatement(args.logs),
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

/** What the crawler's policy names. */
export interface CrawlerPolicyArgs {
  /** The lake bucket. */
  readonly bucketArn: pulumi.Input<string>;
  /** The key of the lake's objects. */
  readonly dataKeyArn: pulumi.Input<string>;
  /** The Glue catalog, the lake's database and its tables. */
  readonly catalogArns: readonly pulumi.Input<string>[];
  /** The crawler's log group. */
  readonly crawlerLogs: aws.cloudwatch.LogGroup;
}

/** The crawler's permissions: read curated data, write tables and partitions, its own logs. */
export function crawlerRolePolicy(args: CrawlerPolicyArgs): aws.iam.PolicyDocument {
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
      writeLogsStatement([args.crawlerLogs]),
    ],
  };
}
