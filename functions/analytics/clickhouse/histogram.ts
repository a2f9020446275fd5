/**
 * The latency histogram the QoE rollups keep instead of a sketch: fixed log-scale buckets of
 * time to first byte, summed like any other counter, so merging a month of hours is an addition
 * (`sumMap`) and a percentile is a walk along the cumulative counts.
 *
 * Buckets are exact below `EXACT_BELOW` milliseconds; above it each power of two is split into
 * `SUB_BUCKETS` equal buckets, named by their lower bound. A percentile is reported as the middle
 * of its bucket, so its error is at most half a bucket: below 1/(2 x SUB_BUCKETS) = 3.125 % of the
 * exact value. The SQL expression and the TypeScript function below compute the same bucket; a
 * test holds them together on the server.
 */

/** Latencies below this many milliseconds get a bucket each. */
export const EXACT_BELOW = 32;

/** Buckets per power of two above `EXACT_BELOW`. */
export const SUB_BUCKETS = 16;

const SUB_BUCKET_BITS = Math.log2(SUB_BUCKETS);

/** The largest relative error of a percentile from the histogram (half a bucket's width). */
export const MAX_RELATIVE_ERROR = 1 / (2 * SUB_BUCKETS);

/** The bucket (its lower bound) of a latency in whole milliseconds, as `ttfbBucketSql` computes it. */
export function ttfbBucket(milliseconds: number): number {
  if (milliseconds < EXACT_BELOW) return milliseconds;
  const shift = Math.floor(Math.log2(milliseconds)) - SUB_BUCKET_BITS;
  return Math.floor(milliseconds / 2 ** shift) * 2 ** shift;
}

/** The width of a bucket in milliseconds: 1 below `EXACT_BELOW`. */
export function bucketWidth(bucket: number): number {
  if (bucket < EXACT_BELOW) return 1;
  return 2 ** (Math.floor(Math.log2(bucket)) - SUB_BUCKET_BITS);
}

/**
 * The bucket of the UInt32 column `column` in ClickHouse SQL (18.16 and later): the value itself
 * below `EXACT_BELOW`, else the value with all but its top `SUB_BUCKET_BITS + 1` bits cleared.
 */
export function ttfbBucketSql(column: string): string {
  const shift = `(toUInt32(floor(log2(${column}))) - ${SUB_BUCKET_BITS})`;
  return `toUInt32(if(${column} < ${EXACT_BELOW}, ${column}, bitShiftLeft(bitShiftRight(${column}, ${shift}), ${shift})))`;
}

/** A histogram: bucket lower bounds and the requests in each (any order, repeats allowed). */
export interface Histogram {
  readonly buckets: readonly number[];
  readonly counts: readonly number[];
}

/**
 * Percentiles from a histogram, chosen by the rank `quantileExact` uses (the element at
 * `floor(level x n)` of the sorted values, the last for level 1), each reported as the middle of
 * its bucket (exact below `EXACT_BELOW`). An empty histogram gives 0 for every level.
 */
export function histogramPercentiles(histogram: Histogram, levels: readonly number[]): number[] {
  const totals = new Map<number, number>();
  histogram.buckets.forEach((bucket, index) => {
    const count = histogram.counts[index] ?? 0;
    if (count > 0) totals.set(bucket, (totals.get(bucket) ?? 0) + count);
  });
  const sorted = [...totals.entries()].sort(([a], [b]) => a - b);
  const total = sorted.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return levels.map(() => 0);
  return levels.map((level) => {
    const rank = level < 1 ? Math.floor(level * total) : total - 1;
    let seen = 0;
    for (const [bucket, count] of sorted) {
      seen += count;
      if (rank < seen) return bucket + (bucketWidth(bucket) - 1) / 2;
    }
    const last = sorted[sorted.length - 1];
    return last === undefined ? 0 : last[0] + (bucketWidth(last[0]) - 1) / 2;
  });
}
