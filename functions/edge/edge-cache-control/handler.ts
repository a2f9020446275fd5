/**
 * Lambda@Edge `handler` for CloudFront's origin-response event: gives a cacheable answer of the
 * origin (S3) the `Cache-Control` the edge caches it with, before CloudFront stores it, so the
 * cached object carries `stale-while-revalidate` and `stale-if-error` (see `./core`).
 *
 * Settings: `cache-settings.json` beside the bundle, written by the component that deploys the
 * function (Lambda@Edge has no environment variables), read once when the module loads; a
 * missing or invalid file fails the cold start with `EdgeCacheSettingsError`, naming the field.
 *
 * Permissions: none besides writing its own logs; it calls no AWS service.
 */
import { loadEdgeCacheSettings } from "./config";
import { createHandler } from "./origin-response";

export const handler = createHandler(loadEdgeCacheSettings(__dirname));
