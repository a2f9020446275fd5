/**
 * The IAM paths of the post-encode video tasks (components/video/video-tasks.ts): what the
 * trick-play task's code calls (functions/video/trick-play), and what its role must never reach.
 */
import { sourceKey, videoOutputPrefix } from "../../../contracts/storage";
import { TRICK_PLAY_FOLDER, TRICK_PLAY_TASK } from "../../../contracts/video-tasks";
import { resourceKey, TYPES, type IamModel } from "./model";
import type { IamPath } from "./paths";

const TASKS = "kc-video-tasks";
const TRICK_PLAY_ROLE = `${TASKS}-${TRICK_PLAY_TASK}-task`;
const TRICK_PLAY_DLQ = `${TASKS}-${TRICK_PLAY_TASK}-dlq`;
const PROCESSED = "kc-video-processed";
const CATALOG = "kc-video-catalog";

/** A job's CMAF folder in the processed bucket, as MediaConvert writes it. */
const CMAF_FOLDER = `/${videoOutputPrefix("course-1", "5f0c6a8e-2d4b-4c1a-9e7f-3b2a1d0c9e8f")}0123456789abcdef/cmaf/`;

const role = { role: TRICK_PLAY_ROLE } as const;

/** Whether the plan has the trick-play task's role. */
function hasTrickPlay(model: IamModel): boolean {
  return model.principals.has(TRICK_PLAY_ROLE);
}

/** The trick-play task's calls, each of which its role must be allowed. */
export function videoTaskRequiredPaths(model: IamModel): readonly IamPath[] {
  if (!hasTrickPlay(model)) {
    return [];
  }
  return [
    {
      caller: role,
      action: "s3:GetObject",
      target: { type: "bucket", name: PROCESSED, suffix: `${CMAF_FOLDER}index_360p.m3u8` },
      why: "trick-play: S3Store.get reads the playlists, the init section and the segments",
    },
    {
      caller: role,
      action: "s3:ListBucket",
      target: { type: "bucket", name: PROCESSED },
      why: "trick-play: the skip check's GET of a missing index answers 404 (not 403) only with ListBucket",
    },
    {
      caller: role,
      action: "s3:PutObject",
      target: {
        type: "bucket",
        name: PROCESSED,
        suffix: `${CMAF_FOLDER}${TRICK_PLAY_FOLDER}sprite-0.jpg`,
      },
      why: "trick-play: S3Store.put writes the sprite sheets and the index beside the playlist",
    },
    {
      caller: role,
      action: "dynamodb:UpdateItem",
      target: { type: "table", name: CATALOG },
      why: "trick-play: DynamoDbTrackCatalog.record (UpdateItemCommand)",
    },
    {
      caller: role,
      action: "sqs:SendMessage",
      target: { type: "queue", name: TRICK_PLAY_DLQ },
      why: "trick-play: SqsDeadLetters.send (SendMessageCommand) with a failed run's reason",
    },
  ];
}

/** What the trick-play task's role must never do. */
export function videoTaskMustDenyPaths(model: IamModel): readonly IamPath[] {
  if (!hasTrickPlay(model)) {
    return [];
  }
  const paths: IamPath[] = [
    {
      caller: role,
      action: "s3:PutObject",
      target: { type: "bucket", name: PROCESSED, suffix: `${CMAF_FOLDER}index.m3u8` },
      why: "trick-play writes only its trickplay/ folder, never the renditions",
    },
    {
      caller: role,
      action: "s3:DeleteObject",
      target: {
        type: "bucket",
        name: PROCESSED,
        suffix: `${CMAF_FOLDER}${TRICK_PLAY_FOLDER}thumbnails.vtt`,
      },
      why: "trick-play overwrites its keys and never deletes",
    },
    {
      caller: role,
      action: "s3:GetObject",
      target: {
        type: "bucket",
        name: "kc-video-raw",
        suffix: `/${sourceKey("course-1", "5f0c6a8e-2d4b-4c1a-9e7f-3b2a1d0c9e8f", "mp4")}`,
      },
      why: "trick-play reads renditions, never the uploaded sources",
    },
    {
      caller: role,
      action: "dynamodb:GetItem",
      target: { type: "table", name: CATALOG },
      why: "trick-play only updates its attributes of the catalog item",
    },
    {
      caller: role,
      action: "sqs:SendMessage",
      target: { type: "queue", name: "kc-video-status-dlq" },
      why: "trick-play sends to its own dead-letter queue only",
    },
  ];
  // Every other table of the stack.
  for (const entry of model.resources.values()) {
    if (entry.type === TYPES.table && entry.name !== CATALOG && !entry.name.includes("@")) {
      paths.push({
        caller: role,
        action: "dynamodb:UpdateItem",
        target: { type: "table", name: entry.name },
        why: `trick-play updates the video catalog only, never ${entry.name}`,
      });
    }
  }
  return paths.filter(
    (path) =>
      path.target.type !== "queue" ||
      model.resources.has(resourceKey(TYPES.queue, path.target.name)),
  );
}
