import { describe, expect, it } from "vitest";
import { BindError, formatDateTime, identifier, join, literal, raw, sql } from "./bind";

describe("literal", () => {
  it.each([
    ["plain", "'plain'"],
    ["it's", "'it\\'s'"],
    ["back\\slash", "'back\\\\slash'"],
    ["tab\tnew\nline", "'tab\\x09new\\x0aline'"],
    ["nul\u0000", "'nul\\x00'"],
    ["'; DROP TABLE x; --", "'\\'; DROP TABLE x; --'"],
    ["ذكاء", "'ذكاء'"],
  ])("quotes the string %j", (value, expected) => {
    expect(literal(value)).toBe(expected);
  });

  it("renders numbers, bigints, booleans and dates", () => {
    expect(literal(42)).toBe("42");
    expect(literal(-0.25)).toBe("-0.25");
    expect(literal(2n ** 63n)).toBe("9223372036854775808");
    expect(literal(true)).toBe("1");
    expect(literal(new Date("2026-03-01T10:20:30.999Z"))).toBe(
      "toDateTime('2026-03-01 10:20:30', 'UTC')",
    );
  });

  it("renders a list as a tuple for IN", () => {
    expect(literal(["a", "b'"])).toBe("('a', 'b\\'')");
    expect(literal([1, 2])).toBe("(1, 2)");
  });

  it.each([
    [Number.NaN, "cannot bind the number NaN"],
    [Number.POSITIVE_INFINITY, "cannot bind the number Infinity"],
    [2 ** 60, "beyond the safe integer range"],
    [[], "cannot bind an empty list"],
    [new Date("nope"), "cannot bind an invalid date"],
    [new Date("1969-12-31T00:00:00Z"), "DateTime covers 1970-2105"],
  ])("refuses %s", (value, message) => {
    expect(() => literal(value)).toThrow(BindError);
    expect(() => literal(value)).toThrow(message);
  });

  it("refuses values of other types at run time", () => {
    expect(() => literal({} as unknown as string)).toThrow("cannot bind a value of type object");
  });
});

describe("sql", () => {
  it("binds every interpolated value and embeds fragments as they are", () => {
    const where = join([sql`course_id = ${"fin-101"}`, sql`status IN ${[500, 503]}`], " AND ");
    const query = sql`SELECT count() FROM ${identifier("analytics", "playback_requests")} WHERE ${where} ORDER BY ${raw("1")}`;
    expect(query.text).toBe(
      "SELECT count() FROM `analytics`.`playback_requests` WHERE course_id = 'fin-101' AND status IN (500, 503) ORDER BY 1",
    );
  });

  it("checks identifiers", () => {
    expect(() => identifier("bad`name")).toThrow("not an identifier");
    expect(() => identifier()).toThrow("an identifier needs a name");
  });

  it("formats date-times in UTC", () => {
    expect(formatDateTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe("2026-01-02 03:04:05");
  });
});
