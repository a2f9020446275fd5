/**
 * Structured logs: one JSON object per line. Callers pass course ids, counts, times, key ids and
 * fixed reasons only; cookie values, signatures and key material never reach a log line.
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
 * The parts of an error that are safe to log: its name, a Node.js error code, and for AWS SDK
 * errors the HTTP status, the AWS request id and the fault side. Not the message, which can echo
 * what was being parsed.
 */
export function describeError(error: unknown): LogFields {
  if (!(error instanceof Error)) {
    return { errorName: typeof error };
  }
  const { $metadata, $fault, code } = error as {
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
    $fault?: unknown;
    code?: unknown;
  };
  return {
    errorName: error.name,
    ...(typeof code === "string" ? { errorCode: code } : {}),
    ...(typeof $metadata?.httpStatusCode === "number"
      ? { httpStatusCode: $metadata.httpStatusCode }
      : {}),
    ...(typeof $metadata?.requestId === "string" ? { awsRequestId: $metadata.requestId } : {}),
    ...(typeof $fault === "string" ? { fault: $fault } : {}),
  };
}
