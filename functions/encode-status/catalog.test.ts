import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  CURRENT_JOB_CONDITION,
  DynamoDbVideoCatalog,
  FRESHNESS_CONDITION,
  NOT_TERMINAL_CONDITION,
  catalogUpdateInput,
} from "./catalog";
import { CatalogError, parseJobStateChange, type CatalogUpdate } from "./core";
import { publishInput } from "./notifier";
import {
  CATALOG_TABLE,
  COURSE_ID,
  DASH_KEY,
  EARLIER_JOB_ID,
  EARLIER_SOURCE_VERSION,
  HLS_KEY,
  JOB_ID,
  QUEUE_ARN,
  SOURCE_KEY,
  SOURCE_VERSION,
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
  statusUpdateDetail,
} from "./test-support";

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

const COMMON_NAMES = {
  "#status": "status",
  "#lastEvent": "lastEvent",
  "#jobId": "jobId",
  "#updatedAt": "updatedAt",
  "#courseId": "courseId",
  "#sourceKey": "sourceKey",
  "#sourceVersion": "sourceVersion",
  "#queue": "queue",
  "#submittedJobId": "submittedJobId",
};

const COMMON_SET =
  "SET #status = :status, #lastEvent = :lastEvent, #jobId = :jobId, #updatedAt = :updatedAt, " +
  "#courseId = :courseId, #sourceKey = :sourceKey, #sourceVersion = :sourceVersion, #queue = :queue";

function commonValues(status: string, lastEvent: string, eventTime: string) {
  return {
    ":status": { S: status },
    ":lastEvent": { S: lastEvent },
    ":jobId": { S: JOB_ID },
    ":updatedAt": { S: eventTime },
    ":courseId": { S: COURSE_ID },
    ":sourceKey": { S: SOURCE_KEY },
    ":sourceVersion": { S: SOURCE_VERSION },
    ":queue": { S: QUEUE_ARN },
  };
}

describe("catalogUpdateInput", () => {
  it("guards a progress update with the event time and the terminal statuses", () => {
    expect(catalogUpdateInput(CATALOG_TABLE, updateOf(statusUpdateDetail(at(61), 42)))).toEqual({
      TableName: CATALOG_TABLE,
      Key: { videoId: { S: VIDEO_ID } },
      UpdateExpression: `${COMMON_SET}, #percentComplete = :percentComplete`,
      ConditionExpression: `${CURRENT_JOB_CONDITION} AND ${FRESHNESS_CONDITION} AND ${NOT_TERMINAL_CONDITION}`,
      ExpressionAttributeNames: { ...COMMON_NAMES, "#percentComplete": "percentComplete" },
      ExpressionAttributeValues: {
        ...commonValues("PROGRESSING", "STATUS_UPDATE", "2025-01-01T00:01:01.000Z"),
        ":percentComplete": { N: "42" },
        ":terminal0": { S: "COMPLETE" },
        ":terminal1": { S: "ERROR" },
        ":terminal2": { S: "CANCELED" },
      },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
    expect(FRESHNESS_CONDITION).toBe(
      "(attribute_not_exists(#updatedAt) OR #updatedAt < :updatedAt OR " +
        "(#updatedAt = :updatedAt AND #jobId = :jobId AND #lastEvent = :lastEvent))",
    );
    expect(CURRENT_JOB_CONDITION).toBe(
      "(attribute_not_exists(#submittedJobId) OR #submittedJobId = :jobId)",
    );
  });

  it("writes a COMPLETE job's outputs and clears an earlier error", () => {
    expect(catalogUpdateInput(CATALOG_TABLE, updateOf(completeDetail(at(600))))).toEqual({
      TableName: CATALOG_TABLE,
      Key: { videoId: { S: VIDEO_ID } },
      UpdateExpression:
        `${COMMON_SET}, #percentComplete = :percentComplete, #hlsManifestKey = :hlsManifestKey, ` +
        "#dashManifestKey = :dashManifestKey, #thumbnailsPrefix = :thumbnailsPrefix, " +
        "#durationMs = :durationMs REMOVE #errorCode, #errorMessage",
      ConditionExpression: `${CURRENT_JOB_CONDITION} AND ${FRESHNESS_CONDITION}`,
      ExpressionAttributeNames: {
        ...COMMON_NAMES,
        "#percentComplete": "percentComplete",
        "#hlsManifestKey": "hlsManifestKey",
        "#dashManifestKey": "dashManifestKey",
        "#thumbnailsPrefix": "thumbnailsPrefix",
        "#durationMs": "durationMs",
        "#errorCode": "errorCode",
        "#errorMessage": "errorMessage",
      },
      ExpressionAttributeValues: {
        ...commonValues("COMPLETE", "COMPLETE", "2025-01-01T00:10:00.000Z"),
        ":percentComplete": { N: "100" },
        ":hlsManifestKey": { S: HLS_KEY },
        ":dashManifestKey": { S: DASH_KEY },
        ":thumbnailsPrefix": { S: THUMBNAILS_PREFIX },
        ":durationMs": { N: "1834443" },
      },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
  });

  it("writes an ERROR's code and message, removing the one that is missing", () => {
    const input = catalogUpdateInput(
      CATALOG_TABLE,
      updateOf({ ...baseDetail("ERROR", at(5)), errorCode: 1040 }),
    );
    expect(input.UpdateExpression).toBe(
      `${COMMON_SET}, #errorCode = :errorCode REMOVE #errorMessage`,
    );
    expect(input.ExpressionAttributeValues?.[":errorCode"]).toEqual({ N: "1040" });
    expect(input.ConditionExpression).toBe(`${CURRENT_JOB_CONDITION} AND ${FRESHNESS_CONDITION}`);
  });
});

describe("DynamoDbVideoCatalog over a table", () => {
  const started = updateOf(progressingDetail(at(10)));
  const at20 = updateOf(statusUpdateDetail(at(70), 20));
  const at65 = updateOf(statusUpdateDetail(at(130), 65));
  const at98 = updateOf(statusUpdateDetail(at(190), 98));
  const complete = updateOf(completeDetail(at(200)));
  const lifecycle = [started, at20, at65, at98, complete];

  async function applyAll(updates: readonly CatalogUpdate[]) {
    ddb.reset();
    const table = new FakeCatalogTable(ddb);
    const catalog = new DynamoDbVideoCatalog(new DynamoDBClient({}), CATALOG_TABLE);
    const outcomes = [];
    for (const update of updates) outcomes.push((await catalog.record(update)).outcome);
    return { item: table.plain(VIDEO_ID), outcomes };
  }

  it("ends in the same state whatever order the events arrive in, duplicates included", async () => {
    const { item: expected } = await applyAll(lifecycle);
    expect(expected).toEqual({
      videoId: VIDEO_ID,
      status: "COMPLETE",
      lastEvent: "COMPLETE",
      jobId: JOB_ID,
      updatedAt: "2025-01-01T00:03:20.000Z",
      courseId: COURSE_ID,
      sourceKey: SOURCE_KEY,
      sourceVersion: SOURCE_VERSION,
      queue: QUEUE_ARN,
      percentComplete: 100,
      hlsManifestKey: HLS_KEY,
      dashManifestKey: DASH_KEY,
      thumbnailsPrefix: THUMBNAILS_PREFIX,
      durationMs: 1_834_443,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(lifecycle, { minLength: lifecycle.length }),
        fc.array(fc.constantFrom(...lifecycle), { maxLength: 4 }),
        async (order, duplicates) => {
          const { item } = await applyAll([...order, ...duplicates]);
          expect(item).toEqual(expected);
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

  it("never lets progress replace a terminal status, even with a later time", async () => {
    const { item, outcomes } = await applyAll([
      updateOf(canceledDetail(at(50))),
      updateOf(statusUpdateDetail(at(60), 70)),
    ]);
    expect(outcomes).toEqual(["recorded", "stale"]);
    expect(item).toMatchObject({ status: "CANCELED", updatedAt: "2025-01-01T00:00:50.000Z" });
  });

  it("lets a newer terminal status replace an older one", async () => {
    const { item } = await applyAll([
      updateOf(errorDetail(at(50), "first attempt failed")),
      updateOf(completeDetail(at(900))),
    ]);
    expect(item).toMatchObject({ status: "COMPLETE" });
    expect(item).not.toHaveProperty("errorCode");
    expect(item).not.toHaveProperty("errorMessage");
  });

  it("applies the same event again, so that a retry can publish", async () => {
    const { outcomes } = await applyAll([complete, complete]);
    expect(outcomes).toEqual(["recorded", "recorded"]);
  });

  it("reports the current record of a stale event", async () => {
    ddb.reset();
    new FakeCatalogTable(ddb);
    const catalog = new DynamoDbVideoCatalog(new DynamoDBClient({}), CATALOG_TABLE);
    await catalog.record(updateOf(completeDetail(at(200))));
    await expect(catalog.record(updateOf(progressingDetail(at(10))))).resolves.toEqual({
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

    function catalogOverTable() {
      ddb.reset();
      const table = new FakeCatalogTable(ddb);
      return { table, catalog: new DynamoDbVideoCatalog(new DynamoDBClient({}), CATALOG_TABLE) };
    }

    it("refuses every event of a superseded job, whatever its time, and names the current job", async () => {
      const { table, catalog } = catalogOverTable();
      await recordSubmission(EARLIER_JOB_ID, EARLIER_SOURCE_VERSION, at(0));
      await expect(catalog.record(earlier(statusUpdateDetail(at(60), 40)))).resolves.toEqual({
        outcome: "recorded",
      });
      await recordSubmission(JOB_ID, SOURCE_VERSION, at(100));
      const before = table.plain(VIDEO_ID);
      for (const detail of [
        completeDetail(at(600)),
        errorDetail(at(600)),
        canceledDetail(at(600)),
        statusUpdateDetail(at(600), 90),
      ]) {
        await expect(catalog.record(earlier(detail))).resolves.toEqual({
          outcome: "superseded",
          currentJobId: JOB_ID,
        });
      }
      expect(table.plain(VIDEO_ID)).toEqual(before);
      expect(before).toMatchObject({ jobId: EARLIER_JOB_ID, submittedJobId: JOB_ID });
    });

    it("lets the current job replace the superseded job's progress and finish", async () => {
      const { table, catalog } = catalogOverTable();
      await recordSubmission(EARLIER_JOB_ID, EARLIER_SOURCE_VERSION, at(0));
      await catalog.record(earlier(statusUpdateDetail(at(60), 40)));
      await recordSubmission(JOB_ID, SOURCE_VERSION, at(100));
      const outcomes = [];
      for (const update of [
        updateOf(progressingDetail(at(110))),
        earlier(completeDetail(at(300))),
        updateOf(completeDetail(at(400))),
      ]) {
        outcomes.push((await catalog.record(update)).outcome);
      }
      expect(outcomes).toEqual(["recorded", "superseded", "recorded"]);
      expect(table.plain(VIDEO_ID)).toMatchObject({
        status: "COMPLETE",
        jobId: JOB_ID,
        sourceVersion: SOURCE_VERSION,
        hlsManifestKey: HLS_KEY,
        submittedJobId: JOB_ID,
      });
    });

    it("keeps the ordering rules within the current job", async () => {
      const { catalog } = catalogOverTable();
      await recordSubmission(JOB_ID, SOURCE_VERSION, at(0));
      await catalog.record(updateOf(completeDetail(at(200))));
      await expect(catalog.record(updateOf(statusUpdateDetail(at(300), 99)))).resolves.toEqual({
        outcome: "stale",
        current: expect.objectContaining({ jobId: JOB_ID, status: "COMPLETE" }) as unknown,
      });
    });

    it("records any pipeline job while no submission is recorded, as before the ledger", async () => {
      const { table, catalog } = catalogOverTable();
      await expect(catalog.record(earlier(completeDetail(at(50))))).resolves.toEqual({
        outcome: "recorded",
      });
      await expect(catalog.record(updateOf(errorDetail(at(90))))).resolves.toEqual({
        outcome: "recorded",
      });
      expect(table.plain(VIDEO_ID)).toMatchObject({ jobId: JOB_ID, status: "ERROR" });
      expect(table.plain(VIDEO_ID)).not.toHaveProperty("submittedJobId");
    });
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
