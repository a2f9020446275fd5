import { createHash } from "node:crypto";
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  InternalServerError,
  ProvisionedThroughputExceededException,
  UpdateItemCommand,
  type GetItemCommandInput,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  BadRequestException,
  CreateJobCommand,
  MediaConvertClient,
  ProbeCommand,
  TooManyRequestsException,
  type CreateJobCommandInput,
} from "@aws-sdk/client-mediaconvert";
import { HeadObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConfigurationError } from "./errors";
import {
  COURSE_ID,
  ETAG,
  RAW_BUCKET,
  SOURCE,
  SOURCE_KEY,
  SOURCE_SIZE,
  TEST_EVENT_BODY,
  VERSION_ID,
  VIDEO_ID,
  notificationBody,
  probeResponse,
  sqsEvent,
  sqsRecord,
  type ProbeFixture,
} from "./fixtures/events";
import {
  CATALOG_TABLE,
  DLQ_URL,
  HANDLER_ENV,
  OUTPUT_BUCKET,
  QUEUE_ARN,
  ROLE_ARN,
  captureLogs,
  setHandlerEnvironment,
} from "./test-support";

const s3 = mockClient(S3Client);
const mediaConvert = mockClient(MediaConvertClient);
const sqs = mockClient(SQSClient);
const ddb = mockClient(DynamoDBClient);

type Handler = (typeof import("./handler"))["handler"];

let restoreEnvironment: () => void = () => undefined;
let logs: ReturnType<typeof captureLogs>;

/** Loads the handler module afresh under `env`, as a cold start would. */
async function loadHandler(env: Readonly<Record<string, string>> = HANDLER_ENV): Promise<Handler> {
  restoreEnvironment = setHandlerEnvironment(env);
  vi.resetModules();
  return (await import("./handler")).handler;
}

const CONTEXT = { awsRequestId: "5e8f7b8a-2c1d-4e3f-9a0b-1c2d3e4f5a6b" };
const TOKEN = createHash("sha256")
  .update(`${RAW_BUCKET}\u0000${SOURCE_KEY}\u0000${VERSION_ID}`)
  .digest("hex");

/** MediaConvert: a job per client request token, the same job for a repeated token. */
function acceptJobs(): void {
  const jobs = new Map<string, string>();
  mediaConvert.on(CreateJobCommand).callsFake((input: CreateJobCommandInput) => {
    const token = input.ClientRequestToken ?? "";
    const id = jobs.get(token) ?? `1740820468000-${String(jobs.size + 1).padStart(6, "0")}`;
    jobs.set(token, id);
    return { Job: { Id: id, Role: input.Role, Settings: input.Settings } };
  });
}

/**
 * DynamoDB: no submission recorded yet, and every ledger write succeeds. What the ledger's
 * condition does with redeliveries and concurrent deliveries is tested on DynamoDB Local
 * (ledger.dynamodb.test.ts); here the calls and their faults are.
 */
function emptyLedger(): void {
  ddb.on(GetItemCommand).resolves({});
  ddb.on(UpdateItemCommand).resolves({});
}

const getItemInputs = (): GetItemCommandInput[] =>
  ddb.commandCalls(GetItemCommand).map((call) => call.args[0].input);

const updateItemInputs = (): UpdateItemCommandInput[] =>
  ddb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input);

/** S3: the source exists, as uploaded. */
function storeSource(
  key = SOURCE_KEY,
  overrides: { ContentType?: string; ContentLength?: number } = {},
): void {
  s3.on(HeadObjectCommand, { Bucket: RAW_BUCKET, Key: key }).resolves({
    ContentType: "video/mp4",
    ContentLength: SOURCE_SIZE,
    VersionId: VERSION_ID,
    ETag: `"${ETAG}"`,
    ...overrides,
  });
}

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status, requestId: "R3Q1D" },
    message: `${name} (simulated)`,
  });
}

const createJobInputs = (): CreateJobCommandInput[] =>
  mediaConvert.commandCalls(CreateJobCommand).map((call) => call.args[0].input);

/** MediaConvert Probe: the source as `fixture` describes it. */
function probeSource(fixture: ProbeFixture): void {
  mediaConvert.on(ProbeCommand).resolves(probeResponse(fixture));
}

const probeInputs = () => mediaConvert.commandCalls(ProbeCommand).map((call) => call.args[0].input);

/** Width and height of each rendition of the streaming group, in order. */
const renditionSizes = (input: CreateJobCommandInput | undefined): [number?, number?][] =>
  (input?.Settings?.OutputGroups?.[0]?.Outputs ?? []).flatMap((output) =>
    output.VideoDescription === undefined
      ? []
      : [[output.VideoDescription.Width, output.VideoDescription.Height] as [number?, number?]],
  );

const deadLetters = () => sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);

/** A DLQ message body, parsed. */
const letterOf = (input: { MessageBody?: string | undefined } | undefined): unknown =>
  JSON.parse(input?.MessageBody ?? "null");

const recordLines = (): Record<string, unknown>[] =>
  logs.lines().filter((line) => line.event === "encode_submit.record");

beforeEach(() => {
  s3.reset();
  mediaConvert.reset();
  sqs.reset();
  ddb.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: "dlq-message-1" });
  acceptJobs();
  // Uploads are 1080p unless a test says otherwise: the default ladder, unchanged.
  probeSource({ format: "mp4", video: { width: 1920, height: 1080 } });
  emptyLedger();
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
  vi.useRealTimers();
  restoreEnvironment();
});

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

describe("fitting the ladder to the source, as MediaConvert's Probe measures it", () => {
  it("drops the renditions above a 640x360 source", async () => {
    const handler = await loadHandler();
    storeSource();
    probeSource({ format: "mp4", video: { width: 640, height: 360 } });
    const record = sqsRecord(notificationBody(SOURCE));
    expect(await handler(sqsEvent(record), CONTEXT)).toEqual({ batchItemFailures: [] });

    // Before the fit, a 640x360 upload was asked for 540p, 720p and 1080p renditions too.
    expect(renditionSizes(createJobInputs()[0])).toEqual([
      [416, 234],
      [640, 360],
    ]);
    expect(probeInputs()).toEqual([
      { InputFiles: [{ FileUrl: `s3://${RAW_BUCKET}/${SOURCE_KEY}` }] },
    ]);
    // Probe first, then the job fitted to what it measured.
    expect(mediaConvert.calls().map((call) => call.args[0].constructor.name)).toEqual([
      "ProbeCommand",
      "CreateJobCommand",
    ]);
    expect(recordLines()).toEqual([
      expect.objectContaining({
        outcome: "submitted",
        probe: { container: "mp4", width: 640, height: 360, rotationDegrees: 0 },
      }),
    ]);
  });

  it("gives a .mp4 filmed upright (1920x1080, rotated 90 degrees) portrait renditions", async () => {
    const handler = await loadHandler();
    storeSource();
    probeSource({ format: "mp4", video: { width: 1920, height: 1080, rotation: 90 } });
    await handler(sqsEvent(sqsRecord(notificationBody(SOURCE))), CONTEXT);
    expect(renditionSizes(createJobInputs()[0])).toEqual([
      [234, 416],
      [360, 640],
      [540, 960],
      [720, 1280],
      [1080, 1920],
    ]);
  });

  it("ignores the rotation of a container MediaConvert does not rotate (Matroska)", async () => {
    const handler = await loadHandler();
    const key = `uploads/${COURSE_ID}/${VIDEO_ID}/source.mkv`;
    storeSource(key, { ContentType: "video/x-matroska" });
    probeSource({ format: "matroska", video: { width: 1920, height: 1080, rotation: 90 } });
    await handler(sqsEvent(sqsRecord(notificationBody({ ...SOURCE, key }))), CONTEXT);
    expect(renditionSizes(createJobInputs()[0])).toEqual([
      [416, 234],
      [640, 360],
      [960, 540],
      [1280, 720],
      [1920, 1080],
    ]);
    expect(recordLines()).toEqual([
      expect.objectContaining({
        probe: { container: "matroska", width: 1920, height: 1080, rotationDegrees: 0 },
      }),
    ]);
  });

  it.each<[string, ProbeFixture, string]>([
    ["no video track", { format: "mp4" }, "Probe found no video track"],
    [
      "a video track without a size",
      { format: "quicktime", video: { rotation: 90 } },
      "Probe reported no video width and height",
    ],
    [
      "a size MediaConvert cannot encode",
      { format: "mp4", video: { width: 16, height: 9 } },
      "source.width must be an integer between 32 and 8192, got 16; source.height must be an integer between 32 and 8192, got 9",
    ],
  ])("keeps the full ladder for a probe with %s, and logs why", async (_, fixture, problem) => {
    const handler = await loadHandler();
    storeSource();
    probeSource(fixture);
    const record = sqsRecord(notificationBody(SOURCE));
    expect(await handler(sqsEvent(record), CONTEXT)).toEqual({ batchItemFailures: [] });
    expect(renditionSizes(createJobInputs()[0])).toEqual([
      [416, 234],
      [640, 360],
      [960, 540],
      [1280, 720],
      [1920, 1080],
    ]);
    expect(recordLines()).toEqual([
      expect.objectContaining({ outcome: "submitted", probe: { unmeasured: problem } }),
    ]);
  });

  it("reports the record when Probe stays throttled, and submits nothing", async () => {
    vi.useFakeTimers();
    const handler = await loadHandler();
    storeSource();
    mediaConvert
      .on(ProbeCommand)
      .rejects(
        new TooManyRequestsException({ message: "slow down", $metadata: { httpStatusCode: 429 } }),
      );
    const record = sqsRecord(notificationBody(SOURCE));
    const pending = handler(sqsEvent(record), CONTEXT);
    await vi.runAllTimersAsync();
    expect(await pending).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    // The first call and four in-process retries, then SQS delivers the message again.
    expect(probeInputs()).toHaveLength(5);
    expect(createJobInputs()).toEqual([]);
    expect(deadLetters()).toEqual([]);
    expect(recordLines()).toEqual([
      expect.objectContaining({ level: "error", outcome: "retry", reason: "throttled" }),
    ]);
  });

  it("dead-letters a source Probe rejects (BadRequestException) with the reason", async () => {
    const handler = await loadHandler();
    storeSource();
    mediaConvert
      .on(ProbeCommand)
      .rejects(
        new BadRequestException({ message: "unreadable", $metadata: { httpStatusCode: 400 } }),
      );
    const record = sqsRecord(notificationBody(SOURCE));
    expect(await handler(sqsEvent(record), CONTEXT)).toEqual({ batchItemFailures: [] });
    expect(createJobInputs()).toEqual([]);
    expect(letterOf(deadLetters()[0])).toEqual({
      deadLetteredBy: "encode-submit",
      reason: "probe_rejected",
      detail: "MediaConvert Probe rejected the source (BadRequestException)",
      sourceMessageId: record.messageId,
      body: record.body,
    });
  });
});
