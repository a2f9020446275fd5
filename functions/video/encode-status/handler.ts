/**
 * Lambda `handler`: records MediaConvert job state changes in the video catalog and announces
 * finished jobs on the status topic.
 *
 * Trigger: an EventBridge rule on `source: aws.mediaconvert`, `detail-type: MediaConvert Job
 * State Change`. Jobs without the pipeline's `userMetadata` are ignored (logged), and so are
 * events of a job that is no longer the video's current one (`encode_status.superseded`). A
 * malformed event throws `InvalidEventError` before any AWS call; a failed write throws
 * `CatalogError` or `NotificationError`. Thrown errors go to Lambda's asynchronous retries, then
 * to the function's on-failure destination or dead-letter queue.
 *
 * Environment: `CATALOG_TABLE` (partition key `videoId`, S) and `TOPIC_ARN`. Read when the module
 * loads; a missing or invalid variable fails the cold start with `ConfigurationError`.
 * IAM: `dynamodb:UpdateItem` on the table, `sns:Publish` on the topic.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import type { Context } from "aws-lambda";
import { DynamoDbVideoCatalog } from "./catalog";
import { processJobStateChange, type EncodeStatusDeps, type StatusOutcome } from "./core";
import { loadConfiguration } from "./config";
import { InvalidEventError, toCallerError } from "./errors";
import { type MediaConvertJobStateChange } from "./job-event";
import { describeError, log } from "../../shared/log";
import { SnsStatusNotifier } from "./notifier";

const config = loadConfiguration(process.env);
const deps: EncodeStatusDeps = {
  catalog: new DynamoDbVideoCatalog(new DynamoDBClient({}), config.catalogTable),
  notifier: new SnsStatusNotifier(new SNSClient({}), config.topicArn),
};

/** The EventBridge event id, when there is one, for the logs. */
function eventIdOf(event: unknown): string | undefined {
  if (typeof event !== "object" || event === null) return undefined;
  const id: unknown = Reflect.get(event, "id");
  return typeof id === "string" ? id.slice(0, 128) : undefined;
}

/** Records one job state change. */
export async function handler(
  event: MediaConvertJobStateChange,
  context?: Pick<Context, "awsRequestId">,
): Promise<StatusOutcome> {
  const requestId = context?.awsRequestId;
  const eventId = eventIdOf(event);
  try {
    const result = await processJobStateChange(event, deps);
    switch (result.outcome) {
      case "ignored":
        log("info", "encode_status.ignored", {
          requestId,
          eventId,
          reason: result.reason,
          jobId: result.jobId,
          status: result.status,
        });
        break;
      case "stale":
        log("info", "encode_status.stale", {
          requestId,
          eventId,
          videoId: result.update.videoId,
          jobId: result.update.jobId,
          lastEvent: result.update.lastEvent,
          eventTime: result.update.eventTime,
          current: result.current,
        });
        break;
      case "superseded":
        log("info", "encode_status.superseded", {
          requestId,
          eventId,
          videoId: result.update.videoId,
          jobId: result.update.jobId,
          currentJobId: result.currentJobId,
          lastEvent: result.update.lastEvent,
          eventTime: result.update.eventTime,
        });
        break;
      case "recorded":
        log("info", "encode_status.recorded", {
          requestId,
          eventId,
          videoId: result.update.videoId,
          courseId: result.update.courseId,
          jobId: result.update.jobId,
          status: result.update.status,
          lastEvent: result.update.lastEvent,
          eventTime: result.update.eventTime,
          percentComplete: result.update.percentComplete,
          outputs: result.update.outputs,
          errorCode: result.update.error?.code,
          published: result.notification !== undefined,
        });
        if (
          result.update.outputs !== undefined &&
          (result.update.outputs.hlsManifestKey === undefined ||
            result.update.outputs.dashManifestKey === undefined)
        ) {
          log("warn", "encode_status.manifest_missing", {
            requestId,
            videoId: result.update.videoId,
            jobId: result.update.jobId,
            hls: result.update.outputs.hlsManifestKey !== undefined,
            dash: result.update.outputs.dashManifestKey !== undefined,
          });
        }
        break;
    }
    return result;
  } catch (error) {
    const reported = toCallerError(error);
    if (error instanceof InvalidEventError) {
      log("warn", "encode_status.rejected", { requestId, eventId, issues: error.issues });
    } else {
      log("error", "encode_status.failed", {
        requestId,
        eventId,
        error: reported.name,
        message: reported.message,
        ...(reported === error ? {} : { cause: describeError(error) }),
      });
    }
    throw reported;
  }
}
