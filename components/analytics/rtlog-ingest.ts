import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ClickHouse } from "./clickhouse";
import type { AwsContext } from "../shared/context";
import type { LogRetentionDays } from "../shared/logs";
import { NodeFunction } from "../shared/node-function";
import { DEAD_LETTER_RETENTION_SECONDS, secureQueue } from "../shared/secure-queue";
import { ANALYTICS_DATABASE } from "../../contracts/analytics";
import type { ClickHouseUserName } from "../../contracts/clickhouse-users";

/**
 * How the ingest reads the stream: the event source mapping's settings.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
 */
export interface RtlogIngestSettings {
  /** Records per invocation, 1-10000. @default 1000 */
  readonly batchSize: number;
  /** Seconds to gather a batch, 0-300. @default 5 */
  readonly batchingWindowSeconds: number;
  /** Concurrent batches per shard, 1-10. @default 1 */
  readonly parallelizationFactor: number;
  /** Retries of a failing batch before it goes to the failure queue, 0-10000. @default 10 */
  readonly maximumRetryAttempts: number;
}

/**
 * The event source mapping's bounds as Lambda sets them for Kinesis, checked by `RtlogIngest` and
 * the analytics settings' schema.
 * https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
 */
export const RTLOG_INGEST_BOUNDS: Readonly<
  Record<keyof RtlogIngestSettings, { readonly min: number; readonly max: number }>
> = {
  batchSize: { min: 1, max: 10_000 },
  batchingWindowSeconds: { min: 0, max: 300 },
  parallelizationFactor: { min: 1, max: 10 },
  maximumRetryAttempts: { min: 0, max: 10_000 },
};

/** Arguments of `RtlogIngest`. */
export interface RtlogIngestArgs {
  /** Account, partition and region the resources are created in. */
  readonly context: AwsContext;
  /** How the function reads the stream. */
  readonly settings: RtlogIngestSettings;
  /** The VideoPipeline's real-time log stream. */
  readonly streamArn: pulumi.Input<string>;
  /**
   * Key of the stream and of the function's logs and failure queue (telemetry), as
   * `DataKeys.policyReadyKeyArns.telemetry`: CloudWatch Logs checks the key policy when it creates
   * the function's log group.
   */
  readonly telemetryKeyArn: pulumi.Input<string>;
  /** Key of the ClickHouse password secret and the dead letters (user data). */
  readonly userDataKeyArn: pulumi.Input<string>;
  /** Where the rows go: the cluster's ClickHouse (its URL, ingest secret and load balancer). */
  readonly clickhouse: Pick<
    ClickHouse,
    "url" | "ingestSecretArn" | "loadBalancerSecurityGroupId" | "admit"
  >;
  /** Malformed records are kept under `<prefix>rtlog/` in this bucket (the data lake). */
  readonly deadLetterBucketName: pulumi.Input<string>;
  /** The ARN of `deadLetterBucketName`. */
  readonly deadLetterBucketArn: pulumi.Input<string>;
  /** The bucket's dead-letter prefix (`DataLake.deadLetterPrefix`), ending in `/`. */
  readonly deadLetterPrefix: string;
  /** The VPC of the function's security group. */
  readonly vpcId: pulumi.Input<string>;
  /** Subnets the function runs in (a route to ClickHouse's load balancer and to AWS APIs). */
  readonly privateSubnetIds: pulumi.Input<string[]>;
  /** Retention of the function's log group. @default 365 (`NodeFunction`'s) */
  readonly logRetentionDays?: LogRetentionDays;
}

/**
 * The real-time-log ingest: a Lambda in the private subnets that reads the playback log stream
 * in batches, parses each CloudFront record into a typed row, keeps malformed records under a
 * dead-letter prefix in S3, and inserts the rest into ClickHouse over TLS. Failing batches are
 * retried a bounded number of times, bisected to isolate a bad record, and then reported to a
 * failure queue (shard and sequence range) instead of blocking the shard.
 */
export class RtlogIngest extends pulumi.ComponentResource {
  public readonly functionArn: pulumi.Output<string>;
  public readonly functionName: pulumi.Output<string>;
  public readonly failureQueueUrl: pulumi.Output<string>;
  public readonly failureQueueName: pulumi.Output<string>;

  constructor(name: string, args: RtlogIngestArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:analytics:RtlogIngest", name, {}, opts);
    const { context, settings } = args;
    const bounds = (Object.keys(RTLOG_INGEST_BOUNDS) as (keyof RtlogIngestSettings)[]).map(
      (key): [keyof RtlogIngestSettings, number, number] => [
        key,
        RTLOG_INGEST_BOUNDS[key].min,
        RTLOG_INGEST_BOUNDS[key].max,
      ],
    );
    const problems = bounds
      .filter(([key, min, max]) => {
        const value = settings[key];
        return !Number.isInteger(value) || value < min || value > max;
      })
      .map(([key, min, max]) => `${key} = ${settings[key]}: an integer from ${min} to ${max}`);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }
    const parent = { parent: this };
    const timeoutSeconds = 60;

    // The failure queue is where failed batches end: it has no dead-letter queue of its own.
    const { queue: failures } = secureQueue(
      `${name}-failures`,
      {
        kmsKeyArn: args.telemetryKeyArn,
        dataClass: "telemetry",
        messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
        kmsDataKeyReusePeriodSeconds: 300,
        deadLetter: false,
      },
      this,
    );
    this.failureQueueUrl = failures.url;
    this.failureQueueName = failures.name;

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-function`,
      {
        vpcId: args.vpcId,
        description: "Real-time log ingest: ClickHouse over TLS and AWS APIs only",
        egress: [
          {
            description: "AWS APIs (Kinesis, S3, Secrets Manager) over HTTPS",
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: ["0.0.0.0/0"],
          },
        ],
      },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-to-clickhouse`,
      {
        securityGroupId: securityGroup.id,
        referencedSecurityGroupId: args.clickhouse.loadBalancerSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: 8443,
        toPort: 8443,
        description: "ClickHouse load balancer",
      },
      parent,
    );
    args.clickhouse.admit(`${name}-admitted`, securityGroup.id, "Real-time log ingest");

    const deadLetterPrefix = `${args.deadLetterPrefix}rtlog/`;
    const fn = new NodeFunction(
      name,
      {
        context,
        contract: "rtlog-ingest",
        description: "CloudFront real-time playback logs into ClickHouse",
        memoryMb: 512,
        timeoutSeconds,
        kmsKeyArn: args.telemetryKeyArn,
        ...(args.logRetentionDays === undefined ? {} : { logRetentionDays: args.logRetentionDays }),
        vpc: { subnetIds: args.privateSubnetIds, securityGroupIds: [securityGroup.id] },
        environment: {
          CLICKHOUSE_URL: args.clickhouse.url,
          CLICKHOUSE_DATABASE: ANALYTICS_DATABASE,
          CLICKHOUSE_USER: "ingest" satisfies ClickHouseUserName,
          CLICKHOUSE_PASSWORD_SECRET_ARN: args.clickhouse.ingestSecretArn,
          DEAD_LETTER_BUCKET: args.deadLetterBucketName,
          DEAD_LETTER_PREFIX: deadLetterPrefix,
          DEAD_LETTER_KMS_KEY_ARN: args.userDataKeyArn,
        },
        permissions: [
          {
            // The mapping polls the stream itself (shared throughput), which takes these actions
            // on the stream. kinesis:SubscribeToShard is for enhanced fan-out only, and is
            // authorized on the registered consumer's ARN, never on the stream's:
            // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonkinesisdatastreams.html
            // https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
            sid: "ReadThePlaybackLogStream",
            actions: [
              "kinesis:DescribeStream",
              "kinesis:DescribeStreamSummary",
              "kinesis:GetRecords",
              "kinesis:GetShardIterator",
              "kinesis:ListShards",
            ],
            resources: [args.streamArn],
          },
          {
            sid: "DecryptTheStream",
            actions: ["kms:Decrypt"],
            resources: [args.telemetryKeyArn],
            condition: {
              StringEquals: { "kms:ViaService": `kinesis.${context.region}.amazonaws.com` },
            },
          },
          {
            sid: "ReadTheClickHousePassword",
            actions: ["secretsmanager:GetSecretValue"],
            resources: [args.clickhouse.ingestSecretArn],
          },
          {
            sid: "DecryptThePassword",
            actions: ["kms:Decrypt"],
            resources: [args.userDataKeyArn],
            condition: {
              StringEquals: { "kms:ViaService": `secretsmanager.${context.region}.amazonaws.com` },
            },
          },
          {
            sid: "KeepMalformedRecords",
            actions: ["s3:PutObject"],
            resources: [pulumi.interpolate`${args.deadLetterBucketArn}/${deadLetterPrefix}*`],
          },
          {
            sid: "EncryptMalformedRecords",
            actions: ["kms:GenerateDataKey"],
            resources: [args.userDataKeyArn],
            condition: {
              StringEquals: { "kms:ViaService": `s3.${context.region}.amazonaws.com` },
            },
          },
          {
            sid: "ReportFailedBatches",
            actions: ["sqs:SendMessage"],
            resources: [failures.arn],
          },
          {
            sid: "EncryptFailureReports",
            actions: ["kms:GenerateDataKey", "kms:Decrypt"],
            resources: [args.telemetryKeyArn],
            condition: {
              StringEquals: { "kms:ViaService": `sqs.${context.region}.amazonaws.com` },
            },
          },
        ],
      },
      parent,
    );
    new aws.lambda.EventSourceMapping(
      `${name}-stream`,
      {
        functionName: fn.function.name,
        eventSourceArn: args.streamArn,
        startingPosition: "LATEST",
        batchSize: settings.batchSize,
        maximumBatchingWindowInSeconds: settings.batchingWindowSeconds,
        parallelizationFactor: settings.parallelizationFactor,
        maximumRetryAttempts: settings.maximumRetryAttempts,
        maximumRecordAgeInSeconds: 86_400,
        bisectBatchOnFunctionError: true,
        functionResponseTypes: ["ReportBatchItemFailures"],
        destinationConfig: { onFailure: { destinationArn: failures.arn } },
      },
      { parent: this, dependsOn: [fn] },
    );
    this.functionArn = fn.arn;
    this.functionName = fn.function.name;
    this.registerOutputs({ functionArn: this.functionArn, failureQueueUrl: this.failureQueueUrl });
  }
}
