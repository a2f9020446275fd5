import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DynamoDbVideoCatalog } from "./catalog";
import { CatalogError } from "./errors";
import { parseJobStateChange, type CatalogUpdate } from "./job-event";
import { publishInput } from "./notifier";
import { CATALOG_TABLE, TOPIC_ARN, captureLogs } from "./test-support";
import { COURSE_ID, JOB_ID, VIDEO_ID, at, jobEvent, progressingDetail } from "./fixtures/events";

const ddb = mockClient(DynamoDBClient);
let logs: ReturnType<typeof captureLogs>;

beforeEach(() => {
  ddb.reset();
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
  vi.restoreAllMocks();
});

function updateOf(detail: Record<string, unknown>): CatalogUpdate {
  const parsed = parseJobStateChange(jobEvent(detail));
  if (parsed.kind !== "update") throw new Error("expected an update");
  return parsed.update;
}

// How updates, conditions and superseded jobs behave on a table is tested on DynamoDB Local
// (catalog.dynamodb.test.ts); here the failures the emulator cannot produce.

describe("DynamoDbVideoCatalog", () => {
  it("reads a failed condition from another copy of the SDK (same name) as stale", async () => {
    ddb.on(UpdateItemCommand).rejects(
      Object.assign(new Error("The conditional request failed"), {
        name: "ConditionalCheckFailedException",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const catalog = new DynamoDbVideoCatalog(new DynamoDBClient({}), CATALOG_TABLE);
    await expect(catalog.record(updateOf(progressingDetail(at(1))))).resolves.toEqual({
      outcome: "stale",
    });
    expect(logs.lines()).toEqual([]);
  });

  it("turns other failures into CatalogError and logs only safe details", async () => {
    ddb.on(UpdateItemCommand).rejects(
      new ProvisionedThroughputExceededException({
        message: "throughput exceeded",
        $metadata: { httpStatusCode: 400, requestId: "REQ123" },
      }),
    );
    const catalog = new DynamoDbVideoCatalog(new DynamoDBClient({}), CATALOG_TABLE);
    await expect(catalog.record(updateOf(progressingDetail(at(1))))).rejects.toThrow(
      new CatalogError(VIDEO_ID),
    );
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: "error",
        event: "catalog.failed",
        videoId: VIDEO_ID,
        errorName: "ProvisionedThroughputExceededException",
        httpStatusCode: 400,
        awsRequestId: "REQ123",
      }),
    ]);
  });
});

describe("publishInput", () => {
  it("sends the JSON notification with filterable attributes", () => {
    const notification = {
      videoId: VIDEO_ID,
      courseId: COURSE_ID,
      status: "CANCELED" as const,
      jobId: JOB_ID,
    };
    expect(publishInput(TOPIC_ARN, notification)).toEqual({
      TopicArn: TOPIC_ARN,
      Message: JSON.stringify(notification),
      MessageAttributes: {
        status: { DataType: "String", StringValue: "CANCELED" },
        courseId: { DataType: "String", StringValue: COURSE_ID },
      },
    });
  });
});
