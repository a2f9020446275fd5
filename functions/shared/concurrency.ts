/**
 * Bounded concurrency: a batch's items processed a few at a time, so that a large batch neither
 * runs one item at a time nor sends every AWS call at once (and throttles itself).
 */

/**
 * Runs `task` over `inputs` with at most `limit` in flight (at least one; fractions round down);
 * results in input order. After the first failure no new task starts: the tasks in flight are
 * awaited, then the first error is thrown. Tasks that settle their own failures never stop the
 * others.
 */
export async function mapWithConcurrency<T, R>(
  inputs: readonly T[],
  limit: number,
  task: (input: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(inputs.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < inputs.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await task(inputs[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(limit), inputs.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure !== undefined) {
    throw failure.error;
  }
  return results;
}
