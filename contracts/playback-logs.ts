/**
 * The CloudFront real-time log fields of the video distributions, chosen for playback-quality
 * metrics (latency, cache behaviour, errors, renditions, ranges, and the player's own report of its
 * buffer and bitrate) and nothing personal: no client IP, no user agent, no cookies, no query
 * string. CloudFront writes fields in its canonical order, not the order of a configuration, so
 * this list is kept in that order; the distributions' real-time log configuration sends these
 * fields and the analytics ingest parses by this order
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/real-time-logs.html, "Real-time
 * log configuration fields"; the CMCD fields follow `asn`, after every other field listed here, in
 * the order below; public consumers that map CloudFront's delivery order agree, for example
 * the Timestream loader of aws-samples/cloudfront-cmcd-realtime-dashboard and Terraform providers'
 * canonical field maps).
 *
 * The `cmcd-*` fields are the Common Media Client Data (CTA-5004) keys a player sends with each
 * request, in its query string (`CMCD=...`) or headers, as CloudFront read them; `-` when the
 * player sent none. Integers are kbps (bitrates, throughputs) or milliseconds (buffer length,
 * durations, deadline); starvation and startup are booleans (read as `true`/`1` and `false`/`0`,
 * either spelling); the rest are short tokens or ids. CloudFront reads CMCD from the `CMCD` query
 * parameter or the `CMCD-*` request headers the player sends.
 * `cmcd-session-id` is a random id the player makes for each playback (a UUID), not a person's or
 * a device's id: it lets sessions be counted once and holds no personal data. Left out as not
 * needed: `cmcd-next-object-request` and `cmcd-next-range-request` (prefetch hints: paths and
 * ranges) and `cmcd-playback-rate`.
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
  "cmcd-encoded-bitrate",
  "cmcd-buffer-length",
  "cmcd-buffer-starvation",
  "cmcd-content-id",
  "cmcd-object-duration",
  "cmcd-deadline",
  "cmcd-measured-throughput",
  "cmcd-object-type",
  "cmcd-requested-maximum-throughput",
  "cmcd-streaming-format",
  "cmcd-session-id",
  "cmcd-stream-type",
  "cmcd-startup",
  "cmcd-top-bitrate",
  "cmcd-version",
] as const;

/** One of the fields. */
export type PlaybackLogField = (typeof PLAYBACK_LOG_FIELDS)[number];
