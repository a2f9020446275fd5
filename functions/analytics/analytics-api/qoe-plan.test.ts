import { describe, expect, it } from "vitest";
import { BadRequest } from "./errors";
import {
  answerSource,
  planQuery,
  planRange,
  rollupShape,
  type PlanPart,
  type RollupMarks,
  type RollupShape,
} from "./qoe-plan";

const at = (text: string): Date => new Date(`${text}Z`);

/** Parts as `table from..to` lines, short to read in a failing test. */
function describeParts(parts: readonly PlanPart[]): string[] {
  const short = (value: Date) => value.toISOString().slice(0, 16).replace("T", " ");
  return parts.map((part) => `${part.table} ${short(part.from)}..${short(part.to)}`);
}

function plan(
  from: string,
  to: string,
  marks: RollupMarks,
  shape: RollupShape = { kind: "slices", dimension: "all" },
): string[] {
  return describeParts(planRange(at(from), at(to), shape, marks));
}

/** Hours built through 5 Nov 06:00, days through 5 Nov 00:00. */
const BUILT: RollupMarks = {
  hourlyThrough: at("2026-11-05T06:00"),
  dailyThrough: at("2026-11-05T00:00"),
};

describe("rollupShape", () => {
  it("reads the total slice without filters and one dimension's slice with one", () => {
    expect(rollupShape({ filters: {} })).toEqual({ kind: "slices", dimension: "all" });
    expect(rollupShape({ filters: { course: "fin-101" } })).toEqual({
      kind: "slices",
      dimension: "course",
      key: "fin-101",
    });
    expect(rollupShape({ filters: { edge: "DXB52-P1" } })).toEqual({
      kind: "slices",
      dimension: "edge",
      key: "DXB52-P1",
    });
  });

  it("reads a breakdown's slice when no filter or only a filter on the same dimension is set", () => {
    expect(rollupShape({ filters: {}, groupBy: "country" })).toEqual({
      kind: "slices",
      dimension: "country",
    });
    expect(rollupShape({ filters: { country: "SA" }, groupBy: "country" })).toEqual({
      kind: "slices",
      dimension: "country",
      key: "SA",
    });
    expect(rollupShape({ filters: {}, groupBy: "rendition" })).toEqual({
      kind: "slices",
      dimension: "rendition",
    });
  });

  it("reads the hourly cube when two or more dimensions are involved", () => {
    expect(rollupShape({ filters: { course: "fin-101" }, groupBy: "country" })).toEqual({
      kind: "hourly",
    });
    expect(rollupShape({ filters: { course: "fin-101", country: "SA" }, groupBy: "edge" })).toEqual(
      { kind: "hourly" },
    );
  });

  it("reads the cube's copy sorted by the filtered place when no course is filtered", () => {
    const byCountry = { kind: "hourly", copy: "qoe_hourly_by_country" };
    expect(rollupShape({ filters: { country: "SA", edge: "DXB52-P1" } })).toEqual(byCountry);
    expect(rollupShape({ filters: { country: "SA" }, groupBy: "rendition" })).toEqual(byCountry);
    expect(rollupShape({ filters: { country: "SA" }, groupBy: "course" })).toEqual(byCountry);
    expect(rollupShape({ filters: { edge: "DXB52-P1" }, groupBy: "country" })).toEqual({
      kind: "hourly",
      copy: "qoe_hourly_by_edge",
    });
  });
});

describe("planRange", () => {
  it("answers whole days from the daily slices and the hours around them from the hourly slices", () => {
    expect(plan("2026-11-01T00:00", "2026-11-05T06:00", BUILT)).toEqual([
      "qoe_slices_daily 2026-11-01 00:00..2026-11-05 00:00",
      "qoe_slices_hourly 2026-11-05 00:00..2026-11-05 06:00",
    ]);
    expect(plan("2026-10-31T20:00", "2026-11-03T00:00", BUILT)).toEqual([
      "qoe_slices_hourly 2026-10-31 20:00..2026-11-01 00:00",
      "qoe_slices_daily 2026-11-01 00:00..2026-11-03 00:00",
    ]);
  });

  it("reads an unaligned head and tail from raw rows", () => {
    expect(plan("2026-11-01T10:30", "2026-11-03T04:15", BUILT)).toEqual([
      "playback_requests 2026-11-01 10:30..2026-11-01 11:00",
      "qoe_slices_hourly 2026-11-01 11:00..2026-11-02 00:00",
      "qoe_slices_daily 2026-11-02 00:00..2026-11-03 00:00",
      "qoe_slices_hourly 2026-11-03 00:00..2026-11-03 04:00",
      "playback_requests 2026-11-03 04:00..2026-11-03 04:15",
    ]);
  });

  it("reads hours past the hourly mark from raw rows, joined with the tail", () => {
    expect(plan("2026-11-04T00:00", "2026-11-05T08:20", BUILT)).toEqual([
      "qoe_slices_daily 2026-11-04 00:00..2026-11-05 00:00",
      "qoe_slices_hourly 2026-11-05 00:00..2026-11-05 06:00",
      "playback_requests 2026-11-05 06:00..2026-11-05 08:20",
    ]);
  });

  it("reads days past the daily mark from the hourly slices", () => {
    const marks = { hourlyThrough: at("2026-11-05T06:00"), dailyThrough: at("2026-11-03T00:00") };
    expect(plan("2026-11-01T00:00", "2026-11-05T06:00", marks)).toEqual([
      "qoe_slices_daily 2026-11-01 00:00..2026-11-03 00:00",
      "qoe_slices_hourly 2026-11-03 00:00..2026-11-05 06:00",
    ]);
  });

  it("treats a mark off the hour or day as the whole unit before it", () => {
    const marks = { hourlyThrough: at("2026-11-05T06:40"), dailyThrough: at("2026-11-05T06:40") };
    expect(plan("2026-11-04T00:00", "2026-11-05T08:00", marks)).toEqual([
      "qoe_slices_daily 2026-11-04 00:00..2026-11-05 00:00",
      "qoe_slices_hourly 2026-11-05 00:00..2026-11-05 06:00",
      "playback_requests 2026-11-05 06:00..2026-11-05 08:00",
    ]);
  });

  it("reads everything from raw rows before the first build", () => {
    expect(plan("2026-11-01T00:00", "2026-11-05T00:00", {})).toEqual([
      "playback_requests 2026-11-01 00:00..2026-11-05 00:00",
    ]);
    expect(
      plan("2026-11-01T00:00", "2026-11-03T00:00", { dailyThrough: at("2026-11-05T00:00") }),
    ).toEqual(["qoe_slices_daily 2026-11-01 00:00..2026-11-03 00:00"]);
  });

  it("reads a range inside one hour, or across one hour boundary, from raw rows alone", () => {
    expect(plan("2026-11-01T10:05", "2026-11-01T10:55", BUILT)).toEqual([
      "playback_requests 2026-11-01 10:05..2026-11-01 10:55",
    ]);
    expect(plan("2026-11-01T10:30", "2026-11-01T11:05", BUILT)).toEqual([
      "playback_requests 2026-11-01 10:30..2026-11-01 11:05",
    ]);
  });

  it("leaves each empty part out", () => {
    // No head, no days, no tail: exactly one hour.
    expect(plan("2026-11-01T10:00", "2026-11-01T11:00", BUILT)).toEqual([
      "qoe_slices_hourly 2026-11-01 10:00..2026-11-01 11:00",
    ]);
    // Exactly one day: no hours around it.
    expect(plan("2026-11-02T00:00", "2026-11-03T00:00", BUILT)).toEqual([
      "qoe_slices_daily 2026-11-02 00:00..2026-11-03 00:00",
    ]);
    // Whole range past both marks.
    expect(plan("2026-11-06T00:00", "2026-11-08T00:00", BUILT)).toEqual([
      "playback_requests 2026-11-06 00:00..2026-11-08 00:00",
    ]);
    expect(
      planRange(at("2026-11-01T10:00"), at("2026-11-01T10:00"), { kind: "hourly" }, BUILT),
    ).toEqual([]);
  });

  it("reads the hourly cube for whole hours, never the daily slices", () => {
    expect(plan("2026-11-01T10:30", "2026-11-05T07:00", BUILT, { kind: "hourly" })).toEqual([
      "playback_requests 2026-11-01 10:30..2026-11-01 11:00",
      "qoe_hourly 2026-11-01 11:00..2026-11-05 06:00",
      "playback_requests 2026-11-05 06:00..2026-11-05 07:00",
    ]);
  });

  it("reads a copy by place up to its mark, the cube up to the hourly mark, raw rows after", () => {
    const copy: RollupShape = { kind: "hourly", copy: "qoe_hourly_by_country" };
    expect(
      plan(
        "2026-11-01T10:30",
        "2026-11-05T07:00",
        { ...BUILT, placesThrough: at("2026-11-04T02:00") },
        copy,
      ),
    ).toEqual([
      "playback_requests 2026-11-01 10:30..2026-11-01 11:00",
      "qoe_hourly_by_country 2026-11-01 11:00..2026-11-04 02:00",
      "qoe_hourly 2026-11-04 02:00..2026-11-05 06:00",
      "playback_requests 2026-11-05 06:00..2026-11-05 07:00",
    ]);
    // Before the job has built the copies (just after migration 6), the cube answers.
    expect(plan("2026-11-01T11:00", "2026-11-05T06:00", BUILT, copy)).toEqual([
      "qoe_hourly 2026-11-01 11:00..2026-11-05 06:00",
    ]);
    // A copy mark ahead of the hourly one does not read unbuilt hours.
    expect(
      plan(
        "2026-11-05T00:00",
        "2026-11-05T09:00",
        { ...BUILT, placesThrough: at("2026-11-06T00:00") },
        copy,
      ),
    ).toEqual([
      "qoe_hourly_by_country 2026-11-05 00:00..2026-11-05 06:00",
      "playback_requests 2026-11-05 06:00..2026-11-05 09:00",
    ]);
  });

  it("covers the range exactly once, in order, for any bounds and marks", () => {
    const base = at("2026-11-01T00:00").getTime();
    const quarter = 15 * 60_000;
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let trial = 0; trial < 500; trial += 1) {
      const start = base + next(4 * 96) * quarter;
      const end = start + (1 + next(6 * 96)) * quarter;
      const marks = {
        hourlyThrough: new Date(base + next(10 * 96) * quarter),
        dailyThrough: new Date(base + next(10 * 96) * quarter),
        placesThrough: new Date(base + next(10 * 96) * quarter),
      };
      const shapes: RollupShape[] = [
        { kind: "hourly" },
        { kind: "hourly", copy: "qoe_hourly_by_edge" },
        { kind: "slices", dimension: "all" },
      ];
      const shape = shapes[next(3)] ?? { kind: "hourly" };
      const parts = planRange(new Date(start), new Date(end), shape, marks);
      expect(parts[0]?.from.getTime()).toBe(start);
      expect(parts[parts.length - 1]?.to.getTime()).toBe(end);
      parts.forEach((part, index) => {
        expect(part.to.getTime()).toBeGreaterThan(part.from.getTime());
        if (index > 0) expect(part.from).toEqual(parts[index - 1]?.to);
        if (part.table === "playback_requests") return;
        const unit = part.table === "qoe_slices_daily" ? 86_400_000 : 3_600_000;
        const through =
          part.table === "qoe_slices_daily" ? marks.dailyThrough : marks.hourlyThrough;
        expect(part.from.getTime() % unit).toBe(0);
        expect(part.to.getTime() % unit).toBe(0);
        expect(part.to.getTime()).toBeLessThanOrEqual(through.getTime());
        if (part.table === "qoe_hourly_by_edge") {
          expect(part.to.getTime()).toBeLessThanOrEqual(marks.placesThrough.getTime());
        }
      });
    }
  });
});

describe("planQuery", () => {
  const shape: RollupShape = { kind: "slices", dimension: "all" };

  it("gives one raw part for source=raw, whatever is built", () => {
    expect(
      describeParts(planQuery(at("2026-11-01T00:00"), at("2026-11-03T00:00"), shape, BUILT, "raw")),
    ).toEqual(["playback_requests 2026-11-01 00:00..2026-11-03 00:00"]);
  });

  it("answers source=rollup from the rollups when they cover the range", () => {
    const parts = planQuery(at("2026-11-01T22:00"), at("2026-11-03T00:00"), shape, BUILT, "rollup");
    expect(describeParts(parts)).toEqual([
      "qoe_slices_hourly 2026-11-01 22:00..2026-11-02 00:00",
      "qoe_slices_daily 2026-11-02 00:00..2026-11-03 00:00",
    ]);
  });

  it("refuses source=rollup off the hour", () => {
    const call = () =>
      planQuery(at("2026-11-01T10:30"), at("2026-11-01T12:00"), shape, BUILT, "rollup");
    expect(call).toThrow(BadRequest);
    expect(call).toThrow("source=rollup needs from and to on whole hours (UTC)");
  });

  it("refuses source=rollup for hours not built yet, naming them and the mark", () => {
    expect(() =>
      planQuery(at("2026-11-05T00:00"), at("2026-11-05T09:00"), shape, BUILT, "rollup"),
    ).toThrow(
      "source=rollup cannot answer 2026-11-05T06:00:00.000Z..2026-11-05T09:00:00.000Z: the rollups are complete before 2026-11-05T06:00:00.000Z; use source=auto or source=raw",
    );
    expect(() =>
      planQuery(at("2026-11-05T00:00"), at("2026-11-05T09:00"), { kind: "hourly" }, {}, "rollup"),
    ).toThrow(
      "source=rollup cannot answer 2026-11-05T00:00:00.000Z..2026-11-05T09:00:00.000Z: no hour is rolled up yet; use source=auto or source=raw",
    );
  });
});

describe("answerSource", () => {
  const part = (table: PlanPart["table"]): PlanPart => ({
    table,
    from: at("2026-11-01T00:00"),
    to: at("2026-11-01T01:00"),
  });

  it("says raw, rollup or mixed", () => {
    expect(answerSource([part("playback_requests")])).toBe("raw");
    expect(answerSource([part("qoe_slices_daily"), part("qoe_slices_hourly")])).toBe("rollup");
    expect(answerSource([part("qoe_hourly"), part("playback_requests")])).toBe("mixed");
  });
});
