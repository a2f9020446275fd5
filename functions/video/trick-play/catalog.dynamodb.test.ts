import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { VIDEO_CATALOG_SCHEMA, useTestTable } from "../../../test/dynamodb/tables";
import { DynamoDbTrackCatalog } from "./catalog";
import type { TrickPlayRequest, TrickPlaySuccess } from "./core";
import { COURSE_ID, JOB_ID, MANIFEST_KEY, TRACK_PREFIX } from "./test-support";

// The track's record against DynamoDB Local, on a table keyed as the video catalog is.

const { client, table } = useTestTable("trick-play-catalog", VIDEO_CATALOG_SCHEMA);
const RECORDED_AT = new Date("2025-01-01T00:10:00.000Z");
const catalog = new DynamoDbTrackCatalog(client, table, () => RECORDED_AT);

const request = (videoId: string): TrickPlayRequest => ({
  courseId: COURSE_ID,
  videoId,
  jobId: JOB_ID,
  manifestKey: MANIFEST_KEY.replace(/0b6f3c1e[^/]+/, videoId),
});

const TRACK: TrickPlaySuccess = {
  kind: "written",
  indexKey: `${TRACK_PREFIX}thumbnails.vtt`,
  sheetKeys: [`${TRACK_PREFIX}sprite-0.jpg`, `${TRACK_PREFIX}sprite-1.jpg`],
  durationMs: 250_000,
  intervalSeconds: 2,
  thumbnailCount: 125,
  variantKey: `${TRACK_PREFIX}../index_360p.m3u8`,
};

async function item(videoId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await client.send(
    new GetItemCommand({ TableName: table, Key: { videoId: { S: videoId } } }),
  );
  return Item;
}

describe("DynamoDbTrackCatalog", () => {
  it("sets the track's attributes on the video's item and leaves the others as they were", async () => {
    const videoId = "0b6f3c1e-0000-4000-8000-000000000001";
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          videoId: { S: videoId },
          status: { S: "COMPLETE" },
          jobId: { S: JOB_ID },
          submittedJobId: { S: JOB_ID },
          hlsManifestKey: { S: MANIFEST_KEY },
        },
      }),
    );
    expect(await catalog.record(request(videoId), TRACK)).toBe("recorded");
    // Twice is the same item.
    expect(await catalog.record(request(videoId), TRACK)).toBe("recorded");
    expect(await item(videoId)).toEqual({
      videoId: { S: videoId },
      status: { S: "COMPLETE" },
      jobId: { S: JOB_ID },
      submittedJobId: { S: JOB_ID },
      hlsManifestKey: { S: MANIFEST_KEY },
      trickPlayIndexKey: { S: TRACK.indexKey },
      trickPlaySheetCount: { N: "2" },
      trickPlayIntervalSeconds: { N: "2" },
      trickPlayJobId: { S: JOB_ID },
      trickPlayUpdatedAt: { S: "2025-01-01T00:10:00.000Z" },
    });
  });

  it("creates the item when encode-status has not recorded the job yet", async () => {
    const videoId = "0b6f3c1e-0000-4000-8000-000000000002";
    expect(await catalog.record(request(videoId), TRACK)).toBe("recorded");
    expect(await item(videoId)).toMatchObject({
      videoId: { S: videoId },
      trickPlayIndexKey: { S: TRACK.indexKey },
    });
  });

  it("refuses a superseded job's track: another job is the video's current one", async () => {
    const videoId = "0b6f3c1e-0000-4000-8000-000000000003";
    const current = {
      videoId: { S: videoId },
      submittedJobId: { S: "1735689999999-newer1" },
    };
    await client.send(new PutItemCommand({ TableName: table, Item: current }));
    expect(await catalog.record(request(videoId), TRACK)).toBe("superseded");
    expect(await item(videoId)).toEqual(current);
  });
});
