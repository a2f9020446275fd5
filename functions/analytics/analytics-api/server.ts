/**
 * The analytics API's HTTP layer: GET routes that parse their query string with a schema, call a
 * query, and answer JSON; health and readiness probes; Prometheus metrics. Errors are answered
 * with a status and a short message naming the parameter at fault; server-side failures never
 * echo internals (ClickHouse messages can quote the query).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { z } from "zod";
import { FunctionError, InternalError } from "../../shared/errors";
import { describeError, log } from "../../shared/log";
import { AnswerCache, cacheKey, type AnswerCacheOptions, type CacheOutcome } from "./cache";
import { withDeadline } from "./deadline";
import { BadRequest, MethodNotAllowed, NotFound, retryAfterOf } from "./errors";
import { answerFor, clickHouseErrorCode } from "./failures";
import {
  bufferBreakdownQuery,
  engagementQuery,
  parseQuery,
  qoeBreakdownQuery,
  qoeQuery,
  type BufferBreakdownQuery,
  type EngagementQuery,
  type QoeBreakdownQuery,
  type QoeQuery,
} from "./requests";

/**
 * The queries the routes call: `AnalyticsQueries`, or a stand-in in tests. Answers are passed
 * through as JSON, whatever their shape.
 */
export interface QueryRunner {
  qoeSummary(query: QoeQuery): Promise<unknown>;
  qoeBreakdown(query: QoeBreakdownQuery): Promise<unknown>;
  renditionMix(query: QoeQuery): Promise<unknown>;
  bufferSummary(query: QoeQuery): Promise<unknown>;
  bufferBreakdown(query: BufferBreakdownQuery): Promise<unknown>;
  engagementSummary(query: EngagementQuery): Promise<unknown>;
  engagementByCourse(query: EngagementQuery): Promise<unknown>;
}

/** What the HTTP layer needs. */
export interface AppDependencies {
  readonly queries: QueryRunner;
  /** Resolves when ClickHouse answers; the readiness probe. */
  readonly ping: () => Promise<boolean>;
  /** Metrics registry; a fresh one per app so tests do not share counters. */
  readonly registry?: Registry;
  /** Collect process metrics (CPU, memory, event loop) too. @default false */
  readonly processMetrics?: boolean;
  /**
   * Deadline of one query request, from its arrival to its answer, waiting for a ClickHouse
   * connection included; answered 504 with `Retry-After` when passed. @default 10000
   */
  readonly requestTimeoutMs?: number;
  /** How long the readiness probe waits for `ping`. @default 1500 */
  readonly pingTimeoutMs?: number;
  /**
   * The answer cache. Identical requests in flight always share one computation; answers are
   * kept only with a positive `ttlMs`. @default no answers kept
   */
  readonly cache?: AnswerCacheOptions;
}

/** The longest request target (path and query) served; the API's longest is far shorter. */
export const MAX_TARGET_LENGTH = 2048;

/**
 * The URL of a request target in origin form (`/path?query`), or why there is none. Anything
 * else (`//`, `*`, absolute form, a backslash, bytes outside printable ASCII) is refused before
 * it reaches the URL parser, which throws on some of them and reads others as another host.
 */
export function parseTarget(target: string | undefined): URL | BadRequest {
  const malformed = new BadRequest("malformed request target: expected /path?query");
  if (target === undefined || !target.startsWith("/") || target.startsWith("//")) {
    return malformed;
  }
  if (target.length > MAX_TARGET_LENGTH) {
    return new BadRequest(`request target longer than ${MAX_TARGET_LENGTH} characters`);
  }
  if (/[^\x21-\x7e]|\\/.test(target)) {
    return malformed;
  }
  try {
    const url = new URL(target, "http://localhost");
    return url.host === "localhost" ? url : malformed;
  } catch {
    return malformed;
  }
}

interface Route {
  readonly schema: z.ZodType;
  readonly run: (queries: QueryRunner, params: never) => Promise<unknown>;
}

function route<Schema extends z.ZodType>(
  schema: Schema,
  run: (queries: QueryRunner, params: z.output<Schema>) => Promise<unknown>,
): Route {
  return { schema, run };
}

/** The API's routes, by path. */
const ROUTES: Readonly<Record<string, Route>> = {
  "/v1/qoe/summary": route(qoeQuery, (queries, params) => queries.qoeSummary(params)),
  "/v1/qoe/breakdown": route(qoeBreakdownQuery, (queries, params) => queries.qoeBreakdown(params)),
  "/v1/qoe/renditions": route(qoeQuery, (queries, params) => queries.renditionMix(params)),
  "/v1/qoe/buffer": route(qoeQuery, (queries, params) => queries.bufferSummary(params)),
  "/v1/qoe/buffer/breakdown": route(bufferBreakdownQuery, (queries, params) =>
    queries.bufferBreakdown(params),
  ),
  "/v1/engagement/summary": route(engagementQuery, (queries, params) =>
    queries.engagementSummary(params),
  ),
  "/v1/engagement/courses": route(engagementQuery, (queries, params) =>
    queries.engagementByCourse(params),
  ),
};

const JSON_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
};

function sendText(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  response.writeHead(status, { ...JSON_HEADERS, ...headers });
  response.end(text);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  sendText(response, status, JSON.stringify(body));
}

/**
 * Answers `error` as `{ error: <message> }` with its status, and `Retry-After` when it says when
 * to retry; returns the status.
 */
function sendError(response: ServerResponse, error: FunctionError): number {
  const retryAfter = retryAfterOf(error);
  sendText(
    response,
    error.status,
    JSON.stringify({ error: error.message }),
    retryAfter === undefined ? {} : { "retry-after": String(retryAfter) },
  );
  return error.status;
}

/** `promise`'s value, or `fallback` if it takes longer than `ms` or fails. */
async function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => {
      resolve(fallback);
    }, ms);
  });
  try {
    return await Promise.race([promise.catch(() => fallback), late]);
  } finally {
    clearTimeout(timer);
  }
}

const PROBES = ["/healthz", "/readyz", "/metrics"];

/** The request listener of the API. */
export function createApp(dependencies: AppDependencies): RequestListener {
  const registry = dependencies.registry ?? new Registry();
  if (dependencies.processMetrics === true) {
    collectDefaultMetrics({ register: registry });
  }
  const requestTimeoutMs = dependencies.requestTimeoutMs ?? 10_000;
  const pingTimeoutMs = dependencies.pingTimeoutMs ?? 1_500;
  const cache = new AnswerCache(dependencies.cache ?? { ttlMs: 0, maxEntries: 0, maxBytes: 0 });
  const requests = new Counter({
    name: "analytics_api_requests_total",
    help: "Requests by route and status",
    labelNames: ["route", "status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "analytics_api_request_duration_seconds",
    help: "Request duration by route",
    labelNames: ["route"] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const cacheOutcomes = new Counter({
    name: "analytics_api_cache_total",
    help: "Query answers by origin: computed (miss), kept (hit), or shared with one in flight",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });

  /** Runs a query route: parse, then the cache, which computes under the deadline. */
  async function answer(response: ServerResponse, url: URL, found: Route): Promise<number> {
    let params: Readonly<Record<string, unknown>>;
    let outcome: CacheOutcome;
    let body: string;
    try {
      params = parseQuery(found.schema, url.searchParams) as Readonly<Record<string, unknown>>;
      ({ body, outcome } = await cache.get(cacheKey(url.pathname, params), () =>
        withDeadline(requestTimeoutMs, async () =>
          JSON.stringify(await found.run(dependencies.queries, params as never)),
        ),
      ));
    } catch (error) {
      // A caller's mistake is answered as it is; anything else is the server's, and only logged.
      const failure = answerFor(error);
      if (failure.status >= 500) {
        const code = clickHouseErrorCode(error);
        log("error", "query failed", {
          route: url.pathname,
          status: failure.status,
          ...describeError(error),
          ...(code === undefined ? {} : { clickhouseCode: code }),
        });
      }
      return sendError(response, failure);
    }
    cacheOutcomes.inc({ outcome });
    sendText(response, 200, body, { "x-cache": outcome });
    return 200;
  }

  async function handle(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL | BadRequest,
  ): Promise<number> {
    if (url instanceof BadRequest) {
      response.setHeader("connection", "close");
      return sendError(response, url);
    }
    if (request.method !== "GET") {
      response.setHeader("allow", "GET");
      return sendError(response, new MethodNotAllowed());
    }
    switch (url.pathname) {
      case "/healthz":
        send(response, 200, { status: "ok" });
        return 200;
      case "/readyz": {
        const ready = await within(dependencies.ping(), pingTimeoutMs, false);
        send(response, ready ? 200 : 503, { status: ready ? "ready" : "clickhouse unreachable" });
        return ready ? 200 : 503;
      }
      case "/metrics":
        response.writeHead(200, { "content-type": registry.contentType });
        response.end(await registry.metrics());
        return 200;
    }
    const found = ROUTES[url.pathname];
    if (found === undefined) {
      return sendError(response, new NotFound());
    }
    return answer(response, url, found);
  }

  return (request, response) => {
    const target = parseTarget(request.url);
    const path = target instanceof URL ? target.pathname : "";
    const label = path in ROUTES || PROBES.includes(path) ? path : "other";
    const stop = latency.startTimer({ route: label });
    void handle(request, response, target)
      .catch((error: unknown) => {
        log("error", "request failed", describeError(error));
        const failure = new InternalError();
        if (!response.headersSent) {
          sendError(response, failure);
        } else {
          response.destroy();
        }
        return failure.status;
      })
      .then((status) => {
        requests.inc({ route: label, status: String(status) });
        stop();
      });
  };
}
