/**
 * The trick-play track in the video catalog: one `UpdateItem` on the video's item (partition key
 * `videoId`, the key encode-status and encode-submit use) that sets the track's attributes
 * (`contracts/video-tasks.ts`, `TRICK_PLAY_ATTRIBUTES`) and touches no other attribute.
 *
 * The update applies only while the job that wrote the renditions is the video's current one
 * (`submittedJobId`, recorded by encode-submit), or when no submission is recorded: a superseded
 * job's track, written in its own folder, never replaces the current job's in the catalog. The
 * same update applied twice leaves the same item, so a rerun is harmless. The item may not exist
 * yet (encode-status records the same COMPLETE event at about the same time): the update creates
 * it, and encode-status's later update keeps these attributes.
 */
import {
  ConditionalCheckFailedException,
  UpdateItemCommand,
  type DynamoDBClient,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  CURRENT_JOB_ATTRIBUTE,
  TRICK_PLAY_ATTRIBUTES,
  VIDEO_CATALOG_KEY,
} from "../../../contracts/video-tasks";
import type { TrickPlayRequest, TrickPlaySuccess } from "./core";

/** What recording did: written, or refused because another job is the video's current one. */
export type CatalogOutcome = "recorded" | "superseded";

/** Where a finished track is recorded. */
export interface TrackCatalog {
  /** Records `track` on the video's item; throws when the catalog cannot be written. */
  record(request: TrickPlayRequest, track: TrickPlaySuccess): Promise<CatalogOutcome>;
}

/** The condition: the request's job is the video's current job, or none is recorded. */
export const CURRENT_JOB_CONDITION = "attribute_not_exists(#current) OR #current = :jobId";

/** The `UpdateItem` input recording `track` at `recordedAt`. */
export function trackUpdateInput(
  tableName: string,
  request: TrickPlayRequest,
  track: TrickPlaySuccess,
  recordedAt: Date,
): UpdateItemCommandInput {
  const a = TRICK_PLAY_ATTRIBUTES;
  return {
    TableName: tableName,
    Key: { [VIDEO_CATALOG_KEY]: { S: request.videoId } },
    UpdateExpression:
      "SET #indexKey = :indexKey, #sheetCount = :sheetCount, " +
      "#intervalSeconds = :intervalSeconds, #jobId = :jobId, #updatedAt = :updatedAt",
    ConditionExpression: CURRENT_JOB_CONDITION,
    ExpressionAttributeNames: {
      "#indexKey": a.indexKey,
      "#sheetCount": a.sheetCount,
      "#intervalSeconds": a.intervalSeconds,
      "#jobId": a.jobId,
      "#updatedAt": a.updatedAt,
      "#current": CURRENT_JOB_ATTRIBUTE,
    },
    ExpressionAttributeValues: {
      ":indexKey": { S: track.indexKey },
      ":sheetCount": { N: String(track.sheetKeys.length) },
      ":intervalSeconds": { N: String(track.intervalSeconds) },
      ":jobId": { S: request.jobId },
      ":updatedAt": { S: recordedAt.toISOString() },
    },
  };
}

/** The catalog in its DynamoDB table. */
export class DynamoDbTrackCatalog implements TrackCatalog {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(request: TrickPlayRequest, track: TrickPlaySuccess): Promise<CatalogOutcome> {
    try {
      await this.client.send(
        new UpdateItemCommand(trackUpdateInput(this.tableName, request, track, this.now())),
      );
      return "recorded";
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error instanceof Error && error.name === "ConditionalCheckFailedException")
      ) {
        return "superseded";
      }
      throw error;
    }
  }
}
