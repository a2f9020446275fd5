/**
 * What a failed query means for the caller: ClickHouse out of reach or short of resources is a
 * 503 (try again shortly), a query stopped for time is a 504, anything else the server's fault
 * (500). Only codes are read from errors, never their messages, which can quote the query.
 */
import { FunctionError } from "../../shared/errors";
import { DeadlineExceeded, QueryFailed, StoreUnavailable } from "./errors";

/** Node.js socket errors that mean the server cannot be reached or dropped the connection. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "ETIMEDOUT",
]);

/**
 * ClickHouse error codes
 * (https://github.com/ClickHouse/ClickHouse/blob/master/src/Common/ErrorCodes.cpp).
 */
const CLICKHOUSE_TIMEOUT_EXCEEDED = 159;
const CLICKHOUSE_QUERY_WAS_CANCELLED = 394;
/** Codes that mean the server is short of something now: worth retrying. */
const CLICKHOUSE_OVERLOADED: ReadonlySet<number> = new Set([
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  241, // MEMORY_LIMIT_EXCEEDED (the query's or the server's)
]);

/** A ClickHouse error code from a client error: current servers name it, 18.16 writes `Code: N,`. */
export function clickHouseErrorCode(error: unknown): number | undefined {
  if (!(error instanceof Error)) {
    return undefined;
  }
  const { code } = error as { code?: unknown };
  if (typeof code === "string" && /^\d+$/.test(code)) {
    return Number(code);
  }
  const match = /^Code: (\d+)[,.]/.exec(error.message);
  return match === null ? undefined : Number(match[1]);
}

/** The Node.js system error code (`ECONNREFUSED`, ...) of `error` or of its cause. */
function systemCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const { code } = current as { code?: unknown };
    if (typeof code === "string" && /^E[A-Z_]+$/.test(code)) {
      return code;
    }
    current = current.cause;
  }
  return undefined;
}

/** The error to answer for a failed query. */
export function answerFor(error: unknown): FunctionError {
  if (error instanceof FunctionError) {
    return error;
  }
  const code = clickHouseErrorCode(error);
  if (code === CLICKHOUSE_TIMEOUT_EXCEEDED || code === CLICKHOUSE_QUERY_WAS_CANCELLED) {
    return new DeadlineExceeded();
  }
  if (code !== undefined && CLICKHOUSE_OVERLOADED.has(code)) {
    return new StoreUnavailable();
  }
  const network = systemCode(error);
  if (network !== undefined && NETWORK_CODES.has(network)) {
    return new StoreUnavailable();
  }
  // The client's own socket timeout (`request_timeout`), set above the request deadline.
  if (error instanceof Error && error.message === "Timeout error.") {
    return new DeadlineExceeded();
  }
  return new QueryFailed();
}
