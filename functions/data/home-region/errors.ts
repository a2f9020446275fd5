/**
 * The errors of home-region pinning. Every error a caller can see is one of these: a fixed name
 * and a message built from fixed reasons, region codes and at most a record key prefix; never an
 * identity. A configuration error, an unexpected error (`InternalError`) and the mapping of
 * anything else to it (`toCallerError`) are the shared ones (functions/shared/errors).
 */
import { FunctionError } from "../../shared/errors";

/** Base of the errors this function returns to callers. */
export abstract class HomeRegionError extends FunctionError {}

/** The event is invalid; nothing was called and nothing was written. */
export class InvalidRequestError extends HomeRegionError {
  override readonly name = "InvalidRequestError";
  constructor(readonly issues: readonly string[]) {
    super(`invalid request: ${issues.join("; ")}`);
  }
}

/**
 * The identity is not a string holding a usable email address. The message is one of a fixed set
 * of reasons and never contains the identity.
 */
export class InvalidIdentityError extends HomeRegionError {
  override readonly name = "InvalidIdentityError";
  constructor(readonly reason: string) {
    super(`invalid identity: ${reason}`);
  }
}

/**
 * The identity is already registered with another home region. A user never changes jurisdiction
 * by registering again; that takes an explicit `move`.
 */
export class HomeRegionConflictError extends HomeRegionError {
  override readonly name = "HomeRegionConflictError";
  constructor(
    readonly existingRegion: string,
    readonly requestedRegion: string,
  ) {
    super(
      `identity is already registered with home region ${existingRegion}, not ${requestedRegion}`,
    );
  }
}

/**
 * Sign-up pinning: the country a sign-up declares keeps its accounts in another home region than
 * this stack's. Nothing was hashed or written; the client signs up again at `apiHostname`, the
 * explicit hostname of `homeRegion`. The message carries both (Lambda hands callers the error's
 * name and message only).
 */
export class HomeRegionElsewhereError extends HomeRegionError {
  override readonly name = "HomeRegionElsewhereError";
  constructor(
    readonly country: string,
    readonly homeRegion: string,
    readonly apiHostname: string,
    readonly stackRegion: string,
  ) {
    super(
      `accounts of country ${country} are kept in home region ${homeRegion}, not ${stackRegion}: sign up at ${apiHostname}; nothing was stored`,
    );
  }
}

/** A move was asked for an identity that has no home region. */
export class HomeRegionNotFoundError extends HomeRegionError {
  override readonly name = "HomeRegionNotFoundError";
  constructor() {
    super("identity has no home region");
  }
}

/**
 * A move's `fromRegion` is not the current home region (it was read stale, or the record changed
 * between the read and the write). Nothing was written. `currentRegion` is null when unknown.
 */
export class StaleHomeRegionError extends HomeRegionError {
  override readonly name = "StaleHomeRegionError";
  constructor(
    readonly fromRegion: string,
    readonly currentRegion: string | null,
  ) {
    super(
      currentRegion === null
        ? `home region is no longer ${fromRegion}`
        : `home region is ${currentRegion}, not ${fromRegion}`,
    );
  }
}

/** Another write to the same record was in flight; nothing was written. Safe to retry. */
export class ConcurrentChangeError extends HomeRegionError {
  override readonly name = "ConcurrentChangeError";
  constructor() {
    super("another change to this home region record was in progress; nothing was written");
  }
}

/** A KMS call failed (throttling, access, availability). Safe to retry. */
export class KeyServiceError extends HomeRegionError {
  override readonly name = "KeyServiceError";
  constructor(readonly operation: string) {
    super(`key service call ${operation} failed`);
  }
}

/** A table read or write failed for a reason other than a condition. Safe to retry. */
export class StoreError extends HomeRegionError {
  override readonly name = "StoreError";
  constructor(readonly operation: string) {
    super(`home region store ${operation} failed`);
  }
}

/** A stored record is malformed or names a region that is not configured. */
export class StoreIntegrityError extends HomeRegionError {
  override readonly name = "StoreIntegrityError";
  constructor(
    readonly keyPrefix: string,
    reason: string,
  ) {
    super(`home region record ${keyPrefix}… is not valid: ${reason}`);
  }
}
