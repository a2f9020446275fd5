/**
 * The message of a handler's configuration error (raised when its module loads): the missing
 * environment variables, then each other problem, in one line.
 */
export function configurationMessage(
  missing: readonly string[],
  problems: readonly string[] = [],
): string {
  return [
    ...(missing.length > 0 ? [`missing environment variables: ${missing.join(", ")}`] : []),
    ...problems,
  ].join("; ");
}
