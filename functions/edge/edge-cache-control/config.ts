/**
 * The settings of the edge cache-control function. Lambda@Edge has no environment variables
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/edge-functions-restrictions.html),
 * so the deploying component bakes them into the deployment package, in the file `SETTINGS_FILE`
 * beside the bundle (`contracts/edge-cache-control`); they are read once, when the module loads.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  EDGE_CACHE_SETTINGS_FIELDS as FIELDS,
  EDGE_CACHE_SETTINGS_FILE as SETTINGS_FILE,
  MAX_EDGE_CACHE_SECONDS as MAX_DIRECTIVE_SECONDS,
  type EdgeCacheSettings,
} from "../../../contracts/edge-cache-control";
import { EdgeCacheSettingsError } from "./errors";

/**
 * Reads the settings (the parsed JSON of `SETTINGS_FILE`). Every problem is reported at once, as
 * `<field> = <value>: <what is allowed>`; unknown fields are refused, so a misspelt one is not
 * silently ignored.
 */
export function parseEdgeCacheSettings(raw: unknown): EdgeCacheSettings {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new EdgeCacheSettingsError(
      `${SETTINGS_FILE} = ${JSON.stringify(raw)}: expected an object with ${FIELDS.join(", ")}`,
    );
  }
  const object = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of FIELDS) {
    const value = object[field];
    if (
      typeof value !== "number" ||
      !Number.isInteger(value) ||
      value < 1 ||
      value > MAX_DIRECTIVE_SECONDS
    ) {
      problems.push(
        `${field} = ${JSON.stringify(value)}: expected a whole number of seconds from 1 to ${MAX_DIRECTIVE_SECONDS}`,
      );
    }
  }
  for (const field of Object.keys(object)) {
    if (!(FIELDS as readonly string[]).includes(field)) {
      problems.push(`${field}: unknown setting; known settings are ${FIELDS.join(", ")}`);
    }
  }
  if (problems.length > 0) {
    throw new EdgeCacheSettingsError(`${SETTINGS_FILE}: ${problems.join("; ")}`);
  }
  return {
    maxAgeSeconds: object.maxAgeSeconds as number,
    staleWhileRevalidateSeconds: object.staleWhileRevalidateSeconds as number,
    staleIfErrorSeconds: object.staleIfErrorSeconds as number,
  };
}

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
