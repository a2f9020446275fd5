import { createHash } from "node:crypto";
import { GetItemCommand, PutItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import {
  CreateJobCommand,
  MediaConvertClient,
  ProbeCommand,
  type CreateJobCommandInput,
} from "@aws-sdk/client-mediaconvert";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  VIDEO_CATALOG_SCHEMA,
  pointHandlersAtEndpoint,
  useTestTable,
} from "../../../test/dynamodb/tables";
import { DynamoDbSubmissionLedger } from "./aws";
import { type Submission } from "./deps";
import { clientRequestToken } from "./message";
import {
  ETAG,
  RAW_BUCKET,
  SOURCE,
  SOURCE_KEY,
  SOURCE_SIZE,
  VERSION_ID,
  VIDEO_ID,
  notificationBody,
  probeResponse,
  sqsEvent,
  sqsRecord,
} from "./fixtures/events";
import {
  FakeSubmissionLedger,
  HANDLER_ENV,
  captureLogs,
  setHandlerEnvironment,
} from "./test-support";

// encode-submit's submission ledger against DynamoDB Local: the real condition expression on a
// table keyed as components/video/video-pipeline.ts keys the video catalog, where encode-status keeps
// its own attributes on the same item.

const { client, table } = useTestTable("video-catalog", VIDEO_CATALOG_SCHEMA);

/** A fresh video per test: the table is shared by the file's tests. */
let videos = 0;
function freshVideo(): string {
  videos += 1;
  return `${VIDEO_ID.slice(0, 24)}${String(videos).padStart(12, "0")}`;
}

const TOKEN_V1 = clientRequestToken(RAW_BUCKET, SOURCE_KEY, VERSION_ID);
const TOKEN_V2 = clientRequestToken(RAW_BUCKET, SOURCE_KEY, "Vb2uZ1pQ.mX8rT0aLkq3HcD9sEw7nYf4J");

function submission(videoId: string, fields: Partial<Submission> = {}): Submission {
  return {
    videoId,
    token: TOKEN_V1,
    jobId: "1740820468000-abc123",
    submittedAt: "2025-03-01T09:14:29.000Z",
    ...fields,
  };
}

/** The whole stored item (every attribute), or undefined. */
async function storedItem(videoId: string): Promise<Record<string, AttributeValue> | undefined> {
  const output = await client.send(
    new GetItemCommand({
      TableName: table,
      Key: { videoId: { S: videoId } },
      ConsistentRead: true,
    }),
  );
  return output.Item;
}

/** What encode-status keeps on a catalog item (a job running, outputs of an earlier one). */
const CATALOG_ATTRIBUTES: Record<string, AttributeValue> = {
  status: { S: "PROGRESSING" },
  lastEvent: { S: "STATUS_UPDATE" },
  jobId: { S: "1740820000000-older1" },
  updatedAt: { S: "2025-03-01T09:00:00.000Z" },
  percentComplete: { N: "40" },
  hlsManifestKey: { S: "courses/c/v/abc/cmaf/index.m3u8" },
};

describe("DynamoDbSubmissionLedger", () => {
  const ledger = (): DynamoDbSubmissionLedger => new DynamoDbSubmissionLedger(client, table);

  it("finds nothing for a video without an item", async () => {
    await expect(ledger().find(freshVideo())).resolves.toBeUndefined();
  });

  it("records the first submission of a video and finds it again", async () => {
    const video = freshVideo();
    await expect(ledger().record(submission(video))).resolves.toBe("recorded");
    await expect(ledger().find(video)).resolves.toEqual({
      token: TOKEN_V1,
      jobId: "1740820468000-abc123",
      submittedAt: "2025-03-01T09:14:29.000Z",
    });
    // Only the ledger's attributes: the status is encode-status's to write.
    expect(await storedItem(video)).toEqual({
      videoId: { S: video },
      submissionToken: { S: TOKEN_V1 },
      submittedJobId: { S: "1740820468000-abc123" },
      submittedAt: { S: "2025-03-01T09:14:29.000Z" },
    });
  });

  it("answers a redelivered submission as recorded already and keeps the first entry", async () => {
    const video = freshVideo();
    await ledger().record(submission(video));
    const before = await storedItem(video);
    await expect(
      ledger().record(submission(video, { submittedAt: "2025-03-01T10:30:00.000Z" })),
    ).resolves.toBe("already_recorded");
    // Another job for the same source version (created after MediaConvert's token window)
    // replaces nothing either: the version has its job.
    await expect(
      ledger().record(submission(video, { jobId: "1740824000000-second" })),
    ).resolves.toBe("already_recorded");
    expect(await storedItem(video)).toEqual(before);
  });

  it("replaces the entry with a newer version's submission", async () => {
    const video = freshVideo();
    await ledger().record(submission(video));
    await expect(
      ledger().record(
        submission(video, {
          token: TOKEN_V2,
          jobId: "1740830000000-newer1",
          submittedAt: "2025-03-01T12:00:00.000Z",
        }),
      ),
    ).resolves.toBe("recorded");
    await expect(ledger().find(video)).resolves.toEqual({
      token: TOKEN_V2,
      jobId: "1740830000000-newer1",
      submittedAt: "2025-03-01T12:00:00.000Z",
    });
  });

  it("records on an item encode-status created first, leaving its attributes as they are", async () => {
    const video = freshVideo();
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: { videoId: { S: video }, ...CATALOG_ATTRIBUTES },
      }),
    );
    await expect(ledger().record(submission(video))).resolves.toBe("recorded");
    expect(await storedItem(video)).toEqual({
      videoId: { S: video },
      ...CATALOG_ATTRIBUTES,
      submissionToken: { S: TOKEN_V1 },
      submittedJobId: { S: "1740820468000-abc123" },
      submittedAt: { S: "2025-03-01T09:14:29.000Z" },
    });
    // A read of the ledger returns the ledger's attributes only, however much the item holds.
    await expect(ledger().find(video)).resolves.toEqual({
      token: TOKEN_V1,
      jobId: "1740820468000-abc123",
      submittedAt: "2025-03-01T09:14:29.000Z",
    });
  });

  it("finds an item without a ledger entry as an empty submission", async () => {
    const video = freshVideo();
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: { videoId: { S: video }, ...CATALOG_ATTRIBUTES },
      }),
    );
    await expect(ledger().find(video)).resolves.toEqual({});
  });

  it("records over a token without a job id: that version has no job yet", async () => {
    const video = freshVideo();
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: { videoId: { S: video }, submissionToken: { S: TOKEN_V1 } },
      }),
    );
    await expect(ledger().record(submission(video))).resolves.toBe("recorded");
    await expect(ledger().find(video)).resolves.toMatchObject({ jobId: "1740820468000-abc123" });
  });

  it("keeps a newer upload's entry when an older upload of the same key records late", async () => {
    // Two uploads of one key: the older one's notification passed HeadObject while it was the
    // current version, then the newer one was submitted and recorded first. S3's sequencer
    // orders the two events of the key.
    const video = freshVideo();
    const newer = submission(video, {
      token: TOKEN_V2,
      jobId: "1740830000000-newer1",
      sequencer: "0067C2D3A3B2F1E0AC",
    });
    const older = submission(video, { sequencer: "0067C2D3A3B2F1E0AB" });
    await expect(ledger().record(newer)).resolves.toBe("recorded");
    await expect(ledger().record(older)).resolves.toBe("superseded");
    await expect(ledger().find(video)).resolves.toMatchObject({
      token: TOKEN_V2,
      jobId: "1740830000000-newer1",
    });
  });

  it("orders sequencers of different lengths as S3 says: the shorter padded with zeros", async () => {
    const video = freshVideo();
    await ledger().record(submission(video, { sequencer: "FF" }));
    await expect(
      ledger().record(
        submission(video, { token: TOKEN_V2, jobId: "1740830000000-newer1", sequencer: "100" }),
      ),
    ).resolves.toBe("recorded");
    await expect(ledger().find(video)).resolves.toMatchObject({ token: TOKEN_V2 });
  });

  it("lets exactly one of concurrent records of the same version win", async () => {
    const video = freshVideo();
    const jobIds = Array.from({ length: 8 }, (_, index) => `1740820468000-race0${index}`);
    const outcomes = await Promise.all(
      jobIds.map((jobId) => ledger().record(submission(video, { jobId }))),
    );
    expect(outcomes.filter((outcome) => outcome === "recorded")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === "already_recorded")).toHaveLength(7);
    const winner = jobIds[outcomes.indexOf("recorded")];
    await expect(ledger().find(video)).resolves.toMatchObject({ token: TOKEN_V1, jobId: winner });
  });
});

describe("the core tests' in-memory ledger", () => {
  it("answers every step of a video's submissions as the table does", async () => {
    const video = freshVideo();
    const steps: Submission[] = [
      submission(video),
      submission(video, { submittedAt: "2025-03-01T10:00:00.000Z" }),
      submission(video, { jobId: "1740824000000-second" }),
      submission(video, { token: TOKEN_V2, jobId: "1740830000000-newer1" }),
      submission(video),
      submission(video, { jobId: "1740840000000-third1" }),
      // With S3 sequencers: a later event replaces, an earlier one is superseded, a short one
      // orders as padded with zeros, and one without a sequencer replaces as before.
      submission(video, { token: TOKEN_V2, jobId: "1740850000000-seq001", sequencer: "FF" }),
      submission(video, { jobId: "1740850000000-seq002", sequencer: "0F" }),
      submission(video, { jobId: "1740850000000-seq003", sequencer: "100" }),
      submission(video, { token: TOKEN_V2, jobId: "1740850000000-seq004", sequencer: "0100" }),
      submission(video, { token: TOKEN_V2, jobId: "1740850000000-seq005" }),
      submission(video, { jobId: "1740850000000-seq006", sequencer: "01" }),
    ];
    const real = new DynamoDbSubmissionLedger(client, table);
    const fake = new FakeSubmissionLedger();
    for (const step of steps) {
      const answers = [await real.record(step), await fake.record(step)];
      expect(answers[1]).toBe(answers[0]);
      expect(await fake.find(video)).toEqual(await real.find(video));
    }
    await expect(fake.find(freshVideo())).resolves.toEqual(await real.find(freshVideo()));
  });
});

describe("encode-submit handler on the real ledger", () => {
  const s3 = mockClient(S3Client);
  const mediaConvert = mockClient(MediaConvertClient);
  const sqs = mockClient(SQSClient);
  const CONTEXT = { awsRequestId: "5e8f7b8a-2c1d-4e3f-9a0b-1c2d3e4f5a6b" };
  const TOKEN = createHash("sha256")
    .update(`${RAW_BUCKET}\u0000${SOURCE_KEY}\u0000${VERSION_ID}`)
    .digest("hex");

  type Handler = (typeof import("./handler"))["handler"];
  let restoreEndpoint: () => void = () => undefined;
  let restoreEnvironment: () => void = () => undefined;
  let logs: ReturnType<typeof captureLogs>;

  /** Loads the handler afresh (a cold start) on the test table of video `videoId`'s catalog. */
  async function loadHandler(): Promise<Handler> {
    restoreEnvironment = setHandlerEnvironment({ ...HANDLER_ENV, CATALOG_TABLE: table });
    vi.resetModules();
    return (await import("./handler")).handler;
  }

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

  /** The source of `videoId`, uploaded and stored as version `VERSION_ID`. */
  function storeSource(videoId: string): { key: string } {
    const key = SOURCE_KEY.replace(VIDEO_ID, videoId);
    s3.on(HeadObjectCommand, { Bucket: RAW_BUCKET, Key: key }).resolves({
      ContentType: "video/mp4",
      ContentLength: SOURCE_SIZE,
      VersionId: VERSION_ID,
      ETag: `"${ETAG}"`,
    });
    return { key };
  }

  const createJobInputs = (): CreateJobCommandInput[] =>
    mediaConvert.commandCalls(CreateJobCommand).map((call) => call.args[0].input);

  const recordLines = (): Record<string, unknown>[] =>
    logs.lines().filter((line) => line.event === "encode_submit.record");

  beforeEach(() => {
    s3.reset();
    mediaConvert.reset();
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({ MessageId: "dlq-message-1" });
    mediaConvert
      .on(ProbeCommand)
      .resolves(probeResponse({ format: "mp4", video: { width: 1920, height: 1080 } }));
    acceptJobs();
    restoreEndpoint = pointHandlersAtEndpoint();
    logs = captureLogs();
  });

  afterEach(() => {
    logs.spy.mockRestore();
    restoreEnvironment();
    restoreEndpoint();
  });

  afterAll(() => {
    s3.restore();
    mediaConvert.restore();
    sqs.restore();
  });

  it("records the job of an upload on the video's catalog item, and nothing else", async () => {
    const handler = await loadHandler();
    const video = freshVideo();
    const { key } = storeSource(video);
    const record = sqsRecord(notificationBody({ ...SOURCE, key }));
    expect(await handler(sqsEvent(record), CONTEXT)).toEqual({ batchItemFailures: [] });
    const token = clientRequestToken(RAW_BUCKET, key, VERSION_ID);
    expect(await storedItem(video)).toEqual({
      videoId: { S: video },
      submissionToken: { S: token },
      submittedJobId: { S: "1740820468000-000001" },
      submittedAt: { S: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/) as unknown },
      // The notification's sequencer, padded so that a string comparison orders it.
      sourceSequencer: { S: "000000000000000067C2D3A3B2F1E0AB" },
    });
    expect(recordLines()).toEqual([
      expect.objectContaining({
        outcome: "submitted",
        ledger: "recorded",
        clientRequestToken: token,
      }),
    ]);
  });

  it("does not submit a redelivery once the ledger records the job, however late it comes", async () => {
    const handler = await loadHandler();
    storeSource(VIDEO_ID);
    await handler(sqsEvent(sqsRecord(notificationBody(SOURCE))), CONTEXT);
    const recorded = await storedItem(VIDEO_ID);
    // Past MediaConvert's one-minute window (visibility timeout, DLQ redrive): it would create a
    // second job for the same token now.
    mediaConvert.reset();
    mediaConvert
      .on(ProbeCommand)
      .resolves(probeResponse({ format: "mp4", video: { width: 1920, height: 1080 } }));
    acceptJobs();
    const again = sqsRecord(notificationBody(SOURCE), { receiveCount: 2 });
    expect(await handler(sqsEvent(again), CONTEXT)).toEqual({ batchItemFailures: [] });
    expect(createJobInputs()).toEqual([]);
    expect(await storedItem(VIDEO_ID)).toEqual(recorded);
    expect(recordLines()[1]).toMatchObject({
      level: "info",
      messageId: again.messageId,
      receiveCount: 2,
      outcome: "duplicate",
      jobId: "1740820468000-000001",
      clientRequestToken: TOKEN,
      submittedAt: recorded?.submittedAt?.S,
    });
    expect(logs.lines().filter((line) => line.event === "encode_submit.batch")[1]).toMatchObject({
      submitted: 0,
      duplicate: 1,
      retried: 0,
    });
  });

  it("keeps one job for near-simultaneous deliveries: same token, one ledger entry", async () => {
    const handler = await loadHandler();
    const video = freshVideo();
    const { key } = storeSource(video);
    // S3 delivered the notification twice, into the same batch.
    const body = notificationBody({ ...SOURCE, key });
    const records = [sqsRecord(body), sqsRecord(body)];
    expect(await handler(sqsEvent(...records), CONTEXT)).toEqual({ batchItemFailures: [] });
    const token = clientRequestToken(RAW_BUCKET, key, VERSION_ID);
    for (const input of createJobInputs()) expect(input.ClientRequestToken).toBe(token);
    expect(new Set(recordLines().map((line) => line.jobId))).toEqual(
      new Set(["1740820468000-000001"]),
    );
    expect((await storedItem(video))?.submittedJobId).toEqual({ S: "1740820468000-000001" });
  });
});
