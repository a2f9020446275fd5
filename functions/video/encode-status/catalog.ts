/**
 * The video catalog in DynamoDB: table `CATALOG_TABLE`, partition key `videoId` (S), one item per
 * video. Each event is one conditional `UpdateItem`, which creates the item if it is absent.
 *
 * Attributes this function writes:
 * - `status` (S): PROGRESSING, COMPLETE, ERROR or CANCELED; `lastEvent` (S): the event's status;
 * - `jobId` (S), `queue` (S), `courseId` (S), `sourceKey` (S), `sourceVersion` (S);
 * - `updatedAt` (S): the event's time, ISO 8601 UTC with milliseconds (`toISOString`), so that
 *   string order is time order;
 * - `percentComplete` (N);
 * - on COMPLETE: `hlsManifestKey`, `dashManifestKey`, `thumbnailsPrefix` (S, object keys in the
 *   output bucket) and `durationMs` (N); absent ones, and any earlier error, are removed;
 * - on ERROR: `errorCode` (N) and `errorMessage` (S, at most 1000 characters).
 *
 * Attributes it reads and never writes: `submittedJobId` (S), the video's current job, which
 * encode-submit's submission ledger records on the same item after each CreateJob (a newer upload
 * of the source replaces it).
 *
 * The condition follows the current job and keeps its newest event:
 * - an event of any other job than `submittedJobId` never applies (a superseded job's late
 *   COMPLETE must not replace the current job's state or outputs); without `submittedJobId` (no
 *   submission recorded) every pipeline job's events apply as before;
 * - an event older than `updatedAt` never applies, and a non-terminal event never replaces a
 *   terminal status. The same event delivered again (same time, job and status) applies again, so
 *   a retry after a failed publish publishes.
 */
import {
  ConditionalCheckFailedException,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { type CurrentRecord, type RecordOutcome, type VideoCatalog } from "./core";
import { CatalogError } from "./errors";
import { TERMINAL_STATUSES, isTerminal, type CatalogUpdate } from "./job-event";
import { describeError, log } from "../../shared/log";

/** The table's partition key. */
export const PARTITION_KEY = "videoId";

/** The video's current job id, written by encode-submit's `DynamoDbSubmissionLedger`. */
export const SUBMITTED_JOB_ID_ATTRIBUTE = "submittedJobId";

/** Attributes that only a COMPLETE event sets, each removed when that event lacks it. */
const OUTPUT_ATTRIBUTES = [
  "hlsManifestKey",
  "dashManifestKey",
  "thumbnailsPrefix",
  "durationMs",
] as const;

/** The event's job is the video's current job, or no submission is recorded. */
export const CURRENT_JOB_CONDITION =
  "(attribute_not_exists(#submittedJobId) OR #submittedJobId = :jobId)";

/** Newer event, or the same event again. */
export const FRESHNESS_CONDITION =
  "(attribute_not_exists(#updatedAt) OR #updatedAt < :updatedAt OR " +
  "(#updatedAt = :updatedAt AND #jobId = :jobId AND #lastEvent = :lastEvent))";

/** The record does not hold a terminal status (added for non-terminal events). */
export const NOT_TERMINAL_CONDITION =
  "(attribute_not_exists(#status) OR NOT (#status IN (:terminal0, :terminal1, :terminal2)))";

/** The `UpdateItem` input that applies `update` under the catalog's ordering rules. */
export function catalogUpdateInput(
  tableName: string,
  update: CatalogUpdate,
): UpdateItemCommandInput {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  const nameOf = (attribute: string): string => {
    names[`#${attribute}`] = attribute;
    return `#${attribute}`;
  };
  const set = (attribute: string, value: AttributeValue): void => {
    values[`:${attribute}`] = value;
    sets.push(`${nameOf(attribute)} = :${attribute}`);
  };
  const setOrRemove = (attribute: string, value: AttributeValue | undefined): void => {
    if (value === undefined) {
      removes.push(nameOf(attribute));
    } else {
      set(attribute, value);
    }
  };
  const text = (value: string | undefined) => (value === undefined ? undefined : { S: value });
  const number = (value: number | undefined) =>
    value === undefined ? undefined : { N: String(value) };

  set("status", { S: update.status });
  set("lastEvent", { S: update.lastEvent });
  set("jobId", { S: update.jobId });
  set("updatedAt", { S: update.eventTime });
  set("courseId", { S: update.courseId });
  set("sourceKey", { S: update.sourceKey });
  set("sourceVersion", { S: update.sourceVersion });
  if (update.queue !== undefined) set("queue", { S: update.queue });
  if (update.percentComplete !== undefined) {
    set("percentComplete", { N: String(update.percentComplete) });
  }
  if (update.status === "COMPLETE") {
    const outputs = update.outputs ?? {};
    for (const attribute of OUTPUT_ATTRIBUTES) {
      const value = outputs[attribute];
      setOrRemove(attribute, typeof value === "number" ? number(value) : text(value));
    }
    removes.push(nameOf("errorCode"), nameOf("errorMessage"));
  }
  if (update.status === "ERROR") {
    setOrRemove("errorCode", number(update.error?.code));
    setOrRemove("errorMessage", text(update.error?.message));
  }

  // Read by the condition only, never written here: encode-submit owns it.
  nameOf(SUBMITTED_JOB_ID_ATTRIBUTE);
  let condition = `${CURRENT_JOB_CONDITION} AND ${FRESHNESS_CONDITION}`;
  if (!isTerminal(update.status)) {
    TERMINAL_STATUSES.forEach((status, index) => {
      values[`:terminal${index}`] = { S: status };
    });
    condition = `${condition} AND ${NOT_TERMINAL_CONDITION}`;
  }
  return {
    TableName: tableName,
    Key: { [PARTITION_KEY]: { S: update.videoId } },
    UpdateExpression: `SET ${sets.join(", ")}${removes.length > 0 ? ` REMOVE ${removes.join(", ")}` : ""}`,
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  };
}

/**
 * Why the condition refused `update`, from the item as it was: another job is the current one
 * (superseded), or the item holds a newer event or a terminal status (stale).
 */
function refusal(
  update: CatalogUpdate,
  item: Record<string, AttributeValue> | undefined,
): RecordOutcome {
  const currentJobId = item?.[SUBMITTED_JOB_ID_ATTRIBUTE]?.S;
  if (currentJobId !== undefined && currentJobId !== update.jobId) {
    return { outcome: "superseded", currentJobId };
  }
  const current = currentRecord(item);
  return current === undefined ? { outcome: "stale" } : { outcome: "stale", current };
}

function currentRecord(
  item: Record<string, AttributeValue> | undefined,
): CurrentRecord | undefined {
  if (item === undefined) return undefined;
  const read = (attribute: string): Partial<Record<string, string>> => {
    const value = item[attribute]?.S;
    return value === undefined ? {} : { [attribute]: value };
  };
  return {
    ...read("status"),
    ...read("lastEvent"),
    ...read("jobId"),
    ...read("updatedAt"),
  };
}

/** The catalog in a DynamoDB table (see the module comment). */
export class DynamoDbVideoCatalog implements VideoCatalog {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async record(update: CatalogUpdate): Promise<RecordOutcome> {
    try {
      await this.client.send(new UpdateItemCommand(catalogUpdateInput(this.tableName, update)));
      return { outcome: "recorded" };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return refusal(update, error.Item);
      }
      if (error instanceof Error && error.name === "ConditionalCheckFailedException") {
        return { outcome: "stale" };
      }
      log("error", "catalog.failed", {
        videoId: update.videoId,
        jobId: update.jobId,
        ...describeError(error),
      });
      throw new CatalogError(update.videoId);
    }
  }
}
