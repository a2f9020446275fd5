import { describe, expect, it } from "vitest";
import {
  glueDatabaseName,
  lakeSettingsProblems,
  resolveLakeSettings,
  statementPrefix,
} from "./data-lake-settings";

describe("resolveLakeSettings", () => {
  it("fills every default: a small FLEX job at night, the crawler after it", () => {
    expect(resolveLakeSettings({ etl: {} })).toEqual({
      workerType: "G.1X",
      workers: 2,
      executionClass: "FLEX",
      schedule: "cron(15 2 * * ? *)",
      timeoutMinutes: 120,
      crawlerSchedule: "cron(15 4 * * ? *)",
      exportRetentionDays: 90,
      logRetentionDays: 365,
      writers: [],
    });
  });
});

describe("lakeSettingsProblems", () => {
  it("finds nothing wrong with the defaults", () => {
    expect(lakeSettingsProblems("me-south-1", resolveLakeSettings({ etl: {} }))).toEqual([]);
  });

  it("reports every problem at once", () => {
    const settings = resolveLakeSettings({
      etl: { workers: 1, schedule: "daily" },
      exportRetentionDays: 0,
    });
    expect(lakeSettingsProblems("--", settings)).toEqual([
      'stack = "--": expected letters or digits',
      "etl.workers = 1: expected an integer from 2 to 100",
      'etl.schedule = "daily": expected a Glue cron expression such as cron(15 2 * * ? *)',
      "exportRetentionDays = 0: expected a positive whole number of days",
    ]);
  });
});

describe("names", () => {
  it("derives the Glue database and the statement ids from the stack and the component", () => {
    expect(glueDatabaseName("me-south-1")).toBe("me_south_1_learning");
    expect(statementPrefix("data-lake")).toBe("DataLake");
  });
});
