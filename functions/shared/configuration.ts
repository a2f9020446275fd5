/**
 * @deprecated import `configurationMessage` and `ConfigurationError` from `./errors`, and read
 * variables with `EnvironmentReader` from `./environment`; this module only re-exports.
 */
export { configurationMessage } from "./errors";
