import { afterEach, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "./app.test-support";
import type { QueryRunner } from "./server";

const RANGE = "from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z";

const running: RunningApp[] = [];
afterEach(async () => {
  for (const app of running.splice(0)) {
    await app.close();
  }
});

/**
 * Queries that count their calls and answer, echoing what they were asked, once `release`
 * resolves (at once by default).
 */
function countingQueries(release: () => Promise<void> = () => Promise.resolve()): {
  queries: QueryRunner;
  calls: () => number;
} {
  let calls = 0;
  const run = async (query: unknown) => {
    calls++;
    await release();
    return { source: "raw", percentiles: "exact", parts: [], data: { call: calls, query } };
  };
  return {
    queries: {
      qoeSummary: run,
      qoeBreakdown: run,
      renditionMix: run,
      bufferSummary: run,
      bufferBreakdown: run,
      engagementSummary: run,
      engagementByCourse: run,
    },
    calls: () => calls,
  };
}

async function get(url: string): Promise<{ status: number; cache: string | null; body: unknown }> {
  const response = await fetch(url);
  return {
    status: response.status,
    cache: response.headers.get("x-cache"),
    body: await response.json(),
  };
}

describe("the answer cache, through the API", () => {
  it("answers N concurrent identical requests with one query, the same body to each", async () => {
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const counting = countingQueries(() => gate);
    const app = await startApp({
      queries: counting.queries,
      ping: () => Promise.resolve(true),
      cache: { ttlMs: 5_000, maxEntries: 100, maxBytes: 1_000_000 },
    });
    running.push(app);
    const pending = Array.from({ length: 25 }, () => get(`${app.base}/v1/qoe/summary?${RANGE}`));
    // The query answers only once all 25 requests have arrived and are waiting for it.
    await expect.poll(() => app.received(), { timeout: 5_000 }).toBe(25);
    open();
    const answers = await Promise.all(pending);
    expect(counting.calls()).toBe(1);
    expect(answers.map((answer) => answer.cache).sort()).toEqual([
      "miss",
      ...Array<string>(24).fill("shared"),
    ]);
    const [first] = answers;
    expect(first?.body).toMatchObject({ source: "raw", data: { call: 1 } });
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 200, body: first?.body });
    }
    // Later, the same parameters in another order and with a default spelled out: a kept answer.
    const again = await get(
      `${app.base}/v1/qoe/summary?to=2026-11-02T00:00:00Z&from=2026-11-01&source=auto`,
    );
    expect(again).toEqual({ status: 200, cache: "hit", body: first?.body });
    expect(counting.calls()).toBe(1);
    // Other parameters or another route are other queries.
    expect((await get(`${app.base}/v1/qoe/summary?${RANGE}&courseId=fin-101`)).cache).toBe("miss");
    expect((await get(`${app.base}/v1/qoe/renditions?${RANGE}`)).cache).toBe("miss");
    expect(counting.calls()).toBe(3);
  });

  it("computes again once the TTL has passed", async () => {
    const counting = countingQueries();
    const app = await startApp({
      queries: counting.queries,
      ping: () => Promise.resolve(true),
      cache: { ttlMs: 1_000, maxEntries: 100, maxBytes: 1_000_000 },
    });
    running.push(app);
    expect((await get(`${app.base}/v1/engagement/summary?${RANGE}`)).cache).toBe("miss");
    expect((await get(`${app.base}/v1/engagement/summary?${RANGE}`)).cache).toBe("hit");
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const after = await get(`${app.base}/v1/engagement/summary?${RANGE}`);
    expect(after).toMatchObject({ cache: "miss", body: { data: { call: 2 } } });
  });

  it("keeps no answer by default, and never a refused request", async () => {
    const counting = countingQueries();
    const app = await startApp({ queries: counting.queries, ping: () => Promise.resolve(true) });
    running.push(app);
    expect((await get(`${app.base}/v1/qoe/summary?${RANGE}`)).cache).toBe("miss");
    expect((await get(`${app.base}/v1/qoe/summary?${RANGE}`)).cache).toBe("miss");
    const refused = await get(`${app.base}/v1/qoe/summary?from=2026-02-30&to=2026-03-02`);
    expect(refused).toEqual({
      status: 400,
      cache: null,
      body: { error: "from is not a calendar instant: day 30: 2026-02 has 28 days" },
    });
    expect(counting.calls()).toBe(2);
  });
});

describe("the readiness probe", () => {
  it("answers 503 within its timeout when ClickHouse does not answer the ping", async () => {
    const app = await startApp({
      queries: countingQueries().queries,
      ping: () => new Promise<boolean>(() => undefined),
      pingTimeoutMs: 300,
    });
    running.push(app);
    const started = performance.now();
    expect(await get(`${app.base}/readyz`)).toMatchObject({
      status: 503,
      body: { status: "clickhouse unreachable" },
    });
    expect(performance.now() - started).toBeLessThan(1_500);
  });
});
