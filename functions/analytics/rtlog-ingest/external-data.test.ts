import { describe, expect, it } from "vitest";
import { externalDataRequest, tabSeparatedField } from "./external-data";

describe("externalDataRequest", () => {
  it("sends each table as a named multipart part, declared by URL parameters", () => {
    const request = externalDataRequest([
      { name: "batch_ids", structure: "request_id String", tabSeparated: "a\nb\n" },
      { name: "other", structure: "n UInt8", tabSeparated: "1\n" },
    ]);
    const boundary = /^multipart\/form-data; boundary=(rtlog-[0-9a-f-]{36})$/.exec(
      request.contentType,
    )?.[1];
    expect(boundary).toBeDefined();
    expect(request.body.toString()).toBe(
      `--${boundary}\r\nContent-Disposition: form-data; name="batch_ids"; filename="batch_ids.tsv"\r\n` +
        `Content-Type: text/tab-separated-values\r\n\r\na\nb\n\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="other"; filename="other.tsv"\r\n` +
        `Content-Type: text/tab-separated-values\r\n\r\n1\n\r\n` +
        `--${boundary}--\r\n`,
    );
    expect(request.parameters).toEqual({
      batch_ids_structure: "request_id String",
      batch_ids_format: "TabSeparated",
      other_structure: "n UInt8",
      other_format: "TabSeparated",
    });
  });

  it("draws a new boundary for every request", () => {
    const table = { name: "t", structure: "a String", tabSeparated: "" };
    expect(externalDataRequest([table]).contentType).not.toBe(
      externalDataRequest([table]).contentType,
    );
  });

  it.each(["", "1t", "t-1", 't"', "a b"])("refuses the table name %j", (name) => {
    expect(() => externalDataRequest([{ name, structure: "a String", tabSeparated: "" }])).toThrow(
      RangeError,
    );
  });
});

describe("tabSeparatedField", () => {
  it("escapes the characters that would end a field or a row, and backslashes", () => {
    expect(tabSeparatedField("a\tb\nc\rd\0e\\f")).toBe("a\\tb\\nc\\rd\\0e\\\\f");
    expect(tabSeparatedField("it's é 😀 '\"")).toBe("it's é 😀 '\"");
  });

  it("writes non-negative integers as they are, up to the largest exact one", () => {
    expect(tabSeparatedField(0)).toBe("0");
    expect(tabSeparatedField(Number.MAX_SAFE_INTEGER)).toBe("9007199254740991");
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])("refuses %d", (value) => {
    expect(() => tabSeparatedField(value)).toThrow(RangeError);
  });
});
