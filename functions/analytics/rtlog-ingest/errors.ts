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

/** ClickHouse answered the stored-id count with something other than a number no larger than the batch. */
export class UnexpectedCountError extends Error {
  override readonly name = "UnexpectedCountError";
  constructor(rows: number) {
    super(`the stored-id count of a batch of ${rows} rows was not a number from 0 to ${rows}`);
  }
}
