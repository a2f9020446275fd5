/**
 * The errors every handler raises on purpose. An error's `name` is the stable code a caller sees,
 * `status` the HTTP status a handler answering over HTTP returns, and its `message` is written for
 * callers: ids, variable names and fixed reasons, never a raw AWS or library message (those can
 * echo request content). Anything else becomes an `InternalError` through `toCallerError` before
 * it reaches a caller; its details go to the logs through `describeError` (see `./log`).
 */

/** Base of every error a handler returns to its caller as it is. */
export abstract class FunctionError extends Error {
  /** The public code of the error, stable across releases. */
  abstract override readonly name: string;

  /**
   * The HTTP status of the error when a handler answers over HTTP. A getter, not a field, so
   * that errors compare and serialise as they did before it existed.
   * @default 500
   */
  get status(): number {
    return 500;
  }
}

/**
 * The message of a configuration error: the missing environment variables, then each other
 * problem, in one line.
 */
export function configurationMessage(
  missing: readonly string[],
  problems: readonly string[] = [],
): string {
  return [
    ...(missing.length > 0 ? [`missing environment variables: ${missing.join(", ")}`] : []),
    ...problems,
  ].join("; ");
}

/**
 * Required environment variables are missing or invalid; raised when a handler's module loads,
 * so that a bad deployment fails its cold start instead of its first request. Built by
 * `EnvironmentReader.done` (see `./environment`).
 */
export class ConfigurationError extends FunctionError {
  override readonly name = "ConfigurationError";
  /**
   * @param missing the required variables that are unset or blank, in the order they are read
   * @param problems every other problem: the variable, what it must be and the value found
   * @param heading words before the list (`invalid configuration`); none by default
   */
  constructor(
    readonly missing: readonly string[],
    readonly problems: readonly string[] = [],
    heading?: string,
  ) {
    const message = configurationMessage(missing, problems);
    super(heading === undefined ? message : `${heading}: ${message}`);
  }
}

/** Anything unexpected; the details are in the function's logs, not in the message. */
export class InternalError extends FunctionError {
  override readonly name = "InternalError";
  constructor() {
    super("internal error");
  }
}

/** The error to hand a caller: a `FunctionError` as it is, anything else as an `InternalError`. */
export function toCallerError(error: unknown): FunctionError {
  return error instanceof FunctionError ? error : new InternalError();
}
