/**
 * Structured logs: one JSON object per line. Object keys may be logged (they hold a course id and
 * a video id only); AWS error messages are not, as they can echo request content.
 */

/** A log entry's extra properties. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Severity of a log line. */
export type LogLevel = "info" | "warn" | "error";

/** Writes one JSON log line. */
export function log(level: LogLevel, event: string, fields: LogFields = {}): void {
  console.log(JSON.stringify({ level, event, time: new Date().toISOString(), ...fields }));
}

/**
 * The parts of an error that are safe to log: its name, and for AWS SDK errors the HTTP status,
 * the AWS request id and the fault side. Not the message.
 */
export function describeError(error: unknown): LogFields {
  if (!(error instanceof Error)) {
    return { errorName: typeof error };
  }
  const metadata = sdkMetadata(error);
  const fault = (error as { $fault?: unknown }).$fault;
  return {
    errorName: error.name,
    ...(typeof metadata.httpStatusCode === "number"
      ? { httpStatusCode: metadata.httpStatusCode }
      : {}),
    ...(typeof metadata.requestId === "string" ? { awsRequestId: metadata.requestId } : {}),
    ...(typeof fault === "string" ? { fault } : {}),
  };
}

/** The `$metadata` of an AWS SDK error; empty for anything else. */
export function sdkMetadata(error: unknown): { httpStatusCode?: unknown; requestId?: unknown } {
  if (typeof error !== "object" || error === null) return {};
  const value = (error as { $metadata?: unknown }).$metadata;
  return typeof value === "object" && value !== null ? value : {};
}
