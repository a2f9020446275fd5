import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import type { ClickHouseClient } from "@clickhouse/client";
import { afterEach, describe, expect, it } from "vitest";
import { createAnalyticsClient } from "../clickhouse/client";
import { selectOneQueries, startApp, type RunningApp } from "./app.test-support";
import { boundedClient, DEFAULT_QUERY_LIMITS } from "./bounded-client";
import { withDeadline } from "./deadline";
import { DeadlineExceeded } from "./errors";
import {
  startFakeClickHouse,
  type FakeAnswer,
  type FakeClickHouse,
  type FakeRequest,
} from "./fake-clickhouse.test-support";

const RANGE = "from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function fake(answer?: (request: FakeRequest) => FakeAnswer): Promise<FakeClickHouse> {
  const started = await startFakeClickHouse(answer);
  cleanups.push(() => started.close());
  return started;
}

function client(url: string, maxOpenConnections = 10): ClickHouseClient {
  const created = createAnalyticsClient({
    url,
    username: "api",
    password: "secret",
    database: "analytics",
    maxOpenConnections,
  });
  cleanups.push(() => created.close());
  return created;
}

async function app(queriesClient: ClickHouseClient, requestTimeoutMs: number): Promise<RunningApp> {
  const started = await startApp({
    queries: selectOneQueries(queriesClient),
    ping: () => Promise.resolve(true),
    requestTimeoutMs,
  });
  cleanups.push(() => started.close());
  return started;
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Timed {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly error: unknown;
  readonly ms: number;
}

async function timedGet(url: string): Promise<Timed> {
  const started = performance.now();
  const response = await fetch(url);
  const body = (await response.json()) as { error?: unknown };
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    error: body.error,
    ms: performance.now() - started,
  };
}

const ERROR_18_16 = (code: number, text: string): FakeAnswer => ({
  status: 500,
  body: `Code: ${code}, e.displayText() = DB::Exception: ${text}, e.what() = DB::Exception\n`,
});

describe("the deadline of a request", () => {
  it("ends work that ignores its signal, at the deadline", async () => {
    const started = performance.now();
    const never = new Promise<never>(() => undefined);
    await expect(withDeadline(200, () => never)).rejects.toBeInstanceOf(DeadlineExceeded);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1_000);
  });

  it("answers 504 with Retry-After when ClickHouse never answers, and closes the query", async () => {
    const slow = await fake(() => "hang");
    const api = await app(boundedClient(client(slow.url)), 500);
    const answer = await timedGet(`${api.base}/v1/qoe/summary?${RANGE}`);
    expect(answer).toMatchObject({
      status: 504,
      retryAfter: "10",
      error: "the query took too long and was cancelled, try a shorter range or later",
    });
    expect(answer.ms).toBeGreaterThanOrEqual(480);
    expect(answer.ms).toBeLessThan(2_000);
    // The aborted request closed its connection: a current server cancels the query on close.
    await expect.poll(() => slow.hanging()).toBe(0);
    expect(slow.requests[0]?.params.get("cancel_http_readonly_queries_on_client_close")).toBe("1");
  });

  it("bounds the wait for a free connection: queued requests get 504 at their deadline", async () => {
    const slow = await fake(() => "hang");
    // One socket: the first request holds it, the others wait for it.
    const api = await app(boundedClient(client(slow.url, 1)), 600);
    const pending = ["a", "b", "c", "d"].map((course) =>
      timedGet(`${api.base}/v1/qoe/summary?${RANGE}&courseId=${course}`),
    );
    // Half-way to the deadline, only the first has reached ClickHouse; the others wait.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slow.requests).toHaveLength(1);
    for (const answer of await Promise.all(pending)) {
      expect(answer).toMatchObject({ status: 504, retryAfter: "10" });
      expect(answer.ms).toBeLessThan(2_000);
    }
  });

  it("leaves the connection pool usable after a deadline", async () => {
    let hang = true;
    const store = await fake(() => (hang ? "hang" : { status: 200, body: '{"one":1}\n' }));
    const api = await app(boundedClient(client(store.url, 1)), 400);
    expect((await timedGet(`${api.base}/v1/qoe/summary?${RANGE}`)).status).toBe(504);
    hang = false;
    const response = await fetch(`${api.base}/v1/qoe/summary?${RANGE}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ source: "raw", data: [{ one: 1 }] });
  });
});

describe("every query", () => {
  it("carries the server-side limits, the deadline left and a query id", async () => {
    const store = await fake();
    const bounded = boundedClient(client(store.url));
    await withDeadline(4_000, () =>
      bounded.query({
        query: "SELECT 1",
        format: "JSONEachRow",
        clickhouse_settings: { max_result_rows: "999999999", max_threads: 2 },
      }),
    );
    await bounded.query({ query: "SELECT 1", format: "JSONEachRow" });
    const [inDeadline, outside] = store.requests.map((request) => request.params);
    expect(Object.fromEntries(inDeadline ?? [])).toMatchObject({
      readonly: "2",
      max_execution_time: "3",
      timeout_overflow_mode: "throw",
      max_result_rows: String(DEFAULT_QUERY_LIMITS.maxResultRows),
      max_result_bytes: String(16 * 1024 * 1024),
      result_overflow_mode: "throw",
      max_memory_usage: String(2 * 1024 * 1024 * 1024),
      cancel_http_readonly_queries_on_client_close: "1",
      // A caller's own settings are kept, unless they loosen a limit.
      max_threads: "2",
    });
    expect(inDeadline?.get("query_id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(outside?.get("max_execution_time")).toBe(
      String(DEFAULT_QUERY_LIMITS.maxExecutionSeconds),
    );
    expect(outside?.get("query_id")).not.toBe(inDeadline?.get("query_id"));
  });

  it("on a server without cancel on close (18.16), is sent again without it and killed by id at the deadline", async () => {
    const store = await fake((request) => {
      if (request.statement.startsWith("KILL QUERY")) {
        return { status: 200, body: "" };
      }
      return request.params.has("cancel_http_readonly_queries_on_client_close")
        ? ERROR_18_16(115, "Unknown setting cancel_http_readonly_queries_on_client_close")
        : "hang";
    });
    const bounded = boundedClient(client(store.url), { killClient: client(store.url) });
    const started = performance.now();
    await expect(
      withDeadline(400, () => bounded.query({ query: "SELECT sleep(3)", format: "JSONEachRow" })),
    ).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(performance.now() - started).toBeLessThan(2_000);
    await expect.poll(() => store.requests.length).toBe(3);
    const [refused, retried, kill] = store.requests;
    expect(retried?.params.has("cancel_http_readonly_queries_on_client_close")).toBe(false);
    expect(retried?.params.get("query_id")).toBe(refused?.params.get("query_id"));
    expect(kill?.statement).toBe(
      `KILL QUERY WHERE query_id = '${retried?.params.get("query_id") ?? ""}' ASYNC`,
    );
    // Later queries go without the setting at once.
    await bounded
      .query({ query: "SELECT 1", format: "JSONEachRow", abort_signal: AbortSignal.timeout(200) })
      .catch(() => undefined);
    expect(store.requests[3]?.params.has("cancel_http_readonly_queries_on_client_close")).toBe(
      false,
    );
  });
});

describe("ClickHouse failures", () => {
  it("answer 503 with Retry-After when the connection is refused", async () => {
    const api = await app(boundedClient(client(`http://127.0.0.1:${await closedPort()}`)), 2_000);
    const answer = await timedGet(`${api.base}/v1/qoe/summary?${RANGE}`);
    expect(answer).toMatchObject({
      status: 503,
      retryAfter: "5",
      error: "the analytics store is unavailable, try again later",
    });
    expect(answer.ms).toBeLessThan(2_000);
  });

  it.each([
    [ERROR_18_16(159, "Timeout exceeded: elapsed 2 seconds, maximum: 1"), 504, "10"],
    [ERROR_18_16(241, "Memory limit (for query) exceeded"), 503, "5"],
    [ERROR_18_16(202, "Too many simultaneous queries. Maximum: 100"), 503, "5"],
    [
      {
        status: 500,
        body: "Code: 241. DB::Exception: Memory limit (total) exceeded. (MEMORY_LIMIT_EXCEEDED) (version 25.8.2.29)\n",
      },
      503,
      "5",
    ],
    [
      {
        status: 500,
        body: "Code: 159. DB::Exception: Timeout exceeded: elapsed 9.1 seconds. (TIMEOUT_EXCEEDED) (version 25.8.2.29)\n",
      },
      504,
      "10",
    ],
    [ERROR_18_16(60, "Table analytics.playback_requests doesn't exist"), 500, null],
    [ERROR_18_16(396, "Limit for result exceeded, max rows: 20000"), 500, null],
  ])(
    "answer %j as %i (Retry-After %s), never with the server's message",
    async (reply, status, retryAfter) => {
      const store = await fake(() => reply);
      const api = await app(boundedClient(client(store.url)), 2_000);
      const answer = await timedGet(`${api.base}/v1/qoe/summary?${RANGE}`);
      expect({ status: answer.status, retryAfter: answer.retryAfter }).toEqual({
        status,
        retryAfter,
      });
      expect(String(answer.error)).not.toMatch(/Exception|analytics\.|Code/);
    },
  );
});
