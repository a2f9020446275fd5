/**
 * Named errors of the encode-submit function. Messages carry bucket names, object keys (ids only in
 * this layout), content types, sizes and fixed reasons; never a raw AWS error message.
 */

/** Base of every error this function raises on purpose. */
export abstract class EncodeSubmitError extends Error {
  abstract override readonly name: string;
}

/** Required environment variables are missing or invalid (raised when the module loads). */
export { ConfigurationError } from "../../shared/errors";

/** An encoding ladder is not valid; `problems` lists every problem found. */
export class InvalidLadderError extends EncodeSubmitError {
  override readonly name = "InvalidLadderError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid ladder: ${problems.join("; ")}`);
  }
}

/** The options of `buildJobSettings` are not valid; `problems` lists every problem found. */
export class InvalidJobOptionsError extends EncodeSubmitError {
  override readonly name = "InvalidJobOptionsError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid job options: ${problems.join("; ")}`);
  }
}

/**
 * Why a message cannot be encoded, ever: retrying it would fail the same way. The message goes
 * to the dead-letter queue with the reason.
 */
export type PermanentReason =
  | "malformed_body"
  | "invalid_bucket"
  | "invalid_key"
  | "unsupported_content_type"
  | "empty_object"
  | "object_too_large"
  | "source_missing"
  | "source_rejected"
  | "probe_rejected"
  | "job_rejected";

/** Why a message could not be encoded this time: a later delivery may succeed. */
export type TransientReason =
  "throttled" | "service_error" | "network_error" | "access_denied" | "unexpected_error";

/** Base of the failures of one message: a short reason code and a message safe to record. */
export abstract class RecordFailureError extends EncodeSubmitError {
  abstract readonly kind: "permanent" | "transient";
  abstract readonly reason: PermanentReason | TransientReason;
  /** The same text as `message`: safe to log and to attach to a dead-lettered message. */
  get detail(): string {
    return this.message;
  }
}

/** The message can never be encoded (bad layout, unsupported type, empty or too large, ...). */
export class PermanentFailureError extends RecordFailureError {
  override readonly name = "PermanentFailureError";
  readonly kind = "permanent";
  constructor(
    readonly reason: PermanentReason,
    detail: string,
  ) {
    super(detail);
  }
}

/** The message could not be encoded this time (throttling, 5xx, network, access). */
export class TransientFailureError extends RecordFailureError {
  override readonly name = "TransientFailureError";
  readonly kind = "transient";
  constructor(
    readonly reason: TransientReason,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }
}

/** Longest `detail` attached to a dead-lettered message. */
export const MAX_DETAIL_LENGTH = 240;

/** `text` cut to `MAX_DETAIL_LENGTH` characters, ending in `...` when cut. */
export function truncate(text: string): string {
  return text.length <= MAX_DETAIL_LENGTH ? text : `${text.slice(0, MAX_DETAIL_LENGTH - 3)}...`;
}

/** A value from outside (a content type) made safe to quote: printable ASCII, short. */
export function quoteOutside(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, "?");
  return JSON.stringify(printable.length <= 80 ? printable : `${printable.slice(0, 80)}...`);
}
