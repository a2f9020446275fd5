/**
 * Kinesis record data that Node's base64 decoder reads but that is not base64: `decodeRecordData`
 * checks the data by what the decoder gave (see `decodeBase64` in `parse.ts`), and must refuse what
 * the pattern of `parse-reference.ts` refuses and read what it reads.
 */
import { describe, expect, it } from "vitest";
import { decodeRecordData, parseRecordData } from "./parse";

describe("decodeRecordData: base64 the decoder reads anyway", () => {
  it.each([
    ["the URL alphabet", "YWJ-"],
    ["the URL alphabet", "YWJ_"],
    ["a padded quad before the end", "YQ==YQ=="],
    ["a space, skipped", "YWJ jYWJ"],
    ["a character past Latin-1, read as the letter of its low byte", "\u0159WJj"],
    ["a Latin-1 character", "Y\u00d7Jj"],
    ["padding alone", "===="],
  ])("refuses %s (%j)", (_what, data) => {
    expect(parseRecordData(data)).toEqual({ kind: "malformed", reason: "data: not base64" });
  });

  it("reads base64 whose padding bits are not zero, as the pattern does", () => {
    expect(decodeRecordData("YR==")).toEqual({ kind: "line", line: "a" });
    expect(decodeRecordData("YWJ=")).toEqual({ kind: "line", line: "ab" });
    expect(decodeRecordData("YWI=")).toEqual({ kind: "line", line: "ab" });
  });
});
