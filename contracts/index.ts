/**
 * What the infrastructure (`components/`) and the runtime code (`functions/`) share: environment
 * contracts, the S3 key layout, id patterns, analytics table names and real-time log fields. It
 * imports nothing outside this folder, so both sides can depend on it and never on each other.
 */
export * from "./analytics";
export * from "./clickhouse-users";
export * from "./edge-cache-control";
export * from "./functions";
export * from "./ids";
export * from "./monolith";
export * from "./playback-logs";
export * from "./storage";
