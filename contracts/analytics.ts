/**
 * The analytics database as the infrastructure (the API's and the ingest's settings, the Glue
 * job's arguments) and the runtime code (migrations, ingest, queries) name it.
 */

/** The database every analytics table lives in. */
export const ANALYTICS_DATABASE = "analytics";

/** The analytics tables, by role. */
export const ANALYTICS_TABLES = {
  /** One row per CloudFront request of a video distribution (real-time logs). */
  playbackRequests: "playback_requests",
  /** One row per learning event the monolith exports (through the data lake). */
  learningEvents: "learning_events",
} as const;

/** An analytics table's name. */
export type AnalyticsTable = (typeof ANALYTICS_TABLES)[keyof typeof ANALYTICS_TABLES];

/** The kinds of learning event the monolith exports. */
export const LEARNING_EVENT_TYPES = [
  "enrolled",
  "lesson_started",
  "lesson_completed",
  "course_completed",
  "video_progress",
] as const;

/** A kind of learning event. */
export type LearningEventType = (typeof LEARNING_EVENT_TYPES)[number];

/** The columns of `learning_events` that the curated Parquet files carry. */
export type LearningEventLakeColumnName =
  | "event_id"
  | "occurred_at"
  | "user_token"
  | "course_id"
  | "lesson_id"
  | "event_type"
  | "watch_seconds"
  | "event_date";

/** A column of the exported learning events, in the Parquet files the Glue job writes. */
export interface LakeColumn {
  readonly name: LearningEventLakeColumnName;
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
