import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PLAYBACK_LOG_FIELDS, type PlaybackLogField } from "../../../contracts/playback-logs";
import {
  MAX_LINE_BYTES,
  decodeRecordData,
  parseLogLine,
  parseRecordData,
  type ParseResult,
} from "./parse";
import { COURSE_ID, EXPECTED_ROW, VIDEO_ID, encode, logLine } from "./fixtures/events";

type Overrides = Partial<Record<PlaybackLogField, string>>;

/** The row of a line with `overrides`; fails the test if the line is malformed. */
function row(overrides: Overrides = {}) {
  const result = parseLogLine(logLine(overrides));
  if (result.kind !== "row") throw new Error(`expected a row, got ${result.reason}`);
  return result.row;
}

/** The reason a line with `overrides` is malformed; fails the test if it parses. */
function reason(overrides: Overrides): string {
  const result = parseLogLine(logLine(overrides));
  if (result.kind !== "malformed") throw new Error("expected a malformed result");
  return result.reason;
}

describe("parseLogLine", () => {
  it("turns a real-format segment request into its row", () => {
    expect(parseLogLine(logLine())).toEqual({ kind: "row", row: EXPECTED_ROW });
  });

  it("accepts a line with or without a trailing newline", () => {
    expect(parseLogLine(logLine({}, ""))).toEqual({ kind: "row", row: EXPECTED_ROW });
    expect(parseLogLine(logLine({}, "\r\n"))).toEqual({ kind: "row", row: EXPECTED_ROW });
  });

  it("needs exactly one value per configured field", () => {
    const values = logLine({}, "").split("\t");
    expect(parseLogLine(values.slice(1).join("\t"))).toEqual({
      kind: "malformed",
      reason: `fields: expected ${PLAYBACK_LOG_FIELDS.length} tab-separated values, got ${PLAYBACK_LOG_FIELDS.length - 1}`,
    });
    expect(parseLogLine([...values, "extra"].join("\t"))).toEqual({
      kind: "malformed",
      reason: `fields: expected ${PLAYBACK_LOG_FIELDS.length} tab-separated values, got ${PLAYBACK_LOG_FIELDS.length + 1}`,
    });
    expect(parseLogLine("")).toEqual({
      kind: "malformed",
      reason: `fields: expected ${PLAYBACK_LOG_FIELDS.length} tab-separated values, got 1`,
    });
    // A second line in the same record is not a field separator either.
    expect(parseLogLine(logLine() + logLine()).kind).toBe("malformed");
  });

  describe("timestamp", () => {
    it.each([
      ["1602646738.145", "2020-10-14 03:38:58", 145],
      ["1602646738.000", "2020-10-14 03:38:58", 0],
      ["1602646738.005", "2020-10-14 03:38:58", 5],
      ["1602646738.1", "2020-10-14 03:38:58", 100],
      ["1602646738", "2020-10-14 03:38:58", 0],
      // Digits past the milliseconds are dropped, never carried into the next second.
      ["1602646738.9999", "2020-10-14 03:38:58", 999],
      ["1735689599.999", "2024-12-31 23:59:59", 999],
      ["1735689600.001", "2025-01-01 00:00:00", 1],
      ["946684800.000", "2000-01-01 00:00:00", 0],
    ])("%s -> %s and %i ms", (timestamp, expected, ms) => {
      expect(row({ timestamp })).toMatchObject({ timestamp: expected, timestamp_ms: ms });
    });

    it.each([
      "-",
      "",
      "abc",
      "1602646738.",
      ".145",
      "1602646738,145",
      "1.602646738e9",
      "-1602646738",
    ])("rejects %j", (timestamp) => {
      expect(reason({ timestamp })).toBe(
        "timestamp: expected epoch seconds such as 1602646738.145",
      );
    });

    it("rejects times before 2000", () => {
      expect(reason({ timestamp: "946684799.999" })).toBe("timestamp: out of range");
      expect(reason({ timestamp: "0" })).toBe("timestamp: out of range");
    });

    // ClickHouse 18.16 reads DateTime text in 2106 wrongly, though the type reaches 2106-02-07.
    it("accepts times up to 2105-12-31T23:59:59Z and no later", () => {
      expect(row({ timestamp: "4291747199.999" })).toMatchObject({
        timestamp: "2105-12-31 23:59:59",
        timestamp_ms: 999,
      });
      expect(reason({ timestamp: "4291747200" })).toBe("timestamp: out of range");
      expect(reason({ timestamp: "4291747200.000" })).toBe("timestamp: out of range");
      expect(reason({ timestamp: "4294967295.000" })).toBe("timestamp: out of range");
      expect(reason({ timestamp: "9999999999" })).toBe("timestamp: out of range");
    });

    it("agrees with Date for any second and millisecond", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 946_684_800, max: 4_291_747_199 }),
          fc.integer({ min: 0, max: 999 }),
          (seconds, ms) => {
            const parsed = row({ timestamp: `${seconds}.${String(ms).padStart(3, "0")}` });
            const iso = new Date(seconds * 1000 + ms).toISOString();
            expect(parsed.timestamp).toBe(`${iso.slice(0, 10)} ${iso.slice(11, 19)}`);
            expect(parsed.timestamp_ms).toBe(ms);
          },
        ),
      );
    });
  });

  describe("time-to-first-byte and time-taken", () => {
    it.each([
      ["0.002", 2],
      ["0.1", 100],
      ["12", 12_000],
      ["0.0005", 1],
      ["0.00049", 0],
      ["0.0015", 2],
      ["0.0014", 1],
      ["1.2345", 1235],
      // 1.005 * 1000 is 1004.9999999999999 in floating point.
      ["1.005", 1005],
      ["0.5555", 556],
      ["2.9995", 3000],
    ])("%s s -> %i ms, rounded half up", (seconds, ms) => {
      expect(row({ "time-to-first-byte": seconds }).ttfb_ms).toBe(ms);
      expect(row({ "time-taken": seconds }).time_taken_ms).toBe(ms);
    });

    it.each(["abc", "1,5", "-0.5", ".5", "1e3", " 0.5"])("rejects %j", (value) => {
      expect(reason({ "time-to-first-byte": value })).toBe(
        "time-to-first-byte: expected seconds such as 0.125",
      );
      expect(reason({ "time-taken": value })).toBe("time-taken: expected seconds such as 0.125");
    });

    it("rejects durations a UInt32 of milliseconds cannot hold", () => {
      expect(reason({ "time-taken": "4294968" })).toBe("time-taken: out of range");
      expect(row({ "time-taken": "4294967.295" }).time_taken_ms).toBe(4_294_967_295);
    });

    it("needs a time taken", () => {
      expect(reason({ "time-taken": "-" })).toBe("time-taken: missing");
      expect(reason({ "time-taken": "-", "sc-status": "000" })).toBe("time-taken: missing");
    });

    it("lets an aborted request (000) have no time to first byte, and no other", () => {
      expect(row({ "sc-status": "000", "time-to-first-byte": "-" })).toMatchObject({
        status: 0,
        aborted: 1,
        ttfb_ms: 0,
        is_error: 0,
      });
      expect(row({ "sc-status": "000", "time-to-first-byte": "0.004" }).ttfb_ms).toBe(4);
      expect(reason({ "sc-status": "200", "time-to-first-byte": "-" })).toBe(
        "time-to-first-byte: missing",
      );
      expect(reason({ "sc-status": "504", "time-to-first-byte": "-" })).toBe(
        "time-to-first-byte: missing",
      );
    });
  });

  describe("sc-status", () => {
    it.each([
      ["200", 200, 0, 0],
      ["206", 206, 0, 0],
      ["304", 304, 0, 0],
      ["403", 403, 0, 0],
      ["499", 499, 0, 0],
      ["500", 500, 1, 0],
      ["503", 503, 1, 0],
      ["599", 599, 1, 0],
      ["000", 0, 0, 1],
    ])("%s -> status %i, is_error %i, aborted %i", (value, status, isError, aborted) => {
      expect(row({ "sc-status": value })).toMatchObject({
        status,
        is_error: isError,
        aborted,
      });
    });

    it.each(["-", "", "20", "2000", "2O0", "+20"])("rejects %j", (value) => {
      expect(reason({ "sc-status": value })).toBe("sc-status: expected three digits");
    });
  });

  describe("sc-bytes", () => {
    it.each([
      ["0", 0],
      ["1130467", 1_130_467],
      ["123456789012", 123_456_789_012],
      ["9007199254740991", Number.MAX_SAFE_INTEGER],
    ])("%s -> %i", (value, bytes) => {
      expect(row({ "sc-bytes": value }).bytes).toBe(bytes);
    });

    it.each(["-", "", "-1", "1.5", "12ab", "1e6", "9007199254740992"])("rejects %j", (value) => {
      expect(reason({ "sc-bytes": value })).toBe("sc-bytes: expected a non-negative integer");
    });
  });

  describe("cache_hit", () => {
    it.each(["Hit", "RefreshHit", "OriginShieldHit"])(
      "is 1 for %s in either result type",
      (type) => {
        expect(
          row({ "x-edge-result-type": type, "x-edge-response-result-type": "Miss" }).cache_hit,
        ).toBe(1);
        expect(
          row({ "x-edge-result-type": "Miss", "x-edge-response-result-type": type }).cache_hit,
        ).toBe(1);
      },
    );

    it.each(["Miss", "Error", "LimitExceeded", "CapacityExceeded", "Redirect", "-", "hit"])(
      "is 0 for %s",
      (type) => {
        expect(
          row({ "x-edge-result-type": type, "x-edge-response-result-type": type }).cache_hit,
        ).toBe(0);
      },
    );

    it("keeps the result types as written, `-` as empty", () => {
      expect(
        row({
          "x-edge-result-type": "Error",
          "x-edge-detailed-result-type": "OriginCommError",
        }),
      ).toMatchObject({ result_type: "Error", detailed_result_type: "OriginCommError" });
      expect(
        row({
          "x-edge-result-type": "-",
          "x-edge-detailed-result-type": "-",
          "x-edge-location": "-",
        }),
      ).toMatchObject({ result_type: "", detailed_result_type: "", edge_location: "" });
    });
  });

  describe("cs-uri-stem", () => {
    const base = `/courses/${COURSE_ID}/${VIDEO_ID}/cmaf`;

    it.each([
      [`${base}/index.m3u8`, "", "hls"],
      [`${base}/index.mpd`, "", "dash"],
      [`${base}/index_720p_3000k.m3u8`, "720p_3000k", "hls"],
      [`${base}/index_1080p_6000k.m3u8`, "1080p_6000k", "hls"],
      [`${base}/index_audio_96k.m3u8`, "audio_96k", "hls"],
      [`${base}/index_720p_3000k_00001.cmfv`, "720p_3000k", "other"],
      [`${base}/index_360p_730k_00012.m4s`, "360p_730k", "other"],
      [`${base}/index_audio_96k_00001.cmfa`, "audio_96k", "other"],
      [`${base}/index_1080p_7800k.mp4`, "1080p_7800k", "other"],
      [`${base}/index_720p_3000k.ts`, "", "other"],
      [`${base}/index_720p.m3u8`, "", "hls"],
      [`${base}/rendition_720p_3000k.m3u8`, "", "hls"],
      [`/courses/${COURSE_ID}/${VIDEO_ID}/thumbnails/thumb.0000000.jpg`, "", "other"],
    ])("%s -> rendition %j, protocol %s", (uri, rendition, protocol) => {
      expect(row({ "cs-uri-stem": uri })).toMatchObject({
        course_id: COURSE_ID,
        video_id: VIDEO_ID,
        rendition,
        protocol,
      });
    });

    it("ignores the query string that real-time logs append", () => {
      expect(
        row({ "cs-uri-stem": `${base}/index_720p_3000k.m3u8?CMCD=bl%3D2100&x=%zz/../index.mpd` }),
      ).toMatchObject({
        course_id: COURSE_ID,
        video_id: VIDEO_ID,
        rendition: "720p_3000k",
        protocol: "hls",
      });
    });

    it("decodes each path segment", () => {
      expect(
        row({
          "cs-uri-stem": `/courses/intro%2Dto%2Dfinance/${VIDEO_ID}/cmaf/index%5F720p%5F3000k.m3u8`,
        }),
      ).toMatchObject({ course_id: COURSE_ID, rendition: "720p_3000k", protocol: "hls" });
      // An encoded slash stays inside its segment: it is not a course id.
      expect(row({ "cs-uri-stem": `/courses/a%2Fb/${VIDEO_ID}/cmaf/index.m3u8` })).toMatchObject({
        course_id: "",
        video_id: "",
      });
    });

    it.each(["%", "%zz", "%E0%A4%A", "%C3%28"])(
      "treats a bad escape (%s) as malformed",
      (escape) => {
        expect(reason({ "cs-uri-stem": `${base}/index${escape}.m3u8` })).toBe(
          "cs-uri-stem: bad percent-encoding",
        );
      },
    );

    it("needs a path", () => {
      expect(reason({ "cs-uri-stem": "-" })).toBe("cs-uri-stem: missing");
      expect(reason({ "cs-uri-stem": "" })).toBe("cs-uri-stem: missing");
    });

    it.each([
      ["/favicon.ico", "", ""],
      ["/index.m3u8", "", ""],
      [`/Courses/${COURSE_ID}/${VIDEO_ID}/cmaf/index.m3u8`, "", ""],
      [`/courses/Intro-To-Finance/${VIDEO_ID}/cmaf/index.m3u8`, "", ""],
      [`/courses/${"a".repeat(65)}/${VIDEO_ID}/cmaf/index.m3u8`, "", ""],
      [`courses/${COURSE_ID}/${VIDEO_ID}/cmaf/index.m3u8`, "", ""],
      [`//courses/${COURSE_ID}/${VIDEO_ID}/cmaf/index.m3u8`, "", ""],
      [`/courses/${COURSE_ID}`, "", ""],
      [`/courses/${COURSE_ID}/poster.jpg`, COURSE_ID, ""],
      [`/courses/${COURSE_ID}/${VIDEO_ID}`, COURSE_ID, ""],
      [`/courses/${COURSE_ID}/not-a-uuid/cmaf/index.m3u8`, COURSE_ID, ""],
      [`/courses/${COURSE_ID}/${VIDEO_ID.toUpperCase()}/cmaf/index.m3u8`, COURSE_ID, ""],
      [`/courses/${COURSE_ID}/${VIDEO_ID}/index.m3u8`, COURSE_ID, VIDEO_ID],
    ])("%s -> course %j, video %j (never malformed)", (uri, courseId, videoId) => {
      expect(row({ "cs-uri-stem": uri })).toMatchObject({ course_id: courseId, video_id: videoId });
    });
  });

  describe("x-edge-request-id", () => {
    it("is required", () => {
      expect(reason({ "x-edge-request-id": "-" })).toBe("x-edge-request-id: missing");
      expect(reason({ "x-edge-request-id": "" })).toBe("x-edge-request-id: missing");
    });

    it("is at most 128 visible ASCII characters", () => {
      expect(row({ "x-edge-request-id": "A".repeat(128) }).request_id).toBe("A".repeat(128));
      for (const id of ["A".repeat(129), "abc déf", "abc def", "abc\u0000def", "abc\u007fdef"]) {
        expect(reason({ "x-edge-request-id": id })).toBe(
          "x-edge-request-id: expected up to 128 visible ASCII characters",
        );
      }
    });
  });

  it("checks the other text fields the same way", () => {
    expect(reason({ "x-edge-location": "DXB52 P1" })).toBe(
      "x-edge-location: expected up to 128 visible ASCII characters",
    );
    expect(reason({ "x-edge-result-type": "x".repeat(129) })).toBe(
      "x-edge-result-type: expected up to 128 visible ASCII characters",
    );
    expect(reason({ "x-edge-response-result-type": "Hït" })).toBe(
      "x-edge-response-result-type: expected up to 128 visible ASCII characters",
    );
    expect(reason({ "x-edge-detailed-result-type": "\u001b[31m" })).toBe(
      "x-edge-detailed-result-type: expected up to 128 visible ASCII characters",
    );
  });

  describe("c-country", () => {
    it("is two upper-case letters, or empty when unknown", () => {
      expect(row({ "c-country": "SA" }).country).toBe("SA");
      expect(row({ "c-country": "-" }).country).toBe("");
    });

    it.each(["ae", "ARE", "A", "", "A1"])("rejects %j", (value) => {
      expect(reason({ "c-country": value })).toBe("c-country: expected two upper-case letters");
    });
  });

  it("does not read the fields the table has no column for", () => {
    expect(
      parseLogLine(
        logLine({
          "cs-method": "whatever",
          "cs-protocol": "",
          "cs-host": "-",
          "cs-protocol-version": "-",
          "sc-content-type": "-",
          "sc-content-len": "-",
          "sc-range-start": "0",
          "sc-range-end": "1023",
          "cache-behavior-path-pattern": "-",
        }),
      ),
    ).toEqual({ kind: "row", row: EXPECTED_ROW });
  });
});

describe("decodeRecordData and parseRecordData", () => {
  it("decodes base64 UTF-8 and parses the line", () => {
    expect(parseRecordData(encode(logLine()))).toEqual({ kind: "row", row: EXPECTED_ROW });
    expect(decodeRecordData(encode("\u0627\u0644\u0639\u0631\u0628\u064a\u0629"))).toEqual({
      kind: "line",
      line: "\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    });
  });

  it.each(["@@@@", "abc", "YWJj\n", "YW=j", "-_-_", "YWJjZA", "YWJjZA==="])(
    "rejects data that is not canonical base64 (%j)",
    (data) => {
      expect(parseRecordData(data)).toEqual({ kind: "malformed", reason: "data: not base64" });
    },
  );

  it("rejects bytes that are not UTF-8", () => {
    for (const bytes of [
      [0xff, 0xfe],
      [0xc3, 0x28],
      [0xe2, 0x82],
      [0xed, 0xa0, 0x80],
    ]) {
      expect(parseRecordData(Buffer.from(bytes).toString("base64"))).toEqual({
        kind: "malformed",
        reason: "data: not UTF-8",
      });
    }
  });

  it("rejects empty data", () => {
    expect(parseRecordData("")).toEqual({ kind: "malformed", reason: "data: empty" });
  });

  it(`rejects lines longer than ${MAX_LINE_BYTES} bytes, before and after decoding`, () => {
    const tooLong = { kind: "malformed", reason: `data: longer than ${MAX_LINE_BYTES} bytes` };
    expect(decodeRecordData(encode("a".repeat(MAX_LINE_BYTES)))).toEqual({
      kind: "line",
      line: "a".repeat(MAX_LINE_BYTES),
    });
    // 65,537 bytes fit in the same base64 length as 65,536 + 2: caught after decoding.
    expect(decodeRecordData(encode("a".repeat(MAX_LINE_BYTES + 1)))).toEqual(tooLong);
    expect(decodeRecordData(encode("a".repeat(MAX_LINE_BYTES * 2)))).toEqual(tooLong);
    expect(parseRecordData("A".repeat(10 * 1024 * 1024))).toEqual(tooLong);
  });
});

describe("properties", () => {
  const visible = (min: number, max: number) =>
    fc.string({
      unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
      minLength: min,
      maxLength: max,
    });
  const decimal = (maxInt: number) =>
    fc
      .tuple(fc.integer({ min: 0, max: maxInt }), fc.option(fc.stringMatching(/^\d{1,6}$/)))
      .map(([whole, fraction]) => (fraction === null ? String(whole) : `${whole}.${fraction}`));
  const courseId = fc.stringMatching(/^[a-z0-9-]{1,64}$/);
  const rendition = fc.oneof(
    fc
      .tuple(fc.integer({ min: 10, max: 9999 }), fc.integer({ min: 1, max: 999_999 }))
      .map(([height, kbps]) => `${height}p_${kbps}k`),
    fc.integer({ min: 1, max: 999_999 }).map((kbps) => `audio_${kbps}k`),
  );
  const shapedLine = fc.record({
    seconds: fc.integer({ min: 946_684_800, max: 4_291_747_199 }),
    ms: fc.integer({ min: 0, max: 999 }),
    ttfb: decimal(99_999),
    taken: decimal(99_999),
    status: fc.integer({ min: 0, max: 999 }).map((status) => String(status).padStart(3, "0")),
    bytes: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }).map(String),
    courseId,
    videoId: fc.uuid().map((uuid) => uuid.toLowerCase()),
    rendition,
    segment: fc.option(fc.integer({ min: 0, max: 99_999 })),
    extension: fc.constantFrom("m3u8", "cmfv", "cmfa", "mp4", "m4s"),
    query: fc.option(fc.string()),
    // `-` alone means "no request id".
    requestId: visible(1, 128).filter((id) => id !== "-"),
    location: fc.oneof(fc.constant("-"), visible(1, 128)),
    resultType: fc.oneof(
      fc.constantFrom("-", "Hit", "RefreshHit", "OriginShieldHit", "Miss", "Error"),
      visible(1, 128),
    ),
    country: fc.oneof(fc.constant("-"), fc.stringMatching(/^[A-Z]{2}$/)),
    filler: fc.string().map((value) => value.replace(/[\t\r\n]/g, " ")),
  });

  it("parses any line of the right shape into the values it carries", () => {
    fc.assert(
      fc.property(shapedLine, (line) => {
        const suffix = line.segment === null ? "" : `_${line.segment}`;
        const uri =
          `/courses/${line.courseId}/${line.videoId}/cmaf/index_${line.rendition}${suffix}.${line.extension}` +
          (line.query === null ? "" : `?${line.query}`);
        const result = parseLogLine(
          logLine({
            timestamp: `${line.seconds}.${String(line.ms).padStart(3, "0")}`,
            "time-to-first-byte": line.ttfb,
            "time-taken": line.taken,
            "sc-status": line.status,
            "sc-bytes": line.bytes,
            "cs-uri-stem": uri.replace(/[\t\r\n]/g, " "),
            "x-edge-request-id": line.requestId,
            "x-edge-location": line.location,
            "x-edge-result-type": line.resultType,
            "x-edge-response-result-type": line.resultType,
            "c-country": line.country,
            "cs-host": line.filler,
            "sc-content-type": line.filler,
          }),
        );
        expect(result.kind).toBe("row");
        if (result.kind !== "row") return;
        expect(result.row).toMatchObject({
          request_id: line.requestId,
          timestamp_ms: line.ms,
          course_id: line.courseId,
          video_id: line.videoId,
          rendition: line.rendition,
          protocol: line.extension === "m3u8" ? "hls" : "other",
          status: Number(line.status),
          aborted: line.status === "000" ? 1 : 0,
          is_error: Number(line.status) >= 500 && Number(line.status) <= 599 ? 1 : 0,
          bytes: Number(line.bytes),
          edge_location: line.location === "-" ? "" : line.location,
          country: line.country === "-" ? "" : line.country,
          cache_hit: ["Hit", "RefreshHit", "OriginShieldHit"].includes(line.resultType) ? 1 : 0,
        });
        expect(Number.isInteger(result.row.ttfb_ms) && result.row.ttfb_ms >= 0).toBe(true);
        // Within half a millisecond of the decimal value; the oracle's own float product can be
        // off by a few units in the last place (32768.9085 * 1000 = 32768908.499999996), so the
        // bound allows for that and no more.
        const bound = 0.5 + 1e-6;
        expect(Math.abs(result.row.ttfb_ms - Number(line.ttfb) * 1000)).toBeLessThanOrEqual(bound);
        expect(Math.abs(result.row.time_taken_ms - Number(line.taken) * 1000)).toBeLessThanOrEqual(
          bound,
        );
      }),
    );
  });

  /** Any outcome is fine but a throw; a malformed one names a field and quotes nothing. */
  function checkOutcome(result: ParseResult): void {
    if (result.kind === "malformed") {
      expect(result.reason).toMatch(/^(?:data|line|fields|[a-z-]+): /);
      expect(result.reason).not.toContain("QZXJ");
    }
  }

  it("never throws on any text, and a reason never quotes the line", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (text) => {
        checkOutcome(parseLogLine(`QZXJ${text}`));
      }),
    );
  });

  it("never throws on lines of the right field count with any values", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc
            .string({ unit: "binary", maxLength: 40 })
            .map((value) => `QZXJ${value.replace(/\t/g, "")}`),
          { minLength: PLAYBACK_LOG_FIELDS.length, maxLength: PLAYBACK_LOG_FIELDS.length },
        ),
        (values) => {
          checkOutcome(parseLogLine(values.join("\t")));
        },
      ),
    );
  });

  it("never throws when one field of a good line is replaced by anything", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PLAYBACK_LOG_FIELDS),
        fc.string({ unit: "binary", maxLength: 200 }),
        (field, value) => {
          checkOutcome(parseLogLine(logLine({ [field]: `QZXJ${value}` })));
        },
      ),
    );
  });

  it("never throws on any record data, base64 or not", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 400 }),
          fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes).toString("base64")),
        ),
        (data) => {
          checkOutcome(parseRecordData(data));
        },
      ),
    );
  });
});
