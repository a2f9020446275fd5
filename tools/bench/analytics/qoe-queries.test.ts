/** How the bench holds a rollup answer to the raw one. */
import { describe, expect, it } from "vitest";
import type {
  Answer,
  QoeFigures,
  QoeGroup,
} from "../../../functions/analytics/analytics-api/queries";
import {
  compareAnswers,
  groupsComparable,
  renditionsComparable,
  summaryComparable,
} from "./qoe-queries";

function figures(overrides: Partial<QoeFigures> = {}): QoeFigures {
  return {
    requests: 1_000,
    errors: 10,
    errorRate: 0.01,
    aborted: 5,
    cacheHits: 850,
    cacheHitRatio: 0.85,
    bytes: 2_000_000,
    ttfbMs: { p50: 20, p90: 100, p95: 200, p99: 800 },
    ...overrides,
  };
}

function answer<T>(source: Answer<T>["source"], data: T): Answer<T> {
  return {
    source,
    percentiles: source === "raw" ? "exact" : "histogram",
    parts:
      source === "raw"
        ? [{ table: "playback_requests", from: "2026-11-29T00:00:00Z", to: "2026-12-06T04:00:00Z" }]
        : [
            { table: "qoe_slices_daily", from: "2026-11-29T00:00:00Z", to: "2026-12-06T00:00:00Z" },
            {
              table: "qoe_slices_hourly",
              from: "2026-12-06T00:00:00Z",
              to: "2026-12-06T02:00:00Z",
            },
            { table: "qoe_slices_daily", from: "2026-12-06T02:00:00Z", to: "2026-12-06T03:00:00Z" },
            {
              table: "playback_requests",
              from: "2026-12-06T03:00:00Z",
              to: "2026-12-06T04:00:00Z",
            },
          ],
    data,
  };
}

describe("compareAnswers", () => {
  it("finds equal counts and the largest relative percentile error", () => {
    const raw = summaryComparable(answer("raw", figures()));
    const rollup = summaryComparable(
      answer("mixed", figures({ ttfbMs: { p50: 20, p90: 102, p95: 196, p99: 800 } })),
    );
    expect(compareAnswers(raw, rollup)).toEqual({
      countsEqual: true,
      countMismatch: null,
      maxPercentileError: 0.02,
    });
  });

  it("names the first count that differs", () => {
    const raw = summaryComparable(answer("raw", figures()));
    const rollup = summaryComparable(answer("rollup", figures({ cacheHits: 849 })));
    expect(compareAnswers(raw, rollup)).toMatchObject({
      countsEqual: false,
      countMismatch: "cacheHits: raw 850, rollup 849",
    });
  });

  it("finds a group present in one answer only", () => {
    const group = (key: string, requests: number): QoeGroup => ({
      key,
      ...figures({ requests }),
    });
    const raw = groupsComparable(answer("raw", [group("SA", 600), group("AE", 400)]));
    const rollup = groupsComparable(answer("rollup", [group("SA", 600), group("EG", 400)]));
    const comparison = compareAnswers(raw, rollup);
    expect(comparison.countsEqual).toBe(false);
    expect(comparison.countMismatch).toBe("AE.requests: raw 400, rollup missing");
  });

  it("counts a percentile of 0 against a non-zero one as a full error", () => {
    const raw = summaryComparable(
      answer("raw", figures({ ttfbMs: { p50: 0, p90: 10, p95: 10, p99: 10 } })),
    );
    const rollup = summaryComparable(
      answer("rollup", figures({ ttfbMs: { p50: 0.5, p90: 10, p95: 10, p99: 10 } })),
    );
    expect(compareAnswers(raw, rollup).maxPercentileError).toBe(1);
  });

  it("compares a rendition mix by requests and bytes per rendition, with no percentiles", () => {
    const share = (rendition: string, requests: number, bytes: number) => ({
      rendition,
      requests,
      share: requests / 100,
      bytes,
    });
    const raw = renditionsComparable(
      answer("raw", [share("720p_3000k", 60, 9_000), share("1080p_6000k", 40, 12_000)]),
    );
    const rollup = renditionsComparable(
      answer("rollup", [share("720p_3000k", 60, 9_000), share("1080p_6000k", 40, 12_001)]),
    );
    expect(raw.percentiles.size).toBe(0);
    expect(compareAnswers(raw, rollup)).toEqual({
      countsEqual: false,
      countMismatch: "1080p_6000k.bytes: raw 12000, rollup 12001",
      maxPercentileError: 0,
    });
  });
});

describe("the answer's provenance", () => {
  it("keeps the source and each table once, in time order", () => {
    const rollup = summaryComparable(answer("mixed", figures()));
    expect(rollup.source).toBe("mixed");
    expect(rollup.tables).toEqual(["qoe_slices_daily", "qoe_slices_hourly", "playback_requests"]);
  });
});
