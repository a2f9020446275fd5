/**
 * Structured logs of every handler: one JSON object per line. Handlers log ids, statuses, counts
 * and times; never personal data, secrets, cookie values or raw error messages (AWS messages can
 * echo request content), which is why errors are logged through `describeError` only.
 */

/** A log entry's extra properties. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Severity of a log line. */
export type LogLevel = "info" | "warn" | "error";

/** Writes one JSON log line. */
export function log(level: LogLevel, event: string, fields: LogFields = {}): void {
  console.log(JSON.stringify({ level, event, time: new Date().toISOString(), ...fields }));
}

/** The `$metadata` of an AWS SDK error; empty for anything else. */
export function sdkMetadata(error: unknown): { httpStatusCode?: unknown; requestId?: unknown } {
  if (typeof error !== "object" || error === null) {
    return {};
  }
  const value = (error as { $metadata?: unknown }).$metadata;
  return typeof value === "object" && value !== null ? value : {};
}

/**
 * The parts of an error that are safe to log: its name, a Node.js error code, and for AWS SDK
 * errors the HTTP status, the AWS request id and the fault side. Never the message.
 */
export function describeError(error: unknown): LogFields {
  if (!(error instanceof Error)) {
    return { errorName: typeof error };
  }
  const metadata = sdkMetadata(error);
  const { $fault, code } = error as { $fault?: unknown; code?: unknown };
  return {
    errorName: error.name,
    ...(typeof code === "string" ? { errorCode: code } : {}),
    ...(typeof metadata.httpStatusCode === "number"
      ? { httpStatusCode: metadata.httpStatusCode }
      : {}),
    ...(typeof metadata.requestId === "string" ? { awsRequestId: metadata.requestId } : {}),
    ...(typeof $fault === "string" ? { fault: $fault } : {}),
  };
}
