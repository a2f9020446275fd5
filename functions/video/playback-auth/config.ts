/**
 * The handler's configuration, read from its environment once, when the module loads. Every
 * missing or invalid variable is reported in one `ConfigurationError`.
 */
import { requiredVariables, type ContractVariable } from "../../../contracts/functions";
import { EnvironmentReader, type Environment } from "../../shared/environment";
import { DEFAULT_SESSION_SECONDS, MAX_SESSION_SECONDS, MIN_SESSION_SECONDS } from "./core";
import { InternalError } from "./errors";

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
export function loadConfiguration(env: Environment): PlaybackConfig {
  const reader = new EnvironmentReader<ContractVariable<"playback-auth">>(env);
  for (const name of REQUIRED_ENVIRONMENT) reader.required(name);
  const read = (name: ContractVariable<"playback-auth">): string | undefined =>
    reader.optional(name);
  const problem = (...texts: string[]): void => {
    for (const text of texts) reader.problem(text);
  };

  const playbackDomain = read("PLAYBACK_DOMAIN")?.toLowerCase();
  if (playbackDomain !== undefined) {
    problem(...domainProblems("PLAYBACK_DOMAIN", playbackDomain));
  }

  const cookieDomainSetting = read("COOKIE_DOMAIN")?.toLowerCase();
  if (cookieDomainSetting !== undefined) {
    const cookieProblems = domainProblems("COOKIE_DOMAIN", cookieDomainSetting);
    problem(...cookieProblems);
    if (
      cookieProblems.length === 0 &&
      playbackDomain !== undefined &&
      playbackDomain !== cookieDomainSetting &&
      !playbackDomain.endsWith(`.${cookieDomainSetting}`)
    ) {
      problem("COOKIE_DOMAIN must be PLAYBACK_DOMAIN or a parent domain of it");
    }
  }

  const keyPairId = read("KEY_PAIR_ID");
  if (keyPairId !== undefined && !KEY_PAIR_ID_PATTERN.test(keyPairId)) {
    problem(
      "KEY_PAIR_ID must be a CloudFront public key id (upper-case letters and digits), " +
        "not a key group id",
    );
  }

  const privateKeySecretArn = read("PRIVATE_KEY_SECRET_ARN");
  if (privateKeySecretArn !== undefined && !SECRET_ARN_PATTERN.test(privateKeySecretArn)) {
    problem("PRIVATE_KEY_SECRET_ARN must be a Secrets Manager secret ARN");
  }

  const sessionSetting = read("DEFAULT_SESSION_SECONDS");
  let defaultSessionSeconds = DEFAULT_SESSION_SECONDS;
  if (sessionSetting !== undefined) {
    defaultSessionSeconds = WHOLE_NUMBER.test(sessionSetting) ? Number(sessionSetting) : NaN;
    if (!isSessionInRange(defaultSessionSeconds)) {
      problem(
        `DEFAULT_SESSION_SECONDS must be a whole number from ${MIN_SESSION_SECONDS} to ${MAX_SESSION_SECONDS}`,
      );
    }
  }

  reader.done();
  if (
    playbackDomain === undefined ||
    keyPairId === undefined ||
    privateKeySecretArn === undefined
  ) {
    // `done` threw already: the three are required.
    throw new InternalError();
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
