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
import { MethodNotAllowed, NotFound, QueryFailed } from "./errors";
import type { AnalyticsQueries, Answer } from "./queries";
import { engagementQuery, parseQuery, qoeBreakdownQuery, qoeQuery } from "./requests";

/** What the HTTP layer needs. */
export interface AppDependencies {
  readonly queries: AnalyticsQueries;
  /** Resolves when ClickHouse answers; the readiness probe. */
  readonly ping: () => Promise<boolean>;
  /** Metrics registry; a fresh one per app so tests do not share counters. */
  readonly registry?: Registry;
  /** Collect process metrics (CPU, memory, event loop) too. @default false */
  readonly processMetrics?: boolean;
}

interface Route {
  readonly schema: z.ZodType;
  readonly run: (queries: AnalyticsQueries, params: never) => Promise<Answer<unknown>>;
}

function route<Schema extends z.ZodType>(
  schema: Schema,
  run: (queries: AnalyticsQueries, params: z.output<Schema>) => Promise<Answer<unknown>>,
): Route {
  return { schema, run };
}

/** The API's routes, by path. */
const ROUTES: Readonly<Record<string, Route>> = {
  "/v1/qoe/summary": route(qoeQuery, (queries, params) => queries.qoeSummary(params)),
  "/v1/qoe/breakdown": route(qoeBreakdownQuery, (queries, params) => queries.qoeBreakdown(params)),
  "/v1/qoe/renditions": route(qoeQuery, (queries, params) => queries.renditionMix(params)),
  "/v1/engagement/summary": route(engagementQuery, (queries, params) =>
    queries.engagementSummary(params),
  ),
  "/v1/engagement/courses": route(engagementQuery, (queries, params) =>
    queries.engagementByCourse(params),
  ),
};

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  response.end(text);
}

/** Answers `error` as `{ error: <message> }` with its status; returns the status. */
function sendError(response: ServerResponse, error: FunctionError): number {
  send(response, error.status, { error: error.message });
  return error.status;
}

/** The request listener of the API. */
export function createApp(dependencies: AppDependencies): RequestListener {
  const registry = dependencies.registry ?? new Registry();
  if (dependencies.processMetrics === true) {
    collectDefaultMetrics({ register: registry });
  }
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

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<number> {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (request.method !== "GET") {
      response.setHeader("allow", "GET");
      return sendError(response, new MethodNotAllowed());
    }
    switch (url.pathname) {
      case "/healthz":
        send(response, 200, { status: "ok" });
        return 200;
      case "/readyz": {
        const ready = await dependencies.ping().catch(() => false);
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
    try {
      const params = parseQuery(found.schema, url.searchParams) as never;
      send(response, 200, await found.run(dependencies.queries, params));
      return 200;
    } catch (error) {
      // A caller's mistake is answered as it is; anything else is the server's, and only logged.
      if (error instanceof FunctionError && error.status < 500) {
        return sendError(response, error);
      }
      log("error", "query failed", { route: url.pathname, ...describeError(error) });
      return sendError(response, new QueryFailed());
    }
  }

  return (request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const label =
      path in ROUTES || ["/healthz", "/readyz", "/metrics"].includes(path) ? path : "other";
    const stop = latency.startTimer({ route: label });
    void handle(request, response)
      .catch((error: unknown) => {
        log("error", "request failed", describeError(error));
        const failure = new InternalError();
        if (!response.headersSent) {
          sendError(response, failure);
        }
        return failure.status;
      })
      .then((status) => {
        requests.inc({ route: label, status: String(status) });
        stop();
      });
  };
}
