/**
 * The ClickHouse client the API's queries run through: the same interface as `ClickHouseClient`,
 * so `AnalyticsQueries` takes it unchanged, but every `query`, `exec` and `command` carries
 *
 * - server-side limits: `max_execution_time` (the time left before the request's deadline),
 *   result size (`max_result_rows`, `max_result_bytes`, thrown rather than silently cut) and
 *   memory (`max_memory_usage`), and `readonly=2` (reads only; settings may still be sent);
 * - the request's abort signal (see `deadline.ts`), which also ends a wait for a free socket;
 * - a query id, so that a query whose request gave up is stopped on the server as well: by the
 *   server itself where it has `cancel_http_readonly_queries_on_client_close` (19.x and later; the
 *   aborted HTTP request closes the connection), else by `KILL QUERY` sent on a separate client.
 */
import { randomUUID } from "node:crypto";
import type { ClickHouseClient, ClickHouseSettings } from "@clickhouse/client";
import { describeError, log } from "../../shared/log";
import { sql } from "../clickhouse/bind";
import { currentDeadline } from "./deadline";
import { DeadlineExceeded } from "./errors";
import { clickHouseErrorCode } from "./failures";

/** Server-side limits of every query. */
export interface QueryLimits {
  /** Longest a query may run when it runs outside any deadline. @default 10 */
  readonly maxExecutionSeconds: number;
  /** Most rows a result may have; more is an error, not a truncated answer. @default 20000 */
  readonly maxResultRows: number;
  /** Most bytes (uncompressed) a result may have. @default 16 MiB */
  readonly maxResultBytes: number;
  /** Most memory one query may use on the server. @default 2 GiB */
  readonly maxMemoryBytes: number;
}

/**
 * The API's answers are at most 1,000 groups, or a series of at most 400 days x 24 hours (9,600
 * points): 20,000 rows is twice that, and 16 MiB keeps a result small next to the pod's 256 MiB.
 * 2 GiB is a quarter of the ClickHouse server's 8 GiB, so a few heavy queries fit side by side.
 */
export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxExecutionSeconds: 10,
  maxResultRows: 20_000,
  maxResultBytes: 16 * 1024 * 1024,
  maxMemoryBytes: 2 * 1024 * 1024 * 1024,
};

/** How the bounded client behaves. */
export interface BoundedClientOptions {
  /** @default DEFAULT_QUERY_LIMITS */
  readonly limits?: QueryLimits;
  /**
   * Client for `KILL QUERY`, with connections of its own so that a kill never queues behind the
   * queries it is meant to stop. @default the wrapped client
   */
  readonly killClient?: ClickHouseClient;
}

/** Time left for a query's answer to reach the API after the server stops it. */
const ANSWER_MARGIN_MS = 250;

/**
 * The settings one query is sent with, given the milliseconds left before its deadline
 * (`undefined` outside any deadline).
 */
export function limitSettings(
  limits: QueryLimits,
  remainingMs: number | undefined,
  cancelOnClientClose: boolean,
): ClickHouseSettings {
  return {
    readonly: "2",
    // Whole seconds (18.16 drops a fraction), rounded down after leaving the answer a quarter
    // second to travel back: the server gives up, with its own TIMEOUT_EXCEEDED, first.
    max_execution_time:
      remainingMs === undefined
        ? limits.maxExecutionSeconds
        : Math.max(1, Math.floor((remainingMs - ANSWER_MARGIN_MS) / 1000)),
    timeout_overflow_mode: "throw",
    max_result_rows: String(limits.maxResultRows),
    max_result_bytes: String(limits.maxResultBytes),
    result_overflow_mode: "throw",
    max_memory_usage: String(limits.maxMemoryBytes),
    ...(cancelOnClientClose ? { cancel_http_readonly_queries_on_client_close: 1 } : {}),
  };
}

/** ClickHouse's UNKNOWN_SETTING: the server predates a setting the client sent. */
const UNKNOWN_SETTING = 115;
const CANCEL_SETTING = "cancel_http_readonly_queries_on_client_close";

function refusesCancelSetting(error: unknown): boolean {
  return (
    clickHouseErrorCode(error) === UNKNOWN_SETTING &&
    error instanceof Error &&
    error.message.includes(CANCEL_SETTING)
  );
}

/**
 * Asks the server to stop the query `queryId` (without waiting for it to stop); resolves when the
 * server has taken the request. A user may always kill its own queries.
 */
export async function killQuery(client: ClickHouseClient, queryId: string): Promise<void> {
  await client.command({
    query: sql`KILL QUERY WHERE query_id = ${queryId} ASYNC`.text,
    abort_signal: AbortSignal.timeout(5_000),
  });
}

interface BaseParams {
  readonly query_id?: string;
  readonly abort_signal?: AbortSignal;
  readonly clickhouse_settings?: ClickHouseSettings;
}

/** `client` with the limits, deadline and cancellation above on every query. */
export function boundedClient(
  client: ClickHouseClient,
  options: BoundedClientOptions = {},
): ClickHouseClient {
  const limits = options.limits ?? DEFAULT_QUERY_LIMITS;
  const killer = options.killClient ?? client;
  // Assume a current server; the first refusal of the setting turns it off for good.
  let cancelOnClientClose = true;

  function kill(queryId: string): void {
    killQuery(killer, queryId).catch((error: unknown) => {
      log("warn", "kill query failed", { queryId, ...describeError(error) });
    });
  }

  async function run<Params extends BaseParams, Result>(
    params: Params,
    call: (params: Params) => Promise<Result>,
  ): Promise<Result> {
    const scope = currentDeadline();
    // A function, not a narrowed property: the signal aborts while the query runs.
    const deadlinePassed = (): boolean => scope?.signal.aborted ?? false;
    if (deadlinePassed()) {
      throw new DeadlineExceeded();
    }
    const queryId = params.query_id ?? randomUUID();
    const remainingMs = scope === undefined ? undefined : scope.deadlineMs - Date.now();
    const signals = [scope?.signal, params.abort_signal].filter(
      (signal): signal is AbortSignal => signal !== undefined,
    );
    const abortSignal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const attempt = (cancel: boolean): Promise<Result> =>
      call({
        ...params,
        query_id: queryId,
        clickhouse_settings: {
          ...params.clickhouse_settings,
          ...limitSettings(limits, remainingMs, cancel),
        },
        ...(abortSignal === undefined ? {} : { abort_signal: abortSignal }),
      });
    // A query may still run, or its result still stream, when the deadline passes.
    const onDeadline = (): void => {
      if (!cancelOnClientClose) {
        kill(queryId);
      }
    };
    scope?.signal.addEventListener("abort", onDeadline, { once: true });
    try {
      try {
        return await attempt(cancelOnClientClose);
      } catch (error) {
        if (!cancelOnClientClose || !refusesCancelSetting(error)) {
          throw error;
        }
        cancelOnClientClose = false;
        log("info", "the server cannot cancel queries on close: queries are killed by id");
        return await attempt(false);
      }
    } catch (error) {
      // The server answered, so the query is over: nothing left to kill.
      scope?.signal.removeEventListener("abort", onDeadline);
      throw deadlinePassed() ? new DeadlineExceeded() : error;
    }
  }

  const query: ClickHouseClient["query"] = (params) => run(params, (p) => client.query(p));
  const exec: ClickHouseClient["exec"] = (params) => run(params, (p) => client.exec(p));
  const command: ClickHouseClient["command"] = (params) => run(params, (p) => client.command(p));
  const bounded: Partial<Record<PropertyKey, unknown>> = { query, exec, command };
  return new Proxy(client, {
    get(target, property) {
      if (property in bounded) {
        return bounded[property];
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function"
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}
