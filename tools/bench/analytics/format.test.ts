/** The analytics figures as the bench prints them. */
import { describe, expect, it } from "vitest";
import { analyticsFigures, queryFigures } from "./figures.fixtures";
import { formatAnalytics } from "./format";

describe("formatAnalytics", () => {
  it("prints raw and rollup side by side with the speed-up, equal counts, error and verdict", () => {
    const text = formatAnalytics(
      analyticsFigures([
        queryFigures(),
        queryFigures({
          query: "breakdown-course",
          goal: "query",
          goalMs: 50,
          rawMs: 900,
          rollupMs: 60,
          speedUp: 15,
          countsEqual: false,
          countMismatch: "finance-100.requests: raw 10, rollup 9",
        }),
      ]),
    );
    const lines = text.split("\n");
    const summary = lines.find((line) => /^\s*7 d\s+summary\s/.test(line));
    expect(summary).toMatch(
      /400\.0\s+8\.0\s+50\.0x\s+mixed \(qoe_slices_daily, qoe_slices_hourly\)\s+yes\s+1\.10 %\s+<= 15 ms, <= 3\.20 %\s+met$/,
    );
    const breakdown = lines.find((line) => line.includes("breakdown by course, top 20"));
    expect(breakdown).toMatch(
      /900\.0\s+60\.0\s+15\.0x .*NO \(finance-100\.requests: raw 10, rollup 9\).*NOT MET$/,
    );
    expect(text).toContain("Goals: 10 of 12 met; not met:\n");
    expect(text).toContain("  qoe.10000000.7d.breakdown-course.rollupMs: 60 (target <= 50)\n");
    expect(text).toContain("  qoe.10000000.7d.breakdown-course.countsEqual: 0 (target == 1)\n");
  });

  it("prints the ingest ratio against its target and the time split", () => {
    const text = formatAnalytics(analyticsFigures());
    expect(text).toContain(
      "ingest / clickhouse-client (median batch rates): 1.04, target >= 1.0: met\n",
    );
    expect(text).toContain("ingest time: parse and the rest 0.50 s (13 %), write 3.50 s (88 %)\n");
  });

  it("prints the API's levels with the goal on ten connections", () => {
    const text = formatAnalytics(analyticsFigures());
    const ten = text.split("\n").find((line) => /^\s+10\s+10\.0\s/.test(line));
    expect(ten).toMatch(
      /200\.0\s+40\.0\s+120\.0\s+180\.0\s+0\s+>= 100\/s, p99 <= 250 ms, 0 errors\s+met$/,
    );
  });
});
