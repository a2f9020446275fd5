/**
 * The task's configuration, read from its container environment once at start; every missing or
 * invalid variable is reported in one `ConfigurationError`.
 *
 * - `COURSE_ID`, `VIDEO_ID`, `JOB_ID`: the completed job, as the EventBridge target sets them.
 * - `PLAYLIST_URIS`: the job's `playlistFilePaths` (`s3://bucket/key`), separated by spaces; the
 *   first `.m3u8` is the multivariant playlist (a CMAF group lists its `.mpd` too, in no fixed
 *   order, so the target passes both: EventBridge input paths take array indices,
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html).
 * - `RENDITIONS_BUCKET`: the only bucket the task works in; the playlist must be in it.
 * - `DEADLINE_SECONDS` (optional, 30-14400, default 900): the whole run's budget.
 * - `WORK_DIR` (optional, default the system's temporary folder): a writable folder, needed when
 *   the root file system is read-only.
 * - `CATALOG_TABLE`: the video catalog, where a written or found track is recorded.
 * - `DEAD_LETTER_QUEUE_URL`: where a failed run sends its dead letter.
 *
 * The names and their meanings are the tasks' contract (`contracts/video-tasks.ts`).
 */
import { tmpdir } from "node:os";
import type { VideoTaskVariable } from "../../../contracts/video-tasks";
import { EnvironmentReader, type Environment } from "../../shared/environment";
import type { TrickPlayRequest } from "./core";

/** The variables the task reads: all of the tasks' contract. */
export type TrickPlayVariable = VideoTaskVariable;

/** What one run of the task does. */
export interface TrickPlayConfig {
  readonly request: TrickPlayRequest;
  readonly bucket: string;
  readonly deadlineMs: number;
  readonly workRoot: string;
  readonly catalogTable: string;
  readonly deadLetterQueueUrl: string;
}

/** Default of `DEADLINE_SECONDS`: 15 minutes, far more than an hour-long lecture's 360p needs. */
export const DEFAULT_DEADLINE_SECONDS = 900;

const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;

/** Reads the environment; throws one `ConfigurationError` listing every problem. */
export function loadConfiguration(env: Environment): TrickPlayConfig {
  const reader = new EnvironmentReader<TrickPlayVariable>(env, {
    heading: "invalid configuration",
  });
  const courseId = reader.required("COURSE_ID");
  const videoId = reader.required("VIDEO_ID");
  const jobId = reader.required("JOB_ID");
  const bucket = reader.required("RENDITIONS_BUCKET");
  const uris = reader.required("PLAYLIST_URIS");
  const catalogTable = reader.required("CATALOG_TABLE");
  const deadLetterQueueUrl = reader.required("DEAD_LETTER_QUEUE_URL");
  const manifest = uris
    .split(/\s+/)
    .map((uri) => S3_URI.exec(uri))
    .find((match) => match?.[2]?.endsWith(".m3u8") === true);
  if (uris !== "" && manifest == null) {
    reader.problem(
      `PLAYLIST_URIS must list an s3://<bucket>/<key>.m3u8 URI, got ${JSON.stringify(uris)}`,
    );
  } else if (manifest != null && bucket !== "" && manifest[1] !== bucket) {
    reader.problem(`PLAYLIST_URIS must name RENDITIONS_BUCKET ${bucket}, got ${manifest[1] ?? ""}`);
  }
  const deadline = reader.optional("DEADLINE_SECONDS") ?? String(DEFAULT_DEADLINE_SECONDS);
  const deadlineSeconds = Number(deadline);
  if (!/^\d+$/.test(deadline) || deadlineSeconds < 30 || deadlineSeconds > 14_400) {
    reader.problem(
      `DEADLINE_SECONDS must be a whole number from 30 to 14400, got ${JSON.stringify(deadline)}`,
    );
  }
  const workRoot = reader.optional("WORK_DIR") ?? tmpdir();
  reader.done();
  return {
    request: { courseId, videoId, jobId, manifestKey: manifest?.[2] ?? "" },
    bucket,
    deadlineMs: deadlineSeconds * 1000,
    workRoot,
    catalogTable,
    deadLetterQueueUrl,
  };
}
