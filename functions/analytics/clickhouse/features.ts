/**
 * What the connected ClickHouse server can do, from its version, so one schema runs on the old
 * server the integration tests start (Debian's 18.16) and on the current one the chart deploys.
 */

/** Newer schema features the migrations use when the server has them. */
export interface ServerFeatures {
  /** `LowCardinality(String)` without the experimental setting. */
  readonly lowCardinality: boolean;
  /** Column compression codecs (`CODEC(Delta, ZSTD)`). */
  readonly codecs: boolean;
  /** Table `TTL` clauses, which expire old rows. */
  readonly ttl: boolean;
}

/** A parsed `major.minor` server version. */
export interface ServerVersion {
  readonly major: number;
  readonly minor: number;
}

/**
 * 20.3 is the first long-term-support release that has every feature above as a stable,
 * non-experimental feature; releases before it get the plain schema.
 */
const FEATURES_SINCE: ServerVersion = { major: 20, minor: 3 };

/** Parses the output of `SELECT version()`, for example `18.16.1` or `25.8.2.29`. */
export function parseServerVersion(text: string): ServerVersion {
  const match = /^(\d+)\.(\d+)(?:\.\d+)*$/.exec(text.trim());
  if (match === null) {
    throw new Error(`unrecognised ClickHouse version ${JSON.stringify(text)}`);
  }
  return { major: Number(match[1]), minor: Number(match[2]) };
}

function atLeast(version: ServerVersion, floor: ServerVersion): boolean {
  return (
    version.major > floor.major || (version.major === floor.major && version.minor >= floor.minor)
  );
}

/** The features a server of `version` offers. */
export function serverFeatures(version: ServerVersion): ServerFeatures {
  const modern = atLeast(version, FEATURES_SINCE);
  return { lowCardinality: modern, codecs: modern, ttl: modern };
}
