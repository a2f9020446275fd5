/**
 * What the video tasks' infrastructure (components/video/video-tasks.ts) and their code
 * (functions/video/trick-play) share: the container environment a post-encode task is started
 * with, the folder each task writes, the dead letters' shape and the catalog attributes the
 * trick-play task records. Imports only the storage layout.
 */
import { COURSES_PREFIX } from "./storage";

/** The variables every post-encode task is started with, and what each means. */
export const VIDEO_TASK_VARIABLES = {
  JOB_ID: "the MediaConvert job that completed (the COMPLETE event's detail.jobId)",
  COURSE_ID: "the job's userMetadata.courseId",
  VIDEO_ID: "the job's userMetadata.videoId",
  PLAYLIST_URIS:
    "the first two playlistFilePaths of the job's first output group (s3://bucket/key), space-separated",
  RENDITIONS_BUCKET: "the processed bucket: the only bucket the task reads or writes",
  DEAD_LETTER_QUEUE_URL: "the task's dead-letter queue: a failed run sends its reason there",
  DEADLINE_SECONDS: "the whole run's budget in seconds (ECS has no task timeout)",
  WORK_DIR: "a writable folder on the task's scratch volume (the root file system is read-only)",
  CATALOG_TABLE: "the video catalog (tasks that record their output there)",
} as const;

/** A variable a post-encode task may read. */
export type VideoTaskVariable = keyof typeof VIDEO_TASK_VARIABLES;

/** Where the task definition mounts the scratch volume that `WORK_DIR` points into. */
export const VIDEO_TASK_SCRATCH_PATH = "/scratch";

/** The trick-play task's name: its task family, its container and its dead letters' sender. */
export const TRICK_PLAY_TASK = "trick-play";

/** The trick-play track's folder, beside the multivariant playlist (`.../cmaf/trickplay/`). */
export const TRICK_PLAY_FOLDER = "trickplay/";

/**
 * The keys a task writing `folder` may write, as an IAM resource pattern under the processed
 * bucket: `courses/*\/<folder>*` (IAM's `*` spans slashes, so any depth inside a video's folder).
 */
export function taskOutputKeyPattern(folder: string): string {
  return `${COURSES_PREFIX}*/${folder}*`;
}

/**
 * Why a post-encode task's dead letter was sent: the task's own failure reasons, and
 * `task-stopped` when ECS reported the task stopped before the task could send one (a crash, an
 * out-of-memory kill, an image that could not be pulled).
 */
export const TASK_STOPPED_REASON = "task-stopped";

/**
 * The exit code of a run that failed and sent its dead letter itself: the rule that turns stopped
 * tasks into dead letters leaves it (and 0) alone, so one failure is one dead letter.
 */
export const DEAD_LETTERED_EXIT_CODE = 3;

/**
 * The video catalog's item key and the attribute naming the video's current job, as
 * encode-submit and encode-status write them (functions/video/encode-status/catalog.ts).
 */
export const VIDEO_CATALOG_KEY = "videoId";
export const CURRENT_JOB_ATTRIBUTE = "submittedJobId";

/** The catalog attributes of the trick-play track; only the trick-play task writes them. */
export const TRICK_PLAY_ATTRIBUTES = {
  /** (S) the WebVTT index's key in the processed bucket. */
  indexKey: "trickPlayIndexKey",
  /** (N) the number of sprite sheets beside it. */
  sheetCount: "trickPlaySheetCount",
  /** (N) the seconds between thumbnails. */
  intervalSeconds: "trickPlayIntervalSeconds",
  /** (S) the job whose renditions the track was built from. */
  jobId: "trickPlayJobId",
  /** (S) when the track was recorded, ISO 8601 UTC. */
  updatedAt: "trickPlayUpdatedAt",
} as const;
