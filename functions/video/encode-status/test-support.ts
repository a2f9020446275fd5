/**
 * Test support (not bundled: no handler imports it): the handler's environment and log helpers.
 * The events are in `./fixtures/events`. The catalog's update and condition expressions run on
 * DynamoDB Local (catalog.dynamodb.test.ts), not on a copy of them.
 */
import { setEnvironment } from "../../shared/test-support";
export { captureLogs } from "../../shared/test-support";

export const CATALOG_TABLE = "video-catalog";
export const TOPIC_ARN = "arn:aws:sns:me-south-1:111122223333:video-encode-status";
/** The handler's environment. */
export const HANDLER_ENV = { CATALOG_TABLE, TOPIC_ARN };

const HANDLER_VARIABLES = ["CATALOG_TABLE", "TOPIC_ARN"] as const;

/** Sets exactly the given handler variables (the others are removed); returns the restorer. */
export function setHandlerEnvironment(
  values: Partial<Record<(typeof HANDLER_VARIABLES)[number], string>>,
): () => void {
  return setEnvironment(HANDLER_VARIABLES, values);
}
