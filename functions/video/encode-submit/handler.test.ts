import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import type { ConfigurationError } from "./errors";
import {
  COURSE_ID,
  RAW_BUCKET,
  SOURCE,
  SOURCE_KEY,
  VERSION_ID,
  VIDEO_ID,
  notificationBody,
  sqsEvent,
  sqsRecord,
} from "./fixtures/events";
import {
  CATALOG_TABLE,
  DLQ_URL,
  HANDLER_ENV,
  OUTPUT_BUCKET,
  QUEUE_ARN,
  ROLE_ARN,
} from "./test-support";
import {
  s3,
  mediaConvert,
  ddb,
  logs,
  loadHandler,
  CONTEXT,
  TOKEN,
  getItemInputs,
  updateItemInputs,
  storeSource,
  createJobInputs,
  deadLetters,
  letterOf,
  recordLines,
} from "./handler-harness";

describe("cold start", () => {
  it("fails with one ConfigurationError naming every missing variable", async () => {
    const error = await loadHandler({ OUTPUT_BUCKET, DLQ_URL }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    // A fresh module graph has its own error classes: compare by name.
    expect(error).toMatchObject({ name: "ConfigurationError" });
    expect((error as ConfigurationError).missing).toEqual([
      "MEDIACONVERT_QUEUE_ARN",
      "MEDIACONVERT_ROLE_ARN",
      "MAX_SOURCE_BYTES",
      "ALLOWED_CONTENT_TYPES",
      "CATALOG_TABLE",
    ]);
  });

  it("fails on an invalid LADDER", async () => {
    const error = await loadHandler({ ...HANDLER_ENV, LADDER: "[]" }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect((error as ConfigurationError).problems).toEqual([
      "LADDER: ladder must have between 1 and 10 rungs, got 0",
    ]);
  });
});

describe("handler", () => {
  it("submits one job per upload and logs one line per record", async () => {
    const handler = await loadHandler();
    storeSource();
    const record = sqsRecord(notificationBody(SOURCE));
    expect(await handler(sqsEvent(record), CONTEXT)).toEqual({ batchItemFailures: [] });

    const [input, ...others] = createJobInputs();
    expect(others).toEqual([]);
    expect(input).toMatchObject({
      Role: ROLE_ARN,
      Queue: QUEUE_ARN,
      ClientRequestToken: TOKEN,
      UserMetadata: {
        courseId: COURSE_ID,
        videoId: VIDEO_ID,
        sourceKey: SOURCE_KEY,
        sourceVersion: VERSION_ID,
      },
      StatusUpdateInterval: "SECONDS_60",
      AccelerationSettings: { Mode: "PREFERRED" },
    });
    expect(input?.Settings?.Inputs?.[0]?.FileInput).toBe(`s3://${RAW_BUCKET}/${SOURCE_KEY}`);
    expect(
      input?.Settings?.OutputGroups?.[0]?.OutputGroupSettings?.CmafGroupSettings?.Destination,
    ).toBe(
      `s3://${OUTPUT_BUCKET}/courses/${COURSE_ID}/${VIDEO_ID}/${TOKEN.slice(0, 16)}/cmaf/index`,
    );
    // The regional endpoint is used as it is: Probe and CreateJob are the only calls (no
    // endpoint lookup).
    expect(mediaConvert.calls().map((call) => call.args[0].constructor.name)).toEqual([
      "ProbeCommand",
      "CreateJobCommand",
    ]);
    expect(deadLetters()).toEqual([]);
    // The ledger of this video, on the configured table, read before and written after CreateJob.
    expect(getItemInputs()).toEqual([
      expect.objectContaining({ TableName: CATALOG_TABLE, Key: { videoId: { S: VIDEO_ID } } }),
    ]);
    expect(updateItemInputs()).toEqual([
      expect.objectContaining({
        TableName: CATALOG_TABLE,
        Key: { videoId: { S: VIDEO_ID } },
        ExpressionAttributeValues: expect.objectContaining({
          ":token": { S: TOKEN },
          ":jobId": { S: "1740820468000-000001" },
        }) as unknown,
      }),
    ]);
    // One read and one write of DynamoDB per upload, nothing else.
    expect(ddb.calls().map((call) => call.args[0].constructor.name)).toEqual([
      "GetItemCommand",
      "UpdateItemCommand",
    ]);

    expect(recordLines()).toEqual([
      expect.objectContaining({
        level: "info",
        requestId: CONTEXT.awsRequestId,
        messageId: record.messageId,
        receiveCount: 1,
        bucket: RAW_BUCKET,
        key: SOURCE_KEY,
        outcome: "submitted",
        reason: null,
        jobId: "1740820468000-000001",
        clientRequestToken: TOKEN,
        attempts: 1,
        ledger: "recorded",
      }),
    ]);
    expect(logs.lines().find((line) => line.event === "encode_submit.batch")).toMatchObject({
      messages: 1,
      submitted: 1,
      retried: 0,
      ladder: "default",
    });
  });

  it.each([
    ["spaces written as +", "Week+1+Intro.mp4", "Week 1 Intro.mp4"],
    ["a literal + written as %2B", "C%2B%2B+basics.mp4", "C++ basics.mp4"],
    [
      "percent-encoded UTF-8",
      "%D9%85%D9%82%D8%AF%D9%85%D8%A9+%D8%A7%D9%84%D9%85%D8%AD%D8%A7%D8%B3%D8%A8%D8%A9.mp4",
      "مقدمة المحاسبة.mp4",
    ],
    ["reserved characters", "source%281%29%5Bfinal%5D.mp4", "source(1)[final].mp4"],
  ])(
    "decodes a key with %s, and dead-letters it: it is outside the layout",
    async (_, encodedName, decodedName) => {
      const handler = await loadHandler();
      const record = sqsRecord(
        notificationBody({ ...SOURCE, key: `uploads/${COURSE_ID}/${VIDEO_ID}/${encodedName}` }),
      );
      expect(await handler(sqsEvent(record), CONTEXT)).toEqual({ batchItemFailures: [] });
      expect(s3.commandCalls(HeadObjectCommand)).toEqual([]);
      expect(createJobInputs()).toEqual([]);
      const detail =
        "object key does not match uploads/<courseId>/<videoId>/source.<mp4|mov|mkv|webm>";
      expect(deadLetters()).toEqual([
        {
          QueueUrl: DLQ_URL,
          MessageBody: expect.any(String) as unknown,
          MessageAttributes: {
            reason: { DataType: "String", StringValue: "invalid_key" },
            detail: { DataType: "String", StringValue: detail },
            sourceMessageId: { DataType: "String", StringValue: record.messageId },
          },
        },
      ]);
      expect(letterOf(deadLetters()[0])).toEqual({
        deadLetteredBy: "encode-submit",
        reason: "invalid_key",
        detail,
        sourceMessageId: record.messageId,
        body: record.body,
      });
      expect(recordLines()).toEqual([
        expect.objectContaining({
          level: "warn",
          messageId: record.messageId,
          key: `uploads/${COURSE_ID}/${VIDEO_ID}/${decodedName}`,
          outcome: "dead_lettered",
          reason: "invalid_key",
        }),
      ]);
    },
  );

  it.each([
    [
      "an unsupported content type",
      { ContentType: "video/x-msvideo" },
      SOURCE,
      "unsupported_content_type",
      'content type "video/x-msvideo" is not one of video/mp4, video/quicktime, video/x-matroska, video/webm',
    ],
    [
      "a zero-byte object",
      { ContentLength: 0 },
      { ...SOURCE, size: 0 },
      "empty_object",
      "the object is empty (0 bytes)",
    ],
  ])(
    "dead-letters %s with its reason and submits nothing",
    async (_, head, object, reason, detail) => {
      const handler = await loadHandler();
      storeSource(SOURCE_KEY, head);
      const record = sqsRecord(notificationBody(object));
      expect(await handler(sqsEvent(record), CONTEXT)).toEqual({ batchItemFailures: [] });
      expect(createJobInputs()).toEqual([]);
      expect(deadLetters()).toEqual([
        expect.objectContaining({
          MessageAttributes: expect.objectContaining({
            reason: { DataType: "String", StringValue: reason },
            detail: { DataType: "String", StringValue: detail },
          }) as unknown,
        }),
      ]);
      expect(letterOf(deadLetters()[0])).toMatchObject({ reason, detail, body: record.body });
      expect(recordLines()).toEqual([
        expect.objectContaining({ outcome: "dead_lettered", reason, detail }),
      ]);
    },
  );

  it("succeeds when the ledger write finds the submission recorded (ConditionalCheckFailed)", async () => {
    const handler = await loadHandler();
    storeSource();
    ddb
      .on(UpdateItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: "condition", $metadata: {} }));
    const record = sqsRecord(notificationBody(SOURCE));
    expect(await handler(sqsEvent(record), CONTEXT)).toEqual({ batchItemFailures: [] });
    expect(createJobInputs()).toHaveLength(1);
    expect(recordLines()).toEqual([
      expect.objectContaining({ outcome: "submitted", ledger: "already_recorded" }),
    ]);
  });

  it.each([
    [
      "throttled",
      new ProvisionedThroughputExceededException({
        message: "throughput exceeded",
        $metadata: { httpStatusCode: 400 },
      }),
      "throttled",
    ],
    [
      "failing on the service side",
      new InternalServerError({ message: "internal", $metadata: { httpStatusCode: 500 } }),
      "service_error",
    ],
  ])(
    "reports the record when the ledger write is %s: the job exists, the entry does not",
    async (_, error, reason) => {
      const handler = await loadHandler();
      storeSource();
      ddb.on(UpdateItemCommand).rejects(error);
      const record = sqsRecord(notificationBody(SOURCE));
      expect(await handler(sqsEvent(record), CONTEXT)).toEqual({
        batchItemFailures: [{ itemIdentifier: record.messageId }],
      });
      expect(createJobInputs()).toHaveLength(1);
      expect(deadLetters()).toEqual([]);
      expect(recordLines()).toEqual([
        expect.objectContaining({
          level: "error",
          outcome: "retry",
          reason,
          jobId: "1740820468000-000001",
        }),
      ]);
    },
  );
});
