/**
 * The CloudFront real-time log fields of the video distributions, chosen for playback-quality
 * metrics (latency, cache behaviour, errors, renditions, ranges) and nothing personal: no client
 * IP, no user agent, no cookies, no query string. CloudFront writes fields in its canonical order,
 * not the order of a configuration, so this list is kept in that order; the distributions'
 * real-time log configuration sends these fields and the analytics ingest parses by this order
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/real-time-logs.html).
 */
export const PLAYBACK_LOG_FIELDS = [
  "timestamp",
  "time-to-first-byte",
  "sc-status",
  "sc-bytes",
  "cs-method",
  "cs-protocol",
  "cs-host",
  "cs-uri-stem",
  "x-edge-location",
  "x-edge-request-id",
  "time-taken",
  "cs-protocol-version",
  "x-edge-response-result-type",
  "x-edge-result-type",
  "sc-content-type",
  "sc-content-len",
  "sc-range-start",
  "sc-range-end",
  "x-edge-detailed-result-type",
  "c-country",
  "cache-behavior-path-pattern",
] as const;

/** One of the fields. */
export type PlaybackLogField = (typeof PLAYBACK_LOG_FIELDS)[number];
