/**
 * Playback authorization: the pure part. Configuration and request validation, the CloudFront
 * custom policy for one course, and the three `Set-Cookie` headers that carry it, over an injected
 * `PolicySigner` and clock. Nothing here talks to AWS.
 *
 * A grant lets the browser fetch everything under `https://<playback domain>/courses/<courseId>/`
 * until `DateLessThan`: one policy statement whose `Resource` ends in `*`, so every playlist and
 * segment of the course is covered by the same three cookies.
 */
import { z } from "zod";
import { requiredVariables, type ContractVariable } from "../../../contracts/functions";
import { COURSE_ID_PATTERN } from "../../../contracts/ids";
import { coursePath as courseFolderPath } from "../../../contracts/storage";
import { configurationMessage } from "../../shared/configuration";

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
// Errors. Every error a caller can see is one of these: a fixed name and a message that carries
// the course id, numbers and fixed reasons, never a cookie value, a signature or key material.
// ---------------------------------------------------------------------------------------------

/** Base of the errors this function returns to callers. */
export abstract class PlaybackAuthError extends Error {
  abstract override readonly name: string;
}

/** The request is invalid; nothing was fetched or signed. */
export class InvalidRequestError extends PlaybackAuthError {
  override readonly name = "InvalidRequestError";
  constructor(readonly issues: readonly string[]) {
    super(`invalid request: ${issues.join("; ")}`);
  }
}

/** Required environment variables are missing or invalid (raised when the module loads). */
export class ConfigurationError extends PlaybackAuthError {
  override readonly name = "ConfigurationError";
  constructor(
    readonly missing: readonly string[],
    readonly problems: readonly string[] = [],
  ) {
    super(configurationMessage(missing, problems));
  }
}

/**
 * The signing key could not be read: Secrets Manager failed or refused, or the secret does not
 * hold an RSA private key in PEM. The details are in the function's logs. Safe to retry.
 */
export class SigningKeyUnavailableError extends PlaybackAuthError {
  override readonly name = "SigningKeyUnavailableError";
  constructor() {
    super("signing key is unavailable");
  }
}

/** Signing the policy failed, or the signer returned something that is not a valid cookie. */
export class SigningError extends PlaybackAuthError {
  override readonly name = "SigningError";
}

/** A string is not a policy this function issues (see `policyExpiry`). */
export class PolicyFormatError extends PlaybackAuthError {
  override readonly name = "PolicyFormatError";
}

/** Anything unexpected; the details are in the function's logs, not in the message. */
export class InternalError extends PlaybackAuthError {
  override readonly name = "InternalError";
  constructor() {
    super("internal error");
  }
}

/** The error to hand a caller: ours as they are, anything else as an `InternalError`. */
export function toCallerError(error: unknown): PlaybackAuthError {
  return error instanceof PlaybackAuthError ? error : new InternalError();
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/** The environment variables the handler requires (its contract's). */
export const REQUIRED_ENVIRONMENT = requiredVariables("playback-auth");

/** The handler's configuration, validated. */
export interface PlaybackConfig {
  /** Host of the distribution's alternate domain name, lower-case (`media.example.com`). */
  readonly playbackDomain: string;
  /** The cookies' `Domain`: the playback domain, or a parent of it. */
  readonly cookieDomain: string;
  /** The CloudFront public key id whose private key signs (`K2JCJMDEHXQW5F`). */
  readonly keyPairId: string;
  /** The Secrets Manager secret whose string is the private key in PEM. */
  readonly privateKeySecretArn: string;
  /** Session length when a request does not give one. */
  readonly defaultSessionSeconds: number;
}

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const KEY_PAIR_ID_PATTERN = /^[A-Z0-9]{1,128}$/;
const SECRET_ARN_PATTERN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const WHOLE_NUMBER = /^\d+$/;

/**
 * Whether `value` is a DNS hostname of two or more labels whose last label has a letter (so not an
 * IP address): no scheme, port, path, wildcard or trailing dot.
 */
export function isHostname(value: string): boolean {
  if (value.length > 253) return false;
  const labels = value.split(".");
  const last = labels.at(-1) ?? "";
  return labels.length >= 2 && labels.every((label) => DNS_LABEL.test(label)) && /[a-z]/.test(last);
}

/** Whether `host` is CloudFront's own domain or one of its `*.cloudfront.net` names. */
export function isCloudFrontDomain(host: string): boolean {
  return host === "cloudfront.net" || host.endsWith(".cloudfront.net");
}

function domainProblems(name: string, host: string): string[] {
  if (!isHostname(host)) {
    return [`${name} must be a hostname such as media.example.com (no scheme, port or path)`];
  }
  if (isCloudFrontDomain(host)) {
    return [
      `${name} must be a custom domain, not a *.cloudfront.net hostname: ` +
        "CloudFront signed cookies need the distribution's alternate domain name",
    ];
  }
  return [];
}

/**
 * Reads and validates the handler's environment:
 * - `PLAYBACK_DOMAIN` (required): the distribution's custom hostname; lower-cased.
 * - `KEY_PAIR_ID` (required): the CloudFront public key id (upper-case letters and digits; not the
 *   key group id, which is a UUID).
 * - `PRIVATE_KEY_SECRET_ARN` (required): the ARN of the secret holding the PEM private key.
 * - `DEFAULT_SESSION_SECONDS` (optional, default 3600): a whole number from 60 to 14400.
 * - `COOKIE_DOMAIN` (optional, default `PLAYBACK_DOMAIN`): the cookies' `Domain`; the playback
 *   domain or a parent of it (see `handler.ts`).
 * Empty or blank values count as missing. Throws one `ConfigurationError` listing every problem.
 */
export function loadConfiguration(
  env: Readonly<Record<string, string | undefined>>,
): PlaybackConfig {
  const read = (name: ContractVariable<"playback-auth">): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const missing = REQUIRED_ENVIRONMENT.filter((name) => read(name) === undefined);
  const problems: string[] = [];

  const playbackDomain = read("PLAYBACK_DOMAIN")?.toLowerCase();
  if (playbackDomain !== undefined) {
    problems.push(...domainProblems("PLAYBACK_DOMAIN", playbackDomain));
  }

  const cookieDomainSetting = read("COOKIE_DOMAIN")?.toLowerCase();
  if (cookieDomainSetting !== undefined) {
    const cookieProblems = domainProblems("COOKIE_DOMAIN", cookieDomainSetting);
    problems.push(...cookieProblems);
    if (
      cookieProblems.length === 0 &&
      playbackDomain !== undefined &&
      playbackDomain !== cookieDomainSetting &&
      !playbackDomain.endsWith(`.${cookieDomainSetting}`)
    ) {
      problems.push("COOKIE_DOMAIN must be PLAYBACK_DOMAIN or a parent domain of it");
    }
  }

  const keyPairId = read("KEY_PAIR_ID");
  if (keyPairId !== undefined && !KEY_PAIR_ID_PATTERN.test(keyPairId)) {
    problems.push(
      "KEY_PAIR_ID must be a CloudFront public key id (upper-case letters and digits), " +
        "not a key group id",
    );
  }

  const privateKeySecretArn = read("PRIVATE_KEY_SECRET_ARN");
  if (privateKeySecretArn !== undefined && !SECRET_ARN_PATTERN.test(privateKeySecretArn)) {
    problems.push("PRIVATE_KEY_SECRET_ARN must be a Secrets Manager secret ARN");
  }

  const sessionSetting = read("DEFAULT_SESSION_SECONDS");
  let defaultSessionSeconds = DEFAULT_SESSION_SECONDS;
  if (sessionSetting !== undefined) {
    defaultSessionSeconds = WHOLE_NUMBER.test(sessionSetting) ? Number(sessionSetting) : NaN;
    if (!isSessionInRange(defaultSessionSeconds)) {
      problems.push(
        `DEFAULT_SESSION_SECONDS must be a whole number from ${MIN_SESSION_SECONDS} to ${MAX_SESSION_SECONDS}`,
      );
    }
  }

  if (
    missing.length > 0 ||
    problems.length > 0 ||
    playbackDomain === undefined ||
    keyPairId === undefined ||
    privateKeySecretArn === undefined
  ) {
    throw new ConfigurationError(missing, problems);
  }
  return {
    playbackDomain,
    cookieDomain: cookieDomainSetting ?? playbackDomain,
    keyPairId,
    privateKeySecretArn,
    defaultSessionSeconds,
  };
}

function isSessionInRange(seconds: number): boolean {
  return (
    Number.isInteger(seconds) && seconds >= MIN_SESSION_SECONDS && seconds <= MAX_SESSION_SECONDS
  );
}

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
