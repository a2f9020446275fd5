/**
 * Playback authorization: the pure part. Request validation, the CloudFront custom policy for one course, and the three `Set-Cookie` headers that carry it, over an injected
 * `PolicySigner` and clock. Nothing here talks to AWS.
 *
 * A grant lets the browser fetch everything under `https://<playback domain>/courses/<courseId>/`
 * until `DateLessThan`: one policy statement whose `Resource` ends in `*`, so every playlist and
 * segment of the course is covered by the same three cookies.
 */
import { z } from "zod";
import { COURSE_ID_PATTERN } from "../../../contracts/ids";
import { coursePath as courseFolderPath } from "../../../contracts/storage";
import type { PlaybackConfig } from "./config";
import { InvalidRequestError, PolicyFormatError, SigningError } from "./errors";

// ---------------------------------------------------------------------------------------------
// Limits and constants
// ---------------------------------------------------------------------------------------------

/** Course ids (the shared pattern): lower-case letters, digits and dashes (no `/`, `.` or `*`). */
export { COURSE_ID_PATTERN };
/** Shortest session a caller may ask for, in seconds. */
export const MIN_SESSION_SECONDS = 60;
/** Longest session a caller may ask for, in seconds (4 hours). */
export const MAX_SESSION_SECONDS = 14_400;
/** Session length when neither the request nor `DEFAULT_SESSION_SECONDS` gives one. */
export const DEFAULT_SESSION_SECONDS = 3_600;
/** The cookie names CloudFront reads for a custom policy, in the order they are returned. */
export const COOKIE_NAMES = [
  "CloudFront-Policy",
  "CloudFront-Signature",
  "CloudFront-Key-Pair-Id",
] as const;
/** A CloudFront cookie name. */
export type CookieName = (typeof COOKIE_NAMES)[number];

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/** A playback request, as the platform's backend sends it after checking the enrolment. */
export interface PlaybackRequest {
  readonly courseId: string;
  /** Session length in seconds, 60 to 14400; the configured default when absent. */
  readonly sessionSeconds?: number;
}

/** A request that passed validation, its session length resolved. */
export interface ValidPlaybackRequest {
  readonly courseId: string;
  readonly sessionSeconds: number;
}

const SESSION_RANGE = `from ${MIN_SESSION_SECONDS} to ${MAX_SESSION_SECONDS}`;

/** Shape of a playback event. Other properties are ignored. */
export const playbackRequestSchema = z.object(
  {
    courseId: z
      .string({
        error: (issue) =>
          issue.input === undefined ? "courseId is required" : "courseId must be a string",
      })
      .regex(COURSE_ID_PATTERN, { error: `courseId must match ${COURSE_ID_PATTERN.source}` }),
    sessionSeconds: z
      .number({ error: "sessionSeconds must be a number" })
      .int({ error: "sessionSeconds must be a whole number of seconds", abort: true })
      .min(MIN_SESSION_SECONDS, {
        error: (issue) => `sessionSeconds must be ${SESSION_RANGE}, got ${String(issue.input)}`,
      })
      .max(MAX_SESSION_SECONDS, {
        error: (issue) => `sessionSeconds must be ${SESSION_RANGE}, got ${String(issue.input)}`,
      })
      .optional(),
  },
  { error: "event must be an object" },
);

/**
 * Validates a playback event and resolves its session length. Every problem is reported in one
 * `InvalidRequestError`.
 */
export function parsePlaybackRequest(
  event: unknown,
  defaultSessionSeconds: number,
): ValidPlaybackRequest {
  const parsed = playbackRequestSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidRequestError(parsed.error.issues.map((issue) => issue.message));
  }
  return {
    courseId: parsed.data.courseId,
    sessionSeconds: parsed.data.sessionSeconds ?? defaultSessionSeconds,
  };
}

// ---------------------------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------------------------

/** The resource a grant covers: everything under the course's folder on the playback domain. */
export function courseResource(playbackDomain: string, courseId: string): string {
  return `https://${playbackDomain}${courseFolderPath(courseId)}*`;
}

/** The cookies' `Path`: the course's folder, so a course's cookies go only to that course. */
export function coursePath(courseId: string): string {
  return courseFolderPath(courseId);
}

/** Whole seconds since the epoch, rounded down. */
export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/**
 * The custom policy CloudFront checks: one statement, one resource, and `DateLessThan` in epoch
 * seconds, as compact JSON (no whitespace). These exact bytes are signed and sent.
 */
export function buildPolicy(resource: string, dateLessThan: number): string {
  return JSON.stringify({
    Statement: [
      { Resource: resource, Condition: { DateLessThan: { "AWS:EpochTime": dateLessThan } } },
    ],
  });
}

const policySchema = z.object({
  Statement: z
    .array(
      z.object({
        Resource: z.string(),
        Condition: z.object({
          DateLessThan: z.object({ "AWS:EpochTime": z.number().int().nonnegative() }),
        }),
      }),
    )
    .length(1),
});

/** The resource and expiry of a policy this function issues. Throws `PolicyFormatError`. */
export function readPolicy(policy: string): { resource: string; dateLessThan: number } {
  let json: unknown;
  try {
    json = JSON.parse(policy);
  } catch {
    throw new PolicyFormatError("policy is not JSON");
  }
  const parsed = policySchema.safeParse(json);
  const statement = parsed.data?.Statement[0];
  if (statement === undefined) {
    throw new PolicyFormatError(
      "policy must hold one statement with a Resource and a DateLessThan epoch time",
    );
  }
  return {
    resource: statement.Resource,
    dateLessThan: statement.Condition.DateLessThan["AWS:EpochTime"],
  };
}

/** The policy's `DateLessThan`, in epoch seconds. */
export function policyExpiry(policy: string): number {
  return readPolicy(policy).dateLessThan;
}

/**
 * Whether CloudFront would refuse the policy at `now`: it admits a request only while the request
 * time is before `DateLessThan`, so the policy has expired from that second on.
 */
export function isExpired(policy: string, now: Date): boolean {
  return now.getTime() >= policyExpiry(policy) * 1000;
}

const CLOUDFRONT_TO_BASE64: Readonly<Record<string, string>> = { "-": "+", _: "=", "~": "/" };
const BASE64_TO_CLOUDFRONT: Readonly<Record<string, string>> = { "+": "-", "=": "_", "/": "~" };

/** CloudFront's URL-safe base64: standard base64 with `+` -> `-`, `=` -> `_`, `/` -> `~`. */
export function encodeCloudFrontBase64(bytes: Uint8Array | string): string {
  return Buffer.from(bytes)
    .toString("base64")
    .replace(/[+=/]/g, (char) => BASE64_TO_CLOUDFRONT[char] ?? char);
}

/** The bytes of a CloudFront URL-safe base64 string. */
export function decodeCloudFrontBase64(value: string): Buffer {
  return Buffer.from(
    value.replace(/[-_~]/g, (char) => CLOUDFRONT_TO_BASE64[char] ?? char),
    "base64",
  );
}

// ---------------------------------------------------------------------------------------------
// Cookies and the flow
// ---------------------------------------------------------------------------------------------

/** The three cookie values for a custom policy, as CloudFront expects them. */
export type SignedCookieValues = Readonly<Record<CookieName, string>>;

/** Signs a custom policy with the CloudFront private key. */
export interface PolicySigner {
  /** The cookie values for `policy` (its exact bytes are what gets signed). */
  signPolicy(policy: string): Promise<SignedCookieValues>;
}

/** What a grant needs besides the request. */
export interface PlaybackAuthDeps {
  readonly config: Pick<PlaybackConfig, "playbackDomain" | "cookieDomain">;
  readonly signer: PolicySigner;
  /** The current time. */
  readonly clock: () => Date;
}

/** A grant: the cookies to set, and what they allow until when. */
export interface PlaybackGrant {
  /** `Set-Cookie` header values: `CloudFront-Policy`, `CloudFront-Signature`, `CloudFront-Key-Pair-Id`. */
  readonly cookies: string[];
  /** When the policy stops admitting requests (ISO 8601, whole seconds). */
  readonly expiresAt: string;
  /** The signed resource, `https://<playback domain>/courses/<courseId>/*`. */
  readonly resource: string;
  /** The session length the grant was made for. */
  readonly sessionSeconds: number;
}

/** Attributes of every cookie of a grant. */
export interface CookieAttributes {
  readonly domain: string;
  readonly path: string;
  readonly maxAgeSeconds: number;
}

/** Cookie values a signer may return: CloudFront's base64 alphabet and key ids, nothing else. */
const COOKIE_VALUE = /^[A-Za-z0-9_~-]+$/;

/**
 * One `Set-Cookie` header value. `Secure` and `SameSite=None` because players fetch the playback
 * domain cross-origin with credentials; `HttpOnly` because scripts never need the values.
 */
export function setCookieHeader(
  name: CookieName,
  value: string,
  attributes: CookieAttributes,
): string {
  if (!COOKIE_VALUE.test(value)) {
    throw new SigningError(`signer returned a malformed ${name} value`);
  }
  return [
    `${name}=${value}`,
    `Domain=${attributes.domain}`,
    `Path=${attributes.path}`,
    `Max-Age=${attributes.maxAgeSeconds}`,
    "Secure",
    "HttpOnly",
    "SameSite=None",
  ].join("; ");
}

/**
 * Grants playback of one course: builds the policy for the course's folder that expires
 * `sessionSeconds` from now, has it signed, and returns the three cookies. The signer's
 * `CloudFront-Policy` must be the policy built here, encoded; anything else is a `SigningError`.
 */
export async function authorizePlayback(
  request: ValidPlaybackRequest,
  deps: PlaybackAuthDeps,
): Promise<PlaybackGrant> {
  const resource = courseResource(deps.config.playbackDomain, request.courseId);
  const dateLessThan = epochSeconds(deps.clock()) + request.sessionSeconds;
  const policy = buildPolicy(resource, dateLessThan);
  const values = await deps.signer.signPolicy(policy);
  if (decodeCloudFrontBase64(values["CloudFront-Policy"]).toString("utf8") !== policy) {
    throw new SigningError("signer returned a CloudFront-Policy for another policy");
  }
  const attributes: CookieAttributes = {
    domain: deps.config.cookieDomain,
    path: coursePath(request.courseId),
    maxAgeSeconds: request.sessionSeconds,
  };
  return {
    cookies: COOKIE_NAMES.map((name) => setCookieHeader(name, values[name], attributes)),
    expiresAt: new Date(dateLessThan * 1000).toISOString(),
    resource,
    sessionSeconds: request.sessionSeconds,
  };
}
