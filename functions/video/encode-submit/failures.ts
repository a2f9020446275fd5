/**
 * What a failed AWS call means for a message: permanent (dead-letter it) or transient (deliver
 * it again), and the in-process retries of throttled calls (see `../../shared/retry` for why
 * these are not left to the SDK).
 */
import { retryWhile, type RetryEnvironment } from "../../shared/retry";
import { sdkMetadata } from "../../shared/log";
import {
  PermanentFailureError,
  RecordFailureError,
  TransientFailureError,
  type TransientReason,
} from "./errors";

// ---------------------------------------------------------------------------------------------
// Failure classification and retries
// ---------------------------------------------------------------------------------------------

const THROTTLING_ERRORS = new Set([
  "TooManyRequestsException",
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ProvisionedThroughputExceededException",
]);

const NETWORK_ERRORS = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "AbortError",
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

function statusOf(error: unknown): number | undefined {
  const status = sdkMetadata(error).httpStatusCode;
  return typeof status === "number" ? status : undefined;
}

/** The `name` of an error, when it is an `Error`. */
export function nameOf(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** The side an AWS SDK error blames (`client` or `server`), if it says. */
function faultOf(error: unknown): unknown {
  return typeof error === "object" && error !== null
    ? (error as { $fault?: unknown }).$fault
    : undefined;
}

/** Whether an AWS call was throttled (by error name or HTTP 429). */
export function isThrottling(error: unknown): boolean {
  const name = nameOf(error);
  return (name !== undefined && THROTTLING_ERRORS.has(name)) || statusOf(error) === 429;
}

/** The AWS calls the core makes, for classification. */
export type Operation = "HeadObject" | "Probe" | "CreateJob" | "GetItem" | "UpdateItem";

/**
 * What a failed AWS call means for the message, by the SDK error's name, HTTP status and
 * `$fault` (never its message): permanent when the request the message leads to is itself wrong
 * (MediaConvert refused the job or the probe of the source; S3 refused the bucket name or the
 * request for the object),
 * transient otherwise (throttling, 5xx, network, access, anything unknown).
 */
export function classifyError(operation: Operation, error: unknown): RecordFailureError {
  if (error instanceof RecordFailureError) return error;
  const name = nameOf(error) ?? "unknown";
  const status = statusOf(error);
  const transient = (reason: TransientReason, detail: string): TransientFailureError =>
    new TransientFailureError(reason, `${operation} ${detail} (${name})`, { cause: error });
  if (isThrottling(error)) {
    return transient("throttled", "was throttled");
  }
  if (
    operation === "CreateJob" &&
    (name === "BadRequestException" || name === "UnprocessableEntityException")
  ) {
    // The request itself is wrong: sending it again cannot help.
    return new PermanentFailureError("job_rejected", `MediaConvert rejected the job (${name})`);
  }
  if (operation === "Probe" && name === "BadRequestException") {
    // Probe cannot read the file it was given: the same source fails every time.
    return new PermanentFailureError(
      "probe_rejected",
      `MediaConvert Probe rejected the source (${name})`,
    );
  }
  if (operation === "HeadObject" && name === "InvalidBucketName") {
    // The SDK's own check of the name, before any request: the same name fails every time.
    return new PermanentFailureError(
      "invalid_bucket",
      `S3 refused the bucket name of HeadObject (${name})`,
    );
  }
  if (operation === "HeadObject" && status === 400 && faultOf(error) === "client") {
    // A HEAD error has no body, so the SDK cannot name it (`Unknown`); a 400 is S3 refusing the
    // request the notification leads to (bucket name, key, an SSE-C object), not a passing state.
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
    return new PermanentFailureError(
      "source_rejected",
      `S3 refused HeadObject for the object (HTTP 400, ${name})`,
    );
  }
  if ((status !== undefined && status >= 500) || faultOf(error) === "server") {
    return transient("service_error", "failed on the service side");
  }
  if (
    status === 401 ||
    status === 403 ||
    name === "AccessDenied" ||
    name === "ForbiddenException"
  ) {
    return transient("access_denied", "was denied");
  }
  const code =
    typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (NETWORK_ERRORS.has(name) || (typeof code === "string" && NETWORK_ERRORS.has(code))) {
    return transient("network_error", "did not reach the service");
  }
  return transient("unexpected_error", "failed");
}

/**
 * Calls `call`, retrying throttled calls with full-jitter exponential backoff up to
 * `maxRetries` times. Any other error, or throttling after the last retry, is classified and
 * thrown. Returns the result and the number of calls made.
 */
export async function withThrottlingRetries<T>(
  operation: Operation,
  call: () => Promise<T>,
  environment: RetryEnvironment = {},
): Promise<{ readonly value: T; readonly attempts: number }> {
  try {
    return await retryWhile(call, isThrottling, environment);
  } catch (error) {
    throw classifyError(operation, error);
  }
}
