import { describe, expect, it, vi } from "vitest";
import { backoffDelayMs, DEFAULT_RETRY, retryWhile, sleep } from "./retry";
import { rejection } from "./test-support";

const retryable = (error: unknown): boolean => error instanceof Error && error.name === "Throttled";
const throttled = (): Error => Object.assign(new Error("slow down"), { name: "Throttled" });

describe("backoffDelayMs", () => {
  it("draws uniformly below a doubling ceiling, capped", () => {
    const options = { maxRetries: 6, baseDelayMs: 100, maxDelayMs: 500 };
    expect([1, 2, 3, 4].map((retry) => backoffDelayMs(retry, options, () => 0.999))).toEqual([
      99, 199, 399, 499,
    ]);
    expect(backoffDelayMs(3, options, () => 0)).toBe(0);
  });
});

describe("retryWhile", () => {
  it("retries while the error is retryable and counts the calls", async () => {
    const sleeps: number[] = [];
    const call = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(throttled())
      .mockRejectedValueOnce(throttled())
      .mockResolvedValue("ok");
    const result = await retryWhile(call, retryable, {
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      random: () => 0.5,
    });
    expect(result).toEqual({ value: "ok", attempts: 3 });
    expect(sleeps).toEqual([100, 200]);
  });

  it("throws another error at once, as it is", async () => {
    const error = new Error("denied");
    const call = vi.fn<() => Promise<string>>().mockRejectedValue(error);
    expect(await rejection(retryWhile(call, retryable, { sleep: () => Promise.resolve() }))).toBe(
      error,
    );
    expect(call).toHaveBeenCalledTimes(1);
  });

  it("gives up after maxRetries retries", async () => {
    const call = vi.fn<() => Promise<string>>().mockRejectedValue(throttled());
    const error = await rejection(
      retryWhile(call, retryable, {
        retry: { ...DEFAULT_RETRY, maxRetries: 2 },
        sleep: () => Promise.resolve(),
      }),
    );
    expect(error).toMatchObject({ name: "Throttled" });
    expect(call).toHaveBeenCalledTimes(3);
  });

  it("sleeps for real by default", async () => {
    vi.useFakeTimers();
    try {
      let done = false;
      const waiting = sleep(50).then(() => {
        done = true;
      });
      await vi.advanceTimersByTimeAsync(49);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await waiting;
      expect(done).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
