/**
 * The errors of tokenization. Every error a caller can see is one of these: a fixed name and a
 * message that carries indexes, field names, tokens and fixed reasons, never a value or a raw AWS
 * error. A configuration error, an unexpected error (`InternalError`) and the mapping of anything
 * else to it (`toCallerError`) are the shared ones (functions/shared/errors).
 */
import { FunctionError } from "../../shared/errors";

/** Base of the errors this function returns to callers. */
export abstract class PiiTokenizeError extends FunctionError {}

/** One problem with a request: the item's index (null for the request as a whole) and why. */
export interface RequestIssue {
  readonly index: number | null;
  readonly reason: string;
}

/** The request is invalid; nothing was called and nothing was written. */
export class InvalidRequestError extends PiiTokenizeError {
  override readonly name = "InvalidRequestError";
  constructor(
    readonly issues: readonly RequestIssue[],
    readonly listName: string,
  ) {
    super(
      `invalid request: ${issues
        .map((issue) =>
          issue.index === null ? issue.reason : `${listName}[${issue.index}]: ${issue.reason}`,
        )
        .join("; ")}`,
    );
  }
}

/** A string is not a well-formed token. */
export class TokenFormatError extends PiiTokenizeError {
  override readonly name = "TokenFormatError";
}

/** A KMS call failed (throttling, access, availability). Safe to retry the whole request. */
export class KeyServiceError extends PiiTokenizeError {
  override readonly name = "KeyServiceError";
  constructor(readonly operation: string) {
    super(`key service call ${operation} failed`);
  }
}

/** A vault read or write failed. Safe to retry the whole request. */
export class VaultError extends PiiTokenizeError {
  override readonly name = "VaultError";
}

/**
 * A vault record is not what its token says it is: it is malformed, names another field, or does
 * not decrypt under the encryption context of its token (for example it was copied to another
 * token, or encrypted under another key).
 */
export class VaultIntegrityError extends PiiTokenizeError {
  override readonly name = "VaultIntegrityError";
  constructor(
    readonly token: string,
    reason: string,
  ) {
    super(`vault record for token ${token} is not valid: ${reason}`);
  }
}
