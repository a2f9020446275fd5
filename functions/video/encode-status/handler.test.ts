import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type MediaConvertJobStateChange } from "./job-event";
import { CATALOG_TABLE, HANDLER_ENV, captureLogs, setHandlerEnvironment } from "./test-support";
import {
  CONTEXT,
  JOB_ID,
  at,
  baseDetail,
  completeDetail,
  errorDetail,
  jobEvent,
} from "./fixtures/events";
import { coldStart, rejection } from "../../shared/test-support";

const ddb = mockClient(DynamoDBClient);
const sns = mockClient(SNSClient);

let logs: ReturnType<typeof captureLogs>;

type Handler = (typeof import("./handler"))["handler"];

const coldStarts = coldStart(setHandlerEnvironment, () => import("./handler"));

/** Loads the handler module afresh under `env`, as a cold start would. */
async function loadHandler(
  env: Parameters<typeof setHandlerEnvironment>[0] = HANDLER_ENV,
): Promise<Handler> {
  return (await coldStarts.load(env)).handler;
}

function awsCalls(): number {
  return ddb.calls().length + sns.calls().length;
}

beforeEach(() => {
  ddb.reset();
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: "msg-1" });
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
  coldStarts.restore();
});

describe("encode-status handler", () => {
  // Recording, ordering, superseded jobs and their notifications run on DynamoDB Local
  // (catalog.dynamodb.test.ts); here what needs no table: events it ignores or rejects, faults.

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

  it("fails the cold start without its configuration", async () => {
    await expect(loadHandler({ CATALOG_TABLE })).rejects.toMatchObject({
      name: "ConfigurationError",
      message: "invalid configuration: TOPIC_ARN is required",
    });
  });
});
