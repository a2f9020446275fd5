/**
 * Named errors of the playback-auth function. Every error a caller can see is one of these: a
 * fixed name and a message that carries the course id, numbers and fixed reasons, never a cookie
 * value, a signature or key material.
 */
import { FunctionError } from "../../shared/errors";

export { ConfigurationError, InternalError, toCallerError } from "../../shared/errors";

/** Base of the errors this function returns to callers. */
export abstract class PlaybackAuthError extends FunctionError {
  abstract override readonly name: string;
}

/** The request is invalid; nothing was fetched or signed. */
export class InvalidRequestError extends PlaybackAuthError {
  override readonly name = "InvalidRequestError";
  constructor(readonly issues: readonly string[]) {
    super(`invalid request: ${issues.join("; ")}`);
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
