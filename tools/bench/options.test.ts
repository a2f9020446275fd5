/** The command line of `npm run bench`. */
import { describe, expect, it } from "vitest";
import { BENCH_PARTS, BenchUsageError, parseBenchOptions } from "./options";

describe("parseBenchOptions", () => {
  it("runs every part, seven runs, ten and a hundred million rows, no JSON by default", () => {
    expect(parseBenchOptions([])).toEqual({
      parts: BENCH_PARTS,
      runs: 7,
      analyticsRows: [10_000_000, 100_000_000],
      jsonFile: undefined,
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

  it("reads --runs and a single --analytics-rows", () => {
    expect(parseBenchOptions(["--runs", "3", "--analytics-rows", "1000"])).toMatchObject({
      runs: 3,
      analyticsRows: [1000],
    });
  });

  it("reads --analytics-rows as a comma-separated list, smallest first, each once", () => {
    expect(
      parseBenchOptions(["--analytics-rows", "100000000, 1000000,10000000,1000000"]).analyticsRows,
    ).toEqual([1_000_000, 10_000_000, 100_000_000]);
  });

  it("reads --json FILE, in either spelling", () => {
    expect(parseBenchOptions(["--json", "figures.json"]).jsonFile).toBe("figures.json");
    expect(parseBenchOptions(["--json=out/bench.json"]).jsonFile).toBe("out/bench.json");
  });

  it.each([
    [["--only", "lambda"], "--only lambda: expected one of plan, functions, analytics"],
    [["--runs", "0"], "--runs 0: expected a positive integer"],
    [["--runs", "1.5"], "--runs 1.5: expected a positive integer"],
    [
      ["--analytics-rows", "many"],
      "--analytics-rows many: expected positive integers separated by commas, such as 10000000,100000000",
    ],
    [
      ["--analytics-rows", "1000,0"],
      "--analytics-rows 1000,0: expected positive integers separated by commas",
    ],
    [
      ["--analytics-rows", "1000,,2000"],
      "--analytics-rows 1000,,2000: expected positive integers separated by commas",
    ],
    [["--analytics-rows", "1e7"], "--analytics-rows 1e7: expected positive integers"],
    [["--json="], "--json : expected a file name"],
    [["--json=-x"], "--json -x: expected a file name"],
    [
      ["--only", "analytics", "--skip-analytics"],
      "--skip-analytics with --only analytics: nothing would be left to run",
    ],
  ])("rejects %j, saying why and how to call it", (argv, problem) => {
    expect(() => parseBenchOptions(argv)).toThrow(BenchUsageError);
    expect(() => parseBenchOptions(argv)).toThrow(problem);
    expect(() => parseBenchOptions(argv)).toThrow(/\nusage: npm run bench -- /);
  });

  it("rejects --json without a file name", () => {
    expect(() => parseBenchOptions(["--json"])).toThrow(/--json[\s\S]*usage:/);
  });

  it("rejects an unknown flag", () => {
    expect(() => parseBenchOptions(["--fast"])).toThrow(/Unknown option '--fast'[\s\S]*usage:/);
  });
});
