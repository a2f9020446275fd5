/**
 * The rows of the analytics database, as the code that writes them and the migrations that create
 * their tables agree on them. Column names are snake_case and identical in TypeScript and SQL.
 */

import type { LearningEventLakeColumnName, LearningEventType } from "../../../contracts/analytics";

export {
  ANALYTICS_DATABASE,
  ANALYTICS_TABLES,
  LEARNING_EVENT_LAKE_COLUMNS,
  LEARNING_EVENT_TYPES,
  type LakeColumn,
  type LearningEventType,
} from "../../../contracts/analytics";

/** The streaming format of a request, from its path. */
export type PlaybackProtocol = "hls" | "dash" | "other";

/**
 * One CloudFront request of a video distribution (a real-time log record), table
 * `playback_requests`. Keyed by `request_id` (`x-edge-request-id`), which is unique per request,
 * so a record delivered twice is one row.
 */
export interface PlaybackRow {
  /** `x-edge-request-id`. */
  readonly request_id: string;
  /** Request time, whole seconds UTC, `YYYY-MM-DD hh:mm:ss`. */
  readonly timestamp: string;
  /** The milliseconds of the request time, 0-999. */
  readonly timestamp_ms: number;
  /** Course id from the URI (`/courses/<courseId>/...`), empty when the path has none. */
  readonly course_id: string;
  /** Video id from the URI (`/courses/<courseId>/<videoId>/...`), empty when the path has none. */
  readonly video_id: string;
  /** Rendition from the segment or playlist name (`720p_3000k`, `audio_96k`), empty for manifests. */
  readonly rendition: string;
  /** Streaming format from the file extension and path. */
  readonly protocol: PlaybackProtocol;
  /** `x-edge-location`, for example `DXB52-P1`. */
  readonly edge_location: string;
  /** `c-country`, ISO 3166-1 alpha-2, empty when CloudFront could not tell. */
  readonly country: string;
  /** `sc-status`; 0 when the viewer closed the connection before a response (`000`). */
  readonly status: number;
  /** `time-to-first-byte` in milliseconds. */
  readonly ttfb_ms: number;
  /** `time-taken` in milliseconds. */
  readonly time_taken_ms: number;
  /** `sc-bytes`. */
  readonly bytes: number;
  /** `x-edge-result-type`, for example `Hit`, `Miss`, `Error`. */
  readonly result_type: string;
  /** `x-edge-detailed-result-type`. */
  readonly detailed_result_type: string;
  /** 1 when the edge answered from cache (Hit, RefreshHit, OriginShieldHit). */
  readonly cache_hit: 0 | 1;
  /** 1 for a 5xx status. */
  readonly is_error: 0 | 1;
  /** 1 for status 000 (aborted by the viewer). */
  readonly aborted: 0 | 1;
}

/**
 * One learning event exported by the monolith, table `learning_events`. The learner is a
 * tokenized user id (never a raw identity). Keyed by `event_id`.
 */
export interface LearningEventRow {
  readonly event_id: string;
  /** When it happened, whole seconds UTC, `YYYY-MM-DD hh:mm:ss`. */
  readonly occurred_at: string;
  /** The learner's token from the PII vault. */
  readonly user_token: string;
  readonly course_id: string;
  /** Empty for course-level events. */
  readonly lesson_id: string;
  readonly event_type: LearningEventType;
  /** Seconds of video watched since the previous progress event; 0 for other events. */
  readonly watch_seconds: number;
}

/** The lake's columns are this row's columns (and the partition column): checked when compiling. */
export type LakeColumnsAreRowColumns = LearningEventLakeColumnName extends
  keyof LearningEventRow | "event_date"
  ? true
  : never;
export const LAKE_COLUMNS_ARE_ROW_COLUMNS: LakeColumnsAreRowColumns = true;
