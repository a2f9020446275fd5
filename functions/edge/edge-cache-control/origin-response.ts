/**
 * The origin-response handler over its settings (read by `./config` from the file the deploying
 * component bakes into the package): `createHandler` answers CloudFront's event.
 */
import type { CloudFrontResponseEvent, CloudFrontResponseResult } from "aws-lambda";
import type { EdgeCacheSettings } from "../../../contracts/edge-cache-control";
import { withEdgeCacheControl } from "./core";

/** The origin-response handler for the given settings. */
export function createHandler(
  settings: EdgeCacheSettings,
): (event: CloudFrontResponseEvent) => Promise<CloudFrontResponseResult> {
  return (event) => {
    const record = event.Records[0];
    if (record === undefined) {
      return Promise.reject(new Error("origin-response event without a record"));
    }
    return Promise.resolve(withEdgeCacheControl(record.cf.response, settings));
  };
}
