/**
 * The error of the edge cache-control function: its settings file cannot be used. It is raised
 * when the module loads, so a bad package fails its cold start rather than a viewer's request
 * later; the message (field names, values and what is allowed) goes to the function's logs.
 */
import { FunctionError } from "../../shared/errors";

/** A settings file that cannot be used; the message names each field and what is allowed. */
export class EdgeCacheSettingsError extends FunctionError {
  override readonly name = "EdgeCacheSettingsError";
}
