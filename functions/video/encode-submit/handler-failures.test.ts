import { GetItemCommand, InternalServerError } from "@aws-sdk/client-dynamodb";
import {
  BadRequestException,
  CreateJobCommand,
  TooManyRequestsException,
  type CreateJobCommandInput,
} from "@aws-sdk/client-mediaconvert";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { describe, expect, it, vi } from "vitest";
import {
  COURSE_ID,
  RAW_BUCKET,
  SOURCE,
  SOURCE_KEY,
  TEST_EVENT_BODY,
  notificationBody,
  sqsEvent,
  sqsRecord,
} from "./fixtures/events";
import { DLQ_URL, HANDLER_ENV, ROLE_ARN } from "./test-support";
import {
  s3,
  mediaConvert,
  sqs,
  ddb,
  logs,
  loadHandler,
  CONTEXT,
  TOKEN,
  updateItemInputs,
  storeSource,
  s3Error,
  createJobInputs,
  deadLetters,
  letterOf,
  recordLines,
} from "./handler-harness";

describe("handler", () => {
  it("reports the record and submits nothing when the ledger cannot be read", async () => {
    const handler = await loadHandler();
    storeSource();
    ddb
      .on(GetItemCommand)
      .rejects(
        new InternalServerError({ message: "internal", $metadata: { httpStatusCode: 500 } }),
      );
    const record = sqsRecord(notificationBody(SOURCE));
    expect(await handler(sqsEvent(record), CONTEXT)).toEqual({
      batchItemFailures: [{ itemIdentifier: record.messageId }],
    });
    expect(createJobInputs()).toEqual([]);
    expect(updateItemInputs()).toEqual([]);
    expect(recordLines()).toEqual([
      expect.objectContaining({ outcome: "retry", reason: "service_error" }),
    ]);
  });

  it("retries a throttled CreateJob in process, then succeeds", async () => {
    const handler = await loadHandler();
    storeSource();
    mediaConvert
      .on(CreateJobCommand)
      .rejectsOnce(
        new TooManyRequestsException({
          message: "Too many requests",
          $metadata: { httpStatusCode: 429 },
        }),
      )
      .resolves({ Job: { Id: "1740820468000-throttled", Role: ROLE_ARN, Settings: {} } });
    const record = sqsRecord(notificationBody(SOURCE));
    expect(await handler(sqsEvent(record), CONTEXT)).toEqual({ batchItemFailures: [] });
    expect(createJobInputs().map((input) => input.ClientRequestToken)).toEqual([TOKEN, TOKEN]);
    expect(recordLines()).toEqual([
      expect.objectContaining({
        outcome: "submitted",
        jobId: "1740820468000-throttled",
        attempts: 2,
      }),
    ]);
  });

  it("reports the record when throttling outlasts the retries", async () => {
    vi.useFakeTimers();
    const handler = await loadHandler();
    storeSource();
    mediaConvert
      .on(CreateJobCommand)
      .rejects(
        new TooManyRequestsException({ message: "slow down", $metadata: { httpStatusCode: 429 } }),
      );
    const record = sqsRecord(notificationBody(SOURCE));
    const pending = handler(sqsEvent(record), CONTEXT);
    await vi.runAllTimersAsync();
    expect(await pending).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(createJobInputs()).toHaveLength(5);
    expect(deadLetters()).toEqual([]);
    expect(recordLines()).toEqual([
      expect.objectContaining({ level: "error", outcome: "retry", reason: "throttled" }),
    ]);
  });

  it("fails only the transient poison record of a batch", async () => {
    const handler = await loadHandler();
    const keys = ["1", "2", "3"].map(
      (digit) => `uploads/${COURSE_ID}/00000000-0000-4000-8000-00000000000${digit}/source.mp4`,
    );
    for (const key of keys) storeSource(key);
    s3.on(HeadObjectCommand, { Bucket: RAW_BUCKET, Key: keys[1] }).rejects(
      s3Error("InternalError", 500),
    );
    const records = keys.map((key) => sqsRecord(notificationBody({ ...SOURCE, key })));
    const response = await handler(sqsEvent(...records), CONTEXT);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[1]?.messageId }] });
    expect(createJobInputs()).toHaveLength(2);
    expect(deadLetters()).toEqual([]);
    const outcomes: unknown = Object.fromEntries(
      recordLines().map((line) => [line.messageId, line.outcome]),
    );
    expect(outcomes).toEqual({
      [records[0]?.messageId ?? ""]: "submitted",
      [records[1]?.messageId ?? ""]: "retry",
      [records[2]?.messageId ?? ""]: "submitted",
    });
  });

  it("dead-letters a permanent poison record and reports no failure", async () => {
    const handler = await loadHandler();
    const good = `uploads/${COURSE_ID}/00000000-0000-4000-8000-000000000001/source.mp4`;
    const empty = `uploads/${COURSE_ID}/00000000-0000-4000-8000-000000000002/source.webm`;
    storeSource(good);
    storeSource(empty, { ContentType: "video/webm", ContentLength: 0 });
    const records: SQSRecord[] = [
      sqsRecord(notificationBody({ ...SOURCE, key: good })),
      sqsRecord(notificationBody({ ...SOURCE, key: empty, size: undefined })),
      sqsRecord("not a notification"),
    ];
    expect(await handler(sqsEvent(...records), CONTEXT)).toEqual({ batchItemFailures: [] });
    expect(createJobInputs()).toHaveLength(1);
    // Messages run in parallel: the sends may come in either order.
    const sent = deadLetters().map((input) => {
      const letter = letterOf(input) as { body?: unknown; reason?: unknown };
      return [letter.body, letter.reason];
    });
    expect(sent).toHaveLength(2);
    expect(sent).toEqual(
      expect.arrayContaining([
        [records[1]?.body, "empty_object"],
        [records[2]?.body, "malformed_body"],
      ]),
    );
  });

  describe("with messages it can never process", () => {
    /** A video id of the batch below, by position. */
    const video = (digit: number): string => `00000000-0000-4000-8000-00000000000${digit}`;
    const upload = (digit: number): string => `uploads/${COURSE_ID}/${video(digit)}/source.mp4`;
    /** Not a name S3 accepts for a bucket (upper case, underscore). */
    const REFUSED_BUCKET = "KC_Video_Raw";

    /** What the handler sent to the DLQ, body parsed, by original message id. */
    const sentLetters = (): Map<string, Record<string, unknown>> =>
      new Map(
        deadLetters().map((input) => {
          const letter = letterOf(input) as Record<string, unknown>;
          return [String(letter.sourceMessageId), letter];
        }),
      );

    /**
     * One batch: good uploads, five messages that can never be encoded, and one that fails on
     * S3's side. The SDK errors are shaped as the SDK raises them (a HEAD error has no body, so
     * S3's 400 for a refused bucket name reaches the caller as `Unknown`, client fault).
     */
    function mixedBatch(): { records: SQSRecord[]; bad: Map<string, string> } {
      for (const digit of [1, 5, 6, 7]) storeSource(upload(digit));
      s3.on(HeadObjectCommand, { Bucket: REFUSED_BUCKET }).rejects(s3Error("Unknown", 400));
      s3.on(HeadObjectCommand, { Bucket: RAW_BUCKET, Key: upload(4) }).rejects(
        s3Error("NotFound", 404),
      );
      s3.on(HeadObjectCommand, { Bucket: RAW_BUCKET, Key: upload(6) }).rejects(
        s3Error("Unknown", 503),
      );
      mediaConvert
        .on(CreateJobCommand)
        .callsFake((input: CreateJobCommandInput) =>
          input.UserMetadata?.videoId === video(5)
            ? Promise.reject(
                new BadRequestException({ message: "invalid settings (simulated)", $metadata: {} }),
              )
            : { Job: { Id: `1740820468000-${input.UserMetadata?.videoId ?? ""}` } },
        );
      const good = sqsRecord(notificationBody({ ...SOURCE, key: upload(1) }));
      const refusedBucket = sqsRecord(
        notificationBody({ ...SOURCE, key: upload(2), bucket: REFUSED_BUCKET }),
      );
      const outsideUploads = sqsRecord(
        notificationBody({ ...SOURCE, key: `videos/${COURSE_ID}/${video(3)}/source.mp4` }),
      );
      const malformed = sqsRecord(
        JSON.stringify({ Records: [{ eventSource: "aws:s3", eventName: "ObjectCreated:Put" }] }),
      );
      const gone = sqsRecord(notificationBody({ ...SOURCE, key: upload(4) }));
      const rejectedJob = sqsRecord(notificationBody({ ...SOURCE, key: upload(5) }));
      const unavailable = sqsRecord(notificationBody({ ...SOURCE, key: upload(6) }));
      const alsoGood = sqsRecord(notificationBody({ ...SOURCE, key: upload(7) }));
      const bad = new Map([
        [refusedBucket.messageId, "invalid_bucket"],
        [outsideUploads.messageId, "invalid_key"],
        [malformed.messageId, "malformed_body"],
        [gone.messageId, "source_missing"],
        [rejectedJob.messageId, "job_rejected"],
      ]);
      return {
        records: [
          good,
          refusedBucket,
          outsideUploads,
          malformed,
          gone,
          rejectedJob,
          unavailable,
          alsoGood,
        ],
        bad,
      };
    }

    it("dead-letters each one once with its reason, retries only the transient one", async () => {
      const handler = await loadHandler();
      const { records, bad } = mixedBatch();
      const unavailable = records[6]?.messageId;
      const response = await handler(sqsEvent(...records), CONTEXT);

      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: unavailable }] });
      // One send per bad message, each a JSON body with the original message and the reason.
      expect(deadLetters()).toHaveLength(bad.size);
      const letters = sentLetters();
      expect(new Map([...letters].map(([id, letter]) => [id, letter.reason]))).toEqual(bad);
      for (const record of records.filter((candidate) => bad.has(candidate.messageId))) {
        expect(letters.get(record.messageId)).toMatchObject({
          deadLetteredBy: "encode-submit",
          body: record.body,
          detail: expect.any(String) as unknown,
        });
      }
      expect(deadLetters().every((input) => input.QueueUrl === DLQ_URL)).toBe(true);
      // A refused bucket name is never sent to S3.
      expect(
        s3.commandCalls(HeadObjectCommand).map((call) => call.args[0].input.Bucket),
      ).not.toContain(REFUSED_BUCKET);
      // The good ones are submitted (and the one MediaConvert refused was tried once).
      expect(createJobInputs().map((input) => input.UserMetadata?.videoId)).toEqual(
        expect.arrayContaining([video(1), video(5), video(7)]),
      );
      expect(createJobInputs()).toHaveLength(3);
    });

    it("reports a bad message as failed when the DLQ cannot take it: nothing is lost", async () => {
      const handler = await loadHandler();
      const { records, bad } = mixedBatch();
      sqs.on(SendMessageCommand).rejects(
        Object.assign(new Error("send failed (simulated)"), {
          name: "InternalError",
          $fault: "server",
          $metadata: { httpStatusCode: 500 },
        }),
      );
      const response = await handler(sqsEvent(...records), CONTEXT);
      expect(new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier))).toEqual(
        new Set([...bad.keys(), records[6]?.messageId]),
      );
      expect(
        recordLines()
          .filter((line) => bad.has(String(line.messageId)))
          .map((line) => [line.outcome, line.deadLetter]),
      ).toEqual([...bad.keys()].map(() => ["retry", "send_failed"]));
    });
  });

  it("drops S3's test event", async () => {
    const handler = await loadHandler();
    const record = sqsRecord(TEST_EVENT_BODY);
    expect(await handler(sqsEvent(record), CONTEXT)).toEqual({ batchItemFailures: [] });
    expect(s3.calls()).toEqual([]);
    expect(mediaConvert.calls()).toEqual([]);
    expect(sqs.calls()).toEqual([]);
    expect(recordLines()).toEqual([
      expect.objectContaining({
        messageId: record.messageId,
        bucket: RAW_BUCKET,
        key: null,
        outcome: "skipped",
        reason: "test_event",
      }),
    ]);
  });

  it("reports the record as failed when the DLQ send fails", async () => {
    const handler = await loadHandler();
    storeSource(SOURCE_KEY, { ContentType: "application/pdf" });
    sqs
      .on(SendMessageCommand)
      .rejects(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    const record = sqsRecord(notificationBody(SOURCE));
    expect(await handler(sqsEvent(record), CONTEXT)).toEqual({
      batchItemFailures: [{ itemIdentifier: record.messageId }],
    });
    expect(createJobInputs()).toEqual([]);
    expect(recordLines()).toEqual([
      expect.objectContaining({
        outcome: "retry",
        reason: "unsupported_content_type",
        deadLetter: "send_failed",
      }),
    ]);
  });

  it("uses the ladder from LADDER", async () => {
    const handler = await loadHandler({
      ...HANDLER_ENV,
      LADDER: JSON.stringify([
        { width: 640, height: 360, maxBitrateKbps: 500 },
        { width: 1280, height: 720, maxBitrateKbps: 1800, qvbrQualityLevel: 8 },
      ]),
    });
    storeSource();
    await handler(sqsEvent(sqsRecord(notificationBody(SOURCE))), CONTEXT);
    const outputs = createJobInputs()[0]?.Settings?.OutputGroups?.[0]?.Outputs ?? [];
    expect(
      outputs.flatMap((output) =>
        output.VideoDescription === undefined
          ? []
          : [
              [
                output.VideoDescription.Width,
                output.VideoDescription.Height,
                output.VideoDescription.CodecSettings?.H264Settings?.MaxBitrate,
              ],
            ],
      ),
    ).toEqual([
      [640, 360, 500_000],
      [1280, 720, 1_800_000],
    ]);
  });

  it("keeps AWS error messages and object contents out of the logs", async () => {
    const handler = await loadHandler();
    s3.on(HeadObjectCommand).rejects(s3Error("InternalError", 500));
    await handler(sqsEvent(sqsRecord(notificationBody(SOURCE))), CONTEXT);
    expect(logs.text()).not.toContain("simulated");
    expect(recordLines()).toEqual([
      expect.objectContaining({
        outcome: "retry",
        reason: "service_error",
        error: {
          errorName: "InternalError",
          httpStatusCode: 500,
          awsRequestId: "R3Q1D",
          fault: "server",
        },
      }),
    ]);
  });
});
