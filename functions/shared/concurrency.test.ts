import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mapWithConcurrency } from "./concurrency";
import { rejection } from "./test-support";

/** A task that records how many run at once. */
function tracked(): { task: (value: number) => Promise<number>; peak: () => number } {
  let running = 0;
  let peak = 0;
  return {
    task: async (value) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, value % 3));
      running -= 1;
      return value * 2;
    },
    peak: () => peak,
  };
}

describe("mapWithConcurrency", () => {
  it("keeps input order and never exceeds the limit", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(20), { maxLength: 25 }),
        fc.integer({ min: 1, max: 8 }),
        async (inputs, limit) => {
          const { task, peak } = tracked();
          expect(await mapWithConcurrency(inputs, limit, task)).toEqual(
            inputs.map((value) => value * 2),
          );
          expect(peak()).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("runs at least one task at a time, rounding a fractional limit down", async () => {
    const zero = tracked();
    expect(await mapWithConcurrency([1, 2, 3], 0, zero.task)).toEqual([2, 4, 6]);
    expect(zero.peak()).toBe(1);
    const fraction = tracked();
    await mapWithConcurrency([1, 2, 3, 4], 2.9, fraction.task);
    expect(fraction.peak()).toBe(2);
  });

  it("passes each input's index", async () => {
    expect(
      await mapWithConcurrency(["a", "b"], 2, (value, index) =>
        Promise.resolve(`${value}${index}`),
      ),
    ).toEqual(["a0", "b1"]);
  });

  it("starts nothing after the first failure and throws it", async () => {
    const started: number[] = [];
    const error = await rejection(
      mapWithConcurrency([0, 1, 2, 3, 4], 1, (value) => {
        started.push(value);
        return value === 1 ? Promise.reject(new Error("boom")) : Promise.resolve(value);
      }),
    );
    expect(error).toEqual(new Error("boom"));
    expect(started).toEqual([0, 1]);
  });

  it("keeps undefined results", async () => {
    expect(await mapWithConcurrency([1, 2], 2, () => Promise.resolve(undefined))).toEqual([
      undefined,
      undefined,
    ]);
  });
});
