/**
 * Named errors of the upload-url function. Callers see these names and messages; messages never
 * carry a raw AWS error.
 */
import { FunctionError } from "../../shared/errors";

export { ConfigurationError, InternalError, toCallerError } from "../../shared/errors";

/** Base of the errors this function returns to callers. */
export abstract class UploadUrlError extends FunctionError {
  abstract override readonly name: string;
}

/** One problem with a request: the field (null for the request as a whole) and why. */
export interface RequestIssue {
  readonly field: string | null;
  readonly reason: string;
}

/** The request is invalid; nothing was signed. */
export class InvalidRequestError extends UploadUrlError {
  override readonly name = "InvalidRequestError";
  constructor(readonly issues: readonly RequestIssue[]) {
    super(`invalid request: ${issues.map((issue) => issue.reason).join("; ")}`);
  }
}

/** Signing the POST policy failed (no credentials, no region). Safe to retry. */
export class SigningError extends UploadUrlError {
  override readonly name = "SigningError";
  constructor() {
    super("signing the upload policy failed");
  }
}
