/**
 * Lambda `handler`: consumes the ingest queue (S3 ObjectCreated notifications for
 * `uploads/<courseId>/<videoId>/source.<ext>`) and submits one MediaConvert job per source
 * object version. The event source mapping must enable `ReportBatchItemFailures`.
 *
 * Before CreateJob, MediaConvert's Probe measures the source, and the ladder is fitted to it: no
 * rendition larger than the source (the full ladder when Probe reports no usable video size).
 *
 * Per message: submitted (or skipped: S3's test event, a superseded version; or a duplicate: the
 * ledger on the catalog item records a job for this source version already) -> done; a permanent
 * failure -> JSON with the original body, `reason` and `detail` goes to the DLQ at the first
 * delivery and the message is done (a redriven one is processed as its original); a transient
 * failure (throttling after in-process retries, 5xx, network), or a DLQ send that fails -> the
 * message is listed in `batchItemFailures` and SQS delivers it again.
 *
 * Environment: `MEDIACONVERT_QUEUE_ARN`, `MEDIACONVERT_ROLE_ARN`, `OUTPUT_BUCKET`, `DLQ_URL`,
 * `MAX_SOURCE_BYTES`, `ALLOWED_CONTENT_TYPES` (comma-separated), `CATALOG_TABLE` (the video
 * catalog, which holds the submission ledger), optional `LADDER` (JSON array of
 * `{ width, height, maxBitrateKbps, qvbrQualityLevel? }`; default: the lecture ladder). Read when
 * the module loads; anything missing or invalid fails the cold start with `ConfigurationError`.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { MediaConvertClient } from "@aws-sdk/client-mediaconvert";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import {
  DynamoDbSubmissionLedger,
  MediaConvertJobs,
  MediaConvertProbe,
  S3SourceObjects,
  SqsDeadLetterQueue,
} from "./aws";
import { loadConfiguration } from "./config";
import { processBatch, type ObjectOutcome } from "./core";
import { type EncodeSubmitDeps } from "./deps";
import { log, type LogLevel } from "../../shared/log";

const config = loadConfiguration(process.env);
const mediaConvert = new MediaConvertClient({ maxAttempts: 1 });
const deps: EncodeSubmitDeps = {
  // S3 and SQS keep the SDK's standard retries (3 attempts) for network errors and 5xx.
  objects: new S3SourceObjects(new S3Client({})),
  // MediaConvert's own SDK retries are off: the core retries throttled Probe and CreateJob calls
  // itself (4 retries, full jitter, at most 3 s of waiting), so the number of calls is known. The
  // SDK resolves the regional endpoint; DescribeEndpoints is deprecated and never called.
  prober: new MediaConvertProbe(mediaConvert),
  jobs: new MediaConvertJobs(mediaConvert),
  // The ledger keeps the SDK's standard retries (throttling, 5xx, network) as well.
  ledger: new DynamoDbSubmissionLedger(new DynamoDBClient({}), config.catalogTable),
  deadLetters: new SqsDeadLetterQueue(new SQSClient({}), config.dlqUrl),
  config,
};

const LEVELS: Readonly<Record<ObjectOutcome, LogLevel>> = {
  submitted: "info",
  duplicate: "info",
  skipped: "info",
  dead_lettered: "warn",
  retry: "error",
};

/** Submits a job per source object in the batch; reports the messages to deliver again. */
export async function handler(
  event: SQSEvent,
  context?: Pick<Context, "awsRequestId">,
): Promise<SQSBatchResponse> {
  const requestId = context?.awsRequestId;
  const result = await processBatch(event.Records, deps);
  const counts: Record<ObjectOutcome, number> = {
    submitted: 0,
    duplicate: 0,
    skipped: 0,
    dead_lettered: 0,
    retry: 0,
  };
  for (const message of result.messages) {
    for (const object of message.objects) {
      counts[object.outcome] += 1;
      log(LEVELS[object.outcome], "encode_submit.record", {
        requestId,
        messageId: message.messageId,
        ...(message.receiveCount === undefined ? {} : { receiveCount: message.receiveCount }),
        // Same keys on every line, for log queries.
        bucket: null,
        key: null,
        reason: null,
        ...object,
      });
    }
  }
  log(result.batchItemFailures.length > 0 ? "warn" : "info", "encode_submit.batch", {
    requestId,
    messages: event.Records.length,
    ...counts,
    retried: result.batchItemFailures.length,
    ladder: config.ladderSource,
  });
  return { batchItemFailures: result.batchItemFailures };
}
