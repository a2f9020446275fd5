import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { COURSES_PREFIX, SOURCE_CONTENT_TYPES, UPLOADS_PREFIX } from "../../contracts/storage";
import type { AwsContext } from "../shared/context";
import type { DataKeys } from "../security/data-keys";
import { serviceTrustPolicy } from "../shared/iam";
import { DEFAULT_LOG_RETENTION_DAYS, type LogRetentionDays } from "../shared/logs";
import { NodeFunction } from "../shared/node-function";
import { SecureBucket } from "../shared/secure-bucket";
import { dataTags } from "../shared/tags";
import { VideoDelivery } from "./video-delivery";
import { VideoTasks, type VideoTaskSettings } from "./video-tasks";

/** One rung of the encoding ladder. */
export interface LadderRung {
  readonly width: number;
  readonly height: number;
  readonly maxBitrateKbps: number;
  /** QVBR quality level, 1-10. @default 7 */
  readonly qvbrQualityLevel?: number;
}

/** What happens to a raw upload once it is encoded. */
export type RawUploadPolicy = { readonly afterEncode: "expire" | "archive"; readonly days: number };

/** Arguments of `VideoPipeline`. */
export interface VideoPipelineArgs {
  readonly context: AwsContext;
  readonly stack: string;
  /** The stack's keys: video is content; logs and playback telemetry are telemetry. */
  readonly keys: DataKeys;
  /** The apex domain: players run on it, so CORS admits it. */
  readonly domain: string;
  /** The distribution's hostname, for example `video.sa.knowledgecity.com`. */
  readonly hostname: string;
  /** The shared hosted zone. */
  readonly hostedZoneId: pulumi.Input<string>;
  /** Provider of us-east-1, where CloudFront's certificate must be. */
  readonly usEast1Provider: aws.Provider;
  /** The encoding ladder (JSON given to the submit function). @default the function's lecture ladder */
  readonly ladder?: readonly LadderRung[];
  /** Largest upload accepted, in bytes; a presigned POST is one request, which S3 caps at 5 GiB. @default 5 GiB */
  readonly maxUploadBytes?: number;
  /** Raw uploads once encoded. @default expire after 30 days */
  readonly rawUploads?: RawUploadPolicy;
  /** Days before renditions move to Standard-IA (S3's minimum is 30). @default 30 */
  readonly infrequentAccessAfterDays?: number;
  /** Days before renditions move to Intelligent-Tiering. @default 90 */
  readonly intelligentTieringAfterDays?: number;
  /** Edge TTL of video: hot content stays cached a day. @default 86400 */
  readonly hotTtlSeconds?: number;
  /** Players may keep using cached video while refreshing it. @default 86400 */
  readonly staleWhileRevalidateSeconds?: number;
  /** Players may keep using cached video while the origin fails. @default 604800 */
  readonly staleIfErrorSeconds?: number;
  /** Percent of viewer requests logged in real time (1-100). @default 100 */
  readonly realtimeLogSamplingRate?: number;
  /** Lifetime of playback cookies. @default 3600 */
  readonly playbackSessionSeconds?: number;
  /** Most MediaConvert submissions in flight, protecting the account's job quota. @default 5 */
  readonly maxConcurrentSubmissions?: number;
  /** @default 365 */
  readonly logRetentionDays?: LogRetentionDays;
  /** Container tasks after each encode (transcripts, sprites). @default none */
  readonly tasks?: readonly VideoTaskSettings[];
  /** Where the tasks run; required when there are tasks. */
  readonly network?: {
    readonly vpcId: pulumi.Input<string>;
    readonly privateSubnetIds: pulumi.Input<string[]>;
  };
}

const GIB = 1024 ** 3;
const SOURCE_TYPES = Object.keys(SOURCE_CONTENT_TYPES);

/**
 * The video path of one region: uploads (presigned POSTs to a raw bucket) -> S3 notifications ->
 * an SQS queue (with a dead-letter queue) -> `encode-submit` -> MediaConvert (CMAF: HLS and DASH
 * over one set of segments, QVBR ladder, thumbnails) -> a processed bucket (Standard-IA at 30
 * days, then Intelligent-Tiering) -> CloudFront with signed cookies (`playback-auth`); job state
 * changes -> `encode-status` -> the video catalog and an SNS topic. Its alarms are `Observability`'s,
 * over the `signals` it exposes.
 */
/** What the platform's alarms and dashboard watch in the pipeline, by id. */
export interface VideoPipelineSignals {
  readonly functions: Readonly<Record<string, pulumi.Output<string>>>;
  readonly queues: Readonly<Record<string, pulumi.Output<string>>>;
  readonly deadLetterQueues: Readonly<Record<string, pulumi.Output<string>>>;
  readonly mediaConvertQueueArn: pulumi.Output<string>;
  readonly distributionId: pulumi.Output<string>;
}

export class VideoPipeline extends pulumi.ComponentResource {
  public readonly signals: VideoPipelineSignals;
  public readonly rawBucketName: pulumi.Output<string>;
  public readonly processedBucketName: pulumi.Output<string>;
  public readonly catalogTableName: pulumi.Output<string>;
  public readonly topicArn: pulumi.Output<string>;
  public readonly playbackHostname: string;
  /** Kinesis stream receiving the distribution's real-time logs (the analytics input). */
  public readonly playbackLogStreamArn: pulumi.Output<string>;
  /** What the app invokes for a presigned upload form. */
  public readonly uploadUrlFunction: NodeFunction;
  /** What the app invokes for a course's signed playback cookies. */
  public readonly playbackAuthFunction: NodeFunction;

  constructor(name: string, args: VideoPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:video:VideoPipeline", name, {}, opts);
    const settings = {
      maxUploadBytes: args.maxUploadBytes ?? 5 * GIB,
      rawUploads: args.rawUploads ?? { afterEncode: "expire", days: 30 },
      infrequentAccessAfterDays: args.infrequentAccessAfterDays ?? 30,
      intelligentTieringAfterDays: args.intelligentTieringAfterDays ?? 90,
      hotTtlSeconds: args.hotTtlSeconds ?? 86_400,
      staleWhileRevalidateSeconds: args.staleWhileRevalidateSeconds ?? 86_400,
      staleIfErrorSeconds: args.staleIfErrorSeconds ?? 604_800,
      realtimeLogSamplingRate: args.realtimeLogSamplingRate ?? 100,
      playbackSessionSeconds: args.playbackSessionSeconds ?? 3600,
      maxConcurrentSubmissions: args.maxConcurrentSubmissions ?? 5,
      logRetentionDays: args.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    };
    const problems = [
      settings.infrequentAccessAfterDays < 30
        ? `infrequentAccessAfterDays ${settings.infrequentAccessAfterDays}: S3 moves objects to Standard-IA after 30 days at the earliest`
        : undefined,
      settings.intelligentTieringAfterDays <= settings.infrequentAccessAfterDays
        ? `intelligentTieringAfterDays ${settings.intelligentTieringAfterDays} must come after infrequentAccessAfterDays ${settings.infrequentAccessAfterDays}`
        : undefined,
      settings.realtimeLogSamplingRate < 1 ||
      settings.realtimeLogSamplingRate > 100 ||
      !Number.isInteger(settings.realtimeLogSamplingRate)
        ? `realtimeLogSamplingRate ${settings.realtimeLogSamplingRate}: expected an integer from 1 to 100`
        : undefined,
      settings.maxConcurrentSubmissions < 2 || settings.maxConcurrentSubmissions > 1000
        ? `maxConcurrentSubmissions ${settings.maxConcurrentSubmissions}: expected 2 to 1000 (SQS's minimum is 2)`
        : undefined,
      settings.rawUploads.days < 1
        ? `rawUploads.days ${settings.rawUploads.days}: expected at least 1`
        : undefined,
    ].filter((problem): problem is string => problem !== undefined);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }
    const { context } = args;
    const { accountId, region } = context;
    const parent = { parent: this };
    const contentKey = args.keys.keyArns.content;
    // Telemetry goes to log groups, and CloudWatch Logs checks the key policy when it creates one.
    const logsKey = args.keys.policyReadyKeyArns.telemetry;
    const viaS3 = { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } };

    // Storage.
    const raw = new SecureBucket(
      `${name}-raw`,
      {
        dataClass: "content",
        encryption: { kmsKeyArn: contentKey },
        lifecycleRules: [
          settings.rawUploads.afterEncode === "expire"
            ? {
                id: "raw-after-encode",
                status: "Enabled",
                filter: { prefix: UPLOADS_PREFIX },
                expiration: { days: settings.rawUploads.days },
              }
            : {
                id: "raw-after-encode",
                status: "Enabled",
                filter: { prefix: UPLOADS_PREFIX },
                transitions: [{ days: settings.rawUploads.days, storageClass: "DEEP_ARCHIVE" }],
              },
          {
            id: "old-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: 7 },
          },
        ],
      },
      parent,
    );
    // Browsers upload straight to the raw bucket with the presigned POST.
    new aws.s3.BucketCorsConfiguration(
      `${name}-raw`,
      {
        bucket: raw.bucket.id,
        corsRules: [
          {
            allowedMethods: ["POST"],
            allowedOrigins: [`https://${args.domain}`, `https://www.${args.domain}`],
            allowedHeaders: ["*"],
            maxAgeSeconds: 3600,
          },
        ],
      },
      parent,
    );
    // The bucket's policy names the distribution, which needs the bucket: resolved once it exists.
    const [distributionArn, resolveDistributionArn] = pulumi.deferredOutput<string>();
    const processed = new SecureBucket(
      `${name}-processed`,
      {
        dataClass: "content",
        encryption: { kmsKeyArn: contentKey },
        statements: [
          {
            Sid: "OnlyThisDistributionReadsRenditions",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: "s3:GetObject",
            objectPrefix: COURSES_PREFIX,
            Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
          },
        ],
        lifecycleRules: [
          {
            id: "renditions-tiering",
            status: "Enabled",
            filter: { prefix: COURSES_PREFIX },
            transitions: [
              { days: settings.infrequentAccessAfterDays, storageClass: "STANDARD_IA" },
              { days: settings.intelligentTieringAfterDays, storageClass: "INTELLIGENT_TIERING" },
            ],
          },
          {
            id: "old-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: 30 },
          },
        ],
      },
      parent,
    );
    const catalog = new aws.dynamodb.Table(
      `${name}-catalog`,
      {
        billingMode: "PAY_PER_REQUEST",
        hashKey: "videoId",
        attributes: [{ name: "videoId", type: "S" }],
        serverSideEncryption: { enabled: true, kmsKeyArn: contentKey },
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
        tags: dataTags("content"),
      },
      parent,
    );
    const topic = new aws.sns.Topic(
      `${name}-events`,
      { kmsMasterKeyId: contentKey, tags: dataTags("content") },
      parent,
    );

    // Ingest: S3 -> SQS (+ DLQ).
    const ingestDlq = new aws.sqs.Queue(
      `${name}-ingest-dlq`,
      { kmsMasterKeyId: contentKey, messageRetentionSeconds: 1_209_600, tags: dataTags("content") },
      parent,
    );
    const submitTimeoutSeconds = 60;
    const ingest = new aws.sqs.Queue(
      `${name}-ingest`,
      {
        kmsMasterKeyId: contentKey,
        // At least six times the function's timeout, so a message is not redelivered mid-run.
        visibilityTimeoutSeconds: submitTimeoutSeconds * 6,
        messageRetentionSeconds: 345_600,
        redrivePolicy: pulumi.jsonStringify({
          deadLetterTargetArn: ingestDlq.arn,
          maxReceiveCount: 5,
        }),
        tags: dataTags("content"),
      },
      parent,
    );
    const ingestPolicy = new aws.sqs.QueuePolicy(
      `${name}-ingest`,
      {
        queueUrl: ingest.url,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "RawBucketNotifies",
              Effect: "Allow",
              Principal: { Service: "s3.amazonaws.com" },
              Action: "sqs:SendMessage",
              Resource: ingest.arn,
              Condition: {
                ArnEquals: { "aws:SourceArn": raw.arn },
                StringEquals: { "aws:SourceAccount": accountId },
              },
            },
            {
              Sid: "DenyAnythingButTls",
              Effect: "Deny",
              Principal: "*",
              Action: "sqs:*",
              Resource: ingest.arn,
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ],
        }),
      },
      parent,
    );
    args.keys.allow("content", {
      sid: "S3NotifiesTheIngestQueue",
      principal: { Service: "s3.amazonaws.com" },
      actions: ["kms:GenerateDataKey", "kms:Decrypt"],
      condition: { StringEquals: { "aws:SourceAccount": accountId } },
    });
    // Writing the notification makes S3 send the queue a test message, which fails unless the
    // queue policy and the content key's policy already let S3 send and encrypt it:
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
    const notification = new aws.s3.BucketNotification(
      `${name}-raw`,
      {
        bucket: raw.bucket.id,
        queues: [
          {
            queueArn: pulumi
              .all([ingest.arn, args.keys.policyReadyKeyArns.content])
              .apply(([queueArn]) => queueArn),
            events: ["s3:ObjectCreated:*"],
            filterPrefix: UPLOADS_PREFIX,
          },
        ],
      },
      { parent: this, dependsOn: [ingestPolicy] },
    );

    // Encoding: MediaConvert queue and role.
    const mediaQueue = new aws.mediaconvert.Queue(
      `${name}-encode`,
      {
        pricingPlan: "ON_DEMAND",
        status: "ACTIVE",
        description: `KnowledgeCity ${args.stack} lectures`,
        tags: dataTags("none"),
      },
      parent,
    );
    const mediaRole = new aws.iam.Role(
      `${name}-mediaconvert`,
      {
        description: "MediaConvert: read raw uploads, write renditions",
        assumeRolePolicy: serviceTrustPolicy("mediaconvert.amazonaws.com", accountId),
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-mediaconvert`,
      {
        role: mediaRole.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "ReadRawUploads",
              Effect: "Allow",
              Action: ["s3:GetObject"],
              Resource: [pulumi.interpolate`${raw.arn}/${UPLOADS_PREFIX}*`],
            },
            {
              Sid: "WriteRenditions",
              Effect: "Allow",
              Action: ["s3:PutObject"],
              Resource: [pulumi.interpolate`${processed.arn}/${COURSES_PREFIX}*`],
            },
            {
              Sid: "ObjectsAreEncrypted",
              Effect: "Allow",
              Action: ["kms:Decrypt", "kms:GenerateDataKey"],
              Resource: [contentKey],
              Condition: viaS3,
            },
          ],
        }),
      },
      parent,
    );

    const functionDefaults = {
      context,
      kmsKeyArn: logsKey,
      logRetentionDays: settings.logRetentionDays,
    };
    const submit = new NodeFunction(
      `${name}-encode-submit`,
      {
        ...functionDefaults,
        contract: "encode-submit",
        description: "Submits one MediaConvert job per uploaded source video",
        timeoutSeconds: submitTimeoutSeconds,
        // Caps the jobs in flight, protecting the account's MediaConvert quota.
        reservedConcurrency: settings.maxConcurrentSubmissions,
        environment: {
          MEDIACONVERT_QUEUE_ARN: mediaQueue.arn,
          MEDIACONVERT_ROLE_ARN: mediaRole.arn,
          OUTPUT_BUCKET: processed.bucketName,
          DLQ_URL: ingestDlq.url,
          // The submission ledger: a source already submitted is never encoded again.
          CATALOG_TABLE: catalog.name,
          MAX_SOURCE_BYTES: String(settings.maxUploadBytes),
          ALLOWED_CONTENT_TYPES: SOURCE_TYPES.join(","),
          ...(args.ladder === undefined ? {} : { LADDER: JSON.stringify(args.ladder) }),
        },
        permissions: [
          {
            sid: "InspectUploads",
            actions: ["s3:GetObject"],
            resources: [pulumi.interpolate`${raw.arn}/${UPLOADS_PREFIX}*`],
          },
          // Without ListBucket S3 answers HeadObject on a missing key with 403, not 404, and a
          // deleted upload would be retried as a permission problem instead of dead-lettered
          // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html, Permissions).
          // No s3:prefix condition: that check carries no prefix, and the raw bucket holds only
          // uploads.
          {
            sid: "TellMissingUploads",
            actions: ["s3:ListBucket"],
            resources: [raw.arn],
          },
          // Probe measures each upload so that the ladder is never upscaled. It has no resource
          // type, so "*" is the only resource it can be granted on
          // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselementalmediaconvert.html).
          // It takes no role: MediaConvert reads the upload with this function's credentials,
          // through InspectUploads and ReadUploadsThroughTheirKey.
          { sid: "ProbeUploads", actions: ["mediaconvert:Probe"], resources: ["*"] },
          {
            sid: "ReadUploadsThroughTheirKey",
            actions: ["kms:Decrypt"],
            resources: [contentKey],
            condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
          },
          { sid: "SubmitJobs", actions: ["mediaconvert:CreateJob"], resources: [mediaQueue.arn] },
          // Jobs are created with tags, which MediaConvert authorizes as tagging the job.
          {
            sid: "TagJobs",
            actions: ["mediaconvert:TagResource"],
            resources: [`arn:${context.partition}:mediaconvert:${region}:${accountId}:jobs/*`],
          },
          {
            sid: "HandMediaConvertItsRole",
            actions: ["iam:PassRole"],
            resources: [mediaRole.arn],
            condition: { StringEquals: { "iam:PassedToService": "mediaconvert.amazonaws.com" } },
          },
          {
            sid: "ConsumeTheIngestQueue",
            actions: [
              "sqs:ReceiveMessage",
              "sqs:DeleteMessage",
              "sqs:GetQueueAttributes",
              "sqs:ChangeMessageVisibility",
            ],
            resources: [ingest.arn],
          },
          { sid: "ParkPoisonMessages", actions: ["sqs:SendMessage"], resources: [ingestDlq.arn] },
          {
            sid: "KeepTheSubmissionLedger",
            actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
            resources: [catalog.arn],
          },
          {
            sid: "QueuesAndLedgerAreEncrypted",
            actions: ["kms:Decrypt", "kms:GenerateDataKey"],
            resources: [contentKey],
            condition: {
              StringEquals: {
                "kms:ViaService": [
                  `sqs.${region}.amazonaws.com`,
                  `dynamodb.${region}.amazonaws.com`,
                ],
              },
            },
          },
        ],
      },
      parent,
    );
    new aws.lambda.EventSourceMapping(
      `${name}-encode-submit`,
      {
        eventSourceArn: ingest.arn,
        functionName: submit.function.name,
        batchSize: 10,
        maximumBatchingWindowInSeconds: 5,
        functionResponseTypes: ["ReportBatchItemFailures"],
        scalingConfig: { maximumConcurrency: settings.maxConcurrentSubmissions },
      },
      { parent: this, dependsOn: [notification] },
    );

    // Job tracking: EventBridge -> encode-status -> catalog + topic.
    const statusDlq = new aws.sqs.Queue(
      `${name}-status-dlq`,
      {
        sqsManagedSseEnabled: false,
        kmsMasterKeyId: contentKey,
        messageRetentionSeconds: 1_209_600,
        tags: dataTags("content"),
      },
      parent,
    );
    const status = new NodeFunction(
      `${name}-encode-status`,
      {
        ...functionDefaults,
        contract: "encode-status",
        description: "Records MediaConvert job states in the video catalog",
        environment: { CATALOG_TABLE: catalog.name, TOPIC_ARN: topic.arn },
        permissions: [
          { sid: "RecordJobs", actions: ["dynamodb:UpdateItem"], resources: [catalog.arn] },
          { sid: "AnnounceJobs", actions: ["sns:Publish"], resources: [topic.arn] },
          { sid: "ParkFailedEvents", actions: ["sqs:SendMessage"], resources: [statusDlq.arn] },
          {
            sid: "StoresAreEncrypted",
            actions: ["kms:Decrypt", "kms:GenerateDataKey"],
            resources: [contentKey],
            condition: {
              StringEquals: {
                "kms:ViaService": [
                  `dynamodb.${region}.amazonaws.com`,
                  `sns.${region}.amazonaws.com`,
                ],
              },
            },
          },
        ],
      },
      parent,
    );
    const rule = new aws.cloudwatch.EventRule(
      `${name}-job-state`,
      {
        description: "MediaConvert job state changes of this pipeline's queue",
        eventPattern: pulumi.jsonStringify({
          source: ["aws.mediaconvert"],
          "detail-type": ["MediaConvert Job State Change"],
          detail: { queue: [mediaQueue.arn] },
        }),
      },
      parent,
    );
    new aws.sqs.QueuePolicy(
      `${name}-status-dlq`,
      {
        queueUrl: statusDlq.url,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "EventBridgeParksUndeliveredEvents",
              Effect: "Allow",
              Principal: { Service: "events.amazonaws.com" },
              Action: "sqs:SendMessage",
              Resource: statusDlq.arn,
              Condition: { ArnEquals: { "aws:SourceArn": rule.arn } },
            },
          ],
        }),
      },
      parent,
    );
    args.keys.allow("content", {
      sid: "EventBridgeParksUndeliveredEvents",
      principal: { Service: "events.amazonaws.com" },
      actions: ["kms:GenerateDataKey", "kms:Decrypt"],
      condition: { StringEquals: { "aws:SourceAccount": accountId } },
    });
    new aws.cloudwatch.EventTarget(
      `${name}-job-state`,
      {
        rule: rule.name,
        arn: status.arn,
        retryPolicy: { maximumRetryAttempts: 20, maximumEventAgeInSeconds: 86_400 },
        deadLetterConfig: { arn: statusDlq.arn },
      },
      parent,
    );
    // An event the function fails on (after Lambda's two retries) is kept, not dropped.
    new aws.lambda.FunctionEventInvokeConfig(
      `${name}-encode-status`,
      {
        functionName: status.function.name,
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: 21_600,
        destinationConfig: { onFailure: { destination: statusDlq.arn } },
      },
      parent,
    );
    new aws.lambda.Permission(
      `${name}-job-state`,
      {
        action: "lambda:InvokeFunction",
        function: status.function.name,
        principal: "events.amazonaws.com",
        sourceArn: rule.arn,
      },
      parent,
    );

    // Upload front door.
    const uploadUrl = new NodeFunction(
      `${name}-upload-url`,
      {
        ...functionDefaults,
        contract: "upload-url",
        description: "Issues presigned POSTs for source videos",
        environment: {
          RAW_BUCKET: raw.bucketName,
          KMS_KEY_ARN: contentKey,
          MAX_UPLOAD_BYTES: String(settings.maxUploadBytes),
          ALLOWED_CONTENT_TYPES: SOURCE_TYPES.join(","),
        },
        permissions: [
          // A presigned POST carries the function's own permission to write there, and no other.
          {
            sid: "SignUploads",
            actions: ["s3:PutObject"],
            resources: [pulumi.interpolate`${raw.arn}/${UPLOADS_PREFIX}*`],
          },
          {
            sid: "UploadsAreEncrypted",
            actions: ["kms:GenerateDataKey"],
            resources: [contentKey],
            condition: viaS3,
          },
        ],
      },
      parent,
    );

    // Delivery.
    const signingKey = new tls.PrivateKey(
      `${name}-signing`,
      { algorithm: "RSA", rsaBits: 2048 },
      parent,
    );
    const delivery = new VideoDelivery(
      `${name}-cdn`,
      {
        context,
        stack: args.stack,
        keys: args.keys,
        domain: args.domain,
        hostname: args.hostname,
        hostedZoneId: args.hostedZoneId,
        usEast1Provider: args.usEast1Provider,
        bucket: processed,
        publicKeyPem: signingKey.publicKeyPem,
        hotTtlSeconds: settings.hotTtlSeconds,
        staleWhileRevalidateSeconds: settings.staleWhileRevalidateSeconds,
        staleIfErrorSeconds: settings.staleIfErrorSeconds,
        realtimeLogSamplingRate: settings.realtimeLogSamplingRate,
      },
      parent,
    );
    resolveDistributionArn(delivery.distributionArn);
    const privateKey = new aws.secretsmanager.Secret(
      `${name}-signing-key`,
      {
        description: "Private key of the video CDN's signed cookies",
        kmsKeyId: contentKey,
        recoveryWindowInDays: 7,
        tags: dataTags("content"),
      },
      parent,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-signing-key`,
      { secretId: privateKey.id, secretString: pulumi.secret(signingKey.privateKeyPem) },
      parent,
    );
    const playbackAuth = new NodeFunction(
      `${name}-playback-auth`,
      {
        ...functionDefaults,
        contract: "playback-auth",
        description: "Issues signed cookies for a course's video path",
        environment: {
          PLAYBACK_DOMAIN: args.hostname,
          // The API (api.<label>.<domain>) sets the cookies, so they go to the parent both share.
          COOKIE_DOMAIN: args.hostname.split(".").slice(1).join("."),
          KEY_PAIR_ID: delivery.publicKeyId,
          PRIVATE_KEY_SECRET_ARN: privateKey.arn,
          DEFAULT_SESSION_SECONDS: String(settings.playbackSessionSeconds),
        },
        permissions: [
          {
            sid: "ReadTheSigningKey",
            actions: ["secretsmanager:GetSecretValue"],
            resources: [privateKey.arn],
          },
          {
            sid: "SigningKeyIsEncrypted",
            actions: ["kms:Decrypt"],
            resources: [contentKey],
            condition: {
              StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` },
            },
          },
        ],
      },
      parent,
    );

    const tasks = args.tasks ?? [];
    if (tasks.length > 0) {
      if (args.network === undefined) {
        throw new pulumi.ResourceError("video tasks need the network to run in", this);
      }
      new VideoTasks(
        `${name}-tasks`,
        {
          context,
          tasks,
          mediaConvertQueueArn: mediaQueue.arn,
          processedBucketArn: processed.arn,
          contentKeyArn: contentKey,
          telemetryKeyArn: logsKey,
          vpcId: args.network.vpcId,
          privateSubnetIds: args.network.privateSubnetIds,
          logRetentionDays: settings.logRetentionDays,
        },
        parent,
      );
    }

    this.rawBucketName = raw.bucketName;
    this.processedBucketName = processed.bucketName;
    this.catalogTableName = catalog.name;
    this.topicArn = topic.arn;
    this.playbackHostname = args.hostname;
    this.playbackLogStreamArn = delivery.logStreamArn;
    this.uploadUrlFunction = uploadUrl;
    this.playbackAuthFunction = playbackAuth;
    this.signals = {
      functions: {
        "video-submit": submit.function.name,
        "video-status": status.function.name,
        "video-upload-url": uploadUrl.function.name,
        "video-playback-auth": playbackAuth.function.name,
      },
      queues: { "video-ingest": ingest.name },
      deadLetterQueues: { "video-ingest": ingestDlq.name, "video-status": statusDlq.name },
      mediaConvertQueueArn: mediaQueue.arn,
      distributionId: delivery.distributionId,
    };
    this.registerOutputs({
      rawBucketName: this.rawBucketName,
      processedBucketName: this.processedBucketName,
      catalogTableName: this.catalogTableName,
      playbackLogStreamArn: this.playbackLogStreamArn,
    });
  }
}
