/**
 * Named errors of the rtlog-ingest function. Messages name variables, fields and ids; never a
 * password, a record's contents or a raw service message.
 */

export { ConfigurationError } from "../../shared/errors";

/** The ClickHouse password secret has no usable string value. */
export class SecretValueError extends Error {
  override readonly name = "SecretValueError";
  constructor(secretArn: string) {
    super(`secret ${secretArn} has no SecretString; expected the ClickHouse password as a string`);
  }
}

/** ClickHouse answered the request-id lookup with something other than `{ request_id }` rows. */
export class UnexpectedResultError extends Error {
  override readonly name = "UnexpectedResultError";
  constructor() {
    super("the request-id lookup returned rows without a string request_id");
  }
}
