/**
 * The Lambda@Edge origin-response function that sets the Cache-Control of cached objects
 * (`functions/edge/edge-cache-control`), as the component that deploys it and the handler share it.
 * Lambda@Edge has no environment variables, so its settings travel as a JSON file of the
 * deployment package, beside the bundle, written by the component and read by the handler once
 * when it loads.
 */

/** The handler module under `functions/`. */
export const EDGE_CACHE_CONTROL_ENTRY = "edge/edge-cache-control/handler";

/** The file of the deployment package that holds `EdgeCacheSettings`, beside `index.js`. */
export const EDGE_CACHE_SETTINGS_FILE = "cache-settings.json";

/** Longest value a directive may take, in seconds: a year. */
export const MAX_EDGE_CACHE_SECONDS = 31_536_000;

/** The settings file's content: how long the edge keeps an object, and serves it stale. */
export interface EdgeCacheSettings {
  /** `max-age`: how long a cached object is fresh (the cache policy's TTL). */
  readonly maxAgeSeconds: number;
  /** `stale-while-revalidate`: how long after that it is served while CloudFront refetches it. */
  readonly staleWhileRevalidateSeconds: number;
  /** `stale-if-error`: how long after that it is served when the origin fails. */
  readonly staleIfErrorSeconds: number;
}

/** The fields of `EdgeCacheSettings`, in the order directives are written. */
export const EDGE_CACHE_SETTINGS_FIELDS = [
  "maxAgeSeconds",
  "staleWhileRevalidateSeconds",
  "staleIfErrorSeconds",
] as const satisfies readonly (keyof EdgeCacheSettings)[];
