/** The command line of `npm run bench`. */
import { describe, expect, it } from "vitest";
import { BENCH_PARTS, BenchUsageError, parseBenchOptions } from "./options";

describe("parseBenchOptions", () => {
  it("runs every part, seven runs and ten million rows by default", () => {
    expect(parseBenchOptions([])).toEqual({
      parts: BENCH_PARTS,
      runs: 7,
      analyticsRows: 10_000_000,
    });
  });

  it("runs only the parts named, in the bench's order", () => {
    expect(parseBenchOptions(["--only", "functions"]).parts).toEqual(["functions"]);
    expect(parseBenchOptions(["--only", "analytics", "--only", "plan"]).parts).toEqual([
      "plan",
      "analytics",
    ]);
  });

  it("leaves out the analytics part with --skip-analytics", () => {
    expect(parseBenchOptions(["--skip-analytics"]).parts).toEqual(["plan", "functions"]);
  });

  it("reads --runs and --analytics-rows", () => {
    expect(parseBenchOptions(["--runs", "3", "--analytics-rows", "1000"])).toMatchObject({
      runs: 3,
      analyticsRows: 1000,
    });
  });

  it.each([
    [["--only", "lambda"], "--only lambda: expected one of plan, functions, analytics"],
    [["--runs", "0"], "--runs 0: expected a positive integer"],
    [["--runs", "1.5"], "--runs 1.5: expected a positive integer"],
    [["--analytics-rows", "many"], "--analytics-rows many: expected a positive integer"],
    [
      ["--only", "analytics", "--skip-analytics"],
      "--skip-analytics with --only analytics: nothing would be left to run",
    ],
  ])("rejects %j, saying why and how to call it", (argv, problem) => {
    expect(() => parseBenchOptions(argv)).toThrow(BenchUsageError);
    expect(() => parseBenchOptions(argv)).toThrow(`${problem}\nusage: npm run bench -- `);
  });

  it("rejects an unknown flag", () => {
    expect(() => parseBenchOptions(["--fast"])).toThrow(/Unknown option '--fast'[\s\S]*usage:/);
  });
});
