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
 * Pure: no AWS calls, no environment. The settings are baked into the deployment package
 * (Lambda@Edge has no environment variables), in the file `SETTINGS_FILE` beside the bundle
 * (`contracts/edge-cache-control`).
 */
import type { CloudFrontHeaders, CloudFrontResponse } from "aws-lambda";
import {
  EDGE_CACHE_SETTINGS_FIELDS as FIELDS,
  EDGE_CACHE_SETTINGS_FILE as SETTINGS_FILE,
  MAX_EDGE_CACHE_SECONDS as MAX_DIRECTIVE_SECONDS,
  type EdgeCacheSettings,
} from "../../../contracts/edge-cache-control";

export { SETTINGS_FILE, MAX_DIRECTIVE_SECONDS, type EdgeCacheSettings };

/** A settings file that cannot be used; the message names each field and what is allowed. */
export class EdgeCacheSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EdgeCacheSettingsError";
  }
}

/**
 * Reads the settings (the parsed JSON of `SETTINGS_FILE`). Every problem is reported at once, as
 * `<field> = <value>: <what is allowed>`; unknown fields are refused, so a misspelt one is not
 * silently ignored.
 */
export function parseEdgeCacheSettings(raw: unknown): EdgeCacheSettings {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new EdgeCacheSettingsError(
      `${SETTINGS_FILE} = ${JSON.stringify(raw)}: expected an object with ${FIELDS.join(", ")}`,
    );
  }
  const object = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of FIELDS) {
    const value = object[field];
    if (
      typeof value !== "number" ||
      !Number.isInteger(value) ||
      value < 1 ||
      value > MAX_DIRECTIVE_SECONDS
    ) {
      problems.push(
        `${field} = ${JSON.stringify(value)}: expected a whole number of seconds from 1 to ${MAX_DIRECTIVE_SECONDS}`,
      );
    }
  }
  for (const field of Object.keys(object)) {
    if (!(FIELDS as readonly string[]).includes(field)) {
      problems.push(`${field}: unknown setting; known settings are ${FIELDS.join(", ")}`);
    }
  }
  if (problems.length > 0) {
    throw new EdgeCacheSettingsError(`${SETTINGS_FILE}: ${problems.join("; ")}`);
  }
  return {
    maxAgeSeconds: object.maxAgeSeconds as number,
    staleWhileRevalidateSeconds: object.staleWhileRevalidateSeconds as number,
    staleIfErrorSeconds: object.staleIfErrorSeconds as number,
  };
}

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
