/**
 * A short-lived cache of answers, so that a dashboard refreshed by many viewers costs ClickHouse
 * one query: identical requests (same route, same parsed parameters) within `ttlMs` share one
 * answer, and identical requests arriving while it is computed wait for that one computation
 * (single flight) instead of starting their own. Only successes are kept; a failure is shared
 * with the requests already waiting and then forgotten. Entries are bounded in number and bytes,
 * oldest evicted first, because the pod's memory is small.
 */

/** How the cache is sized. */
export interface AnswerCacheOptions {
  /** How long an answer is served after it was computed; 0 turns caching (not sharing) off. */
  readonly ttlMs: number;
  /** Most answers kept. */
  readonly maxEntries: number;
  /** Most bytes of answers kept (their text length). */
  readonly maxBytes: number;
  /** The clock, for tests. @default Date.now */
  readonly now?: () => number;
}

/** Where an answer came from: computed for this request, kept, or shared with one in flight. */
export type CacheOutcome = "miss" | "hit" | "shared";

/** An answer and where it came from. */
export interface CachedAnswer {
  readonly body: string;
  readonly outcome: CacheOutcome;
}

interface Entry {
  readonly body: string;
  readonly expiresAt: number;
}

/** The answer cache; `get` is the only way in. */
export class AnswerCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private bytes = 0;
  private readonly now: () => number;

  constructor(private readonly options: AnswerCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Answers kept now. */
  get size(): number {
    return this.entries.size;
  }

  /** The answer for `key`: kept, in flight, or computed now by `compute`. */
  async get(key: string, compute: () => Promise<string>): Promise<CachedAnswer> {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      if (entry.expiresAt > this.now()) {
        return { body: entry.body, outcome: "hit" };
      }
      this.remove(key, entry);
    }
    const running = this.inFlight.get(key);
    if (running !== undefined) {
      return { body: await running, outcome: "shared" };
    }
    const flight = compute();
    this.inFlight.set(key, flight);
    try {
      const body = await flight;
      this.store(key, body);
      return { body, outcome: "miss" };
    } finally {
      this.inFlight.delete(key);
    }
  }

  private store(key: string, body: string): void {
    const { ttlMs, maxEntries, maxBytes } = this.options;
    if (ttlMs <= 0 || maxEntries <= 0 || body.length > maxBytes) {
      return;
    }
    const previous = this.entries.get(key);
    if (previous !== undefined) {
      this.remove(key, previous);
    }
    this.entries.set(key, { body, expiresAt: this.now() + ttlMs });
    this.bytes += body.length;
    // A Map iterates in insertion order: the first entries are the oldest.
    for (const [oldKey, oldEntry] of this.entries) {
      if (this.entries.size <= maxEntries && this.bytes <= maxBytes) {
        break;
      }
      this.remove(oldKey, oldEntry);
    }
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.body.length;
  }
}

/**
 * The cache key of a request: its route and its parsed parameters, keys sorted, so that
 * `?to=..&from=..`, `?from=..&to=..` and `?from=..&to=..&limit=100` (the default) are one key.
 */
export function cacheKey(route: string, params: Readonly<Record<string, unknown>>): string {
  const normalized = Object.keys(params)
    .sort()
    .filter((name) => params[name] !== undefined)
    .map((name) => {
      const value = params[name];
      return [name, value instanceof Date ? value.toISOString() : value];
    });
  return `${route}?${JSON.stringify(normalized)}`;
}
