/** The analytics figures held to their goals. */
import { describe, expect, it } from "vitest";
import { analyticsFigures, queryFigures } from "./figures.fixtures";
import { GOALS } from "./figures";
import { evaluateGoals } from "./goals";

function verdictOf(goal: string, figures = analyticsFigures()) {
  return evaluateGoals(figures).find((each) => each.goal === goal);
}

describe("evaluateGoals", () => {
  it("meets every goal when every figure is within its target", () => {
    const verdicts = evaluateGoals(analyticsFigures());
    expect(verdicts.filter((each) => !each.met)).toEqual([]);
    expect(verdicts.map((each) => each.goal)).toEqual([
      "parse.recordDataPerSecond",
      "parse.logLinePerSecond",
      "ingest.overClient",
      "qoe.10000000.7d.summary.rollupMs",
      "qoe.10000000.7d.summary.countsEqual",
      "qoe.10000000.7d.summary.maxPercentileError",
      "api.10.requestsPerSecond",
      "api.10.p99Ms",
      "api.10.errors",
    ]);
  });

  it("misses a rollup time above the query's goal, and meets one equal to it", () => {
    const slow = analyticsFigures([queryFigures({ rollupMs: 15.1 })]);
    expect(verdictOf("qoe.10000000.7d.summary.rollupMs", slow)).toEqual({
      goal: "qoe.10000000.7d.summary.rollupMs",
      value: 15.1,
      target: 15,
      comparison: "<=",
      met: false,
    });
    const atGoal = analyticsFigures([queryFigures({ rollupMs: 15 })]);
    expect(verdictOf("qoe.10000000.7d.summary.rollupMs", atGoal)?.met).toBe(true);
  });

  it("misses unequal counts and a percentile error above 3.2 %", () => {
    const figures = analyticsFigures([
      queryFigures({
        query: "breakdown-course",
        goal: "query",
        goalMs: 50,
        rangeDays: 30,
        countsEqual: false,
        countMismatch: "finance-100.requests: raw 10, rollup 9",
        maxPercentileError: 0.0321,
      }),
    ]);
    expect(verdictOf("qoe.10000000.30d.breakdown-course.countsEqual", figures)?.met).toBe(false);
    expect(
      verdictOf("qoe.10000000.30d.breakdown-course.maxPercentileError", figures),
    ).toMatchObject({
      value: 0.0321,
      target: GOALS.maxPercentileError,
      met: false,
    });
  });

  it("misses slow parsing and an ingest slower than clickhouse-client", () => {
    const base = analyticsFigures();
    const figures = analyticsFigures(undefined, {
      parse: { ...base.parse, recordDataPerSecond: 499_999, logLinePerSecond: 700_000 },
      ingest: { ...base.ingest, overClient: 0.99 },
    });
    expect(verdictOf("parse.recordDataPerSecond", figures)?.met).toBe(false);
    expect(verdictOf("parse.logLinePerSecond", figures)?.met).toBe(true);
    expect(verdictOf("ingest.overClient", figures)?.met).toBe(false);
  });

  it("gives no ingest verdict when clickhouse-client was skipped", () => {
    const base = analyticsFigures();
    const figures = analyticsFigures(undefined, {
      ingest: { ...base.ingest, client: { skipped: "skipped: no binary" }, overClient: null },
    });
    expect(verdictOf("ingest.overClient", figures)).toBeUndefined();
  });

  it("holds the API at ten connections to rate, p99 and errors", () => {
    const base = analyticsFigures();
    const [one, ten] = base.api.levels;
    if (one === undefined || ten === undefined) throw new Error("fixture without levels");
    const figures = analyticsFigures(undefined, {
      api: {
        ...base.api,
        levels: [one, { ...ten, requestsPerSecond: 99.5, p99Ms: 251, errors: 2 }],
      },
    });
    expect(
      evaluateGoals(figures)
        .filter((each) => each.goal.startsWith("api."))
        .map((each) => [each.goal, each.met]),
    ).toEqual([
      ["api.10.requestsPerSecond", false],
      ["api.10.p99Ms", false],
      ["api.10.errors", false],
    ]);
    const withoutTen = analyticsFigures(undefined, { api: { ...base.api, levels: [one] } });
    expect(evaluateGoals(withoutTen).some((each) => each.goal.startsWith("api."))).toBe(false);
  });
});
