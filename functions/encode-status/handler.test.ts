import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient, ThrottledException } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MediaConvertJobStateChange } from "./core";
import {
  CATALOG_TABLE,
  COURSE_ID,
  DASH_KEY,
  EARLIER_JOB_ID,
  EARLIER_SOURCE_VERSION,
  HANDLER_ENV,
  HLS_KEY,
  JOB_ID,
  THUMBNAILS_PREFIX,
  TOPIC_ARN,
  VIDEO_ID,
  FakeCatalogTable,
  at,
  baseDetail,
  canceledDetail,
  captureLogs,
  completeDetail,
  errorDetail,
  jobEvent,
  ofJob,
  progressingDetail,
  recordSubmission,
  setHandlerEnvironment,
  SOURCE_VERSION,
  statusUpdateDetail,
} from "./test-support";

const ddb = mockClient(DynamoDBClient);
const sns = mockClient(SNSClient);
const CONTEXT = { awsRequestId: "req-1" };

let restoreEnvironment: () => void = () => undefined;
let logs: ReturnType<typeof captureLogs>;
let table: FakeCatalogTable;

type Handler = (typeof import("./handler"))["handler"];

/** Loads the handler module afresh under `env`, as a cold start would. */
async function loadHandler(
  env: Parameters<typeof setHandlerEnvironment>[0] = HANDLER_ENV,
): Promise<Handler> {
  restoreEnvironment = setHandlerEnvironment(env);
  vi.resetModules();
  return (await import("./handler")).handler;
}

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

function published(): { message: unknown; attributes: unknown; topic: unknown }[] {
  return sns.commandCalls(PublishCommand).map(({ args }) => ({
    topic: args[0].input.TopicArn,
    message: JSON.parse(args[0].input.Message ?? "null") as unknown,
    attributes: args[0].input.MessageAttributes,
  }));
}

function awsCalls(): number {
  return ddb.calls().length + sns.calls().length;
}

beforeEach(() => {
  ddb.reset();
  sns.reset();
  table = new FakeCatalogTable(ddb);
  sns.on(PublishCommand).resolves({ MessageId: "msg-1" });
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
  restoreEnvironment();
});

describe("encode-status handler", () => {
  it("records a COMPLETE job's manifests and announces it", async () => {
    const handler = await loadHandler();
    const result = await handler(jobEvent(completeDetail(at(600))), CONTEXT);
    expect(result.outcome).toBe("recorded");

    const input = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TableName: CATALOG_TABLE,
      Key: { videoId: { S: VIDEO_ID } },
      ExpressionAttributeValues: {
        ":status": { S: "COMPLETE" },
        ":hlsManifestKey": { S: HLS_KEY },
        ":dashManifestKey": { S: DASH_KEY },
        ":thumbnailsPrefix": { S: THUMBNAILS_PREFIX },
        ":durationMs": { N: "1834443" },
        ":updatedAt": { S: "2025-01-01T00:10:00.000Z" },
      },
    });
    expect(table.plain(VIDEO_ID)).toMatchObject({
      status: "COMPLETE",
      hlsManifestKey:
        "courses/intro-to-finance/0b6f3c1e-8f5d-4c1a-9f7e-2d4b6a8c0e12/cmaf/index.m3u8",
      dashManifestKey:
        "courses/intro-to-finance/0b6f3c1e-8f5d-4c1a-9f7e-2d4b6a8c0e12/cmaf/index.mpd",
    });
    expect(published()).toEqual([
      {
        topic: TOPIC_ARN,
        message: {
          videoId: VIDEO_ID,
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
        videoId: VIDEO_ID,
        status: "COMPLETE",
        published: true,
      }),
    ]);
  });

  it("records an ERROR and announces it with the error", async () => {
    const handler = await loadHandler();
    await handler(jobEvent(errorDetail(at(90), "Demuxer failure")), CONTEXT);
    expect(table.plain(VIDEO_ID)).toMatchObject({
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
    await handler(jobEvent(progressingDetail(at(5))), CONTEXT);
    expect(table.plain(VIDEO_ID)).toMatchObject({ status: "PROGRESSING", percentComplete: 0 });
    await handler(jobEvent(statusUpdateDetail(at(65), 37)), CONTEXT);
    expect(table.plain(VIDEO_ID)).toMatchObject({
      status: "PROGRESSING",
      lastEvent: "STATUS_UPDATE",
      percentComplete: 37,
      updatedAt: "2025-01-01T00:01:05.000Z",
    });
    expect(sns.calls()).toHaveLength(0);
  });

  it("treats an event older than the record as stale, not as a failure", async () => {
    const handler = await loadHandler();
    await handler(jobEvent(statusUpdateDetail(at(120), 55)), CONTEXT);
    const result = await handler(jobEvent(progressingDetail(at(10))), CONTEXT);
    expect(result).toMatchObject({
      outcome: "stale",
      current: { status: "PROGRESSING", updatedAt: "2025-01-01T00:02:00.000Z" },
    });
    expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(2);
    expect(table.plain(VIDEO_ID)).toMatchObject({ percentComplete: 55 });
    expect(logs.lines()[1]).toMatchObject({
      level: "info",
      event: "encode_status.stale",
      videoId: VIDEO_ID,
      eventTime: "2025-01-01T00:00:10.000Z",
      current: { status: "PROGRESSING" },
    });
  });

  it("does not downgrade a finished job, even for a later progress event", async () => {
    const handler = await loadHandler();
    await handler(jobEvent(completeDetail(at(300))), CONTEXT);
    const result = await handler(jobEvent(statusUpdateDetail(at(301), 99)), CONTEXT);
    expect(result.outcome).toBe("stale");
    expect(table.plain(VIDEO_ID)).toMatchObject({ status: "COMPLETE", percentComplete: 100 });
    expect(sns.calls()).toHaveLength(1);
  });

  it("publishes again when the same event is retried after a failed publish", async () => {
    const handler = await loadHandler();
    sns
      .on(PublishCommand)
      .rejectsOnce(new ThrottledException({ message: "slow down", $metadata: {} }))
      .resolves({ MessageId: "msg-2" });
    const event = jobEvent(completeDetail(at(300)));
    const error = await rejection(handler(event, CONTEXT));
    expect(error).toMatchObject({
      name: "NotificationError",
      message: `status notification for video ${VIDEO_ID} failed`,
    });
    await expect(handler(event, CONTEXT)).resolves.toMatchObject({ outcome: "recorded" });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  });

  it("ignores a job the pipeline did not submit", async () => {
    const handler = await loadHandler();
    const detail = { ...completeDetail(at(1)), userMetadata: {} };
    await expect(handler(jobEvent(detail), CONTEXT)).resolves.toEqual({
      outcome: "ignored",
      reason: "not-a-pipeline-job",
      jobId: JOB_ID,
      status: "COMPLETE",
    });
    const withoutMetadata = { ...completeDetail(at(1)) };
    delete withoutMetadata.userMetadata;
    await expect(handler(jobEvent(withoutMetadata), CONTEXT)).resolves.toMatchObject({
      outcome: "ignored",
    });
    expect(awsCalls()).toBe(0);
    expect(logs.lines()[0]).toMatchObject({
      level: "info",
      event: "encode_status.ignored",
      reason: "not-a-pipeline-job",
      jobId: JOB_ID,
    });
  });

  it("ignores informational statuses", async () => {
    const handler = await loadHandler();
    await expect(
      handler(jobEvent(baseDetail("INPUT_INFORMATION", at(1))), CONTEXT),
    ).resolves.toMatchObject({ outcome: "ignored", reason: "informational-status" });
    expect(awsCalls()).toBe(0);
  });

  it("rejects a malformed event with InvalidEventError and calls nothing", async () => {
    const handler = await loadHandler();
    const event = jobEvent({ ...completeDetail(at(1)), timestamp: "yesterday" });
    const error = await rejection(handler(event, CONTEXT));
    expect(error).toMatchObject({
      name: "InvalidEventError",
      message:
        "invalid MediaConvert job state change: detail.timestamp: expected the event time in epoch milliseconds",
    });
    const notAnEvent = await rejection(
      handler("hello" as unknown as MediaConvertJobStateChange, CONTEXT),
    );
    expect(notAnEvent).toMatchObject({ name: "InvalidEventError" });
    expect(awsCalls()).toBe(0);
    expect(logs.lines()[0]).toMatchObject({
      level: "warn",
      event: "encode_status.rejected",
      issues: [{ path: "detail.timestamp" }],
    });
  });

  it("reports a failed catalog write as CatalogError and publishes nothing", async () => {
    const handler = await loadHandler();
    ddb.on(UpdateItemCommand).rejects(new Error("socket hang up"));
    const error = await rejection(handler(jobEvent(errorDetail(at(1))), CONTEXT));
    expect(error).toMatchObject({ name: "CatalogError" });
    expect(sns.calls()).toHaveLength(0);
    expect(logs.lines().map((line) => line.event)).toEqual([
      "catalog.failed",
      "encode_status.failed",
    ]);
  });

  describe("after a newer upload superseded the job", () => {
    /** Job A (earlier upload) submitted and running, then job B (this upload) submitted. */
    async function supersede(handler: Handler): Promise<void> {
      await recordSubmission(EARLIER_JOB_ID, EARLIER_SOURCE_VERSION, at(0));
      await handler(
        jobEvent(ofJob(EARLIER_JOB_ID, EARLIER_SOURCE_VERSION, statusUpdateDetail(at(60), 40))),
        CONTEXT,
      );
      await recordSubmission(JOB_ID, SOURCE_VERSION, at(100));
      await handler(jobEvent(statusUpdateDetail(at(170), 10)), CONTEXT);
      logs.spy.mockClear();
    }

    it("drops the older job's COMPLETE: no catalog change, no notification", async () => {
      const handler = await loadHandler();
      await supersede(handler);
      const before = table.plain(VIDEO_ID);

      const result = await handler(
        jobEvent(ofJob(EARLIER_JOB_ID, EARLIER_SOURCE_VERSION, completeDetail(at(600)))),
        CONTEXT,
      );

      expect(result).toMatchObject({ outcome: "superseded", currentJobId: JOB_ID });
      expect(published()).toEqual([]);
      expect(table.plain(VIDEO_ID)).toEqual(before);
      expect(table.plain(VIDEO_ID)).toMatchObject({
        jobId: JOB_ID,
        status: "PROGRESSING",
        percentComplete: 10,
        sourceVersion: SOURCE_VERSION,
      });
      expect(table.plain(VIDEO_ID)).not.toHaveProperty("hlsManifestKey");
      expect(logs.lines()).toEqual([
        {
          level: "info",
          event: "encode_status.superseded",
          time: expect.any(String) as string,
          requestId: "req-1",
          eventId: expect.any(String) as string,
          videoId: VIDEO_ID,
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
      const before = table.plain(VIDEO_ID);
      const result = await handler(
        jobEvent(ofJob(EARLIER_JOB_ID, EARLIER_SOURCE_VERSION, detail)),
        CONTEXT,
      );
      expect(result.outcome).toBe("superseded");
      expect(table.plain(VIDEO_ID)).toEqual(before);
      expect(sns.calls()).toHaveLength(0);
    });

    it("still records and announces the current job's COMPLETE", async () => {
      const handler = await loadHandler();
      await supersede(handler);
      await handler(
        jobEvent(ofJob(EARLIER_JOB_ID, EARLIER_SOURCE_VERSION, completeDetail(at(600)))),
        CONTEXT,
      );
      const result = await handler(jobEvent(completeDetail(at(900))), CONTEXT);
      expect(result.outcome).toBe("recorded");
      expect(table.plain(VIDEO_ID)).toMatchObject({
        status: "COMPLETE",
        jobId: JOB_ID,
        sourceVersion: SOURCE_VERSION,
        hlsManifestKey: HLS_KEY,
        updatedAt: "2025-01-01T00:15:00.000Z",
      });
      expect(published()).toMatchObject([{ message: { status: "COMPLETE", jobId: JOB_ID } }]);
    });
  });

  it("fails the cold start without its configuration", async () => {
    await expect(loadHandler({ CATALOG_TABLE })).rejects.toMatchObject({
      name: "ConfigurationError",
      message: "invalid configuration: TOPIC_ARN is required",
    });
  });
});
