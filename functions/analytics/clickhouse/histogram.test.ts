import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bucketWidth,
  EXACT_BELOW,
  histogramPercentiles,
  MAX_RELATIVE_ERROR,
  SUB_BUCKETS,
  ttfbBucket,
} from "./histogram";

const UINT32_MAX = 4294967295;

describe("ttfbBucket", () => {
  it("keeps a latency below EXACT_BELOW exact", () => {
    for (let ms = 0; ms < EXACT_BELOW; ms += 1) {
      expect(ttfbBucket(ms)).toBe(ms);
      expect(bucketWidth(ms)).toBe(1);
    }
  });

  it("puts every latency in a bucket that holds it, at most MAX_RELATIVE_ERROR x 2 wide", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: UINT32_MAX }), (ms) => {
        const bucket = ttfbBucket(ms);
        const width = bucketWidth(bucket);
        expect(bucket).toBeLessThanOrEqual(ms);
        expect(ms).toBeLessThan(bucket + width);
        expect(ttfbBucket(bucket)).toBe(bucket);
        expect(ttfbBucket(bucket + width - 1)).toBe(bucket);
        expect((width - 1) / 2).toBeLessThanOrEqual(MAX_RELATIVE_ERROR * bucket);
      }),
    );
  });

  it("splits each power of two from EXACT_BELOW into SUB_BUCKETS buckets", () => {
    for (const power of [5, 6, 10, 20, 31]) {
      const buckets = new Set<number>();
      for (let ms = 2 ** power; ms < 2 ** (power + 1); ms += bucketWidth(2 ** power)) {
        buckets.add(ttfbBucket(ms));
      }
      expect(buckets.size, `2^${power}`).toBe(SUB_BUCKETS);
    }
    expect([31, 32, 33, 34, 63, 64, 65, 66, 67, 68].map(ttfbBucket)).toEqual([
      31, 32, 32, 34, 62, 64, 64, 64, 64, 68,
    ]);
    expect(ttfbBucket(UINT32_MAX)).toBe(2 ** 31 + 15 * 2 ** 27);
  });
});

describe("histogramPercentiles", () => {
  /** The element quantileExact picks: floor(level x n) of the sorted values, the last for 1. */
  function exact(values: readonly number[], level: number): number {
    const sorted = [...values].sort((a, b) => a - b);
    const rank = level < 1 ? Math.floor(level * sorted.length) : sorted.length - 1;
    return sorted[rank] ?? 0;
  }

  function histogramOf(values: readonly number[]): { buckets: number[]; counts: number[] } {
    const counts = new Map<number, number>();
    for (const value of values) {
      counts.set(ttfbBucket(value), (counts.get(ttfbBucket(value)) ?? 0) + 1);
    }
    return { buckets: [...counts.keys()], counts: [...counts.values()] };
  }

  it("stays within MAX_RELATIVE_ERROR of the exact percentile, and exact below EXACT_BELOW", () => {
    const levels = [0, 0.5, 0.9, 0.95, 0.99, 1];
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 600_000 }), { minLength: 1, maxLength: 400 }),
        (values) => {
          const estimates = histogramPercentiles(histogramOf(values), levels);
          levels.forEach((level, index) => {
            const value = exact(values, level);
            const estimate = estimates[index] ?? Number.NaN;
            expect(Math.abs(estimate - value)).toBeLessThanOrEqual(MAX_RELATIVE_ERROR * value);
            if (value < EXACT_BELOW) expect(estimate).toBe(value);
          });
        },
      ),
    );
  });

  it("adds up repeated buckets, ignores empty ones, and gives 0 for an empty histogram", () => {
    const split = { buckets: [100, 5, 100, 7], counts: [1, 1, 2, 0] };
    expect(histogramPercentiles(split, [0, 0.25, 0.5, 1])).toEqual([5, 101.5, 101.5, 101.5]);
    expect(histogramPercentiles({ buckets: [], counts: [] }, [0.5, 0.99])).toEqual([0, 0]);
  });
});
