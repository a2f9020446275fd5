/**
 * The CMCD values of a real-time log line: lines from players that send CMCD and from players
 * that send none (every CMCD value `-`), each kind of value as CloudFront writes it and as it goes
 * wrong, and the field list against CloudFront's canonical order.
 */
import { describe, expect, it } from "vitest";
import { PLAYBACK_LOG_FIELDS, type PlaybackLogField } from "../../../contracts/playback-logs";
import { parseLogLine, parseRecordData, type ParseResult, type PlaybackCmcd } from "./parse";
import {
  CMCD_VALUES,
  EXPECTED_CMCD,
  EXPECTED_ROW,
  SESSION_ID,
  VIDEO_ID,
  encode,
  logLine,
} from "./fixtures/events";

/**
 * CloudFront's real-time log fields in the order it writes them (the developer guide's "Real-time
 * log configuration fields", https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/real-time-logs.html).
 */
const CANONICAL_ORDER = [
  "timestamp",
  "c-ip",
  "s-ip",
  "time-to-first-byte",
  "sc-status",
  "sc-bytes",
  "cs-method",
  "cs-protocol",
  "cs-host",
  "cs-uri-stem",
  "cs-bytes",
  "x-edge-location",
  "x-edge-request-id",
  "x-host-header",
  "time-taken",
  "cs-protocol-version",
  "c-ip-version",
  "cs-user-agent",
  "cs-referer",
  "cs-cookie",
  "cs-uri-query",
  "x-edge-response-result-type",
  "x-forwarded-for",
  "ssl-protocol",
  "ssl-cipher",
  "x-edge-result-type",
  "fle-encrypted-fields",
  "fle-status",
  "sc-content-type",
  "sc-content-len",
  "sc-range-start",
  "sc-range-end",
  "c-port",
  "x-edge-detailed-result-type",
  "c-country",
  "cs-accept-encoding",
  "cs-accept",
  "cache-behavior-path-pattern",
  "cs-headers",
  "cs-header-names",
  "cs-headers-count",
  "primary-distribution-id",
  "primary-distribution-dns-name",
  "origin-fbl",
  "origin-lbl",
  "asn",
  "cmcd-encoded-bitrate",
  "cmcd-buffer-length",
  "cmcd-buffer-starvation",
  "cmcd-content-id",
  "cmcd-object-duration",
  "cmcd-deadline",
  "cmcd-measured-throughput",
  "cmcd-next-object-request",
  "cmcd-next-range-request",
  "cmcd-object-type",
  "cmcd-playback-rate",
  "cmcd-requested-maximum-throughput",
  "cmcd-streaming-format",
  "cmcd-session-id",
  "cmcd-stream-type",
  "cmcd-startup",
  "cmcd-top-bitrate",
  "cmcd-version",
];

/** Every CMCD key of a row, undefined: what a line without CMCD gives. */
const NO_CMCD: { readonly [K in keyof Required<PlaybackCmcd>]: undefined } = {
  cmcd_encoded_bitrate_kbps: undefined,
  cmcd_buffer_length_ms: undefined,
  cmcd_buffer_starvation: undefined,
  cmcd_content_id: undefined,
  cmcd_object_duration_ms: undefined,
  cmcd_deadline_ms: undefined,
  cmcd_measured_throughput_kbps: undefined,
  cmcd_object_type: undefined,
  cmcd_requested_max_throughput_kbps: undefined,
  cmcd_streaming_format: undefined,
  cmcd_session_id: undefined,
  cmcd_stream_type: undefined,
  cmcd_startup: undefined,
  cmcd_top_bitrate_kbps: undefined,
  cmcd_version: undefined,
};

function parse(overrides: Partial<Record<PlaybackLogField, string>>): ParseResult {
  return parseLogLine(logLine({ ...CMCD_VALUES, ...overrides }));
}

function rowOf(result: ParseResult) {
  if (result.kind !== "row") throw new Error(`expected a row, got ${result.reason}`);
  return result.row;
}

describe("the CMCD fields of the real-time log configuration", () => {
  it("come in CloudFront's canonical order, after every other field the stack selects", () => {
    const positions = PLAYBACK_LOG_FIELDS.map((field) => CANONICAL_ORDER.indexOf(field));
    expect(positions).not.toContain(-1);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(PLAYBACK_LOG_FIELDS.slice(PLAYBACK_LOG_FIELDS.indexOf("cmcd-encoded-bitrate"))).toEqual([
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
    ]);
  });

  it("leave out everything personal: addresses, agents, cookies, query strings, headers", () => {
    for (const field of [
      "c-ip",
      "x-forwarded-for",
      "cs-user-agent",
      "cs-cookie",
      "cs-referer",
      "cs-uri-query",
      "cs-headers",
      "cs-header-names",
      "cmcd-next-object-request",
    ]) {
      expect(PLAYBACK_LOG_FIELDS).not.toContain(field);
    }
  });
});

describe("parseLogLine: CMCD values", () => {
  it("reads a line from a player that sends CMCD, every value typed", () => {
    const line = logLine(CMCD_VALUES);
    // The line as CloudFront writes it: the CMCD values last, in the contract's order.
    expect(line).toContain(
      `\t/courses/*\t3000\t1200\ttrue\t${VIDEO_ID}\t4004\t1000\t18700\tv\t15000\th\t${SESSION_ID}\tv\t-\t6000\t1\n`,
    );
    expect(parseLogLine(line)).toStrictEqual({
      kind: "row",
      row: { ...EXPECTED_ROW, ...EXPECTED_CMCD, cmcd_startup: undefined },
    });
  });

  it("reads a line from a player that sends no CMCD: the row as before, every CMCD key undefined", () => {
    const line = logLine();
    expect(line.split("\t").slice(-15)).toEqual([...Array<string>(14).fill("-"), "-\n"]);
    expect(parseLogLine(line)).toStrictEqual({ kind: "row", row: { ...EXPECTED_ROW, ...NO_CMCD } });
  });

  it("reads a line without CMCD the same with any ending, and still counts its fields", () => {
    const line = logLine();
    for (const ending of ["", "\r\n"]) {
      expect(parseLogLine(line.replace(/\n$/, ending))).toStrictEqual(parseLogLine(line));
    }
    const fields = PLAYBACK_LOG_FIELDS.length;
    const reason = (got: number) => ({
      kind: "malformed",
      reason: `fields: expected ${fields} tab-separated values, got ${got}`,
    });
    // Every CMCD value `-`, and one more value after them, or one `-` too few.
    expect(parseLogLine(line.replace(/\n$/, "\t-\n"))).toEqual(reason(fields + 1));
    expect(parseLogLine(line.replace(/\t-\n$/, "\n"))).toEqual(reason(fields - 1));
    // A `-` short of a line without CMCD, made up by a value before them: still one field short.
    expect(parseLogLine(line.replace("\t/courses/*\t-", "\t/courses/*-"))).toEqual(
      reason(fields - 1),
    );
  });

  it("reads the values from Kinesis record data, with a CRLF ending", () => {
    const row = rowOf(
      parseRecordData(encode(logLine({ ...CMCD_VALUES, "cmcd-startup": "true" }, "\r\n"))),
    );
    expect(row.cmcd_startup).toBe(true);
    expect(row.cmcd_version).toBe(1);
    expect(row.cmcd_session_id).toBe(SESSION_ID);
  });

  it("keeps each value apart: one value present, the others undefined", () => {
    const row = rowOf(parseLogLine(logLine({ "cmcd-buffer-length": "21300" })));
    expect(row).toStrictEqual({ ...EXPECTED_ROW, ...NO_CMCD, cmcd_buffer_length_ms: 21300 });
  });

  it("reads the flags as true or false", () => {
    expect(rowOf(parse({ "cmcd-buffer-starvation": "false" })).cmcd_buffer_starvation).toBe(false);
    expect(rowOf(parse({ "cmcd-buffer-starvation": "true" })).cmcd_buffer_starvation).toBe(true);
    expect(rowOf(parse({ "cmcd-startup": "false" })).cmcd_startup).toBe(false);
    expect(rowOf(parse({ "cmcd-startup": "-" })).cmcd_startup).toBeUndefined();
  });

  // CloudFront's guide does not show the text of a logged boolean: both spellings are read.
  it.each([
    ["true", true],
    ["1", true],
    ["false", false],
    ["0", false],
  ] as const)("reads the flag %j as %s in either field", (value, flag) => {
    const row = rowOf(parse({ "cmcd-buffer-starvation": value, "cmcd-startup": value }));
    expect(row.cmcd_buffer_starvation).toBe(flag);
    expect(row.cmcd_startup).toBe(flag);
    expect(row.cmcd_buffer_length_ms).toBe(1200);
  });

  it.each(["True", "TRUE", "2", "00", "01", "bs", "", "yes", "true ", "-1"])(
    "refuses the flag %j, naming the field",
    (value) => {
      expect(parse({ "cmcd-buffer-starvation": value })).toEqual({
        kind: "malformed",
        reason: "cmcd-buffer-starvation: expected -, true, false, 1 or 0",
      });
      expect(parse({ "cmcd-startup": value })).toEqual({
        kind: "malformed",
        reason: "cmcd-startup: expected -, true, false, 1 or 0",
      });
    },
  );

  it("reads integers from 0 to the largest UInt32, leading zeros included", () => {
    expect(rowOf(parse({ "cmcd-encoded-bitrate": "0" })).cmcd_encoded_bitrate_kbps).toBe(0);
    expect(rowOf(parse({ "cmcd-top-bitrate": "4294967295" })).cmcd_top_bitrate_kbps).toBe(
      4_294_967_295,
    );
    expect(rowOf(parse({ "cmcd-deadline": "0000000042" })).cmcd_deadline_ms).toBe(42);
  });

  it.each(["4294967296", "12345678901", "-1", "+1", "1.5", "1e3", "", " 100", "１００", "--"])(
    "refuses the integer %j, naming the field",
    (value) => {
      for (const field of [
        "cmcd-encoded-bitrate",
        "cmcd-buffer-length",
        "cmcd-object-duration",
        "cmcd-deadline",
        "cmcd-measured-throughput",
        "cmcd-requested-maximum-throughput",
        "cmcd-top-bitrate",
        "cmcd-version",
      ] as const) {
        expect(parse({ [field]: value })).toEqual({
          kind: "malformed",
          reason: `${field}: expected - or an integer from 0 to 4294967295`,
        });
      }
    },
  );

  it("keeps ids and tokens as sent, up to 128 visible ASCII characters", () => {
    const id = "x".repeat(128);
    const row = rowOf(parse({ "cmcd-session-id": id, "cmcd-content-id": '"intro-to-finance"' }));
    expect(row.cmcd_session_id).toBe(id);
    expect(row.cmcd_content_id).toBe('"intro-to-finance"');
    expect(rowOf(parse({ "cmcd-object-type": "av" })).cmcd_object_type).toBe("av");
  });

  it("keeps one-character tokens at either end of visible ASCII", () => {
    for (const token of ["!", "~", "v", "h"]) {
      expect(rowOf(parse({ "cmcd-stream-type": token })).cmcd_stream_type).toBe(token);
    }
  });

  it.each(["", "x".repeat(129), "a b", "caf\u00e9", "\u0000", "\u007f", " ", "\u00e9", "\u0100"])(
    "refuses the id or token %j, naming the field",
    (value) => {
      for (const field of [
        "cmcd-content-id",
        "cmcd-object-type",
        "cmcd-streaming-format",
        "cmcd-session-id",
        "cmcd-stream-type",
      ] as const) {
        expect(parse({ [field]: value })).toEqual({
          kind: "malformed",
          reason: `${field}: expected - or 1 to 128 visible ASCII characters`,
        });
      }
    },
  );

  it("reports a fault of the request's own fields before a fault of its CMCD values", () => {
    expect(parse({ "sc-status": "2O0", "cmcd-buffer-length": "x" })).toEqual({
      kind: "malformed",
      reason: "sc-status: expected three digits",
    });
    expect(parse({ "cmcd-buffer-length": "x", "cmcd-encoded-bitrate": "y" })).toEqual({
      kind: "malformed",
      reason: "cmcd-encoded-bitrate: expected - or an integer from 0 to 4294967295",
    });
  });

  it("counts the CMCD values among the fields: a line without them is short", () => {
    const short = logLine().split("\t").slice(0, -15).join("\t");
    expect(parseLogLine(`${short}\n`)).toEqual({
      kind: "malformed",
      reason: `fields: expected ${PLAYBACK_LOG_FIELDS.length} tab-separated values, got ${PLAYBACK_LOG_FIELDS.length - 15}`,
    });
  });
});
