/**
 * Structured logs: one JSON object per line. Lines carry ids (video, course, job), statuses,
 * times and counts; never a raw AWS error message.
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
 * the AWS request id and the fault side.
 */
export function describeError(error: unknown): LogFields {
  if (!(error instanceof Error)) {
    return { errorName: typeof error };
  }
  const metadata = readObject(error, "$metadata") ?? {};
  const status: unknown = Reflect.get(metadata, "httpStatusCode");
  const requestId: unknown = Reflect.get(metadata, "requestId");
  const fault: unknown = Reflect.get(error, "$fault");
  return {
    errorName: error.name,
    ...(typeof status === "number" ? { httpStatusCode: status } : {}),
    ...(typeof requestId === "string" ? { awsRequestId: requestId } : {}),
    ...(typeof fault === "string" ? { fault } : {}),
  };
}

function readObject(target: object, property: string): object | undefined {
  const value: unknown = Reflect.get(target, property);
  return typeof value === "object" && value !== null ? value : undefined;
}
