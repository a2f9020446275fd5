import { describe, expect, it } from "vitest";
import { BadRequest } from "./errors";
import {
  bufferBreakdownQuery,
  parseQuery,
  qoeBreakdownQuery,
  qoeQuery,
  readInstant,
} from "./requests";

function parse(query: string): unknown {
  return parseQuery(qoeQuery, new URLSearchParams(query));
}

function refusal(query: string): string {
  try {
    parse(query);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequest);
    return (error as BadRequest).message;
  }
  throw new Error(`${query} was accepted`);
}

describe("instants", () => {
  it.each([
    ["2026-11-01", "2026-11-01T00:00:00.000Z"],
    ["2026-11-01T10:30", "2026-11-01T10:30:00.000Z"],
    ["2026-11-01T10:30:15.5Z", "2026-11-01T10:30:15.500Z"],
    ["2026-11-01T10:30:15+03:00", "2026-11-01T07:30:15.000Z"],
    ["2024-02-29T23:59:59Z", "2024-02-29T23:59:59.000Z"],
    ["2000-01-01T00:00:00Z", "2000-01-01T00:00:00.000Z"],
    ["2105-12-31T23:59:59Z", "2105-12-31T23:59:59.000Z"],
    ["2000-01-01T02:00:00+02:00", "2000-01-01T00:00:00.000Z"],
  ])("reads %s as %s", (text, iso) => {
    const value = readInstant("from", text);
    expect(value instanceof Date ? value.toISOString() : value).toBe(iso);
  });

  it.each([
    ["2026-02-30", "from is not a calendar instant: day 30: 2026-02 has 28 days"],
    ["2025-02-29T00:00:00Z", "from is not a calendar instant: day 29: 2025-02 has 28 days"],
    ["2026-04-31", "from is not a calendar instant: day 31: 2026-04 has 30 days"],
    ["2026-11-00", "from is not a calendar instant: day 00: 2026-11 has 30 days"],
    ["2026-13-01", "from is not a calendar instant: month 13: expected 01 to 12"],
    ["2026-00-10", "from is not a calendar instant: month 00: expected 01 to 12"],
    ["2026-11-01T24:00:00Z", "from is not a calendar instant: hour 24: expected 00 to 23"],
    ["2026-11-01T10:60:00Z", "from is not a calendar instant: minute 60: expected 00 to 59"],
    ["2026-11-01T10:00:60Z", "from is not a calendar instant: second 60: expected 00 to 59"],
    ["2026-11-01T10:00:00+24:00", "from is not a calendar instant: offset +24:00"],
    ["2026-11-01T10:00:00+03:60", "from is not a calendar instant: offset +03:60"],
    ["1999-12-31T23:59:59Z", "from must be from 2000-01-01T00:00:00Z and before 2106-01-01"],
    ["2000-01-01T01:00:00+02:00", "from must be from 2000-01-01T00:00:00Z and before 2106-01-01"],
    ["2106-01-01T00:00:00Z", "from must be from 2000-01-01T00:00:00Z and before 2106-01-01"],
    ["2105-12-31T23:00:00-01:00", "from must be from 2000-01-01T00:00:00Z and before 2106-01-01"],
    ["9999-12-31", "from must be from 2000-01-01T00:00:00Z and before 2106-01-01"],
    ["2026-11-01T10:00:00Z'--", "from must be an ISO 8601 instant"],
    ["+002026-11-01", "from must be an ISO 8601 instant"],
    ["2026-11-01 10:00:00", "from must be an ISO 8601 instant"],
  ])("refuses %s naming the parameter", (text, message) => {
    const value = readInstant("from", text);
    expect(typeof value === "string" ? value : value.toISOString()).toContain(message);
  });
});

describe("range parameters", () => {
  it("answer 400 naming from or to for an impossible date, not a shifted one", () => {
    expect(refusal("from=2026-02-30&to=2026-03-05")).toBe(
      "from is not a calendar instant: day 30: 2026-02 has 28 days",
    );
    expect(refusal("from=2026-11-01&to=2026-11-01T24:00:00Z")).toBe(
      "to is not a calendar instant: hour 24: expected 00 to 23",
    );
  });

  it("answer 400 for a well-formed range past what DateTime holds, before any query", () => {
    expect(refusal("from=2105-12-01&to=2106-01-02")).toBe(
      "to must be from 2000-01-01T00:00:00Z and before 2106-01-01T00:00:00Z",
    );
    expect(refusal("from=2199-01-01&to=2199-01-02")).toBe(
      "from must be from 2000-01-01T00:00:00Z and before 2106-01-01T00:00:00Z",
    );
  });

  it("accept the last range the store can hold", () => {
    expect(parse("from=2105-12-01&to=2105-12-31T23:59:59Z")).toMatchObject({
      from: new Date("2105-12-01T00:00:00Z"),
      to: new Date("2105-12-31T23:59:59Z"),
    });
  });
});

describe("buffer breakdown parameters", () => {
  const buffer = (query: string) => parseQuery(bufferBreakdownQuery, new URLSearchParams(query));

  it("break down by course, country, edge location or rendition, 100 groups unless told", () => {
    for (const by of ["course", "country", "edge", "rendition"]) {
      expect(buffer(`from=2026-11-01&to=2026-11-02&by=${by}`)).toEqual({
        from: new Date("2026-11-01T00:00:00Z"),
        to: new Date("2026-11-02T00:00:00Z"),
        by,
        limit: 100,
        source: "auto",
      });
    }
    expect(buffer("from=2026-11-01&to=2026-11-02&by=rendition&country=AE&limit=5")).toMatchObject({
      by: "rendition",
      country: "AE",
      limit: 5,
    });
  });

  it("answer 400 naming the parameter for another dimension or an unknown parameter", () => {
    expect(() => buffer("from=2026-11-01&to=2026-11-02&by=bitrate")).toThrow(
      new BadRequest("by must be one of course, country, edge, rendition"),
    );
    expect(() => buffer("from=2026-11-01&to=2026-11-02")).toThrow(
      new BadRequest("by must be one of course, country, edge, rendition"),
    );
    expect(() => buffer("from=2026-11-01&to=2026-11-02&by=course&session=x")).toThrow(
      new BadRequest("unknown parameter session"),
    );
  });

  it("leave the QoE breakdown's dimensions as they were", () => {
    expect(() =>
      parseQuery(
        qoeBreakdownQuery,
        new URLSearchParams("from=2026-11-01&to=2026-11-02&by=rendition"),
      ),
    ).toThrow(new BadRequest("by must be one of course, country, edge"));
  });
});
