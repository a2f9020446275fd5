/**
 * How the trick-play task fails: a typed result, never a thrown error, so that the caller (the
 * container's entry point) can log it and send it to a dead-letter queue with its reason. Details
 * carry keys, sizes and fixed reasons, and at most the last lines of ffmpeg's own log.
 */

/** Why a run failed. */
export type FailureReason =
  /** The request names a manifest outside the video's folder, or is malformed. */
  | "invalid-request"
  /** A playlist, init section or segment the run needs does not exist. */
  | "input-missing"
  /** A playlist the task cannot use (no video variant, byte ranges, encryption, no end). */
  | "input-invalid"
  /** ffmpeg exited with an error or could not start. */
  | "ffmpeg-failed"
  /** ffmpeg finished but its sprite sheets are not the planned ones. */
  | "output-invalid"
  /** Reading or writing the renditions bucket failed (access, throttling, availability). */
  | "store-failed"
  /** The run's deadline passed. */
  | "deadline-exceeded"
  /** The track was written but recording it in the video catalog failed. */
  | "catalog-failed"
  /** Anything else (the work folder could not be written, a defect): details in the message. */
  | "internal-error";

/** Reasons a later run of the same request may not hit again. */
export const RETRYABLE_REASONS: readonly FailureReason[] = [
  "store-failed",
  "deadline-exceeded",
  "catalog-failed",
];

/** A failed run. */
export interface TrickPlayFailure {
  readonly kind: "failed";
  readonly reason: FailureReason;
  /** What went wrong, for people: keys, sizes, ffmpeg's last lines. */
  readonly detail: string;
  /** Whether running the same request again may succeed. */
  readonly retryable: boolean;
}

/** A failure of `reason`; `retryable` follows the reason. */
export function failure(reason: FailureReason, detail: string): TrickPlayFailure {
  return { kind: "failed", reason, detail, retryable: RETRYABLE_REASONS.includes(reason) };
}

/** Thrown inside a run and turned into its `TrickPlayFailure` at the run's edge. */
export class TrickPlayError extends Error {
  override readonly name = "TrickPlayError";
  constructor(
    readonly reason: FailureReason,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * The body of a dead letter for a failed run, in the shape of the pipeline's other dead letters
 * (`deadLetteredBy`, `reason`, `detail`), with the request that failed, so it can be redriven.
 */
export function deadLetterBody(
  request: Readonly<Record<string, string>>,
  failed: TrickPlayFailure,
): string {
  return JSON.stringify({
    deadLetteredBy: "trick-play",
    reason: failed.reason,
    detail: failed.detail,
    retryable: failed.retryable,
    request,
  });
}
