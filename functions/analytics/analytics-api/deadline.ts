/**
 * Deadlines: work run through `withDeadline` carries an abort signal and an instant in
 * `AsyncLocalStorage`, so every ClickHouse call it makes, however deep, can read them (see
 * `bounded-client.ts`) without each function passing them on. The deadline covers everything the
 * work does: waiting for a free connection, the query, reading its result.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { DeadlineExceeded } from "./errors";

/** The deadline of the work in progress. */
export interface DeadlineScope {
  /** Aborted when the deadline passes. */
  readonly signal: AbortSignal;
  /** When the deadline passes, in epoch milliseconds. */
  readonly deadlineMs: number;
}

const storage = new AsyncLocalStorage<DeadlineScope>();

/** The deadline of the calling work, if it runs under `withDeadline`. */
export function currentDeadline(): DeadlineScope | undefined {
  return storage.getStore();
}

/**
 * Runs `work` with a deadline `timeoutMs` from now. When it passes, the scope's signal aborts
 * and the returned promise rejects with `DeadlineExceeded` at once, even if `work` ignores the
 * signal (its late outcome is then dropped).
 */
export async function withDeadline<T>(timeoutMs: number, work: () => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const scope: DeadlineScope = { signal: controller.signal, deadlineMs: Date.now() + timeoutMs };
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new DeadlineExceeded());
      reject(new DeadlineExceeded());
    }, timeoutMs);
  });
  const running = storage.run(scope, work);
  // Whichever loses the race must not surface as an unhandled rejection.
  running.catch(() => undefined);
  expired.catch(() => undefined);
  try {
    return await Promise.race([running, expired]);
  } catch (error) {
    // Work that failed because its calls were aborted failed because of the deadline.
    throw controller.signal.aborted ? new DeadlineExceeded() : error;
  } finally {
    clearTimeout(timer);
  }
}
