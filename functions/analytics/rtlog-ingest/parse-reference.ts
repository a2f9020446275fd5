/**
 * The previous implementation of `parse.ts` (split, regular expressions, `Date`), kept unchanged
 * but for the request-time bound and the CMCD values (read last, by regular expressions) as the
 * oracle of `parse-differential.test.ts`: the single-pass parser must give the same rows and the
 * same malformed reasons for every input. Test-only; the function imports `parse.ts`.
 *
 * A line holds the values of `PLAYBACK_LOG_FIELDS`, in that order, separated by tabs; `-` marks
 * a missing value. Anything that does not fit is a `Malformed` result whose reason names the field
 * and never quotes the value (reasons are logged and counted). Nothing here throws.
 */
import { COURSE_ID_PATTERN, VIDEO_ID_PATTERN } from "../../../contracts/ids";
import { PLAYBACK_LOG_FIELDS, type PlaybackLogField } from "../../../contracts/playback-logs";
import type { PlaybackProtocol } from "../clickhouse/tables";
import type { ParsedRow } from "./parse";

/** Longest line accepted, in bytes (UTF-8). CloudFront's lines for these fields are far shorter. */
export const MAX_LINE_BYTES = 64 * 1024;

/** Longest request id or other text value accepted, in characters. */
export const MAX_TEXT_LENGTH = 128;

export { COURSE_ID_PATTERN, VIDEO_ID_PATTERN };

/** Edge result types that mean the edge answered from its cache. */
export const CACHE_HIT_RESULT_TYPES: ReadonlySet<string> = new Set([
  "Hit",
  "RefreshHit",
  "OriginShieldHit",
]);

/** A line turned into a row. */
export interface Parsed {
  readonly kind: "row";
  readonly row: ParsedRow;
}

/** A record that cannot become a row; `reason` names the field (`sc-status: expected ...`). */
export interface Malformed {
  readonly kind: "malformed";
  readonly reason: string;
}

/** What parsing one record gives. */
export type ParseResult = Parsed | Malformed;

/** Epoch seconds, optionally with a fraction (only milliseconds are kept). */
const EPOCH_SECONDS = /^(\d{1,10})(?:\.(\d{1,9}))?$/;
/** A duration in seconds with an optional fraction. */
const DECIMAL_SECONDS = /^(\d{1,9})(?:\.(\d{1,9}))?$/;
const STATUS = /^\d{3}$/;
const UNSIGNED = /^\d{1,16}$/;
const COUNTRY = /^[A-Z]{2}$/;
/** A CMCD integer: at most ten digits (and at most `MAX_UINT32`). */
const CMCD_INTEGER = /^\d{1,10}$/;
/** Visible ASCII: no spaces, no control characters. */
const VISIBLE_ASCII = /^[\x21-\x7e]*$/;
/** Canonical padded base64, as Kinesis delivers record data. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** MediaConvert's rendition files: `index_720p_3000k[_00001].cmfv`, `index_audio_96k.m3u8`. */
const RENDITION_FILE =
  /^index_(?:(\d{2,4}p_\d{1,6}k)|(audio_\d{1,6}k))(?:_\d{1,9})?\.(?:m3u8|cmfv|cmfa|mp4|m4s)$/;

/** Earliest request time accepted: 2000-01-01T00:00:00Z (older is a broken clock or field). */
const MIN_EPOCH_SECONDS = 946_684_800;
/** Latest request time accepted: 2105-12-31T23:59:59Z, the bound `parse.ts` applies. */
const MAX_EPOCH_SECONDS = 4_291_747_199;
/** Largest millisecond count a `UInt32` column holds. */
const MAX_UINT32 = 4_294_967_295;

const utf8 = new TextDecoder("utf-8", { fatal: true });

function malformed(reason: string): Malformed {
  return { kind: "malformed", reason };
}

/** Thrown inside this module only, and turned into `Malformed` by `parseLogLine`. */
class FieldError extends Error {
  override readonly name = "FieldError";
}

/**
 * The log line a Kinesis record's `data` (base64) carries: strict base64, at most
 * `MAX_LINE_BYTES`, valid UTF-8.
 */
export function decodeRecordData(
  data: string,
): { readonly kind: "line"; readonly line: string } | Malformed {
  if (data.length > Math.ceil(MAX_LINE_BYTES / 3) * 4) {
    return malformed(`data: longer than ${MAX_LINE_BYTES} bytes`);
  }
  if (!BASE64.test(data)) return malformed("data: not base64");
  const bytes = Buffer.from(data, "base64");
  if (bytes.length > MAX_LINE_BYTES) return malformed(`data: longer than ${MAX_LINE_BYTES} bytes`);
  if (bytes.length === 0) return malformed("data: empty");
  try {
    return { kind: "line", line: utf8.decode(bytes) };
  } catch {
    return malformed("data: not UTF-8");
  }
}

/** Decodes a record's `data` and parses the line. */
export function parseRecordData(data: string): ParseResult {
  const decoded = decodeRecordData(data);
  return decoded.kind === "line" ? parseLogLine(decoded.line) : decoded;
}

/** Parses one log line (a trailing newline is allowed) into a row. */
export function parseLogLine(line: string): ParseResult {
  try {
    return { kind: "row", row: toRow(splitFields(line)) };
  } catch (error) {
    if (error instanceof FieldError) return malformed(error.message);
    // Only FieldError is thrown on purpose; anything else is a defect, still not worth a throw.
    return malformed("line: unreadable");
  }
}

type Fields = Readonly<Record<PlaybackLogField, string>>;

function splitFields(line: string): Fields {
  const text = line.endsWith("\r\n")
    ? line.slice(0, -2)
    : line.endsWith("\n")
      ? line.slice(0, -1)
      : line;
  const values = text.split("\t");
  if (values.length !== PLAYBACK_LOG_FIELDS.length) {
    throw new FieldError(
      `fields: expected ${PLAYBACK_LOG_FIELDS.length} tab-separated values, got ${values.length}`,
    );
  }
  const fields: Partial<Record<PlaybackLogField, string>> = {};
  PLAYBACK_LOG_FIELDS.forEach((name, index) => {
    fields[name] = values[index] ?? "";
  });
  return fields as Fields;
}

function toRow(fields: Fields): ParsedRow {
  const { timestamp, timestampMs } = parseTimestamp(fields.timestamp);
  const statusText = fields["sc-status"];
  if (!STATUS.test(statusText)) throw new FieldError("sc-status: expected three digits");
  const status = Number(statusText);
  const aborted = statusText === "000";
  const ttfbText = fields["time-to-first-byte"];
  // A viewer that hangs up before the first byte leaves no time to first byte.
  const ttfb = aborted && ttfbText === "-" ? 0 : milliseconds(ttfbText, "time-to-first-byte");
  const path = parseUriStem(fields["cs-uri-stem"]);
  const resultType = text(fields["x-edge-result-type"], "x-edge-result-type");
  const responseResultType = text(
    fields["x-edge-response-result-type"],
    "x-edge-response-result-type",
  );
  return {
    request_id: requestId(fields["x-edge-request-id"]),
    timestamp,
    timestamp_ms: timestampMs,
    course_id: path.courseId,
    video_id: path.videoId,
    rendition: path.rendition,
    protocol: path.protocol,
    edge_location: text(fields["x-edge-location"], "x-edge-location"),
    country: country(fields["c-country"]),
    status,
    ttfb_ms: ttfb,
    time_taken_ms: milliseconds(fields["time-taken"], "time-taken"),
    bytes: unsigned(fields["sc-bytes"], "sc-bytes"),
    result_type: resultType,
    detailed_result_type: text(
      fields["x-edge-detailed-result-type"],
      "x-edge-detailed-result-type",
    ),
    cache_hit:
      CACHE_HIT_RESULT_TYPES.has(resultType) || CACHE_HIT_RESULT_TYPES.has(responseResultType)
        ? 1
        : 0,
    is_error: status >= 500 && status <= 599 ? 1 : 0,
    aborted: aborted ? 1 : 0,
    cmcd_encoded_bitrate_kbps: cmcdInteger(fields, "cmcd-encoded-bitrate"),
    cmcd_buffer_length_ms: cmcdInteger(fields, "cmcd-buffer-length"),
    cmcd_buffer_starvation: cmcdBoolean(fields, "cmcd-buffer-starvation"),
    cmcd_content_id: cmcdText(fields, "cmcd-content-id"),
    cmcd_object_duration_ms: cmcdInteger(fields, "cmcd-object-duration"),
    cmcd_deadline_ms: cmcdInteger(fields, "cmcd-deadline"),
    cmcd_measured_throughput_kbps: cmcdInteger(fields, "cmcd-measured-throughput"),
    cmcd_object_type: cmcdText(fields, "cmcd-object-type"),
    cmcd_requested_max_throughput_kbps: cmcdInteger(fields, "cmcd-requested-maximum-throughput"),
    cmcd_streaming_format: cmcdText(fields, "cmcd-streaming-format"),
    cmcd_session_id: cmcdText(fields, "cmcd-session-id"),
    cmcd_stream_type: cmcdText(fields, "cmcd-stream-type"),
    cmcd_startup: cmcdBoolean(fields, "cmcd-startup"),
    cmcd_top_bitrate_kbps: cmcdInteger(fields, "cmcd-top-bitrate"),
    cmcd_version: cmcdInteger(fields, "cmcd-version"),
  };
}

function cmcdInteger(fields: Fields, field: PlaybackLogField): number | undefined {
  const value = fields[field];
  if (value === "-") return undefined;
  if (!CMCD_INTEGER.test(value) || Number(value) > MAX_UINT32) {
    throw new FieldError(`${field}: expected - or an integer from 0 to ${MAX_UINT32}`);
  }
  return Number(value);
}

function cmcdBoolean(fields: Fields, field: PlaybackLogField): boolean | undefined {
  const value = fields[field];
  if (value === "-") return undefined;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new FieldError(`${field}: expected -, true, false, 1 or 0`);
}

function cmcdText(fields: Fields, field: PlaybackLogField): string | undefined {
  const value = fields[field];
  if (value === "-") return undefined;
  if (value === "" || value.length > MAX_TEXT_LENGTH || !VISIBLE_ASCII.test(value)) {
    throw new FieldError(
      `${field}: expected - or 1 to ${MAX_TEXT_LENGTH} visible ASCII characters`,
    );
  }
  return value;
}

/** `1602646738.145` -> `2020-10-14 03:38:58` and 145, from the digits (no float arithmetic). */
function parseTimestamp(value: string): { timestamp: string; timestampMs: number } {
  const match = EPOCH_SECONDS.exec(value);
  if (match === null)
    throw new FieldError("timestamp: expected epoch seconds such as 1602646738.145");
  const seconds = Number(match[1]);
  if (seconds < MIN_EPOCH_SECONDS || seconds > MAX_EPOCH_SECONDS) {
    throw new FieldError("timestamp: out of range");
  }
  // Extra digits past the milliseconds are dropped: rounding could carry into the next second.
  const timestampMs = Number((match[2] ?? "").padEnd(3, "0").slice(0, 3));
  const iso = new Date(seconds * 1000).toISOString();
  return { timestamp: `${iso.slice(0, 10)} ${iso.slice(11, 19)}`, timestampMs };
}

/** Seconds with decimals -> whole milliseconds, rounded half up, from the digits. */
function milliseconds(value: string, field: PlaybackLogField): number {
  if (value === "-") throw new FieldError(`${field}: missing`);
  const match = DECIMAL_SECONDS.exec(value);
  if (match === null) throw new FieldError(`${field}: expected seconds such as 0.125`);
  const fraction = (match[2] ?? "").padEnd(4, "0");
  const result =
    Number(match[1]) * 1000 + Number(fraction.slice(0, 3)) + (Number(fraction[3]) >= 5 ? 1 : 0);
  if (result > MAX_UINT32) throw new FieldError(`${field}: out of range`);
  return result;
}

function unsigned(value: string, field: PlaybackLogField): number {
  const number = Number(value);
  if (!UNSIGNED.test(value) || !Number.isSafeInteger(number)) {
    throw new FieldError(`${field}: expected a non-negative integer`);
  }
  return number;
}

/** A text value: `-` -> empty; otherwise visible ASCII, at most `MAX_TEXT_LENGTH` characters. */
function text(value: string, field: PlaybackLogField): string {
  if (value === "-") return "";
  if (value.length > MAX_TEXT_LENGTH || !VISIBLE_ASCII.test(value)) {
    throw new FieldError(`${field}: expected up to ${MAX_TEXT_LENGTH} visible ASCII characters`);
  }
  return value;
}

function requestId(value: string): string {
  if (value === "-" || value === "") throw new FieldError("x-edge-request-id: missing");
  return text(value, "x-edge-request-id");
}

function country(value: string): string {
  if (value === "-") return "";
  if (!COUNTRY.test(value)) throw new FieldError("c-country: expected two upper-case letters");
  return value;
}

interface PathParts {
  readonly courseId: string;
  readonly videoId: string;
  readonly rendition: string;
  readonly protocol: PlaybackProtocol;
}

/**
 * Course, video, rendition and protocol from the request path. Real-time logs append the query
 * string to `cs-uri-stem`, so it is cut at `?`. Segments are decoded one by one, so an encoded
 * `/` (`%2F`) cannot pose as a path separator.
 */
function parseUriStem(value: string): PathParts {
  if (value === "-" || value === "") throw new FieldError("cs-uri-stem: missing");
  const queryAt = value.indexOf("?");
  const path = queryAt === -1 ? value : value.slice(0, queryAt);
  let segments: string[];
  try {
    segments = path.split("/").map((segment) => decodeURIComponent(segment));
  } catch {
    throw new FieldError("cs-uri-stem: bad percent-encoding");
  }
  // `/courses/<courseId>/...`: ids only count as folders, with something below them.
  const [root, area, course, video] = segments;
  const courseId =
    root === "" &&
    area === "courses" &&
    course !== undefined &&
    segments.length > 3 &&
    COURSE_ID_PATTERN.test(course)
      ? course
      : "";
  const videoId =
    courseId !== "" && video !== undefined && segments.length > 4 && VIDEO_ID_PATTERN.test(video)
      ? video
      : "";
  const fileName = segments[segments.length - 1] ?? "";
  const rendition = RENDITION_FILE.exec(fileName);
  return {
    courseId,
    videoId,
    rendition: rendition === null ? "" : (rendition[1] ?? rendition[2] ?? ""),
    protocol: fileName.endsWith(".m3u8") ? "hls" : fileName.endsWith(".mpd") ? "dash" : "other",
  };
}
