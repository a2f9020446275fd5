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
 * The Common Media Client Data (CTA-5004) a player sent with a request, columns of
 * `playback_requests` since migration 7 (`Nullable`: NULL, here undefined, when the player sent
 * no such key, so absence is never read as 0). Integers are kbps or milliseconds as the names say.
 */
export interface PlaybackCmcdColumns {
  /** `cmcd-encoded-bitrate` (`br`): the requested rendition's bitrate, kbps. */
  readonly cmcd_encoded_bitrate_kbps?: number;
  /** `cmcd-buffer-length` (`bl`): the player's buffer when it asked, milliseconds. */
  readonly cmcd_buffer_length_ms?: number;
  /** `cmcd-buffer-starvation` (`bs`): the buffer ran dry since the previous request. */
  readonly cmcd_buffer_starvation?: boolean;
  /** `cmcd-content-id` (`cid`): the content as the player names it. */
  readonly cmcd_content_id?: string;
  /** `cmcd-object-duration` (`d`): the playback duration of the object, milliseconds. */
  readonly cmcd_object_duration_ms?: number;
  /** `cmcd-deadline` (`dl`): how soon the object must arrive to avoid a stall, milliseconds. */
  readonly cmcd_deadline_ms?: number;
  /** `cmcd-measured-throughput` (`mtp`): the throughput the player measured, kbps. */
  readonly cmcd_measured_throughput_kbps?: number;
  /** `cmcd-object-type` (`ot`): `m` manifest, `a` audio, `v` video, `av`, `i` init, `c`, `tt`, `k`, `o`. */
  readonly cmcd_object_type?: string;
  /** `cmcd-requested-maximum-throughput` (`rtp`): the throughput the player asks for, kbps. */
  readonly cmcd_requested_max_throughput_kbps?: number;
  /** `cmcd-streaming-format` (`sf`): `h` HLS, `d` DASH, `s` Smooth, `o` other. */
  readonly cmcd_streaming_format?: string;
  /** `cmcd-session-id` (`sid`): a random id per playback, no personal data. */
  readonly cmcd_session_id?: string;
  /** `cmcd-stream-type` (`st`): `v` on demand, `l` live. */
  readonly cmcd_stream_type?: string;
  /** `cmcd-startup` (`su`): the object is needed urgently to start or resume playback. */
  readonly cmcd_startup?: boolean;
  /** `cmcd-top-bitrate` (`tb`): the highest rendition the player may play, kbps. */
  readonly cmcd_top_bitrate_kbps?: number;
  /** `cmcd-version` (`v`): 1 when the player leaves it out. */
  readonly cmcd_version?: number;
}

/** The CMCD columns, in table order (migration 7 adds them in this order). */
export const PLAYBACK_CMCD_COLUMNS = [
  "cmcd_encoded_bitrate_kbps",
  "cmcd_buffer_length_ms",
  "cmcd_buffer_starvation",
  "cmcd_content_id",
  "cmcd_object_duration_ms",
  "cmcd_deadline_ms",
  "cmcd_measured_throughput_kbps",
  "cmcd_object_type",
  "cmcd_requested_max_throughput_kbps",
  "cmcd_streaming_format",
  "cmcd_session_id",
  "cmcd_stream_type",
  "cmcd_startup",
  "cmcd_top_bitrate_kbps",
  "cmcd_version",
] as const satisfies readonly (keyof PlaybackCmcdColumns)[];

/** `PLAYBACK_CMCD_COLUMNS` names every CMCD column: checked when compiling. */
export const PLAYBACK_CMCD_COLUMNS_COMPLETE: Exclude<
  keyof PlaybackCmcdColumns,
  (typeof PLAYBACK_CMCD_COLUMNS)[number]
> extends never
  ? true
  : never = true;

/** Whether a row carries any CMCD value: the `cmcd` column (1 or 0) the sink writes. */
export function sentCmcd(row: PlaybackCmcdColumns): boolean {
  return PLAYBACK_CMCD_COLUMNS.some((column) => row[column] !== undefined);
}

/**
 * One CloudFront request of a video distribution (a real-time log record), table
 * `playback_requests`. Keyed by `request_id` (`x-edge-request-id`), which is unique per request,
 * so a record delivered twice is one row. Its CMCD values are optional: most players send none.
 */
export interface PlaybackRow extends PlaybackCmcdColumns {
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
