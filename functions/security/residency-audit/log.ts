/**
 * The audit's log lines: one JSON object per line, `level` and `message` first, errors on stderr
 * (the format its log queries and alarms read).
 */

/** Writes one structured log line. */
export function log(
  level: "INFO" | "ERROR",
  message: string,
  fields: Record<string, unknown>,
): void {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === "ERROR") {
    console.error(line);
  } else {
    console.log(line);
  }
}
