/**
 * Named errors of the encode-status function. Messages carry video ids, paths in the event and
 * fixed reasons; never a raw AWS error message.
 */
import { FunctionError } from "../../shared/errors";

export { ConfigurationError, InternalError, toCallerError } from "../../shared/errors";

/** Base of the errors this function throws. */
export abstract class EncodeStatusError extends FunctionError {
  abstract override readonly name: string;
}

/** One problem with an event: where (`detail.jobId`, or empty for the event) and why. */
export interface EventIssue {
  readonly path: string;
  readonly reason: string;
}

/** The event is not a well-formed MediaConvert job state change; nothing was called. */
export class InvalidEventError extends EncodeStatusError {
  override readonly name = "InvalidEventError";
  constructor(readonly issues: readonly EventIssue[]) {
    super(
      `invalid MediaConvert job state change: ${issues
        .map((issue) => (issue.path === "" ? issue.reason : `${issue.path}: ${issue.reason}`))
        .join("; ")}`,
    );
  }
}

/** The catalog write failed (throttling, access, availability). Safe to retry the event. */
export class CatalogError extends EncodeStatusError {
  override readonly name = "CatalogError";
  constructor(readonly videoId: string) {
    super(`catalog update for video ${videoId} failed`);
  }
}

/**
 * Publishing the status failed after the catalog was updated. Safe to retry the event: the same
 * event passes the catalog's condition again and is published again.
 */
export class NotificationError extends EncodeStatusError {
  override readonly name = "NotificationError";
  constructor(readonly videoId: string) {
    super(`status notification for video ${videoId} failed`);
  }
}
