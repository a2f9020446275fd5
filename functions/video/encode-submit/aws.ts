/**
 * AWS implementations of the core's dependencies. They translate SDK shapes and let SDK errors
 * through unchanged: the core classifies them (throttled, permanent, transient).
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import {
  CreateJobCommand,
  ProbeCommand,
  type CreateJobRequest,
  type MediaConvertClient,
  type ProbeResponse,
} from "@aws-sdk/client-mediaconvert";
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { type ProbedSource, type SourceObjectHead } from "./source";
import {
  deadLetterBody,
  orderedSequencer,
  type DeadLetter,
  type DeadLetterQueue,
  type JobSubmitter,
  type LedgerOutcome,
  type RecordedSubmission,
  type SourceObjects,
  type SourceProber,
  type Submission,
  type SubmissionLedger,
} from "./deps";
import { sdkMetadata } from "../../shared/log";

/** HeadObject errors that mean "no such object" (or no such version). */
const NOT_FOUND = new Set(["NotFound", "NoSuchKey", "NoSuchVersion"]);

/** Whether an S3 error says the object does not exist. */
export function isNotFound(error: unknown): boolean {
  return (
    (error instanceof Error && NOT_FOUND.has(error.name)) ||
    sdkMetadata(error).httpStatusCode === 404
  );
}

/**
 * HeadObject on the raw bucket (IAM: `s3:GetObject`). The latest version is read, since that is
 * the one MediaConvert will read; the core compares it with the version the notification names.
 */
export class S3SourceObjects implements SourceObjects {
  constructor(private readonly client: S3Client) {}

  async head(bucket: string, key: string): Promise<SourceObjectHead | undefined> {
    try {
      const output = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return {
        ...(output.ContentType === undefined ? {} : { contentType: output.ContentType }),
        ...(output.ContentLength === undefined ? {} : { contentLength: output.ContentLength }),
        ...(output.VersionId === undefined ? {} : { versionId: output.VersionId }),
        ...(output.ETag === undefined ? {} : { eTag: output.ETag }),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

/** A CreateJob answer without a job id: treated as a failure of the call. */
export class MissingJobIdError extends Error {
  override readonly name = "MissingJobIdError";
  constructor() {
    super("CreateJob returned no job id");
  }
}

/**
 * CreateJob on the regional endpoint the SDK resolves by default (DescribeEndpoints is deprecated
 * and not called). IAM: `mediaconvert:CreateJob` on the queue, `iam:PassRole` on the job role.
 */
export class MediaConvertJobs implements JobSubmitter {
  constructor(private readonly client: MediaConvertClient) {}

  async createJob(input: CreateJobRequest): Promise<{ readonly jobId: string }> {
    const output = await this.client.send(new CreateJobCommand(input));
    const jobId = output.Job?.Id;
    if (jobId === undefined || jobId === "") throw new MissingJobIdError();
    return { jobId };
  }
}

/**
 * The container format and the first video track of Probe's first result. The rotation is the
 * track's `VideoProperties.Rotation`, read from the container (the MP4/MOV track header), which is
 * what `Rotate: AUTO` applies; `CodecMetadata.Rotation` (an H.264/H.265 SEI message) is not.
 */
export function probedSource(response: ProbeResponse): ProbedSource {
  const container = response.ProbeResults?.[0]?.Container;
  const track = container?.Tracks?.find((candidate) => candidate.TrackType === "video");
  const properties = track?.VideoProperties;
  return {
    ...(container?.Format === undefined ? {} : { container: container.Format }),
    ...(track === undefined
      ? {}
      : {
          video: {
            ...(properties?.Width === undefined ? {} : { width: properties.Width }),
            ...(properties?.Height === undefined ? {} : { height: properties.Height }),
            ...(properties?.Rotation === undefined ? {} : { rotationDegrees: properties.Rotation }),
          },
        }),
  };
}

/**
 * Probe on the regional endpoint. Probe takes no role: MediaConvert reads the file with the
 * caller's credentials, so the function needs `s3:GetObject` on the upload and `kms:Decrypt`
 * (through S3) on its key, besides `mediaconvert:Probe`, which has no resource type (`*`).
 */
export class MediaConvertProbe implements SourceProber {
  constructor(private readonly client: MediaConvertClient) {}

  async probe(fileUrl: string): Promise<ProbedSource> {
    const output = await this.client.send(new ProbeCommand({ InputFiles: [{ FileUrl: fileUrl }] }));
    return probedSource(output);
  }
}

/**
 * SendMessage to the ingest queue's dead-letter queue (IAM: `sqs:SendMessage` on the queue, and
 * `kms:GenerateDataKey`/`kms:Decrypt` through SQS on its key). The body is `deadLetterBody`: JSON
 * with the original body and the reason; the reason and detail are message attributes too, for
 * consumers that filter on them.
 */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(letter: DeadLetter): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: deadLetterBody(letter),
        MessageAttributes: {
          reason: { DataType: "String", StringValue: letter.reason },
          detail: { DataType: "String", StringValue: letter.detail },
          sourceMessageId: { DataType: "String", StringValue: letter.sourceMessageId },
        },
      }),
    );
  }
}

/**
 * The ledger's write: the submission, unless this same submission (token and job id) is recorded
 * already. A different token (another version of the source) is replaced, unless the recorded one
 * came from a later S3 event of the key (a greater sequencer).
 */
export const LEDGER_CONDITION = "attribute_not_exists(submittedJobId) OR submissionToken <> :token";
const ORDERED_LEDGER_CONDITION =
  "attribute_not_exists(submittedJobId) OR (submissionToken <> :token AND " +
  "(attribute_not_exists(sourceSequencer) OR sourceSequencer < :sequencer))";

/** Whether a DynamoDB error is a failed condition. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === "ConditionalCheckFailedException")
  );
}

/**
 * The submission ledger on the video catalog item (partition key `videoId`), in attributes of its
 * own: `submissionToken`, `submittedJobId`, `submittedAt` (S). `encode-status` updates other
 * attributes of the same item (`status`, `jobId`, `updatedAt`, ...); neither overwrites the
 * other's. IAM: `dynamodb:GetItem` and `dynamodb:UpdateItem` on the catalog table.
 */
export class DynamoDbSubmissionLedger implements SubmissionLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async find(videoId: string): Promise<RecordedSubmission | undefined> {
    const output = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { videoId: { S: videoId } },
        ConsistentRead: true,
        ProjectionExpression: "submissionToken, submittedJobId, submittedAt",
      }),
    );
    const item = output.Item;
    if (item === undefined) return undefined;
    const token = item.submissionToken?.S;
    const jobId = item.submittedJobId?.S;
    const submittedAt = item.submittedAt?.S;
    return {
      ...(token === undefined ? {} : { token }),
      ...(jobId === undefined ? {} : { jobId }),
      ...(submittedAt === undefined ? {} : { submittedAt }),
    };
  }

  async record(submission: Submission): Promise<LedgerOutcome> {
    const sequencer = orderedSequencer(submission.sequencer);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { videoId: { S: submission.videoId } },
          UpdateExpression:
            sequencer === undefined
              ? "SET submissionToken = :token, submittedJobId = :jobId, submittedAt = :submittedAt REMOVE sourceSequencer"
              : "SET submissionToken = :token, submittedJobId = :jobId, submittedAt = :submittedAt, sourceSequencer = :sequencer",
          ConditionExpression:
            sequencer === undefined ? LEDGER_CONDITION : ORDERED_LEDGER_CONDITION,
          ExpressionAttributeValues: {
            ":token": { S: submission.token },
            ":jobId": { S: submission.jobId },
            ":submittedAt": { S: submission.submittedAt },
            ...(sequencer === undefined ? {} : { ":sequencer": { S: sequencer } }),
          },
          // Says which condition failed: this same submission, or a later one.
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return "recorded";
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // A concurrent delivery recorded this same submission first, or a later upload is recorded.
      const stored = (error as { Item?: Record<string, AttributeValue> }).Item;
      const storedToken = stored?.submissionToken?.S;
      return storedToken === undefined || storedToken === submission.token
        ? "already_recorded"
        : "superseded";
    }
  }
}
