/**
 * What the PHP monolith reads from its environment and calls: the names the stack gives it
 * (`components/app/monolith-runtime.ts` sets them on the instances) and the backends it may invoke.
 */

/**
 * The backend functions the PHP app calls, each through the Lambda API from the server side: none
 * is called by a browser. upload-url and playback-auth act for a signed-in user on a course the
 * app has checked the user may upload to or watch (the browser then posts the file straight to
 * S3 with the presigned form, and plays with the signed cookies); tokenize and detokenize handle
 * personal data that never leaves the server; home-region answers at sign-up and sign-in, before
 * the app decides which region's hostname the browser must use.
 */
export const MONOLITH_BACKENDS = [
  "upload-url",
  "playback-auth",
  "tokenize",
  "detokenize",
  "home-region",
] as const;
export type MonolithBackend = (typeof MONOLITH_BACKENDS)[number];

/** The app's tables of the US user store (the vault is reached through tokenize/detokenize). */
export const APP_TABLES = ["users", "enrolments", "progress"] as const;
export type AppTable = (typeof APP_TABLES)[number];

/**
 * The app's database user on Aurora: it signs in with IAM database authentication (a token from
 * its role, no password), so it must be granted `rds_iam` (PostgreSQL) when the schema is made.
 */
export const APP_DATABASE_USER = "kc_app";

/**
 * The app's environment: every name it reads, set on the instances (PHP-FPM's pool and
 * `/etc/knowledgecity/app.env` for workers) from the stack's own resources.
 */
export const MONOLITH_ENVIRONMENT = {
  stack: "KC_STACK",
  region: "KC_REGION",
  workQueueUrl: "KC_WORK_QUEUE_URL",
  topicArn: "KC_NOTIFICATIONS_TOPIC_ARN",
  userStore: "KC_USER_STORE",
  "upload-url": "KC_FUNCTION_UPLOAD_URL",
  "playback-auth": "KC_FUNCTION_PLAYBACK_AUTH",
  tokenize: "KC_FUNCTION_TOKENIZE",
  detokenize: "KC_FUNCTION_DETOKENIZE",
  "home-region": "KC_FUNCTION_HOME_REGION",
  users: "KC_TABLE_USERS",
  enrolments: "KC_TABLE_ENROLMENTS",
  progress: "KC_TABLE_PROGRESS",
  dbHost: "KC_DB_HOST",
  dbPort: "KC_DB_PORT",
  dbName: "KC_DB_NAME",
  dbUser: "KC_DB_USER",
  /**
   * Set only when the region's Aurora store has more than one shard: the shard ids in order,
   * separated by `:` (`s1:s2`), the first being `KC_DB_HOST`'s; each shard's host is in
   * `shardHostVariable(id)`. The directory's lookup names an account's shard; an answer without
   * one means the first shard.
   */
  dbShards: "KC_DB_SHARDS",
} as const satisfies Record<string, `KC_${string}`>;

/** The variable holding a shard's writer endpoint (`KC_DB_HOST_S2` for shard `s2`). */
export function shardHostVariable(shardId: string): `KC_${string}` {
  return `KC_DB_HOST_${shardId.toUpperCase()}`;
}
