import { describe, expect, it } from "vitest";
import { daysToLoad, lakeSource, loadDayStatement } from "./lake-load";

const LAKE = {
  bucket: "kc-lake-me-south-1",
  region: "me-south-1",
  prefix: "curated/learning-events/",
};

describe("lake loading", () => {
  it("reads one day's Parquet folder through the s3 table function", () => {
    expect(lakeSource(LAKE, "2026-11-01").text).toBe(
      "s3('https://kc-lake-me-south-1.s3.me-south-1.amazonaws.com/curated/learning-events/event_date=2026-11-01/*.parquet', 'Parquet')",
    );
  });

  it("inserts only events the table lacks for that day", () => {
    const text = loadDayStatement("analytics", lakeSource(LAKE, "2026-11-01"), "2026-11-01").text;
    expect(text).toContain("INSERT INTO `analytics`.`learning_events` (`event_id`, `occurred_at`");
    expect(text).toContain("WHERE toDate(occurred_at) = toDate('2026-11-01')");
    expect(text).toContain(
      "event_id NOT IN (\n    SELECT event_id FROM `analytics`.`learning_events` WHERE toDate(occurred_at) = toDate('2026-11-01')",
    );
  });

  it.each([
    [() => lakeSource(LAKE, "2026-11-1"), 'day "2026-11-1": expected YYYY-MM-DD'],
    [
      () => lakeSource({ ...LAKE, bucket: "Bad_Bucket" }, "2026-11-01"),
      "expected an S3 bucket name",
    ],
    [() => lakeSource({ ...LAKE, prefix: "curated" }, "2026-11-01"), "expected folders ending in"],
    [() => daysToLoad(new Date(), 0), "daysBack 0"],
  ])("refuses bad input %#", (call, message) => {
    expect(call).toThrow(message);
  });

  it("re-reads the last days before today, oldest first", () => {
    expect(daysToLoad(new Date("2026-03-01T05:00:00Z"), 3)).toEqual([
      "2026-02-26",
      "2026-02-27",
      "2026-02-28",
    ]);
  });
});
