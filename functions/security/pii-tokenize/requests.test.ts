import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "./errors";
import { parseDetokenizeEvent, parseTokenizeEvent } from "./requests";
import { formatToken, utf8ByteLength } from "./token";
import { thrown, MAC, MAC_TEXT } from "./test-support";

describe("parseTokenizeEvent", () => {
  const item = (field: string, value: string): { field: string; value: string } => ({
    field,
    value,
  });

  it("normalizes every item and keeps the order", () => {
    expect(
      parseTokenizeEvent({
        items: [
          item("email", " A@B.example "),
          item("phone", "(555) 01-02"),
          item("city", " Riyadh "),
        ],
      }),
    ).toEqual([item("email", "a@b.example"), item("phone", "5550102"), item("city", "Riyadh")]);
  });

  it("accepts an empty list", () => {
    expect(parseTokenizeEvent({ items: [] })).toEqual([]);
  });

  it("accepts a value of exactly 4096 bytes and rejects 4097", () => {
    expect(parseTokenizeEvent({ items: [item("note", "x".repeat(4096))] })).toHaveLength(1);
    expect(() => parseTokenizeEvent({ items: [item("note", "x".repeat(4097))] })).toThrow(
      "invalid request: items[0]: value must be at most 4096 bytes of UTF-8 after normalization, got 4097",
    );
  });

  it("counts multibyte UTF-8 in bytes", () => {
    // U+0639 (Arabic ain) is 2 bytes; U+1F600 is 4 bytes (2 UTF-16 units).
    expect(utf8ByteLength("\u0639")).toBe(2);
    expect(utf8ByteLength("\u{1F600}")).toBe(4);
    expect(parseTokenizeEvent({ items: [item("name", "\u0639".repeat(2048))] })).toHaveLength(1);
    expect(() =>
      parseTokenizeEvent({ items: [item("name", `${"\u0639".repeat(2048)}x`)] }),
    ).toThrow("value must be at most 4096 bytes of UTF-8 after normalization, got 4097");
    expect(() => parseTokenizeEvent({ items: [item("name", "\u{1F600}".repeat(1025))] })).toThrow(
      "got 4100",
    );
  });

  it("measures the limit after normalization", () => {
    const padded = `  ${"x".repeat(4096)}  `;
    expect(parseTokenizeEvent({ items: [item("note", padded)] })).toEqual([
      item("note", "x".repeat(4096)),
    ]);
  });

  it("accepts 100 items and rejects 101", () => {
    const items = Array.from({ length: 101 }, (_, index) => item("n", String(index)));
    expect(parseTokenizeEvent({ items: items.slice(0, 100) })).toHaveLength(100);
    const error = thrown(() => parseTokenizeEvent({ items }));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({
      name: "InvalidRequestError",
      message: "invalid request: items must hold at most 100 entries, got 101",
      issues: [{ index: null, reason: "items must hold at most 100 entries, got 101" }],
    });
  });

  it("reports every bad item by index and reason, never the value", () => {
    const error = thrown(() =>
      parseTokenizeEvent({
        items: [
          item("email", "ok@example.com"),
          item("Email", "secret-1@example.com"),
          item("email", "   "),
          item("phone", " ( ) - "),
          "secret-2",
          { value: "secret-3" },
          { field: "x".repeat(65), value: "secret-4" },
          { field: "name", value: 5 },
          item("first name", "secret-5"),
          item("name", ""),
          item("name", "\ud800 lone surrogate"),
        ],
      }),
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    const invalid = error as InvalidRequestError;
    expect(invalid.issues).toEqual([
      { index: 1, reason: "field must match ^[a-z][a-z0-9_]{0,63}$" },
      { index: 2, reason: "value must not be empty after normalization" },
      { index: 3, reason: "value must not be empty after normalization" },
      { index: 4, reason: "item must be an object with field and value" },
      { index: 5, reason: "field is required" },
      { index: 6, reason: "field must match ^[a-z][a-z0-9_]{0,63}$" },
      { index: 7, reason: "value must be a string" },
      { index: 8, reason: "field must match ^[a-z][a-z0-9_]{0,63}$" },
      { index: 9, reason: "value must not be empty after normalization" },
      { index: 10, reason: "value must be well-formed Unicode" },
    ]);
    expect(invalid.message).toBe(
      "invalid request: items[1]: field must match ^[a-z][a-z0-9_]{0,63}$; " +
        "items[2]: value must not be empty after normalization; " +
        "items[3]: value must not be empty after normalization; " +
        "items[4]: item must be an object with field and value; " +
        "items[5]: field is required; " +
        "items[6]: field must match ^[a-z][a-z0-9_]{0,63}$; " +
        "items[7]: value must be a string; " +
        "items[8]: field must match ^[a-z][a-z0-9_]{0,63}$; " +
        "items[9]: value must not be empty after normalization; " +
        "items[10]: value must be well-formed Unicode",
    );
    expect(invalid.message).not.toMatch(/secret/);
  });

  it("accepts field names of 1 to 64 characters", () => {
    expect(
      parseTokenizeEvent({ items: [item("a", "v"), item(`a${"_9".repeat(31)}b`, "v")] }),
    ).toHaveLength(2);
  });

  it.each([
    [null, "invalid request: event must be an object"],
    ["items", "invalid request: event must be an object"],
    [{}, "invalid request: items is required"],
    [{ items: {} }, "invalid request: items must be an array"],
  ])("rejects the event %j", (event, message) => {
    const error = thrown(() => parseTokenizeEvent(event));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ name: "InvalidRequestError", message });
  });
});

describe("parseDetokenizeEvent", () => {
  const token = formatToken("email", MAC);

  it("accepts tokens and a purpose", () => {
    expect(parseDetokenizeEvent({ tokens: [token, token], purpose: "support ticket 42" })).toEqual({
      tokens: [token, token],
      purpose: "support ticket 42",
    });
  });

  it.each([
    [{ tokens: [token] }, "invalid request: purpose is required"],
    [{ tokens: [token], purpose: "" }, "invalid request: purpose must not be blank"],
    [{ tokens: [token], purpose: " \t" }, "invalid request: purpose must not be blank"],
    [{ tokens: [token], purpose: 7 }, "invalid request: purpose must be a string"],
    [
      { tokens: [token], purpose: "x".repeat(201) },
      "invalid request: purpose must be at most 200 characters",
    ],
    [
      { tokens: [token], purpose: "line\nbreak" },
      "invalid request: purpose must not contain control characters",
    ],
    [{ purpose: "audit" }, "invalid request: tokens is required"],
    [{ tokens: token, purpose: "audit" }, "invalid request: tokens must be an array"],
  ])("rejects %j", (event, message) => {
    const error = thrown(() => parseDetokenizeEvent(event));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ name: "InvalidRequestError", message });
  });

  it("counts the purpose in characters", () => {
    expect(
      parseDetokenizeEvent({ tokens: [], purpose: "\u{1F600}".repeat(200) }).purpose,
    ).toHaveLength(400);
  });

  it("reports every malformed token by index", () => {
    expect(() =>
      parseDetokenizeEvent({
        tokens: [token, "nope", 3, `tok_email_${MAC_TEXT.slice(0, -1)}B`],
        purpose: "a",
      }),
    ).toThrow(
      'invalid request: tokens[1]: token must start with "tok_"; ' +
        "tokens[2]: token must be a string; " +
        "tokens[3]: token MAC is not canonical base64url",
    );
  });

  it("rejects 101 tokens", () => {
    expect(() =>
      parseDetokenizeEvent({ tokens: Array.from({ length: 101 }, () => token), purpose: "a" }),
    ).toThrow("invalid request: tokens must hold at most 100 entries, got 101");
  });
});
