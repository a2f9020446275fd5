/**
 * The single-pass parser against its oracle, the previous implementation kept in
 * `parse-reference.ts`: for any line or record data, realistic, broken a field at a time, or
 * random, both give the same row (every field) or the same malformed reason.
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PLAYBACK_LOG_FIELDS, type PlaybackLogField } from "../../../contracts/playback-logs";
import * as current from "./parse";
import * as reference from "./parse-reference";
import { LINE_VALUES } from "./fixtures/events";

/** Runs per property: together some 100,000 inputs, within a few seconds. */
const RUNS = 20_000;

/** Fails unless both are deeply, strictly equal: `isDeepStrictEqual` is quick, `expect` shows how. */
function expectSame<T>(actual: T, expected: T): void {
  if (isDeepStrictEqual(actual, expected)) return;
  expect(actual).toStrictEqual(expected);
  expect.fail("the results differ (by isDeepStrictEqual)");
}

function sameLine(line: string): void {
  expectSame(current.parseLogLine(line), reference.parseLogLine(line));
}

function sameData(data: string): void {
  expectSame(current.decodeRecordData(data), reference.decodeRecordData(data));
  expectSame(current.parseRecordData(data), reference.parseRecordData(data));
}

const digits = (min: number, max: number) =>
  fc.string({
    unit: fc.integer({ min: 0, max: 9 }).map(String),
    minLength: min,
    maxLength: max,
  });
const visible = (min: number, max: number) =>
  fc.string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
    minLength: min,
    maxLength: max,
  });
/** Any characters but the tab, lone surrogates and control characters included. */
const anyText = (max: number) =>
  fc.string({ unit: "binary", maxLength: max }).map((value) => value.replace(/\t/g, " "));
/** `whole[.fraction]`, the fraction of `fraction` digits. */
const decimal = (whole: fc.Arbitrary<string>, fraction: fc.Arbitrary<string>) =>
  fc
    .tuple(whole, fc.option(fraction))
    .map(([head, tail]) => (tail === null ? head : `${head}.${tail}`));

/** Request times in range, fractions of 1 to 9 digits. */
const timestamp = decimal(
  fc
    .oneof(
      fc.integer({ min: 946_684_800, max: 4_291_747_199 }),
      fc.constantFrom(946_684_800, 1_602_646_738, 4_291_747_199),
    )
    .map(String),
  digits(1, 9),
);
/** Request times of any shape: around the bounds, too many digits, empty parts. */
const anyTimestamp = fc.oneof(
  decimal(
    fc
      .constantFrom(0, 946_684_799, 946_684_800, 4_291_747_199, 4_291_747_200, 4_294_967_295)
      .chain((edge) => fc.integer({ min: Math.max(0, edge - 2), max: edge + 2 }))
      .map(String),
    digits(0, 11),
  ),
  decimal(digits(0, 12), digits(0, 11)),
);
/** Durations a row holds: rounding on the fourth decimal, up to the largest UInt32. */
const seconds = fc.oneof(
  decimal(fc.integer({ min: 0, max: 99_999 }).map(String), digits(1, 9)),
  fc.constantFrom("0", "0.0005", "0.00049", "1.005", "2.9995", "4294967.295", "4294967.2954"),
);
/** Durations of any shape: out of range, too many digits, empty parts. */
const anySeconds = fc.oneof(
  decimal(digits(0, 11), digits(0, 11)),
  fc.constantFrom("4294967.2955", "4294968", "999999999.9999", "1000000000"),
);
const courseId = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9-]{1,64}$/) },
  fc.constantFrom("finance-100", "Finance-100", "a".repeat(65), "intro%2Dto%2Dfinance", "a%2Fb"),
);
const videoId = fc.oneof(
  { weight: 4, arbitrary: fc.uuid().map((uuid) => uuid.toLowerCase()) },
  fc.uuid().map((uuid) => uuid.toUpperCase()),
  fc.constantFrom("not-a-uuid", "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4", "6f1c2b3a%2D4d5e"),
);
const renditionFile = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.oneof(
          fc.tuple(digits(2, 4), digits(1, 6)).map(([height, kbps]) => `${height}p_${kbps}k`),
          digits(1, 6).map((kbps) => `audio_${kbps}k`),
        ),
        fc.option(digits(1, 9)),
        fc.constantFrom("m3u8", "cmfv", "cmfa", "mp4", "m4s"),
      )
      .map(
        ([rendition, segment, extension]) =>
          `index_${rendition}${segment === null ? "" : `_${segment}`}.${extension}`,
      ),
  },
  fc
    .tuple(
      fc.oneof(
        fc.tuple(digits(1, 5), digits(0, 7)).map(([height, kbps]) => `${height}p_${kbps}k`),
        digits(0, 7).map((kbps) => `audio_${kbps}k`),
        fc.constantFrom("720p", "720p_3000", "audio", "video_96k", "720P_3000k"),
      ),
      fc.option(digits(0, 10)),
      fc.constantFrom("m3u8", "cmfv", "cmfa", "mp4", "m4s", "mpd", "ts", "m3u8x", ""),
    )
    .map(
      ([rendition, segment, extension]) =>
        `index_${rendition}${segment === null ? "" : `_${segment}`}.${extension}`,
    ),
  fc.constantFrom(
    "index.m3u8",
    "index.mpd",
    "index%5F720p%5F3000k.m3u8",
    "index_720p_3000k%2Em3u8",
    "thumb.0000000.jpg",
    "indexm3u8",
    "index.mpdx",
    ".m3u8",
    "mpd",
    "",
  ),
);
/** Paths of every shape the rules tell apart, escapes and query strings included. */
const uriStem = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(courseId, videoId, fc.constantFrom("cmaf/", "", "a/b/", "%2F/"), renditionFile)
      .map(([course, video, folder, file]) => `/courses/${course}/${video}/${folder}${file}`),
  },
  fc
    .array(
      fc.oneof(
        fc.constantFrom("", "courses", "Courses", "cmaf", "index.m3u8", "index_720p_3000k.cmfv"),
        courseId,
        videoId,
        renditionFile,
        fc.constantFrom("%", "%zz", "%2F", "%E0%A4%A", "%C3%28", "%ED%A0%80", "%F0%9F%98%80"),
        anyText(8),
      ),
      { maxLength: 7 },
    )
    .map((segments) => segments.join("/")),
  fc.constantFrom("-", "", "/", "//", "?", "/courses/", "/courses/a/b/"),
);
const query = fc.oneof(
  fc.constant(""),
  fc.constantFrom("?", "??", "?CMCD=bl%3D2100&x=%zz/../index.mpd", "?a=/courses/x/y/z"),
  anyText(12).map((value) => `?${value}`),
);
const requestId = fc.oneof(
  fc.base64String({ minLength: 56, maxLength: 56 }).map((id) => id.replace(/\+/g, "-")),
  visible(1, 128).filter((id) => id !== "-"),
);
const text = fc.oneof(
  fc.constantFrom("-", "", "Hit", "RefreshHit", "OriginShieldHit", "Miss", "Error", "hit"),
  fc.constantFrom("DXB52-P1", "ClientCommError", "OriginError", "x".repeat(128)),
  visible(0, 20),
);

/** CMCD integers: absent, small, around the UInt32 bound, leading zeros. */
const cmcdInteger = fc.oneof(
  { weight: 3, arbitrary: fc.constant("-") },
  fc.integer({ min: 0, max: 100_000 }).map(String),
  fc.constantFrom("0", "0000000001", "4294967295"),
);
const cmcdBoolean = fc.constantFrom("-", "-", "true", "false", "1", "0");
const cmcdToken = (tokens: readonly string[]) => fc.constantFrom("-", "-", ...tokens);
const cmcdId = fc.oneof(
  { weight: 2, arbitrary: fc.constant("-") },
  fc.uuid(),
  visible(1, 64).filter((id) => id !== "-"),
);

/** A line CloudFront could write: every value of the right shape, most of them realistic. */
const goodValues = fc.record({
  timestamp,
  "time-to-first-byte": seconds,
  "sc-status": fc.constantFrom("200", "206", "304", "403", "404", "500", "503", "000"),
  "sc-bytes": fc.oneof(
    fc.nat().map(String),
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }).map(String),
    fc.constant("0000000000001234"),
  ),
  "cs-method": fc.constant("GET"),
  "cs-protocol": fc.constant("https"),
  "cs-host": fc.constant("media.knowledgecity.com"),
  "cs-uri-stem": fc.tuple(uriStem, query).map(([path, rest]) => path + rest),
  "x-edge-location": fc.constantFrom("DXB52-P1", "JED50-C1", "-"),
  "x-edge-request-id": requestId,
  "time-taken": seconds,
  "cs-protocol-version": fc.constantFrom("HTTP/2.0", "HTTP/1.1"),
  "x-edge-response-result-type": text,
  "x-edge-result-type": text,
  "sc-content-type": fc.constantFrom("video/mp4", "application/vnd.apple.mpegurl", "-"),
  "sc-content-len": fc.nat().map(String),
  "sc-range-start": fc.constant("-"),
  "sc-range-end": fc.constant("-"),
  "x-edge-detailed-result-type": text,
  "c-country": fc.oneof(fc.constant("-"), fc.stringMatching(/^[A-Z]{2}$/)),
  "cache-behavior-path-pattern": fc.constant("/courses/*"),
  "cmcd-encoded-bitrate": cmcdInteger,
  "cmcd-buffer-length": cmcdInteger,
  "cmcd-buffer-starvation": cmcdBoolean,
  "cmcd-content-id": cmcdId,
  "cmcd-object-duration": cmcdInteger,
  "cmcd-deadline": cmcdInteger,
  "cmcd-measured-throughput": cmcdInteger,
  "cmcd-object-type": cmcdToken(["m", "a", "v", "av", "i", "c", "tt", "k", "o"]),
  "cmcd-requested-maximum-throughput": cmcdInteger,
  "cmcd-streaming-format": cmcdToken(["h", "d", "s", "o"]),
  "cmcd-session-id": cmcdId,
  "cmcd-stream-type": cmcdToken(["v", "l"]),
  "cmcd-startup": cmcdBoolean,
  "cmcd-top-bitrate": cmcdInteger,
  "cmcd-version": fc.constantFrom("-", "1", "2"),
});

/** A value of another field, or broken the ways a value goes wrong. */
const otherValue = fc.oneof(
  fc.constantFrom("-", "", " ", "0", "000", "-1", "+1", "1e3", "1.", ".5", "1,5", "NaN", "2O0"),
  fc.constantFrom("9007199254740991", "9007199254740992", "99999999999999999999"),
  fc.constantFrom("true", "false", "True", "TRUE", "1", "bs", "4294967296", "04294967295", "-0"),
  fc.constantFrom("ae", "ARE", "A1", "A".repeat(129), "Hït", "a b", "Ｈｉｔ", "\u0000", "\u007f"),
  fc.constantFrom("a\nb", "a\rb", "\n", "\r\n", "\ud800"),
  digits(0, 24),
  anyTimestamp,
  anySeconds,
  anyText(20),
  fc.string({ unit: "grapheme", maxLength: 10 }),
  fc.tuple(uriStem, query).map(([path, rest]) => path + rest),
);

const ending = fc.oneof(
  { weight: 8, arbitrary: fc.constant("\n") },
  fc.constantFrom("", "\r\n", "\r", "\n\n", "\r\r\n", "\n\r"),
);

const realisticLine = fc
  .tuple(
    goodValues,
    fc.oneof(
      { weight: 2, arbitrary: fc.constant([]) },
      fc.array(fc.tuple(fc.constantFrom(...PLAYBACK_LOG_FIELDS), otherValue), {
        minLength: 1,
        maxLength: 3,
      }),
    ),
    fc.oneof(
      { weight: 20, arbitrary: fc.constant("keep") },
      fc.constantFrom("drop", "add", "twice", "empty"),
    ),
    ending,
    // Half the lines from players that send no CMCD: every CMCD value `-`, as most lines are.
    fc.boolean(),
  )
  .map(([values, breaks, shape, end, noCmcd]) => {
    const broken: Record<PlaybackLogField, string> = { ...values };
    if (noCmcd) {
      for (const field of PLAYBACK_LOG_FIELDS) if (field.startsWith("cmcd-")) broken[field] = "-";
    }
    for (const [field, value] of breaks) broken[field] = value;
    const fields = PLAYBACK_LOG_FIELDS.map((field) => broken[field]);
    switch (shape) {
      case "drop":
        return fields.slice(1).join("\t") + end;
      case "add":
        return [...fields, "extra"].join("\t") + end;
      case "twice":
        return `${fields.join("\t")}\n${fields.join("\t")}${end}`;
      case "empty":
        return end;
      default:
        return fields.join("\t") + end;
    }
  });

/** Random text cut into the right number of values, so the checks past the count run too. */
const randomFields = fc
  .array(anyText(30), {
    minLength: PLAYBACK_LOG_FIELDS.length,
    maxLength: PLAYBACK_LOG_FIELDS.length,
  })
  .map((values) => values.join("\t"));

describe("parseLogLine: the single pass against the previous implementation", () => {
  it("agrees on a time of every day in range, the seconds of a day and the bounds", () => {
    // `timestamp` comes first in the line.
    const rest = PLAYBACK_LOG_FIELDS.slice(1)
      .map((field) => `\t${LINE_VALUES[field]}`)
      .join("");
    expect(PLAYBACK_LOG_FIELDS[0]).toBe("timestamp");
    expect(current.parseLogLine(`946684800${rest}`).kind).toBe("row");
    const firstDay = 10_957; // 2000-01-01
    const lastDay = 49_672; // 2105-12-31
    for (let day = firstDay; day <= lastDay; day += 1) {
      sameLine(`${day * 86_400 + ((day * 7919) % 86_400)}.${day % 1000}${rest}`);
    }
    // Steps of 7 s meet every hour, minute and second of the clock.
    for (let second = 0; second < 86_400; second += 7) {
      sameLine(`${lastDay * 86_400 + second}${rest}`);
    }
    for (const timestamp of ["946684799.999", "946684800", "4291747199.999", "4291747200"]) {
      sameLine(timestamp + rest);
    }
  });

  it("agrees on realistic lines, whole or broken a field at a time", () => {
    fc.assert(fc.property(realisticLine, sameLine), { numRuns: RUNS });
  });

  it("agrees on random values in the right number of fields", () => {
    fc.assert(fc.property(randomFields, sameLine), { numRuns: RUNS / 4 });
  });

  it("agrees on random text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), anyText(50)), sameLine),
      { numRuns: RUNS / 4 },
    );
  });
});

/** Base64 that Kinesis would not send, or not quite. */
function breakBase64(data: string, how: number, at: number): string {
  const index = data.length === 0 ? 0 : at % data.length;
  switch (how) {
    case 0:
      return data.replace(/=+$/, "");
    case 1:
      return `${data}=`;
    case 2:
      return data.slice(0, index) + data.slice(index + 1);
    case 3:
      return `${data.slice(0, index)}-_${data.slice(index)}`;
    case 4:
      return `${data.slice(0, index)}\n${data.slice(index)}`;
    case 5:
      return `${data.slice(0, index)}=${data.slice(index + 1)}`;
    case 6:
      // A last character with bits the padding drops: still base64, decoded the same.
      return data.replace(/([A-Za-z0-9+/])(=+)$/, (_, last: string, padding: string) => {
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        return `${alphabet[(alphabet.indexOf(last) + 1) % 64] ?? "A"}${padding}`;
      });
    default:
      return data;
  }
}

/**
 * Bytes that are not all UTF-8 (surrogates, overlong forms, stray bytes), or UTF-8 a decoder may
 * treat apart (a byte order mark, U+FFFD itself).
 */
const oddBytes = fc
  .tuple(
    fc.constantFrom(
      [],
      [0xef, 0xbb, 0xbf],
      [0xef, 0xbf, 0xbd],
      [0xed, 0xa0, 0x80],
      [0xc0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xff],
      [0xe2, 0x82],
    ),
    fc.uint8Array({ maxLength: 40 }),
  )
  .map(([head, tail]) => Buffer.concat([Buffer.from(head), tail]));

describe("decodeRecordData and parseRecordData: the single pass against the previous one", () => {
  it("agree on the base64 of realistic lines, as sent or broken", () => {
    fc.assert(
      fc.property(
        realisticLine,
        fc.option(fc.integer({ min: 0, max: 6 })),
        fc.nat(),
        fc.boolean(),
        (line, how, at, bom) => {
          const bytes = Buffer.concat([
            Buffer.from(bom ? [0xef, 0xbb, 0xbf] : []),
            Buffer.from(line),
          ]);
          const data = bytes.toString("base64");
          sameData(how === null ? data : breakBase64(data, how, at));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("agree on any bytes and any text", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          oddBytes.map((bytes) => bytes.toString("base64")),
          fc
            .tuple(oddBytes, fc.integer({ min: 0, max: 6 }), fc.nat())
            .map(([bytes, how, at]) => breakBase64(bytes.toString("base64"), how, at)),
          fc.base64String({ maxLength: 64 }),
          fc.string({ unit: "binary", maxLength: 64 }),
        ),
        sameData,
      ),
      { numRuns: RUNS / 2 },
    );
  });

  it("agree around the length bounds", () => {
    const limit = current.MAX_LINE_BYTES;
    for (const bytes of [limit - 1, limit, limit + 1, limit + 2, limit + 3, 2 * limit]) {
      const data = Buffer.alloc(bytes, "a").toString("base64");
      sameData(data);
      sameData(`${data}A`);
      sameData(data.slice(0, -1));
    }
    sameData("A".repeat(Math.ceil(limit / 3) * 4));
    sameData("A".repeat(Math.ceil(limit / 3) * 4 + 4));
  });
});
