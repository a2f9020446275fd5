import {
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import {
  CreateJobCommand,
  MediaConvertClient,
  ProbeCommand,
  type CreateJobRequest,
} from "@aws-sdk/client-mediaconvert";
import { HeadObjectCommand, NotFound, S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  DynamoDbSubmissionLedger,
  MediaConvertJobs,
  MediaConvertProbe,
  MissingJobIdError,
  S3SourceObjects,
  SqsDeadLetterQueue,
  isNotFound,
  probedSource,
} from "./aws";
import {
  ETAG,
  RAW_BUCKET,
  SOURCE_KEY,
  SOURCE_SIZE,
  VERSION_ID,
  VIDEO_ID,
  probeResponse,
} from "./fixtures/events";
import { CATALOG_TABLE, DLQ_URL, awsError } from "./test-support";

const s3 = mockClient(S3Client);
const mediaConvert = mockClient(MediaConvertClient);
const sqs = mockClient(SQSClient);
const ddb = mockClient(DynamoDBClient);

beforeEach(() => {
  ddb.reset();
  s3.reset();
  mediaConvert.reset();
  sqs.reset();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("S3SourceObjects", () => {
  const objects = new S3SourceObjects(new S3Client({ region: "me-south-1" }));

  it("reads type, length, version and ETag of the latest version", async () => {
    s3.on(HeadObjectCommand, { Bucket: RAW_BUCKET, Key: SOURCE_KEY }).resolves({
      ContentType: "video/mp4",
      ContentLength: SOURCE_SIZE,
      VersionId: VERSION_ID,
      ETag: `"${ETAG}"`,
      LastModified: new Date("2025-03-01T09:14:27.000Z"),
    });
    expect(await objects.head(RAW_BUCKET, SOURCE_KEY)).toEqual({
      contentType: "video/mp4",
      contentLength: SOURCE_SIZE,
      versionId: VERSION_ID,
      eTag: `"${ETAG}"`,
    });
    expect(s3.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: RAW_BUCKET,
      Key: SOURCE_KEY,
    });
  });

  it("answers undefined for a missing object", async () => {
    s3.on(HeadObjectCommand).rejects(new NotFound({ message: "Not Found", $metadata: {} }));
    expect(await objects.head(RAW_BUCKET, SOURCE_KEY)).toBeUndefined();
    s3.on(HeadObjectCommand).rejects(awsError("UnknownError", 404));
    expect(await objects.head(RAW_BUCKET, SOURCE_KEY)).toBeUndefined();
  });

  it("lets any other error through for the core to classify", async () => {
    const denied = awsError("Forbidden", 403);
    s3.on(HeadObjectCommand).rejects(denied);
    expect(await rejection(objects.head(RAW_BUCKET, SOURCE_KEY))).toBe(denied);
  });

  it("recognizes not-found errors by name or status", () => {
    expect(isNotFound(awsError("NoSuchKey", 404))).toBe(true);
    expect(isNotFound(awsError("NoSuchVersion", 400))).toBe(true);
    expect(isNotFound(awsError("SlowDown", 503))).toBe(false);
    expect(isNotFound("NotFound")).toBe(false);
  });
});

describe("MediaConvertJobs", () => {
  const jobs = new MediaConvertJobs(new MediaConvertClient({ region: "me-south-1" }));
  const input: CreateJobRequest = {
    Role: "arn:aws:iam::111122223333:role/kc-video-mediaconvert",
    Queue: "arn:aws:mediaconvert:me-south-1:111122223333:queues/kc-video-on-demand",
    Settings: { Inputs: [] },
    ClientRequestToken: "a".repeat(64),
  };

  it("sends the request as it is and returns the job id", async () => {
    mediaConvert.on(CreateJobCommand).resolves({
      Job: { Id: "1740820468000-abc123", Role: input.Role, Settings: input.Settings },
    });
    expect(await jobs.createJob(input)).toEqual({ jobId: "1740820468000-abc123" });
    expect(mediaConvert.commandCalls(CreateJobCommand)[0]?.args[0].input).toEqual(input);
  });

  it("treats an answer without a job id as a failure", async () => {
    mediaConvert.on(CreateJobCommand).resolves({});
    expect(await rejection(jobs.createJob(input))).toBeInstanceOf(MissingJobIdError);
  });
});

describe("MediaConvertProbe", () => {
  const prober = new MediaConvertProbe(new MediaConvertClient({ region: "me-south-1" }));
  const url = `s3://${RAW_BUCKET}/${SOURCE_KEY}`;

  it("probes the one file and reads the container and its first video track", async () => {
    mediaConvert
      .on(ProbeCommand)
      .resolves(probeResponse({ format: "quicktime", video: { width: 1080, height: 1920 } }));
    expect(await prober.probe(url)).toEqual({
      container: "quicktime",
      video: { width: 1080, height: 1920 },
    });
    expect(mediaConvert.commandCalls(ProbeCommand).map((call) => call.args[0].input)).toEqual([
      { InputFiles: [{ FileUrl: url }] },
    ]);
  });

  it("lets errors through for the core to classify", async () => {
    const error = awsError("TooManyRequestsException", 429);
    mediaConvert.on(ProbeCommand).rejects(error);
    await expect(prober.probe(url)).rejects.toBe(error);
  });
});

describe("probedSource", () => {
  it("takes the container's rotation, not the codec's", () => {
    expect(
      probedSource({
        ProbeResults: [
          {
            Container: {
              Format: "mp4",
              Tracks: [
                { TrackType: "audio", Index: 1 },
                {
                  TrackType: "video",
                  Index: 2,
                  VideoProperties: {
                    Width: 1920,
                    Height: 1080,
                    Rotation: 90,
                    CodecMetadata: { Width: 1920, Height: 1088, Rotation: 180 },
                  },
                },
                { TrackType: "video", Index: 3, VideoProperties: { Width: 320, Height: 180 } },
              ],
            },
          },
        ],
      }),
    ).toEqual({ container: "mp4", video: { width: 1920, height: 1080, rotationDegrees: 90 } });
  });

  it("says what is missing: no video track, no format, no result", () => {
    expect(probedSource(probeResponse({ format: "webm" }))).toEqual({ container: "webm" });
    expect(
      probedSource({ ProbeResults: [{ Container: { Tracks: [{ TrackType: "video" }] } }] }),
    ).toEqual({ video: {} });
    expect(probedSource({})).toEqual({});
  });
});

describe("SqsDeadLetterQueue", () => {
  it("sends JSON with the original body and the reason, and the reason as attributes", async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: "b1c2d3e4-0000-4000-8000-000000000000" });
    const queue = new SqsDeadLetterQueue(new SQSClient({ region: "me-south-1" }), DLQ_URL);
    await queue.send({
      body: '{"Records":[]}',
      reason: "empty_object",
      detail: "the object is empty (0 bytes)",
      sourceMessageId: "059f36b4-87a3-44ab-83d2-661975830a7d",
    });
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: DLQ_URL,
      MessageBody:
        '{"deadLetteredBy":"encode-submit","reason":"empty_object",' +
        '"detail":"the object is empty (0 bytes)",' +
        '"sourceMessageId":"059f36b4-87a3-44ab-83d2-661975830a7d","body":"{\\"Records\\":[]}"}',
      MessageAttributes: {
        reason: { DataType: "String", StringValue: "empty_object" },
        detail: { DataType: "String", StringValue: "the object is empty (0 bytes)" },
        sourceMessageId: {
          DataType: "String",
          StringValue: "059f36b4-87a3-44ab-83d2-661975830a7d",
        },
      },
    });
  });
});

describe("DynamoDbSubmissionLedger", () => {
  const ledger = new DynamoDbSubmissionLedger(
    new DynamoDBClient({ region: "me-south-1" }),
    CATALOG_TABLE,
  );
  const token = "b".repeat(64);
  const submission = {
    videoId: VIDEO_ID,
    token,
    jobId: "1740820468000-abc123",
    submittedAt: "2025-03-01T09:14:29.000Z",
  };

  // What the ledger reads and writes, and its condition, are tested on DynamoDB Local
  // (ledger.dynamodb.test.ts); here what the emulator cannot show or produce.

  it("reads strongly consistent, so a redelivery right after a write finds it", async () => {
    ddb.on(GetItemCommand).resolves({});
    await ledger.find(VIDEO_ID);
    expect(ddb.commandCalls(GetItemCommand)[0]?.args[0].input).toMatchObject({
      TableName: CATALOG_TABLE,
      Key: { videoId: { S: VIDEO_ID } },
      ConsistentRead: true,
    });
  });

  it("treats a failed condition from another copy of the SDK (same name) as recorded already", async () => {
    ddb.on(UpdateItemCommand).rejects(awsError("ConditionalCheckFailedException", 400));
    expect(await ledger.record(submission)).toBe("already_recorded");
  });

  it("lets any other error through for the core to classify", async () => {
    const throttled = new ProvisionedThroughputExceededException({
      message: "throughput exceeded",
      $metadata: { httpStatusCode: 400 },
    });
    ddb.on(UpdateItemCommand).rejects(throttled);
    expect(await rejection(ledger.record(submission))).toBe(throttled);
    const failed = awsError("InternalServerError", 500);
    ddb.on(GetItemCommand).rejects(failed);
    expect(await rejection(ledger.find(VIDEO_ID))).toBe(failed);
  });
});
