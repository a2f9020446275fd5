import { PutObjectCommand, S3Client, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import {
  GetSecretValueCommand,
  InternalServiceError,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadConfiguration } from "./config";
import type { RtlogIngestHandler } from "./handler";
import {
  CLICKHOUSE_DATABASE,
  CLICKHOUSE_URL,
  CLICKHOUSE_USER,
  DEAD_LETTER_BUCKET,
  DEAD_LETTER_KMS_KEY_ARN,
  FUNCTION_NAME,
  FakeClickHouse,
  HANDLER_ENV,
  type StoredRow,
  PASSWORD,
  PASSWORD_SECRET_ARN,
  awsError,
  captureLogs,
  rejection,
  setHandlerEnvironment,
} from "./test-support";
import {
  CONTEXT,
  COURSE_ID,
  REGION,
  SHARD,
  STREAM_ARN,
  VIDEO_ID,
  kinesisEvent,
  kinesisRecord,
  lineRecord,
  requestId,
  sequenceNumber,
} from "./fixtures/events";

const s3 = mockClient(S3Client);
const secretsManager = mockClient(SecretsManagerClient);

const NOW = new Date("2020-10-14T03:40:01.000Z");

let restoreEnvironment: () => void = () => undefined;
let logs: ReturnType<typeof captureLogs>;

/** Loads the handler module afresh under `env`, as a cold start would. */
async function loadModule(
  env: Readonly<Record<string, string>> = HANDLER_ENV,
): Promise<typeof import("./handler")> {
  restoreEnvironment = setHandlerEnvironment(env);
  vi.resetModules();
  return import("./handler");
}

/** The ClickHouse server of a test: one table, and every client opened on it. */
interface Server {
  readonly rows: StoredRow[];
  readonly clients: FakeClickHouse[];
  /** Errors the next client opened throws, in order, on inserts. */
  readonly insertFailures: Error[];
}

/** A handler over the SDK mocks and fake ClickHouse clients sharing one table. */
async function build(): Promise<{ handler: RtlogIngestHandler; server: Server }> {
  const { createHandler } = await loadModule();
  const server: Server = { rows: [], clients: [], insertFailures: [] };
  const handler = createHandler({
    config: loadConfiguration(HANDLER_ENV),
    s3: new S3Client({ region: REGION }),
    secretsManager: new SecretsManagerClient({ region: REGION }),
    connectClickHouse: (options) => {
      const client = new FakeClickHouse(options, server.rows);
      client.insertFailures.push(...server.insertFailures.splice(0));
      server.clients.push(client);
      return client;
    },
    now: () => NOW,
  });
  return { handler, server };
}

/** Two good requests, a repeat of the first, and a record that is not a log line. */
function batch() {
  return kinesisEvent([
    lineRecord(1, { "x-edge-request-id": requestId(1) }),
    lineRecord(2, { "x-edge-request-id": requestId(2), "cs-uri-stem": "/index.m3u8?token=abc" }),
    lineRecord(3, { "x-edge-request-id": requestId(1) }),
    kinesisRecord(Buffer.from("GET /secret-path HTTP/1.1").toString("base64"), 4),
  ]);
}

const putInputs = (): PutObjectCommandInput[] =>
  s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);

/** A PutObject body, which this function always sends as text. */
function bodyText(input: PutObjectCommandInput | undefined): string {
  return typeof input?.Body === "string" ? input.Body : "";
}

const secretReads = (): number => secretsManager.commandCalls(GetSecretValueCommand).length;

function logLine(event: string): Record<string, unknown> | undefined {
  return logs.lines().find((line) => line.event === event);
}

function metricsLine(): Record<string, unknown> | undefined {
  return logs.lines().find((line) => "_aws" in line);
}

beforeEach(() => {
  s3.reset();
  secretsManager.reset();
  s3.on(PutObjectCommand).resolves({ ETag: '"etag"' });
  secretsManager.on(GetSecretValueCommand).resolves({ SecretString: PASSWORD });
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
  restoreEnvironment();
});

describe("handler", () => {
  it("inserts a batch's rows once, reading the password and opening the client once", async () => {
    const { handler, server } = await build();
    expect(await handler(batch(), CONTEXT)).toEqual({ batchItemFailures: [] });
    expect(
      await handler(kinesisEvent([lineRecord(5, { "x-edge-request-id": requestId(5) })]), CONTEXT),
    ).toEqual({ batchItemFailures: [] });

    expect(secretReads()).toBe(1);
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: PASSWORD_SECRET_ARN,
    });
    expect(server.clients.map((client) => client.options)).toEqual([
      {
        url: CLICKHOUSE_URL,
        database: CLICKHOUSE_DATABASE,
        username: CLICKHOUSE_USER,
        password: PASSWORD,
      },
    ]);
    expect(server.rows.map((row) => [row.request_id, row.course_id, row.video_id])).toEqual([
      [requestId(1), COURSE_ID, VIDEO_ID],
      [requestId(2), "", ""],
      [requestId(5), COURSE_ID, VIDEO_ID],
    ]);
    // Each batch: a count of its stored ids, then one insert; ingested_at from the clock.
    expect(server.clients[0]?.queries.map((query) => query.slice(0, 50))).toEqual([
      "SELECT count() FROM (SELECT request_id FROM `analy",
      "INSERT INTO `analytics`.`playback_requests` (`requ",
      "SELECT count() FROM (SELECT request_id FROM `analy",
      "INSERT INTO `analytics`.`playback_requests` (`requ",
    ]);
    expect(new Set(server.rows.map((row) => row.ingested_at))).toEqual(
      new Set(["2020-10-14 03:40:01"]),
    );
  });

  it("does not count a batch delivered again twice", async () => {
    const { handler, server } = await build();
    await handler(batch(), CONTEXT);
    expect(await handler(batch(), CONTEXT)).toEqual({ batchItemFailures: [] });
    expect(server.rows).toHaveLength(2);
    expect(logs.lines().filter((line) => line.event === "rtlog_ingest.batch")[1]).toMatchObject({
      received: 4,
      inserted: 0,
      duplicates: 3,
      malformed: 1,
    });
  });

  it("keeps malformed records in the dead-letter bucket, encrypted with its KMS key", async () => {
    const { handler } = await build();
    await handler(batch(), CONTEXT);
    const key = `dead-letter/rtlog/2020/10/14/${SHARD}-${sequenceNumber(4)}-${sequenceNumber(4)}.jsonl`;
    expect(putInputs()).toEqual([
      {
        Bucket: DEAD_LETTER_BUCKET,
        Key: key,
        Body: expect.any(String) as unknown,
        ContentType: "application/x-ndjson",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: DEAD_LETTER_KMS_KEY_ARN,
      },
    ]);
    expect(JSON.parse(bodyText(putInputs()[0]))).toMatchObject({
      sequenceNumber: sequenceNumber(4),
      shardId: `${STREAM_ARN}/${SHARD}`,
      reason: `fields: expected 36 tab-separated values, got 1`,
      data: Buffer.from("GET /secret-path HTTP/1.1").toString("base64"),
    });
  });

  it("logs one batch line and one metrics line, without record contents", async () => {
    const { handler } = await build();
    await handler(batch(), CONTEXT);
    expect(logs.lines()).toHaveLength(2);
    expect(logLine("rtlog_ingest.batch")).toMatchObject({
      level: "warn",
      requestId: CONTEXT.awsRequestId,
      shardId: `${STREAM_ARN}/${SHARD}`,
      firstSequenceNumber: sequenceNumber(1),
      lastSequenceNumber: sequenceNumber(4),
      received: 4,
      inserted: 2,
      duplicates: 1,
      malformed: 1,
      malformedReasons: { "fields: expected 36 tab-separated values, got 1": 1 },
      deadLetterKey: expect.stringMatching(/^dead-letter\/rtlog\/2020\/10\/14\//) as unknown,
      retried: false,
    });
    expect(metricsLine()).toEqual({
      _aws: {
        Timestamp: NOW.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: "KnowledgeCity/Analytics",
            Dimensions: [["FunctionName"]],
            Metrics: [
              { Name: "Received", Unit: "Count" },
              { Name: "Inserted", Unit: "Count" },
              { Name: "Duplicates", Unit: "Count" },
              { Name: "Malformed", Unit: "Count" },
              { Name: "BatchFailures", Unit: "Count" },
            ],
          },
        ],
      },
      FunctionName: FUNCTION_NAME,
      Received: 4,
      Inserted: 2,
      Duplicates: 1,
      Malformed: 1,
      BatchFailures: 0,
    });
    const text = logs.text();
    for (const secret of [
      requestId(1),
      requestId(2),
      COURSE_ID,
      VIDEO_ID,
      "token=abc",
      "secret-path",
      Buffer.from("GET /secret-path HTTP/1.1").toString("base64"),
      PASSWORD,
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it("logs a clean batch at info level", async () => {
    const { handler } = await build();
    await handler(kinesisEvent([lineRecord(1)]), CONTEXT);
    expect(logLine("rtlog_ingest.batch")).toMatchObject({
      level: "info",
      malformed: 0,
      deadLetterKey: null,
    });
  });

  it("retries the whole batch without touching ClickHouse when the dead letters cannot be written", async () => {
    const { handler, server } = await build();
    s3.on(PutObjectCommand).rejects(awsError("AccessDenied", 403));
    expect(await handler(batch(), CONTEXT)).toEqual({
      batchItemFailures: [{ itemIdentifier: sequenceNumber(1) }],
    });
    expect(secretReads()).toBe(0);
    expect(server.clients).toEqual([]);
    expect(logLine("rtlog_ingest.retry")).toMatchObject({
      level: "error",
      stage: "dead_letter",
      errorName: "AccessDenied",
      httpStatusCode: 403,
      firstSequenceNumber: sequenceNumber(1),
    });
    expect(logLine("rtlog_ingest.batch")).toMatchObject({ inserted: 0, retried: true });
    expect(metricsLine()).toMatchObject({ Inserted: 0, Malformed: 1, BatchFailures: 1 });
    expect(logs.text()).not.toContain("must not be logged");
  });

  it("retries the batch when the write fails, then reconnects with the password read again", async () => {
    const { handler, server } = await build();
    server.insertFailures.push(new Error("Timeout error."));
    expect(await handler(batch(), CONTEXT)).toEqual({
      batchItemFailures: [{ itemIdentifier: sequenceNumber(1) }],
    });
    expect(server.clients[0]?.closed).toBe(true);
    expect(logLine("rtlog_ingest.retry")).toMatchObject({ stage: "write", errorName: "Error" });
    expect(server.rows).toEqual([]);
    expect(logs.text()).not.toContain("Timeout error.");

    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: "rotated-password" });
    expect(await handler(batch(), CONTEXT)).toEqual({ batchItemFailures: [] });
    expect(secretReads()).toBe(2);
    expect(server.clients.map((client) => client.options?.password)).toEqual([
      PASSWORD,
      "rotated-password",
    ]);
    expect(server.rows).toHaveLength(2);
    // The retry rewrote the same dead-letter object.
    expect(new Set(putInputs().map((input) => input.Key)).size).toBe(1);
  });

  it("retries the batch when the password cannot be read, and reads it on the next batch", async () => {
    const { handler, server } = await build();
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(new InternalServiceError({ message: "internal", $metadata: {} }))
      .resolves({ SecretString: PASSWORD });
    expect(await handler(batch(), CONTEXT)).toEqual({
      batchItemFailures: [{ itemIdentifier: sequenceNumber(1) }],
    });
    expect(logLine("rtlog_ingest.retry")).toMatchObject({
      stage: "write",
      errorName: "InternalServiceError",
    });
    expect(server.clients).toEqual([]);
    expect(await handler(batch(), CONTEXT)).toEqual({ batchItemFailures: [] });
    expect(server.rows).toHaveLength(2);
  });

  it("retries the batch when the secret holds no string", async () => {
    const { handler } = await build();
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: "" });
    expect(await handler(batch(), CONTEXT)).toEqual({
      batchItemFailures: [{ itemIdentifier: sequenceNumber(1) }],
    });
    expect(logLine("rtlog_ingest.retry")).toMatchObject({ errorName: "SecretValueError" });
  });

  it("makes no call for an empty batch, and still reports its metrics", async () => {
    const { handler, server } = await build();
    expect(await handler(kinesisEvent([]))).toEqual({ batchItemFailures: [] });
    expect(putInputs()).toEqual([]);
    expect(secretReads()).toBe(0);
    expect(server.clients).toEqual([]);
    expect(metricsLine()).toMatchObject({ Received: 0, Inserted: 0, BatchFailures: 0 });
  });
});

describe("cold start", () => {
  it("builds the exported handler from the environment", async () => {
    const { handler } = await loadModule();
    expect(await handler(kinesisEvent([]), CONTEXT)).toEqual({ batchItemFailures: [] });
    expect(metricsLine()).toMatchObject({ FunctionName: FUNCTION_NAME });
  });

  it("fails with every problem of the environment", async () => {
    const error = await rejection(
      loadModule({ ...HANDLER_ENV, CLICKHOUSE_URL: "", DEAD_LETTER_PREFIX: "dead-letter" }),
    );
    expect(error).toMatchObject({
      name: "ConfigurationError",
      problems: [
        "CLICKHOUSE_URL is missing",
        'DEAD_LETTER_PREFIX must be a key prefix of safe characters ending in /, such as dead-letter/rtlog/, got "dead-letter"',
      ],
    });
  });
});
