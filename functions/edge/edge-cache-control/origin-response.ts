/**
 * The origin-response handler over its settings file: `loadEdgeCacheSettings` reads the file the
 * deploying component bakes into the package, `createHandler` answers CloudFront's event.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CloudFrontResponseEvent, CloudFrontResponseResult } from "aws-lambda";
import {
  EdgeCacheSettingsError,
  parseEdgeCacheSettings,
  SETTINGS_FILE,
  withEdgeCacheControl,
  type EdgeCacheSettings,
} from "./core";

/** Reads and validates the settings file of the package in `directory`. */
export function loadEdgeCacheSettings(directory: string): EdgeCacheSettings {
  const path = join(directory, SETTINGS_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new EdgeCacheSettingsError(
      `${SETTINGS_FILE}: cannot read it beside the handler (${error instanceof Error ? error.message : String(error)}); the deployment package must contain it`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new EdgeCacheSettingsError(`${SETTINGS_FILE} = ${text.slice(0, 80)}: not JSON`);
  }
  return parseEdgeCacheSettings(parsed);
}

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
