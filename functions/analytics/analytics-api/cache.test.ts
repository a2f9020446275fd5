import { describe, expect, it } from "vitest";
import { AnswerCache, cacheKey } from "./cache";

/** A computation the test settles by hand, counting how often it was started. */
function gate(): {
  compute: () => Promise<string>;
  calls: () => number;
  resolve: (body: string) => void;
  reject: (error: Error) => void;
} {
  let calls = 0;
  let settle: { resolve: (body: string) => void; reject: (error: Error) => void } | undefined;
  return {
    compute: () => {
      calls++;
      return new Promise<string>((resolve, reject) => {
        settle = { resolve, reject };
      });
    },
    calls: () => calls,
    resolve: (body) => settle?.resolve(body),
    reject: (error) => settle?.reject(error),
  };
}

describe("the answer cache", () => {
  it("runs one computation for concurrent identical requests (single flight)", async () => {
    const cache = new AnswerCache({ ttlMs: 5_000, maxEntries: 10, maxBytes: 1_000 });
    const work = gate();
    const waiting = Array.from({ length: 20 }, () => cache.get("k", work.compute));
    work.resolve('{"n":1}');
    const answers = await Promise.all(waiting);
    expect(work.calls()).toBe(1);
    expect(answers.map((answer) => answer.outcome).sort()).toEqual([
      "miss",
      ...Array<string>(19).fill("shared"),
    ]);
    expect(new Set(answers.map((answer) => answer.body))).toEqual(new Set(['{"n":1}']));
  });

  it("serves a kept answer until its TTL passes, then computes again", async () => {
    let now = 1_000;
    const cache = new AnswerCache({
      ttlMs: 5_000,
      maxEntries: 10,
      maxBytes: 1_000,
      now: () => now,
    });
    let calls = 0;
    const compute = () => Promise.resolve(`answer ${++calls}`);
    expect(await cache.get("k", compute)).toEqual({ body: "answer 1", outcome: "miss" });
    now += 4_999;
    expect(await cache.get("k", compute)).toEqual({ body: "answer 1", outcome: "hit" });
    now += 1;
    expect(await cache.get("k", compute)).toEqual({ body: "answer 2", outcome: "miss" });
    expect(calls).toBe(2);
  });

  it("shares a failure with the requests waiting, and keeps none", async () => {
    const cache = new AnswerCache({ ttlMs: 5_000, maxEntries: 10, maxBytes: 1_000 });
    const work = gate();
    const first = cache.get("k", work.compute);
    const second = cache.get("k", work.compute);
    work.reject(new Error("down"));
    await expect(first).rejects.toThrow("down");
    await expect(second).rejects.toThrow("down");
    expect(cache.size).toBe(0);
    expect(await cache.get("k", () => Promise.resolve("up"))).toEqual({
      body: "up",
      outcome: "miss",
    });
  });

  it("keeps nothing with a TTL of 0, but still shares a computation in flight", async () => {
    const cache = new AnswerCache({ ttlMs: 0, maxEntries: 10, maxBytes: 1_000 });
    const work = gate();
    const both = [cache.get("k", work.compute), cache.get("k", work.compute)];
    work.resolve("x");
    expect((await Promise.all(both)).map((answer) => answer.outcome)).toEqual(["miss", "shared"]);
    expect(cache.size).toBe(0);
  });

  it("evicts the oldest answers beyond its entry and byte bounds", async () => {
    const cache = new AnswerCache({ ttlMs: 60_000, maxEntries: 3, maxBytes: 10 });
    for (const key of ["a", "b", "c", "d"]) {
      await cache.get(key, () => Promise.resolve("12"));
    }
    expect(cache.size).toBe(3);
    expect((await cache.get("a", () => Promise.resolve("12"))).outcome).toBe("miss");
    expect((await cache.get("d", () => Promise.resolve("12"))).outcome).toBe("hit");
    // 4 + 4 bytes: adding a third 4-byte answer goes over 10 bytes and evicts the oldest.
    const small = new AnswerCache({ ttlMs: 60_000, maxEntries: 100, maxBytes: 10 });
    for (const key of ["a", "b", "c"]) {
      await small.get(key, () => Promise.resolve("1234"));
    }
    expect(small.size).toBe(2);
    expect((await small.get("c", () => Promise.resolve("1234"))).outcome).toBe("hit");
    expect((await small.get("a", () => Promise.resolve("1234"))).outcome).toBe("miss");
    // An answer larger than the whole cache is served, not kept.
    expect((await small.get("big", () => Promise.resolve("x".repeat(11)))).outcome).toBe("miss");
    expect((await small.get("big", () => Promise.resolve("x".repeat(11)))).outcome).toBe("miss");
  });
});

describe("cache keys", () => {
  it("are the same for the same parsed parameters in any order", () => {
    const from = new Date("2026-11-01T00:00:00Z");
    const to = new Date("2026-11-02T00:00:00Z");
    expect(cacheKey("/v1/qoe/summary", { from, to, source: "auto", courseId: undefined })).toBe(
      cacheKey("/v1/qoe/summary", { source: "auto", to, from }),
    );
  });

  it("differ by route and by any parameter", () => {
    const base = { from: new Date("2026-11-01T00:00:00Z"), to: new Date("2026-11-02T00:00:00Z") };
    const keys = new Set([
      cacheKey("/v1/qoe/summary", base),
      cacheKey("/v1/qoe/renditions", base),
      cacheKey("/v1/qoe/summary", { ...base, courseId: "fin-101" }),
      cacheKey("/v1/qoe/summary", { ...base, to: new Date("2026-11-02T00:00:01Z") }),
      cacheKey("/v1/qoe/summary", { ...base, limit: 10 }),
      cacheKey("/v1/qoe/summary", { ...base, limit: "10" }),
    ]);
    expect(keys.size).toBe(6);
  });
});
