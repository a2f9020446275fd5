/**
 * The rows of the analytics database, as the code that writes them and the migrations that create
 * their tables agree on them. Column names are snake_case and identical in TypeScript and SQL.
 */

/** The database every analytics table lives in. */
export const ANALYTICS_DATABASE = "analytics";

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

/** The kinds of learning event the monolith exports. */
export const LEARNING_EVENT_TYPES = [
  "enrolled",
  "lesson_started",
  "lesson_completed",
  "course_completed",
  "video_progress",
] as const;

export type LearningEventType = (typeof LEARNING_EVENT_TYPES)[number];

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

/** A column of the exported learning events, in the Parquet files the Glue job writes. */
export interface LakeColumn {
  readonly name: keyof LearningEventRow | "event_date";
  /** The Spark SQL type the ETL job casts to. */
  readonly sparkType: "string" | "timestamp" | "int" | "date";
}

/**
 * The columns of the curated learning-event Parquet files, in order. `event_date` is the
 * partition column (`event_date=YYYY-MM-DD/` folders); ClickHouse reads the others.
 */
export const LEARNING_EVENT_LAKE_COLUMNS: readonly LakeColumn[] = [
  { name: "event_id", sparkType: "string" },
  { name: "occurred_at", sparkType: "timestamp" },
  { name: "user_token", sparkType: "string" },
  { name: "course_id", sparkType: "string" },
  { name: "lesson_id", sparkType: "string" },
  { name: "event_type", sparkType: "string" },
  { name: "watch_seconds", sparkType: "int" },
  { name: "event_date", sparkType: "date" },
];
