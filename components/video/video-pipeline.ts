import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../shared/context";
import type { DataKeys } from "../security/data-keys";
import type { LogRetentionDays } from "../shared/logs";
import type { NodeFunction } from "../shared/node-function";
import { createEncodeStatus } from "./video-encode-status";
import { createEncodeSubmit, ENCODE_SUBMIT_TIMEOUT_SECONDS } from "./video-encode-submit";
import { createIngest } from "./video-ingest";
import { createMediaConvert } from "./video-mediaconvert";
import {
  videoPipelineArgsProblems,
  resolveVideoPipelineArgs,
  type RawUploadPolicy,
  type VideoFunctionDefaults,
} from "./video-pipeline-args";
import { createPlayback } from "./video-playback";
import { createVideoStorage } from "./video-storage";
import { VideoTasks, type TrickPlaySettings, type VideoTaskSettings } from "./video-tasks";
import { createUploadUrl } from "./video-upload-url";

/**
 * One rung of the encoding ladder: MediaConvert encodes each rung with QVBR, capped at its
 * maximum bitrate (https://docs.aws.amazon.com/mediaconvert/latest/ug/qvbr-guidelines.html).
 */
export interface LadderRung {
  /** Frame width, in pixels. */
  readonly width: number;
  /** Frame height, in pixels. */
  readonly height: number;
  /** The QVBR ceiling, in kilobits per second. */
  readonly maxBitrateKbps: number;
  /** QVBR quality level, 1-10. @default 7 */
  readonly qvbrQualityLevel?: number;
}

/** Arguments of `VideoPipeline`. */
export interface VideoPipelineArgs {
  /** The account and region the stack deploys to. */
  readonly context: AwsContext;
  /** The stack's name, in the MediaConvert queue's description and the CDN's names. */
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
  /**
   * Largest upload accepted, in bytes; a presigned POST is one request, which S3 caps at 5 GiB
   * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html).
   * @default 5 GiB
   */
  readonly maxUploadBytes?: number;
  /**
   * Raw uploads once encoded: expired, or archived to Glacier Deep Archive, after `days` (at
   * least 1). @default expire after 30 days
   */
  readonly rawUploads?: RawUploadPolicy;
  /**
   * Days before renditions move to Standard-IA; S3's minimum is 30
   * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html).
   * @default 30
   */
  readonly infrequentAccessAfterDays?: number;
  /** Days before renditions move to Intelligent-Tiering; after `infrequentAccessAfterDays`. @default 90 */
  readonly intelligentTieringAfterDays?: number;
  /** Edge TTL of video: hot content stays cached a day. @default 86400 */
  readonly hotTtlSeconds?: number;
  /** Players may keep using cached video while refreshing it. @default 86400 */
  readonly staleWhileRevalidateSeconds?: number;
  /** Players may keep using cached video while the origin fails. @default 604800 */
  readonly staleIfErrorSeconds?: number;
  /**
   * Percent of viewer requests logged in real time, an integer from 1 to 100
   * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/real-time-logs.html).
   * @default 100
   */
  readonly realtimeLogSamplingRate?: number;
  /** Lifetime of playback cookies. @default 3600 */
  readonly playbackSessionSeconds?: number;
  /**
   * Most MediaConvert submissions in flight, protecting the account's job quota; 2 to 1000, the
   * bounds of an SQS event source's maximum concurrency
   * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html).
   * @default 5
   */
  readonly maxConcurrentSubmissions?: number;
  /** How long the functions' and tasks' logs are kept. @default 365 */
  readonly logRetentionDays?: LogRetentionDays;
  /** Further container tasks after each encode (transcripts), images built elsewhere. @default none */
  readonly tasks?: readonly VideoTaskSettings[];
  /**
   * The trick-play task after each encode (seek thumbnails, `functions/video/trick-play`), its
   * image built from this repository. @default on when `network` is given (tasks run there)
   */
  readonly trickPlay?: TrickPlaySettings;
  /** Where the tasks run; required when there are tasks. @default none (no tasks) */
  readonly network?: {
    readonly vpcId: pulumi.Input<string>;
    readonly privateSubnetIds: pulumi.Input<string[]>;
  };
}

/** What the platform's alarms and dashboard watch in the pipeline, by id. */
export interface VideoPipelineSignals {
  /** Function names, by id. */
  readonly functions: Readonly<Record<string, pulumi.Output<string>>>;
  /** Queue names, by id. */
  readonly queues: Readonly<Record<string, pulumi.Output<string>>>;
  /** Dead-letter queue names, by the id of what they serve. */
  readonly deadLetterQueues: Readonly<Record<string, pulumi.Output<string>>>;
  /** The pipeline's MediaConvert queue. */
  readonly mediaConvertQueueArn: pulumi.Output<string>;
  /** The video CDN's distribution. */
  readonly distributionId: pulumi.Output<string>;
}

/**
 * The video path of one region: uploads (presigned POSTs to a raw bucket) -> S3 notifications ->
 * an SQS queue (with a dead-letter queue) -> `encode-submit` -> MediaConvert (CMAF: HLS and DASH
 * over one set of segments, QVBR ladder, thumbnails) -> a processed bucket (Standard-IA at 30
 * days, then Intelligent-Tiering) -> CloudFront with signed cookies (`playback-auth`); job state
 * changes -> `encode-status` -> the video catalog and an SNS topic. Its alarms are `Observability`'s,
 * over the `signals` it exposes.
 */
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
  /** The ECR repositories of the task images `pulumi up` builds, by task name. */
  public readonly taskRepositoryUrls: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: VideoPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:video:VideoPipeline", name, {}, opts);
    const settings = resolveVideoPipelineArgs(args);
    const problems = videoPipelineArgsProblems(settings);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(problems.join("; "), this);
    }
    const tasks = args.tasks ?? [];
    const trickPlay = args.trickPlay ?? { enabled: args.network !== undefined };
    if ((tasks.length > 0 || trickPlay.enabled) && args.network === undefined) {
      throw new pulumi.ResourceError("video tasks need the network to run in", this);
    }
    const { context, keys } = args;
    const contentKey = keys.keyArns.content;
    const functionDefaults: VideoFunctionDefaults = {
      context,
      // Telemetry goes to log groups, and CloudWatch Logs checks the key policy when it creates one.
      kmsKeyArn: keys.policyReadyKeyArns.telemetry,
      logRetentionDays: settings.logRetentionDays,
    };

    const storage = createVideoStorage(
      name,
      {
        domain: args.domain,
        contentKeyArn: contentKey,
        rawUploads: settings.rawUploads,
        infrequentAccessAfterDays: settings.infrequentAccessAfterDays,
        intelligentTieringAfterDays: settings.intelligentTieringAfterDays,
      },
      this,
    );
    const ingest = createIngest(
      name,
      {
        accountId: context.accountId,
        keys,
        rawBucket: storage.raw,
        visibilityTimeoutSeconds: ENCODE_SUBMIT_TIMEOUT_SECONDS * 6,
      },
      this,
    );
    const mediaConvert = createMediaConvert(
      name,
      {
        stack: args.stack,
        context,
        rawBucketArn: storage.raw.arn,
        processedBucketArn: storage.processed.arn,
        contentKeyArn: contentKey,
      },
      this,
    );
    const submit = createEncodeSubmit(
      name,
      {
        functionDefaults,
        contentKeyArn: contentKey,
        mediaConvert,
        ingest,
        rawBucketArn: storage.raw.arn,
        processedBucketName: storage.processed.bucketName,
        catalog: storage.catalog,
        maxUploadBytes: settings.maxUploadBytes,
        ...(args.ladder === undefined ? {} : { ladder: args.ladder }),
        maxConcurrentSubmissions: settings.maxConcurrentSubmissions,
      },
      this,
    );
    const status = createEncodeStatus(
      name,
      {
        functionDefaults,
        keys,
        mediaConvertQueueArn: mediaConvert.queue.arn,
        catalog: storage.catalog,
        topic: storage.topic,
      },
      this,
    );
    const uploadUrl = createUploadUrl(
      name,
      {
        functionDefaults,
        rawBucket: storage.raw,
        contentKeyArn: contentKey,
        maxUploadBytes: settings.maxUploadBytes,
      },
      this,
    );
    const playback = createPlayback(
      name,
      {
        functionDefaults,
        stack: args.stack,
        keys,
        domain: args.domain,
        hostname: args.hostname,
        hostedZoneId: args.hostedZoneId,
        usEast1Provider: args.usEast1Provider,
        processedBucket: storage.processed,
        hotTtlSeconds: settings.hotTtlSeconds,
        staleWhileRevalidateSeconds: settings.staleWhileRevalidateSeconds,
        staleIfErrorSeconds: settings.staleIfErrorSeconds,
        realtimeLogSamplingRate: settings.realtimeLogSamplingRate,
        playbackSessionSeconds: settings.playbackSessionSeconds,
      },
      this,
    );
    storage.resolveDistributionArn(playback.delivery.distributionArn);
    const videoTasks =
      (tasks.length > 0 || trickPlay.enabled) && args.network !== undefined
        ? new VideoTasks(
            `${name}-tasks`,
            {
              context,
              tasks,
              trickPlay,
              mediaConvertQueueArn: mediaConvert.queue.arn,
              processedBucketArn: storage.processed.arn,
              processedBucketName: storage.processed.bucketName,
              catalog: storage.catalog,
              contentKeyArn: contentKey,
              telemetryKeyArn: functionDefaults.kmsKeyArn,
              vpcId: args.network.vpcId,
              privateSubnetIds: args.network.privateSubnetIds,
              logRetentionDays: settings.logRetentionDays,
            },
            // The content key's policy lets EventBridge encrypt dead letters through
            // encode-status's grant (EventBridgeParksUndeliveredEvents, this account's rules).
            { parent: this },
          )
        : undefined;

    this.rawBucketName = storage.raw.bucketName;
    this.processedBucketName = storage.processed.bucketName;
    this.catalogTableName = storage.catalog.name;
    this.topicArn = storage.topic.arn;
    this.playbackHostname = args.hostname;
    this.playbackLogStreamArn = playback.delivery.logStreamArn;
    this.uploadUrlFunction = uploadUrl;
    this.playbackAuthFunction = playback.playbackAuth;
    this.taskRepositoryUrls = videoTasks?.repositoryUrls ?? {};
    this.signals = {
      functions: {
        "video-submit": submit.function.name,
        "video-status": status.statusFunction.function.name,
        "video-upload-url": uploadUrl.function.name,
        "video-playback-auth": playback.playbackAuth.function.name,
      },
      queues: { "video-ingest": ingest.queue.name },
      deadLetterQueues: {
        "video-ingest": ingest.deadLetterQueue.name,
        "video-status": status.deadLetterQueue.name,
        // Each post-encode task's dead letters (`video-task-trick-play`, ...).
        ...Object.fromEntries(
          Object.entries(videoTasks?.deadLetterQueues ?? {}).map(([task, queue]) => [
            `video-task-${task}`,
            queue,
          ]),
        ),
      },
      mediaConvertQueueArn: mediaConvert.queue.arn,
      distributionId: playback.delivery.distributionId,
    };
    this.registerOutputs({
      rawBucketName: this.rawBucketName,
      processedBucketName: this.processedBucketName,
      catalogTableName: this.catalogTableName,
      playbackLogStreamArn: this.playbackLogStreamArn,
    });
  }
}
