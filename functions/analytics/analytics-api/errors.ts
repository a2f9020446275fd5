/**
 * The errors the analytics API answers with. Each is a shared `FunctionError`: its `status` is
 * the HTTP status and its `message` the body's `error`, written for callers (a parameter name and
 * a fixed reason, never a ClickHouse message, which can quote the query).
 */
import { FunctionError } from "../../shared/errors";

/** Base of the API's answered errors: a fixed message and the HTTP status it is answered with. */
abstract class AnalyticsApiError extends FunctionError {
  // Private, so that errors still compare and serialise by name and message alone.
  readonly #status: number;
  readonly #retryAfterSeconds: number | undefined;

  constructor(message: string, status: number, retryAfterSeconds?: number) {
    super(message);
    this.#status = status;
    this.#retryAfterSeconds = retryAfterSeconds;
  }

  override get status(): number {
    return this.#status;
  }

  /** Seconds a caller should wait before trying again (the `Retry-After` header); none if unset. */
  get retryAfterSeconds(): number | undefined {
    return this.#retryAfterSeconds;
  }
}

/** A request that does not parse: the message names the first parameter at fault. */
export class BadRequest extends AnalyticsApiError {
  override readonly name = "BadRequest";
  constructor(message: string) {
    super(message, 400);
  }
}

/** A path the API does not serve. */
export class NotFound extends AnalyticsApiError {
  override readonly name = "NotFound";
  constructor() {
    super("not found", 404);
  }
}

/** A method other than GET; the answer carries `allow: GET`. */
export class MethodNotAllowed extends AnalyticsApiError {
  override readonly name = "MethodNotAllowed";
  constructor() {
    super("method not allowed", 405);
  }
}

/** A query that failed on the server; the cause is in the logs, not in the answer. */
export class QueryFailed extends AnalyticsApiError {
  override readonly name = "QueryFailed";
  constructor() {
    super("the query failed", 500);
  }
}

/**
 * ClickHouse cannot take the query now: the connection is refused or reset, or the server refuses
 * for want of memory or query slots. Worth retrying after a pause.
 */
export class StoreUnavailable extends AnalyticsApiError {
  override readonly name = "StoreUnavailable";
  constructor(retryAfterSeconds = 5) {
    super("the analytics store is unavailable, try again later", 503, retryAfterSeconds);
  }
}

/**
 * The request's deadline passed (waiting for a connection included); the query was cancelled.
 * A shorter range, or the rollups, answer faster.
 */
export class DeadlineExceeded extends AnalyticsApiError {
  override readonly name = "DeadlineExceeded";
  constructor(retryAfterSeconds = 10) {
    super(
      "the query took too long and was cancelled, try a shorter range or later",
      504,
      retryAfterSeconds,
    );
  }
}

/** The seconds a caller should wait before retrying after `error`, if it says. */
export function retryAfterOf(error: FunctionError): number | undefined {
  return error instanceof AnalyticsApiError ? error.retryAfterSeconds : undefined;
}
