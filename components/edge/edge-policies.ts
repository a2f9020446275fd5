/**
 * The rules of the global edge as plain values: the limits its settings must keep, the security
 * headers of the SPA, and where ACM's DNS validation records come from. Pure, so they are tested
 * without the engine. The web ACL's rules are the platform's (`waf-rules.ts`).
 */

import { MAX_RATE_LIMIT, MIN_RATE_LIMIT } from "../security/waf-rules";

/** CloudFront price classes, from every edge location to the cheapest regions only. */
export const PRICE_CLASSES = ["PriceClass_All", "PriceClass_200", "PriceClass_100"] as const;
export type PriceClass = (typeof PRICE_CLASSES)[number];

/** One year, the cache lifetime of content-hashed assets. */
export const ONE_YEAR_SECONDS = 31_536_000;
/** Course content must show updates within a day. */
export const MAX_COURSE_CONTENT_TTL_SECONDS = 86_400;
/** The SPA shell must show a deploy within the hour. */
export const MAX_SPA_INDEX_TTL_SECONDS = 3600;
/** CloudFront's quota on the Content-Security-Policy value of a response headers policy. */
export const MAX_CONTENT_SECURITY_POLICY_LENGTH = 1783;
/** HSTS lifetime: two years, what the browsers' preload lists ask for. */
export const HSTS_MAX_AGE_SECONDS = 63_072_000;
/** The hosted zone of every CloudFront distribution, for Route 53 alias records. */
export const CLOUDFRONT_HOSTED_ZONE_ID = "Z2FHTT7JQMUOV";

/** Browser features the SPA never uses; video goes full screen, from this origin only. */
export const PERMISSIONS_POLICY = [
  "accelerometer=()",
  "camera=()",
  "geolocation=()",
  "gyroscope=()",
  "magnetometer=()",
  "microphone=()",
  "payment=()",
  "usb=()",
  "fullscreen=(self)",
].join(", ");

/**
 * The viewer-request CloudFront Function (runtime `cloudfront-js-2.0`) of the SPA's default
 * behaviour. A path whose last segment has no `.` is an application route: CloudFront serves the
 * shell (`/index.html`) for it. A path naming a file (`/favicon.ico`, `/missing.js`) goes to S3 as
 * it is, so a missing file is S3's 404. The query string is a separate field of the event and is
 * left alone; the last segment is percent-decoded first, so `/app%2Ejs` is a file too. Routes of
 * the SPA must therefore not end in a segment with a dot.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html
 */
export const SPA_ROUTING_FUNCTION_CODE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var last = uri.slice(uri.lastIndexOf("/") + 1);
  try {
    last = decodeURIComponent(last);
  } catch (malformed) {
    // Not a route the SPA has: S3 refuses the key.
    return request;
  }
  if (last.indexOf(".") === -1) {
    request.uri = "/index.html";
  }
  return request;
}
`;

/** CloudFront's quota on a function's code, in bytes. */
export const MAX_CLOUDFRONT_FUNCTION_BYTES = 10_240;

/** The defaults of the edge's optional settings. */
export const EDGE_DEFAULTS = {
  priceClass: "PriceClass_All",
  rateLimitPerFiveMinutes: 2000,
  courseContentTtlSeconds: 3600,
  spaIndexTtlSeconds: 60,
  assetTtlSeconds: ONE_YEAR_SECONDS,
} as const satisfies Partial<EdgeSettings>;

/** The edge's settings, defaults resolved. */
export interface EdgeSettings {
  readonly priceClass: PriceClass;
  readonly rateLimitPerFiveMinutes: number;
  readonly courseContentTtlSeconds: number;
  readonly spaIndexTtlSeconds: number;
  readonly assetTtlSeconds: number;
  readonly contentSecurityPolicy: string;
}

/** The host names the SPA answers on: the apex and `www.`. */
export function edgeHostNames(domain: string): [apex: string, www: string] {
  return [domain, `www.${domain}`];
}

/**
 * A Content-Security-Policy for the SPA: everything from its own origin, API calls to
 * `https://api.<domain>` and the platform's other hosts (`https://*.<domain>`), images and
 * course media from those hosts too, no plugins, no framing, no inline script or style.
 */
export function defaultContentSecurityPolicy(domain: string): string {
  const platform = `https://*.${domain}`;
  return [
    "default-src 'self'",
    "base-uri 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: ${platform}`,
    "font-src 'self' data:",
    `media-src 'self' blob: ${platform}`,
    `connect-src 'self' https://api.${domain} ${platform}`,
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "upgrade-insecure-requests",
  ].join("; ");
}

const DNS_NAME =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function integerProblem(
  field: string,
  value: number,
  min: number,
  max: number,
): string | undefined {
  return Number.isInteger(value) && value >= min && value <= max
    ? undefined
    : `${field} = ${value}: expected an integer from ${min} to ${max}`;
}

/** Why the edge cannot be built with this domain and these settings; empty when it can. */
export function edgeSettingsProblems(domain: string, settings: EdgeSettings): string[] {
  const problems: (string | undefined)[] = [
    DNS_NAME.test(domain)
      ? undefined
      : `domain = ${JSON.stringify(domain)}: expected a lower-case DNS name such as knowledgecity.com`,
    domain.startsWith("www.")
      ? `domain = ${JSON.stringify(domain)}: expected the apex; www. is served as well`
      : undefined,
    (PRICE_CLASSES as readonly string[]).includes(settings.priceClass)
      ? undefined
      : `priceClass = ${JSON.stringify(settings.priceClass)}: expected one of ${PRICE_CLASSES.join(", ")}`,
    integerProblem(
      "rateLimitPerFiveMinutes",
      settings.rateLimitPerFiveMinutes,
      MIN_RATE_LIMIT,
      MAX_RATE_LIMIT,
    ),
    integerProblem(
      "courseContentTtlSeconds",
      settings.courseContentTtlSeconds,
      1,
      MAX_COURSE_CONTENT_TTL_SECONDS,
    ),
    integerProblem("spaIndexTtlSeconds", settings.spaIndexTtlSeconds, 1, MAX_SPA_INDEX_TTL_SECONDS),
    integerProblem("assetTtlSeconds", settings.assetTtlSeconds, 1, ONE_YEAR_SECONDS),
    contentSecurityPolicyProblem(settings.contentSecurityPolicy),
  ];
  return problems.filter((problem): problem is string => problem !== undefined);
}

function contentSecurityPolicyProblem(policy: string): string | undefined {
  if (policy.trim() === "") {
    return "contentSecurityPolicy is empty";
  }
  if (policy.length > MAX_CONTENT_SECURITY_POLICY_LENGTH) {
    return `contentSecurityPolicy has ${policy.length} characters: CloudFront allows at most ${MAX_CONTENT_SECURITY_POLICY_LENGTH}`;
  }
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  if (/[\u0000-\u001f\u007f]/.test(policy)) {
    return "contentSecurityPolicy contains a line break or another control character";
  }
  return undefined;
}
