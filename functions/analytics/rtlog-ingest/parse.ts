/**
 * CloudFront real-time log lines of the video distributions -> `playback_requests` rows (pure),
 * CMCD values included (`PlaybackCmcd`, undefined where the player sent none).
 *
 * A line holds the values of `PLAYBACK_LOG_FIELDS`, in that order, separated by tabs; `-` marks
 * a missing value. Anything that does not fit is a `Malformed` result whose reason names the field
 * and never quotes the value (reasons are logged and counted). Nothing here throws.
 *
 * Every request of every viewer passes through here, so a line is read in one pass and in place:
 * the tabs are found once (by `indexOf`), the numbers are read digit by digit where they lie, the
 * path by one sticky regular expression (`parse-path.ts`), the time by arithmetic
 * (`parse-time.ts`); no split, no object of fields, and only the values a row keeps are cut out.
 * `parse-reference.ts` keeps the previous, plainer implementation as the oracle of
 * `parse-differential.test.ts`: both give the same row or the same reason for any input.
 */
import { COURSE_ID_PATTERN, VIDEO_ID_PATTERN } from "../../../contracts/ids";
import { PLAYBACK_LOG_FIELDS } from "../../../contracts/playback-logs";
import type { PlaybackCmcdColumns, PlaybackRow } from "../clickhouse/tables";
import { pathParts, type PathParts } from "./parse-path";
import { dateTimeText } from "./parse-time";

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

/** The CMCD values of a request, each undefined when the player sent none (`-`). */
export type PlaybackCmcd = PlaybackCmcdColumns;

/** What a line gives: the row with the request's CMCD values. */
export type ParsedRow = PlaybackRow;

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

/** Earliest request time accepted: 2000-01-01T00:00:00Z (older is a broken clock or field). */
const MIN_EPOCH_SECONDS = 946_684_800;
/**
 * Latest request time accepted: 2105-12-31T23:59:59Z. A `DateTime` holds up to
 * 2106-02-07T06:28:15Z, but ClickHouse 18.16 reads the text of any time in 2106 wrongly (as
 * `0000-00-00 00:00:00` or a time in 1970), and rows reach it as text, so 2106 is refused here.
 */
const MAX_EPOCH_SECONDS = 4_291_747_199;
/** Largest millisecond count a `UInt32` column holds. */
const MAX_UINT32 = 4_294_967_295;
/** Longest base64 text of `MAX_LINE_BYTES` bytes. */
const MAX_DATA_LENGTH = Math.ceil(MAX_LINE_BYTES / 3) * 4;
/** Visible ASCII: no spaces, no control characters. */
const VISIBLE_ASCII = /^[\x21-\x7e]*$/;
/** Canonical padded base64, as Kinesis delivers record data. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const FIELD_COUNT = PLAYBACK_LOG_FIELDS.length;
const TIMESTAMP = PLAYBACK_LOG_FIELDS.indexOf("timestamp");
const TIME_TO_FIRST_BYTE = PLAYBACK_LOG_FIELDS.indexOf("time-to-first-byte");
const SC_STATUS = PLAYBACK_LOG_FIELDS.indexOf("sc-status");
const SC_BYTES = PLAYBACK_LOG_FIELDS.indexOf("sc-bytes");
const CS_URI_STEM = PLAYBACK_LOG_FIELDS.indexOf("cs-uri-stem");
const EDGE_LOCATION = PLAYBACK_LOG_FIELDS.indexOf("x-edge-location");
const REQUEST_ID = PLAYBACK_LOG_FIELDS.indexOf("x-edge-request-id");
const TIME_TAKEN = PLAYBACK_LOG_FIELDS.indexOf("time-taken");
const RESPONSE_RESULT_TYPE = PLAYBACK_LOG_FIELDS.indexOf("x-edge-response-result-type");
const RESULT_TYPE = PLAYBACK_LOG_FIELDS.indexOf("x-edge-result-type");
const DETAILED_RESULT_TYPE = PLAYBACK_LOG_FIELDS.indexOf("x-edge-detailed-result-type");
const C_COUNTRY = PLAYBACK_LOG_FIELDS.indexOf("c-country");
const CMCD_ENCODED_BITRATE = PLAYBACK_LOG_FIELDS.indexOf("cmcd-encoded-bitrate");
const CMCD_BUFFER_LENGTH = PLAYBACK_LOG_FIELDS.indexOf("cmcd-buffer-length");
const CMCD_BUFFER_STARVATION = PLAYBACK_LOG_FIELDS.indexOf("cmcd-buffer-starvation");
const CMCD_CONTENT_ID = PLAYBACK_LOG_FIELDS.indexOf("cmcd-content-id");
const CMCD_OBJECT_DURATION = PLAYBACK_LOG_FIELDS.indexOf("cmcd-object-duration");
const CMCD_DEADLINE = PLAYBACK_LOG_FIELDS.indexOf("cmcd-deadline");
const CMCD_MEASURED_THROUGHPUT = PLAYBACK_LOG_FIELDS.indexOf("cmcd-measured-throughput");
const CMCD_OBJECT_TYPE = PLAYBACK_LOG_FIELDS.indexOf("cmcd-object-type");
const CMCD_REQUESTED_MAX_THROUGHPUT = PLAYBACK_LOG_FIELDS.indexOf(
  "cmcd-requested-maximum-throughput",
);
const CMCD_STREAMING_FORMAT = PLAYBACK_LOG_FIELDS.indexOf("cmcd-streaming-format");
const CMCD_SESSION_ID = PLAYBACK_LOG_FIELDS.indexOf("cmcd-session-id");
const CMCD_STREAM_TYPE = PLAYBACK_LOG_FIELDS.indexOf("cmcd-stream-type");
const CMCD_STARTUP = PLAYBACK_LOG_FIELDS.indexOf("cmcd-startup");
const CMCD_TOP_BITRATE = PLAYBACK_LOG_FIELDS.indexOf("cmcd-top-bitrate");
const CMCD_VERSION = PLAYBACK_LOG_FIELDS.indexOf("cmcd-version");
/** The CMCD values of a line from a player that sends none: every one `-`, tab-separated. */
const NO_CMCD_TEXT = PLAYBACK_LOG_FIELDS.slice(CMCD_ENCODED_BITRATE)
  .map(() => "-")
  .join("\t");

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const UPPER_A = 0x41;
const UPPER_Z = 0x5a;

const utf8 = new TextDecoder("utf-8", { fatal: true });

function malformed(reason: string): Malformed {
  return { kind: "malformed", reason };
}

/**
 * Thrown inside this module only, and turned into `Malformed` by `parseLogLine`. A throw costs
 * more than a return, but only malformed lines pay it, and the checks stay plain functions.
 */
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
  if (data.length > MAX_DATA_LENGTH) return malformed(`data: longer than ${MAX_LINE_BYTES} bytes`);
  const length = decodeBase64(data);
  if (length < 0) return malformed("data: not base64");
  if (length > MAX_LINE_BYTES) return malformed(`data: longer than ${MAX_LINE_BYTES} bytes`);
  if (length === 0) return malformed("data: empty");
  // Node's own decoder is quicker than `TextDecoder`, but puts U+FFFD for what is not UTF-8 and
  // keeps a byte order mark: a line with neither is the line `TextDecoder` gives. Otherwise
  // (rarely) `TextDecoder` decides, as it always has.
  const line = scratch.toString("utf8", 0, length);
  if (line.indexOf("\uFFFD") === -1 && line.charCodeAt(0) !== 0xfeff) return { kind: "line", line };
  try {
    return { kind: "line", line: utf8.decode(scratch.subarray(0, length)) };
  } catch {
    return malformed("data: not UTF-8");
  }
}

/**
 * Where record data is decoded: the bytes of the longest data accepted (three per four
 * characters). Decoding into one buffer rather than a new one per record spares the garbage
 * collector; the bytes are read before the next record is decoded, as parsing is synchronous.
 */
const scratch = Buffer.allocUnsafe((MAX_DATA_LENGTH / 4) * 3);

/** Decodes canonical padded base64 `data` into `scratch`: the byte count, or -1 for other data. */
function decodeBase64(data: string): number {
  // Node's decoder (`write` and `Buffer.from` share it) skips or stops at what is not base64, and
  // reads `-` and `_` as `+` and `/`. So ASCII data without those two, of whole quads, that decodes
  // to every byte its length and padding promise is base64: a character skipped or a `=` before
  // the end would have cost a byte. Checked by native searches, in less time than encoding the
  // bytes again to compare, and far less than the pattern, which decides what fails them (rare).
  const length = scratch.write(data, "base64");
  const padding = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  if (
    data.length % 4 === 0 &&
    length === (data.length / 4) * 3 - padding &&
    data.indexOf("-") === -1 &&
    data.indexOf("_") === -1 &&
    Buffer.byteLength(data, "utf8") === data.length
  ) {
    return length;
  }
  return BASE64.test(data) ? length : -1;
}

/** Decodes a record's `data` and parses the line. */
export function parseRecordData(data: string): ParseResult {
  const decoded = decodeRecordData(data);
  return decoded.kind === "line" ? parseLogLine(decoded.line) : decoded;
}

/** Parses one log line (a trailing newline is allowed) into a row. */
export function parseLogLine(line: string): ParseResult {
  try {
    return { kind: "row", row: toRow(line) };
  } catch (error) {
    if (error instanceof FieldError) return malformed(error.message);
    // Only FieldError is thrown on purpose; anything else is a defect, still not worth a throw.
    return malformed("line: unreadable");
  }
}

/**
 * Where the values of the line being parsed lie: value `i` is `line.slice(bounds[i] + 1,
 * bounds[i + 1])`, with `bounds[0] = -1` and `bounds[FIELD_COUNT]` the end of the line without its
 * newline. One array serves every call, as parsing is synchronous and never re-entered.
 */
const bounds = new Int32Array(FIELD_COUNT + 1);

/** Whether the line being parsed holds any CMCD value (set by `locateValues`). */
let sentCmcd = true;

function valueStart(field: number): number {
  return (bounds[field] ?? 0) + 1;
}

function valueEnd(field: number): number {
  return bounds[field + 1] ?? 0;
}

/**
 * Fills `bounds` for `line`, its newline (LF or CRLF) left out. `indexOf` finds the tabs: one
 * native search per value costs far less than a loop over the characters in script.
 */
function locateValues(line: string): void {
  let end = line.length;
  if (line.charCodeAt(end - 1) === LF) {
    end -= 1;
    if (line.charCodeAt(end - 1) === CR) end -= 1;
  }
  bounds[0] = -1;
  let values = 1;
  sentCmcd = true;
  // A newline holds no tab, so every tab found lies before `end`.
  for (let at = line.indexOf("\t"); at !== -1; at = line.indexOf("\t", at + 1)) {
    // Past the last field the tabs are only counted, for the reason.
    if (values < FIELD_COUNT) bounds[values] = at;
    values += 1;
    // From a player that sends no CMCD, the line ends with every CMCD value `-` (they come last):
    // one comparison settles them all, where fifteen searches would find their tabs. Their bounds
    // are left unset, as no CMCD value of such a line is read.
    if (
      values === CMCD_ENCODED_BITRATE + 1 &&
      end - at - 1 === NO_CMCD_TEXT.length &&
      line.startsWith(NO_CMCD_TEXT, at + 1)
    ) {
      values = FIELD_COUNT;
      sentCmcd = false;
      break;
    }
  }
  if (values !== FIELD_COUNT) {
    throw new FieldError(`fields: expected ${FIELD_COUNT} tab-separated values, got ${values}`);
  }
  bounds[FIELD_COUNT] = end;
}

/**
 * The row of a line. Values are checked in the order of the earlier implementation (not the
 * order of the line), so a line with several faults keeps the reason it always had; the CMCD
 * values last, in the order of the line. Every row has every CMCD key, undefined when absent: one
 * shape for all rows keeps the code that reads them fast.
 */
function toRow(line: string): ParsedRow {
  locateValues(line);
  const time = decimal(line, TIMESTAMP, 10);
  if (time < 0) throw new FieldError("timestamp: expected epoch seconds such as 1602646738.145");
  // `time` is in ten-thousandths of a second: digits past the milliseconds are dropped, as
  // rounding could carry into the next second.
  const fraction = time % 10_000;
  const seconds = (time - fraction) / 10_000;
  if (seconds < MIN_EPOCH_SECONDS || seconds > MAX_EPOCH_SECONDS) {
    throw new FieldError("timestamp: out of range");
  }
  const status = statusCode(line);
  const aborted = status === 0;
  // A viewer that hangs up before the first byte leaves no time to first byte.
  const ttfb =
    aborted && isDash(line, TIME_TO_FIRST_BYTE) ? 0 : milliseconds(line, TIME_TO_FIRST_BYTE);
  const path = uriStem(line);
  const resultType = resultTypeText(line, RESULT_TYPE);
  const responseResultType = resultTypeText(line, RESPONSE_RESULT_TYPE);
  const cmcd = sentCmcd;
  return {
    request_id: requestId(line),
    timestamp: dateTimeText(seconds),
    timestamp_ms: Math.floor(fraction / 10),
    course_id: path.courseId,
    video_id: path.videoId,
    rendition: path.rendition,
    protocol: path.protocol,
    edge_location: text(line, EDGE_LOCATION),
    country: country(line),
    status,
    ttfb_ms: ttfb,
    time_taken_ms: milliseconds(line, TIME_TAKEN),
    bytes: unsigned(line, SC_BYTES),
    result_type: resultType,
    detailed_result_type: resultTypeText(line, DETAILED_RESULT_TYPE),
    cache_hit:
      CACHE_HIT_RESULT_TYPES.has(resultType) || CACHE_HIT_RESULT_TYPES.has(responseResultType)
        ? 1
        : 0,
    is_error: status >= 500 && status <= 599 ? 1 : 0,
    aborted: aborted ? 1 : 0,
    cmcd_encoded_bitrate_kbps: cmcd ? cmcdInteger(line, CMCD_ENCODED_BITRATE) : undefined,
    cmcd_buffer_length_ms: cmcd ? cmcdInteger(line, CMCD_BUFFER_LENGTH) : undefined,
    cmcd_buffer_starvation: cmcd ? cmcdBoolean(line, CMCD_BUFFER_STARVATION) : undefined,
    cmcd_content_id: cmcd ? cmcdText(line, CMCD_CONTENT_ID) : undefined,
    cmcd_object_duration_ms: cmcd ? cmcdInteger(line, CMCD_OBJECT_DURATION) : undefined,
    cmcd_deadline_ms: cmcd ? cmcdInteger(line, CMCD_DEADLINE) : undefined,
    cmcd_measured_throughput_kbps: cmcd ? cmcdInteger(line, CMCD_MEASURED_THROUGHPUT) : undefined,
    cmcd_object_type: cmcd ? cmcdText(line, CMCD_OBJECT_TYPE) : undefined,
    cmcd_requested_max_throughput_kbps: cmcd
      ? cmcdInteger(line, CMCD_REQUESTED_MAX_THROUGHPUT)
      : undefined,
    cmcd_streaming_format: cmcd ? cmcdText(line, CMCD_STREAMING_FORMAT) : undefined,
    cmcd_session_id: cmcd ? cmcdText(line, CMCD_SESSION_ID) : undefined,
    cmcd_stream_type: cmcd ? cmcdText(line, CMCD_STREAM_TYPE) : undefined,
    cmcd_startup: cmcd ? cmcdBoolean(line, CMCD_STARTUP) : undefined,
    cmcd_top_bitrate_kbps: cmcd ? cmcdInteger(line, CMCD_TOP_BITRATE) : undefined,
    cmcd_version: cmcd ? cmcdInteger(line, CMCD_VERSION) : undefined,
  };
}

function fieldName(field: number): string {
  return PLAYBACK_LOG_FIELDS[field] ?? "line";
}

function isDash(line: string, field: number): boolean {
  const start = valueStart(field);
  return valueEnd(field) - start === 1 && line.charCodeAt(start) === DASH;
}

/** The digit at `at`, or -1 for anything else (NaN past the end included). */
function digitAt(text: string, at: number): number {
  const digit = text.charCodeAt(at) - DIGIT_0;
  return digit >= 0 && digit <= 9 ? digit : -1;
}

/** Place values of the first four fraction digits, in ten-thousandths. */
const FRACTION_PLACES = [1000, 100, 10, 1] as const;

/**
 * A value of 1 to `maxWholeDigits` digits, optionally followed by `.` and 1 to 9 digits, in
 * ten-thousandths (fraction digits past the fourth dropped); -1 for any other text. Whole numbers
 * keep the sums exact: 10 digits times 10^4 stays below 2^53.
 */
function decimal(line: string, field: number, maxWholeDigits: number): number {
  const start = valueStart(field);
  const end = valueEnd(field);
  let at = start;
  let whole = 0;
  while (at < end) {
    const digit = digitAt(line, at);
    if (digit < 0) break;
    whole = whole * 10 + digit;
    at += 1;
  }
  if (at === start || at - start > maxWholeDigits) return -1;
  if (at === end) return whole * 10_000;
  const fractionStart = at + 1;
  if (line.charCodeAt(at) !== DOT || end - fractionStart < 1 || end - fractionStart > 9) return -1;
  let fraction = 0;
  for (at = fractionStart; at < end; at += 1) {
    const digit = digitAt(line, at);
    if (digit < 0) return -1;
    fraction += digit * (FRACTION_PLACES[at - fractionStart] ?? 0);
  }
  return whole * 10_000 + fraction;
}

/** Seconds with decimals -> whole milliseconds, rounded half up on the fourth decimal. */
function milliseconds(line: string, field: number): number {
  if (isDash(line, field)) throw new FieldError(`${fieldName(field)}: missing`);
  const value = decimal(line, field, 9);
  if (value < 0) throw new FieldError(`${fieldName(field)}: expected seconds such as 0.125`);
  const halfUp = value + 5;
  const result = (halfUp - (halfUp % 10)) / 10;
  if (result > MAX_UINT32) throw new FieldError(`${fieldName(field)}: out of range`);
  return result;
}

/** `sc-status`: exactly three digits (`000` for a request the viewer abandoned). */
function statusCode(line: string): number {
  const start = valueStart(SC_STATUS);
  const hundreds = digitAt(line, start);
  const tens = digitAt(line, start + 1);
  const units = digitAt(line, start + 2);
  if (valueEnd(SC_STATUS) - start !== 3 || hundreds < 0 || tens < 0 || units < 0) {
    throw new FieldError("sc-status: expected three digits");
  }
  return hundreds * 100 + tens * 10 + units;
}

/** 1 to 16 digits holding a safe integer. */
function unsigned(line: string, field: number): number {
  const start = valueStart(field);
  const end = valueEnd(field);
  let value = end - start >= 1 && end - start <= 16 ? 0 : -1;
  for (let at = start; at < end && value >= 0; at += 1) {
    const digit = digitAt(line, at);
    value = digit < 0 ? -1 : value * 10 + digit;
  }
  // Below 2^53 every step is exact; at or past it the sum stays at or past it, so it is refused.
  if (value < 0 || value > Number.MAX_SAFE_INTEGER) {
    throw new FieldError(`${fieldName(field)}: expected a non-negative integer`);
  }
  return value;
}

/** A text value: `-` -> empty; otherwise visible ASCII, at most `MAX_TEXT_LENGTH` characters. */
function text(line: string, field: number): string {
  if (isDash(line, field)) return "";
  const start = valueStart(field);
  const end = valueEnd(field);
  const value = line.slice(start, end);
  if (end - start > MAX_TEXT_LENGTH || !VISIBLE_ASCII.test(value)) {
    throw new FieldError(
      `${fieldName(field)}: expected up to ${MAX_TEXT_LENGTH} visible ASCII characters`,
    );
  }
  return value;
}

/**
 * Result types CloudFront writes (`x-edge-result-type`, `x-edge-response-result-type` and
 * `x-edge-detailed-result-type` in its guide's real-time log fields), the commonest first.
 */
const RESULT_TYPES: readonly string[] = [
  "Hit",
  "RefreshHit",
  "Miss",
  "Error",
  "OriginShieldHit",
  "Redirect",
  "LimitExceeded",
  "CapacityExceeded",
  "ClientCommError",
  "ClientHungUpRequest",
  "AbortedOrigin",
  "OriginError",
  "OriginCommError",
  "OriginConnectError",
  "OriginDnsError",
  "OriginReadError",
  "LambdaExecutionError",
];

/**
 * A result type as `text` reads it; one of `RESULT_TYPES` is that very string, neither cut out nor
 * checked again (and its hash, for `CACHE_HIT_RESULT_TYPES`, is kept with it).
 */
function resultTypeText(line: string, field: number): string {
  const start = valueStart(field);
  const length = valueEnd(field) - start;
  for (let index = 0; index < RESULT_TYPES.length; index += 1) {
    const known = RESULT_TYPES[index] ?? "";
    if (known.length === length && line.startsWith(known, start)) return known;
  }
  return text(line, field);
}

function requestId(line: string): string {
  if (isDash(line, REQUEST_ID) || valueEnd(REQUEST_ID) === valueStart(REQUEST_ID)) {
    throw new FieldError("x-edge-request-id: missing");
  }
  return text(line, REQUEST_ID);
}

function country(line: string): string {
  if (isDash(line, C_COUNTRY)) return "";
  const start = valueStart(C_COUNTRY);
  const first = line.charCodeAt(start);
  const second = line.charCodeAt(start + 1);
  if (
    valueEnd(C_COUNTRY) - start !== 2 ||
    !(first >= UPPER_A && first <= UPPER_Z && second >= UPPER_A && second <= UPPER_Z)
  ) {
    throw new FieldError("c-country: expected two upper-case letters");
  }
  return line.slice(start, start + 2);
}

/** Course, video, rendition and protocol from `cs-uri-stem` (see `parse-path.ts`). */
function uriStem(line: string): PathParts {
  const start = valueStart(CS_URI_STEM);
  const end = valueEnd(CS_URI_STEM);
  if (start === end || isDash(line, CS_URI_STEM)) throw new FieldError("cs-uri-stem: missing");
  const parts = pathParts(line, start, end);
  if (parts === undefined) throw new FieldError("cs-uri-stem: bad percent-encoding");
  return parts;
}

/** A CMCD integer (kbps, milliseconds, version): `-` -> undefined; else 1 to 10 digits, a UInt32. */
function cmcdInteger(line: string, field: number): number | undefined {
  const start = valueStart(field);
  const end = valueEnd(field);
  if (end - start === 1 && line.charCodeAt(start) === DASH) return undefined;
  let value = end - start >= 1 && end - start <= 10 ? 0 : -1;
  for (let at = start; at < end && value >= 0; at += 1) {
    const digit = digitAt(line, at);
    value = digit < 0 ? -1 : value * 10 + digit;
  }
  if (value < 0 || value > MAX_UINT32) {
    throw new FieldError(`${fieldName(field)}: expected - or an integer from 0 to ${MAX_UINT32}`);
  }
  return value;
}

/**
 * A CMCD flag (`bs`, `su`): `-` -> undefined; `true` or `1` -> true; `false` or `0` -> false;
 * nothing else. CloudFront's guide lists these fields as booleans; public consumers of its logs
 * type them so (the AWS sample aws-samples/cloudfront-cmcd-realtime-dashboard loads them as
 * Timestream BOOLEAN), and both spellings a logged boolean takes are read alike. CMCD v1 players
 * send these keys only when true (v2 makes them required), so on a line with other CMCD values `-`
 * most likely means false; it stays undefined here, as logged, and the readers of the rows decide.
 */
function cmcdBoolean(line: string, field: number): boolean | undefined {
  const start = valueStart(field);
  const length = valueEnd(field) - start;
  if (length === 1) {
    const code = line.charCodeAt(start);
    if (code === DASH) return undefined;
    if (code === DIGIT_1) return true;
    if (code === DIGIT_0) return false;
  }
  if (length === 4 && line.startsWith("true", start)) return true;
  if (length === 5 && line.startsWith("false", start)) return false;
  throw new FieldError(`${fieldName(field)}: expected -, true, false, 1 or 0`);
}

/** Each visible ASCII character as a string, by its code; undefined for the rest. */
const VISIBLE_CHARACTERS: readonly (string | undefined)[] = Array.from(
  { length: 0x7f },
  (_, code) => (code >= 0x21 ? String.fromCharCode(code) : undefined),
);

/** A CMCD token or id: `-` -> undefined; else 1 to `MAX_TEXT_LENGTH` visible ASCII characters. */
function cmcdText(line: string, field: number): string | undefined {
  const start = valueStart(field);
  const end = valueEnd(field);
  const first = line.charCodeAt(start);
  if (end - start === 1) {
    if (first === DASH) return undefined;
    // One-character tokens (`v`, `h`) come from a table, without a call to cut them out.
    const token = VISIBLE_CHARACTERS[first];
    if (token !== undefined) return token;
  }
  const value = line.slice(start, end);
  // Tokens (`av`) are checked in place: quicker than the pattern, which ids still take.
  const last = line.charCodeAt(end - 1);
  const visible =
    end - start <= 2
      ? end > start && first >= 0x21 && first <= 0x7e && last >= 0x21 && last <= 0x7e
      : end - start <= MAX_TEXT_LENGTH && VISIBLE_ASCII.test(value);
  if (!visible) {
    throw new FieldError(
      `${fieldName(field)}: expected - or 1 to ${MAX_TEXT_LENGTH} visible ASCII characters`,
    );
  }
  return value;
}
