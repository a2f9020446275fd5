/**
 * Retries in process, for what the AWS SDK's own retry strategy does not cover. Prefer the SDK:
 * a client's `maxAttempts` / `retryMode` (or `retryStrategy`) retries throttling, 5xx and network
 * errors with jittered backoff
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html), and its
 * `paginateX` functions follow `NextToken`s. Use `retryWhile` when the retry must be visible to
 * the caller (attempts counted, logged, tested without waiting) or when the condition is not an
 * error the SDK knows (unprocessed items of a batch call); its backoff is the same full jitter
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */

/** Full-jitter exponential backoff. */
export interface RetryOptions {
  /** Retries after the first call. @default 4 */
  readonly maxRetries: number;
  /** Backoff ceiling before the first retry; it doubles for each retry. @default 200 */
  readonly baseDelayMs: number;
  /** Largest backoff ceiling. @default 3200 */
  readonly maxDelayMs: number;
}

/** Retries when none are given: at most 3 s of waiting in all. */
export const DEFAULT_RETRY: RetryOptions = { maxRetries: 4, baseDelayMs: 200, maxDelayMs: 3200 };

/** Sleeping and randomness, injected so that tests do not wait. */
export interface RetryEnvironment {
  /** @default DEFAULT_RETRY */
  readonly retry?: RetryOptions;
  /** @default a `setTimeout` sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
}

/** The wait before retry `retry` (1-based): uniform in [0, min(max, base * 2^(retry-1))). */
export function backoffDelayMs(retry: number, options: RetryOptions, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Calls `call`, retrying while `retryable(error)` holds, up to `maxRetries` times, with
 * full-jitter backoff between calls. Any other error, or the last one, is thrown as it is.
 * Returns the result and the number of calls made.
 */
export async function retryWhile<T>(
  call: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  environment: RetryEnvironment = {},
): Promise<{ readonly value: T; readonly attempts: number }> {
  const options = environment.retry ?? DEFAULT_RETRY;
  const wait = environment.sleep ?? sleep;
  const random = environment.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { value: await call(), attempts: attempt };
    } catch (error) {
      if (!retryable(error) || attempt > options.maxRetries) {
        throw error;
      }
      await wait(backoffDelayMs(attempt, options, random));
    }
  }
}
