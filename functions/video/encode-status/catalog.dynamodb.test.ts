import { randomUUID } from "node:crypto";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient, ThrottledException } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  VIDEO_CATALOG_SCHEMA,
  pointHandlersAtEndpoint,
  useTestTable,
} from "../../../test/dynamodb/tables";
import { DynamoDbSubmissionLedger } from "../encode-submit/aws";
import { clientRequestToken } from "../encode-submit/message";
import { DynamoDbVideoCatalog } from "./catalog";
import { parseJobStateChange, type CatalogUpdate } from "./job-event";
import { HANDLER_ENV, TOPIC_ARN, captureLogs, setHandlerEnvironment } from "./test-support";
import {
  CONTEXT,
  COURSE_ID,
  DASH_KEY,
  EARLIER_JOB_ID,
  EARLIER_SOURCE_VERSION,
  HLS_KEY,
  JOB_ID,
  QUEUE_ARN,
  RAW_BUCKET,
  SOURCE_KEY,
  SOURCE_VERSION,
  THUMBNAILS_PREFIX,
  at,
  baseDetail,
  canceledDetail,
  completeDetail,
  errorDetail,
  jobEvent,
  ofJob,
  progressingDetail,
  statusUpdateDetail,
} from "./fixtures/events";

// encode-status's catalog updates against DynamoDB Local: the real update and condition
// expressions on a table keyed as components/video/video-pipeline.ts keys the video catalog, with the
// submissions encode-submit's own ledger class records on the same items.

const { client, table } = useTestTable("video-catalog", VIDEO_CATALOG_SCHEMA);

/** The item of `videoId` once the pipeline's job (`completeDetail`) completed at `updatedAt`. */
function completedItem(videoId: string, updatedAt: string): Record<string, string | number> {
  return {
    videoId,
    status: "COMPLETE",
    lastEvent: "COMPLETE",
    jobId: JOB_ID,
    updatedAt,
    courseId: COURSE_ID,
    sourceKey: SOURCE_KEY,
    sourceVersion: SOURCE_VERSION,
    queue: QUEUE_ARN,
    percentComplete: 100,
    hlsManifestKey: HLS_KEY,
    dashManifestKey: DASH_KEY,
    thumbnailsPrefix: THUMBNAILS_PREFIX,
    durationMs: 1_834_443,
  };
}

/** The catalog item of `videoId` with plain values (strings for S, numbers for N). */
async function plainItem(videoId: string): Promise<Record<string, string | number> | undefined> {
  const output = await client.send(
    new GetItemCommand({
      TableName: table,
      Key: { videoId: { S: videoId } },
      ConsistentRead: true,
    }),
  );
  if (output.Item === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(output.Item).map(([name, value]) => [
      name,
      value.N !== undefined ? Number(value.N) : (value.S ?? "?"),
    ]),
  );
}

/**
 * Records that `jobId` was submitted for `sourceVersion` of `videoId`, as encode-submit does after
 * CreateJob: through its own ledger class, so the attribute names the catalog's condition reads
 * are the ones encode-submit writes.
 */
async function recordSubmission(
  videoId: string,
  jobId: string,
  sourceVersion: string,
  submittedAt: number,
): Promise<void> {
  const outcome = await new DynamoDbSubmissionLedger(client, table).record({
    videoId,
    token: clientRequestToken(RAW_BUCKET, SOURCE_KEY, sourceVersion),
    jobId,
    submittedAt: new Date(submittedAt).toISOString(),
  });
  if (outcome !== "recorded") throw new Error(`expected the submission of ${jobId} recorded`);
}

function updateOf(detail: Record<string, unknown>): CatalogUpdate {
  const parsed = parseJobStateChange(jobEvent(detail));
  if (parsed.kind !== "update") throw new Error("expected an update");
  return parsed.update;
}

describe("DynamoDbVideoCatalog", () => {
  const catalog = (): DynamoDbVideoCatalog => new DynamoDbVideoCatalog(client, table);

  const started = updateOf(progressingDetail(at(10)));
  const at20 = updateOf(statusUpdateDetail(at(70), 20));
  const at65 = updateOf(statusUpdateDetail(at(130), 65));
  const at98 = updateOf(statusUpdateDetail(at(190), 98));
  const complete = updateOf(completeDetail(at(200)));
  const lifecycle = [started, at20, at65, at98, complete];

  /** Applies `updates` in order to a new video's item; its outcomes and the item after. */
  async function applyAll(updates: readonly CatalogUpdate[], videoId = randomUUID()) {
    const outcomes = [];
    for (const update of updates) {
      outcomes.push((await catalog().record({ ...update, videoId })).outcome);
    }
    return { item: await plainItem(videoId), outcomes, videoId };
  }

  it("ends in the same state whatever order the events arrive in, duplicates included", async () => {
    const { item, videoId } = await applyAll(lifecycle);
    const expected = completedItem(videoId, "2025-01-01T00:03:20.000Z");
    expect(item).toEqual(expected);
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(lifecycle, { minLength: lifecycle.length }),
        fc.array(fc.constantFrom(...lifecycle), { maxLength: 4 }),
        async (order, duplicates) => {
          const run = await applyAll([...order, ...duplicates]);
          expect(run.item).toEqual({ ...expected, videoId: run.videoId });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("keeps the newest progress while the job runs", async () => {
    const { item, outcomes } = await applyAll([at65, at20, started]);
    expect(outcomes).toEqual(["recorded", "stale", "stale"]);
    expect(item).toMatchObject({
      status: "PROGRESSING",
      lastEvent: "STATUS_UPDATE",
      percentComplete: 65,
    });
  });

  it("refuses another event with the same time, and applies the same event again", async () => {
    const update = updateOf(statusUpdateDetail(at(70), 20));
    const sameTime = updateOf(progressingDetail(at(70)));
    const { item, outcomes } = await applyAll([update, sameTime, update]);
    expect(outcomes).toEqual(["recorded", "stale", "recorded"]);
    expect(item).toMatchObject({ lastEvent: "STATUS_UPDATE", percentComplete: 20 });
  });

  it("never lets progress replace a terminal status, even with a later time", async () => {
    for (const terminal of [canceledDetail(at(50)), errorDetail(at(50)), completeDetail(at(50))]) {
      const { item, outcomes } = await applyAll([
        updateOf(terminal),
        updateOf(statusUpdateDetail(at(60), 70)),
        updateOf(progressingDetail(at(61))),
      ]);
      expect(outcomes).toEqual(["recorded", "stale", "stale"]);
      expect(item).toMatchObject({
        status: terminal.status,
        updatedAt: "2025-01-01T00:00:50.000Z",
      });
    }
  });

  it("lets a newer terminal status replace an older one, outputs written and the error cleared", async () => {
    const { item, videoId } = await applyAll([
      updateOf(errorDetail(at(50), "first attempt failed")),
      updateOf(completeDetail(at(900))),
    ]);
    expect(item).toEqual(completedItem(videoId, "2025-01-01T00:15:00.000Z"));
  });

  it("writes an ERROR's code and message, and removes a message the newer ERROR lacks", async () => {
    const first = await applyAll([updateOf(errorDetail(at(5), "Demuxer failure"))]);
    expect(first.item).toMatchObject({
      status: "ERROR",
      errorCode: 1030,
      errorMessage: "Demuxer failure",
    });
    const { item } = await applyAll(
      [updateOf({ ...baseDetail("ERROR", at(6)), errorCode: 1040 })],
      first.videoId,
    );
    expect(item).toMatchObject({ status: "ERROR", errorCode: 1040 });
    expect(item).not.toHaveProperty("errorMessage");
  });

  it("applies the same event again, so that a retry can publish", async () => {
    const { outcomes } = await applyAll([complete, complete]);
    expect(outcomes).toEqual(["recorded", "recorded"]);
  });

  it("reports the current record of a stale event", async () => {
    const videoId = randomUUID();
    await catalog().record({ ...updateOf(completeDetail(at(200))), videoId });
    await expect(
      catalog().record({ ...updateOf(progressingDetail(at(10))), videoId }),
    ).resolves.toEqual({
      outcome: "stale",
      current: {
        status: "COMPLETE",
        lastEvent: "COMPLETE",
        jobId: JOB_ID,
        updatedAt: "2025-01-01T00:03:20.000Z",
      },
    });
  });

  describe("with the submissions encode-submit records", () => {
    const earlier = (detail: Record<string, unknown>) =>
      updateOf(ofJob(EARLIER_JOB_ID, EARLIER_SOURCE_VERSION, detail));

    it("refuses every event of a superseded job, whatever its time, and names the current job", async () => {
      const videoId = randomUUID();
      await recordSubmission(videoId, EARLIER_JOB_ID, EARLIER_SOURCE_VERSION, at(0));
      await expect(
        catalog().record({ ...earlier(statusUpdateDetail(at(60), 40)), videoId }),
      ).resolves.toEqual({ outcome: "recorded" });
      await recordSubmission(videoId, JOB_ID, SOURCE_VERSION, at(100));
      const before = await plainItem(videoId);
      for (const detail of [
        completeDetail(at(600)),
        errorDetail(at(600)),
        canceledDetail(at(600)),
        statusUpdateDetail(at(600), 90),
      ]) {
        await expect(catalog().record({ ...earlier(detail), videoId })).resolves.toEqual({
          outcome: "superseded",
          currentJobId: JOB_ID,
        });
      }
      expect(await plainItem(videoId)).toEqual(before);
      expect(before).toMatchObject({ jobId: EARLIER_JOB_ID, submittedJobId: JOB_ID });
    });

    it("lets the current job replace the superseded job's progress and finish", async () => {
      const videoId = randomUUID();
      await recordSubmission(videoId, EARLIER_JOB_ID, EARLIER_SOURCE_VERSION, at(0));
      await catalog().record({ ...earlier(statusUpdateDetail(at(60), 40)), videoId });
      await recordSubmission(videoId, JOB_ID, SOURCE_VERSION, at(100));
      const { outcomes, item } = await applyAll(
        [
          updateOf(progressingDetail(at(110))),
          earlier(completeDetail(at(300))),
          updateOf(completeDetail(at(400))),
        ],
        videoId,
      );
      expect(outcomes).toEqual(["recorded", "superseded", "recorded"]);
      expect(item).toMatchObject({
        status: "COMPLETE",
        jobId: JOB_ID,
        sourceVersion: SOURCE_VERSION,
        hlsManifestKey: HLS_KEY,
        submittedJobId: JOB_ID,
      });
    });

    it("refuses the superseded job's events even when they arrive before the current job's first", async () => {
      const videoId = randomUUID();
      await recordSubmission(videoId, EARLIER_JOB_ID, EARLIER_SOURCE_VERSION, at(0));
      await recordSubmission(videoId, JOB_ID, SOURCE_VERSION, at(100));
      const { outcomes, item } = await applyAll(
        [earlier(completeDetail(at(50))), updateOf(progressingDetail(at(20)))],
        videoId,
      );
      expect(outcomes).toEqual(["superseded", "recorded"]);
      expect(item).toMatchObject({ status: "PROGRESSING", jobId: JOB_ID });
      expect(item).not.toHaveProperty("hlsManifestKey");
    });

    it("never changes the submission encode-submit recorded", async () => {
      const videoId = randomUUID();
      await recordSubmission(videoId, JOB_ID, SOURCE_VERSION, at(0));
      const submitted = await plainItem(videoId);
      await applyAll(lifecycle, videoId);
      expect(await plainItem(videoId)).toMatchObject({
        submissionToken: submitted?.submissionToken,
        submittedJobId: JOB_ID,
        submittedAt: submitted?.submittedAt,
      });
    });

    it("keeps the ordering rules within the current job", async () => {
      const videoId = randomUUID();
      await recordSubmission(videoId, JOB_ID, SOURCE_VERSION, at(0));
      await catalog().record({ ...updateOf(completeDetail(at(200))), videoId });
      await expect(
        catalog().record({ ...updateOf(statusUpdateDetail(at(300), 99)), videoId }),
      ).resolves.toEqual({
        outcome: "stale",
        current: expect.objectContaining({ jobId: JOB_ID, status: "COMPLETE" }) as unknown,
      });
    });

    it("records any pipeline job while no submission is recorded, as before the ledger", async () => {
      const { outcomes, item } = await applyAll([
        earlier(completeDetail(at(50))),
        updateOf(errorDetail(at(90))),
      ]);
      expect(outcomes).toEqual(["recorded", "recorded"]);
      expect(item).toMatchObject({ jobId: JOB_ID, status: "ERROR" });
      expect(item).not.toHaveProperty("submittedJobId");
    });
  });
});

describe("encode-status handler on the real catalog", () => {
  const sns = mockClient(SNSClient);

  type Handler = (typeof import("./handler"))["handler"];
  let restoreEndpoint: () => void = () => undefined;
  let restoreEnvironment: () => void = () => undefined;
  let logs: ReturnType<typeof captureLogs>;
  /** The video of the test: each test has its own item in the shared table. */
  let videoId: string;

  /** Loads the handler module afresh on the test table, as a cold start would. */
  async function loadHandler(): Promise<Handler> {
    restoreEnvironment = setHandlerEnvironment({ ...HANDLER_ENV, CATALOG_TABLE: table });
    vi.resetModules();
    return (await import("./handler")).handler;
  }

  /** A job state change of this test's video. */
  function eventOf(detail: Record<string, unknown>) {
    const metadata = detail.userMetadata as Record<string, unknown>;
    return jobEvent({ ...detail, userMetadata: { ...metadata, videoId } });
  }

  function published(): { message: unknown; attributes: unknown; topic: unknown }[] {
    return sns.commandCalls(PublishCommand).map(({ args }) => ({
      topic: args[0].input.TopicArn,
      message: JSON.parse(args[0].input.Message ?? "null") as unknown,
      attributes: args[0].input.MessageAttributes,
    }));
  }

  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: "msg-1" });
    videoId = randomUUID();
    restoreEndpoint = pointHandlersAtEndpoint();
    logs = captureLogs();
  });

  afterEach(() => {
    logs.spy.mockRestore();
    restoreEnvironment();
    restoreEndpoint();
  });

  afterAll(() => {
    sns.restore();
  });

  it("records a COMPLETE job's manifests and announces it", async () => {
    const handler = await loadHandler();
    const result = await handler(eventOf(completeDetail(at(600))), CONTEXT);
    expect(result.outcome).toBe("recorded");
    expect(await plainItem(videoId)).toMatchObject({
      status: "COMPLETE",
      updatedAt: "2025-01-01T00:10:00.000Z",
      hlsManifestKey: HLS_KEY,
      dashManifestKey: DASH_KEY,
      thumbnailsPrefix: THUMBNAILS_PREFIX,
      durationMs: 1_834_443,
    });
    expect(published()).toEqual([
      {
        topic: TOPIC_ARN,
        message: {
          videoId,
          courseId: COURSE_ID,
          status: "COMPLETE",
          jobId: JOB_ID,
          manifests: { hls: HLS_KEY, dash: DASH_KEY },
        },
        attributes: {
          status: { DataType: "String", StringValue: "COMPLETE" },
          courseId: { DataType: "String", StringValue: COURSE_ID },
        },
      },
    ]);
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: "info",
        event: "encode_status.recorded",
        requestId: "req-1",
        videoId,
        status: "COMPLETE",
        published: true,
      }),
    ]);
  });

  it("records an ERROR and announces it with the error", async () => {
    const handler = await loadHandler();
    await handler(eventOf(errorDetail(at(90), "Demuxer failure")), CONTEXT);
    expect(await plainItem(videoId)).toMatchObject({
      status: "ERROR",
      lastEvent: "ERROR",
      errorCode: 1030,
      errorMessage: "Demuxer failure",
    });
    expect(published()).toMatchObject([
      {
        message: { status: "ERROR", error: { code: 1030, message: "Demuxer failure" } },
        attributes: { status: { StringValue: "ERROR" } },
      },
    ]);
  });

  it("records progress without announcing it", async () => {
    const handler = await loadHandler();
    await handler(eventOf(progressingDetail(at(5))), CONTEXT);
    expect(await plainItem(videoId)).toMatchObject({ status: "PROGRESSING", percentComplete: 0 });
    await handler(eventOf(statusUpdateDetail(at(65), 37)), CONTEXT);
    expect(await plainItem(videoId)).toMatchObject({
      status: "PROGRESSING",
      lastEvent: "STATUS_UPDATE",
      percentComplete: 37,
      updatedAt: "2025-01-01T00:01:05.000Z",
    });
    expect(sns.calls()).toHaveLength(0);
  });

  it("treats an event older than the record as stale, not as a failure", async () => {
    const handler = await loadHandler();
    await handler(eventOf(statusUpdateDetail(at(120), 55)), CONTEXT);
    const result = await handler(eventOf(progressingDetail(at(10))), CONTEXT);
    expect(result).toMatchObject({
      outcome: "stale",
      current: { status: "PROGRESSING", updatedAt: "2025-01-01T00:02:00.000Z" },
    });
    expect(await plainItem(videoId)).toMatchObject({ percentComplete: 55 });
    expect(logs.lines()[1]).toMatchObject({
      level: "info",
      event: "encode_status.stale",
      videoId,
      eventTime: "2025-01-01T00:00:10.000Z",
      current: { status: "PROGRESSING" },
    });
  });

  it("does not downgrade a finished job, even for a later progress event", async () => {
    const handler = await loadHandler();
    await handler(eventOf(completeDetail(at(300))), CONTEXT);
    const result = await handler(eventOf(statusUpdateDetail(at(301), 99)), CONTEXT);
    expect(result.outcome).toBe("stale");
    expect(await plainItem(videoId)).toMatchObject({ status: "COMPLETE", percentComplete: 100 });
    expect(sns.calls()).toHaveLength(1);
  });

  it("publishes again when the same event is retried after a failed publish", async () => {
    const handler = await loadHandler();
    sns
      .on(PublishCommand)
      .rejectsOnce(new ThrottledException({ message: "slow down", $metadata: {} }))
      .resolves({ MessageId: "msg-2" });
    const event = eventOf(completeDetail(at(300)));
    await expect(handler(event, CONTEXT)).rejects.toMatchObject({
      name: "NotificationError",
      message: `status notification for video ${videoId} failed`,
    });
    await expect(handler(event, CONTEXT)).resolves.toMatchObject({ outcome: "recorded" });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  });

  describe("after a newer upload superseded the job", () => {
    /** Job A (earlier upload) submitted and running, then job B (this upload) submitted. */
    async function supersede(handler: Handler): Promise<void> {
      await recordSubmission(videoId, EARLIER_JOB_ID, EARLIER_SOURCE_VERSION, at(0));
      await handler(
        eventOf(ofJob(EARLIER_JOB_ID, EARLIER_SOURCE_VERSION, statusUpdateDetail(at(60), 40))),
        CONTEXT,
      );
      await recordSubmission(videoId, JOB_ID, SOURCE_VERSION, at(100));
      await handler(eventOf(statusUpdateDetail(at(170), 10)), CONTEXT);
      logs.spy.mockClear();
    }

    it("drops the older job's COMPLETE: no catalog change, no notification", async () => {
      const handler = await loadHandler();
      await supersede(handler);
      const before = await plainItem(videoId);

      const result = await handler(
        eventOf(ofJob(EARLIER_JOB_ID, EARLIER_SOURCE_VERSION, completeDetail(at(600)))),
        CONTEXT,
      );

      expect(result).toMatchObject({ outcome: "superseded", currentJobId: JOB_ID });
      expect(published()).toEqual([]);
      const after = await plainItem(videoId);
      expect(after).toEqual(before);
      expect(after).toMatchObject({
        jobId: JOB_ID,
        status: "PROGRESSING",
        percentComplete: 10,
        sourceVersion: SOURCE_VERSION,
      });
      expect(after).not.toHaveProperty("hlsManifestKey");
      expect(logs.lines()).toEqual([
        {
          level: "info",
          event: "encode_status.superseded",
          time: expect.any(String) as string,
          requestId: "req-1",
          eventId: expect.any(String) as string,
          videoId,
          jobId: EARLIER_JOB_ID,
          currentJobId: JOB_ID,
          lastEvent: "COMPLETE",
          eventTime: "2025-01-01T00:10:00.000Z",
        },
      ]);
    });

    it.each([
      ["ERROR", errorDetail(at(600))],
      ["CANCELED", canceledDetail(at(600))],
      ["PROGRESSING", progressingDetail(at(600))],
      ["STATUS_UPDATE", statusUpdateDetail(at(600), 90)],
    ])("drops the older job's %s too", async (_status, detail) => {
      const handler = await loadHandler();
      await supersede(handler);
      const before = await plainItem(videoId);
      const result = await handler(
        eventOf(ofJob(EARLIER_JOB_ID, EARLIER_SOURCE_VERSION, detail)),
        CONTEXT,
      );
      expect(result.outcome).toBe("superseded");
      expect(await plainItem(videoId)).toEqual(before);
      expect(sns.calls()).toHaveLength(0);
    });

    it("still records and announces the current job's COMPLETE", async () => {
      const handler = await loadHandler();
      await supersede(handler);
      await handler(
        eventOf(ofJob(EARLIER_JOB_ID, EARLIER_SOURCE_VERSION, completeDetail(at(600)))),
        CONTEXT,
      );
      const result = await handler(eventOf(completeDetail(at(900))), CONTEXT);
      expect(result.outcome).toBe("recorded");
      expect(await plainItem(videoId)).toMatchObject({
        status: "COMPLETE",
        jobId: JOB_ID,
        sourceVersion: SOURCE_VERSION,
        hlsManifestKey: HLS_KEY,
        updatedAt: "2025-01-01T00:15:00.000Z",
      });
      expect(published()).toMatchObject([{ message: { status: "COMPLETE", jobId: JOB_ID } }]);
    });
  });
});
