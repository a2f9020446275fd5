/**
 * CloudFront real-time log lines of the video distributions -> `playback_requests` rows (pure).
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
import type { PlaybackRow } from "../clickhouse/tables";
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

/** A line turned into a row. */
export interface Parsed {
  readonly kind: "row";
  readonly row: PlaybackRow;
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

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
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
  // Node's decoder (`write` and `Buffer.from` share it) skips what is not base64, so the bytes
  // count only when the data is their encoding: encoding them again and getting the data back
  // proves it, in far less time than the pattern takes. Base64 that Node would write otherwise
  // (padding bits not zero) is rare; there the pattern decides.
  const length = scratch.write(data, "base64");
  if (scratch.toString("base64", 0, length) === data) return length;
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
  // A newline holds no tab, so every tab found lies before `end`.
  for (let at = line.indexOf("\t"); at !== -1; at = line.indexOf("\t", at + 1)) {
    // Past the last field the tabs are only counted, for the reason.
    if (values < FIELD_COUNT) bounds[values] = at;
    values += 1;
  }
  if (values !== FIELD_COUNT) {
    throw new FieldError(`fields: expected ${FIELD_COUNT} tab-separated values, got ${values}`);
  }
  bounds[FIELD_COUNT] = end;
}

/**
 * The row of a line. Values are checked in the order of the earlier implementation (not the
 * order of the line), so a line with several faults keeps the reason it always had.
 */
function toRow(line: string): PlaybackRow {
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
  const resultType = text(line, RESULT_TYPE);
  const responseResultType = text(line, RESPONSE_RESULT_TYPE);
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
    detailed_result_type: text(line, DETAILED_RESULT_TYPE),
    cache_hit:
      CACHE_HIT_RESULT_TYPES.has(resultType) || CACHE_HIT_RESULT_TYPES.has(responseResultType)
        ? 1
        : 0,
    is_error: status >= 500 && status <= 599 ? 1 : 0,
    aborted: aborted ? 1 : 0,
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
