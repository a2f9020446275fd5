/**
 * Structured logs: one JSON object per line. Callers pass actions, outcomes, region codes, record
 * key prefixes (`keyPrefix`, 8 characters) and request ids only; an identity never reaches a log
 * line, nor a whole record key.
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
 * the AWS request id and the fault side. Never the message, which can echo request content.
 */
export function describeError(error: unknown): LogFields {
  if (!(error instanceof Error)) {
    return { errorName: typeof error };
  }
  const { $metadata: metadata, $fault: fault } = error as {
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown } | null;
    $fault?: unknown;
  };
  const status = metadata?.httpStatusCode;
  const requestId = metadata?.requestId;
  return {
    errorName: error.name,
    ...(typeof status === "number" ? { httpStatusCode: status } : {}),
    ...(typeof requestId === "string" ? { awsRequestId: requestId } : {}),
    ...(typeof fault === "string" ? { fault } : {}),
  };
}
