/**
 * What the edge caches: the `Cache-Control` that a CloudFront origin-response function puts on an
 * origin's answer before CloudFront stores it.
 *
 * CloudFront honours `stale-while-revalidate` and `stale-if-error` only when they arrive in the
 * origin's `Cache-Control`: a response headers policy changes what viewers receive, after the
 * cache, and never what the cache keeps
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html,
 * https://aws.amazon.com/about-aws/whats-new/2023/05/amazon-cloudfront-stale-while-revalidate-stale-if-error-cache-control-directives/).
 * S3 objects written by MediaConvert carry no `Cache-Control` (its S3 destination settings set
 * only access control, encryption and storage class), so without this function the cached object
 * has none and CloudFront neither serves it stale while it revalidates nor when S3 fails.
 *
 * Pure: no AWS calls, no environment. The settings are read and checked by `./config`.
 */
import type { CloudFrontHeaders, CloudFrontResponse } from "aws-lambda";
import type { EdgeCacheSettings } from "../../../contracts/edge-cache-control";

/**
 * The `Cache-Control` of a cached object: `public`, because the edge is a shared cache (an origin
 * `private` would stop CloudFront caching it at all); what viewers receive is the distribution's
 * business (the video distribution's response headers policy turns it back into `private`).
 */
export function sharedCacheControl(settings: EdgeCacheSettings): string {
  return [
    "public",
    `max-age=${settings.maxAgeSeconds}`,
    `stale-while-revalidate=${settings.staleWhileRevalidateSeconds}`,
    `stale-if-error=${settings.staleIfErrorSeconds}`,
  ].join(", ");
}

/**
 * Statuses whose object CloudFront keeps: the object (200), a range of it (206: players fetch
 * segments by range), and a revalidation (304), whose headers refresh the stored object's.
 * Errors keep the distribution's error caching and are never marked to be served stale.
 */
export const CACHEABLE_STATUSES: ReadonlySet<string> = new Set(["200", "206", "304"]);

/** Whether the origin already said how to cache the object (`Cache-Control` or `Expires`). */
export function originSetCaching(headers: CloudFrontHeaders): boolean {
  return ["cache-control", "expires"].some((name) =>
    (headers[name] ?? []).some((header) => header.value.trim() !== ""),
  );
}

/**
 * The response CloudFront should cache: a cacheable response without caching instructions gets
 * the shared `Cache-Control`; one whose object carries its own (a publisher set `Cache-Control`
 * or `Expires` on upload) and any error are left as the origin sent them.
 */
export function withEdgeCacheControl<T extends CloudFrontResponse>(
  response: T,
  settings: EdgeCacheSettings,
): T {
  if (!CACHEABLE_STATUSES.has(response.status) || originSetCaching(response.headers)) {
    return response;
  }
  return {
    ...response,
    headers: {
      ...response.headers,
      "cache-control": [{ key: "Cache-Control", value: sharedCacheControl(settings) }],
    },
  };
}
