/**
 * The handler's environment (its contract in `contracts/functions.ts`, `home-region`), read once
 * when the module loads: the KMS key, the table, and the directory of home regions (their API
 * hostnames, the countries each keeps, and this stack's).
 */
import {
  requiredVariables,
  type ContractVariable,
  type RequiredVariable,
} from "../../../contracts/functions";
import {
  COUNTRY_CODE_PATTERN,
  OTHER_COUNTRIES,
  type CountryHomeRegions,
} from "../../../contracts/home-region";
import { REGION_CODE_PATTERN } from "../../../contracts/ids";
import { shardListProblems, type StoreShard } from "../../../contracts/user-store-shards";
import { EnvironmentReader, type Environment } from "../../shared/environment";
import { InternalError } from "../../shared/errors";
import { isHostname } from "./identity";

/** The home regions, the API hostname of each, which countries each keeps, and this stack's. */
export interface RegionDirectory {
  /** Configured home regions, in configuration order. */
  readonly regions: readonly string[];
  /** The API hostname of each home region. */
  readonly hostnames: ReadonlyMap<string, string>;
  /** Country (or `*`, every other country) to the home region keeping its accounts. */
  readonly countries: CountryHomeRegions;
  /** This stack's home region: the only one whose accounts `register` keeps here. */
  readonly stackRegion: string;
}

/** Everything the handler reads from its environment. */
export interface HandlerConfig {
  /** KMS key (id, alias or ARN) of the multi-region HMAC_256 key. */
  readonly hmacKeyId: string;
  /** The DynamoDB global table. */
  readonly tableName: string;
  readonly directory: RegionDirectory;
  /** This region's user-store shards (`STORE_SHARDS`); undefined when it has one. */
  readonly shards?: readonly StoreShard[];
}

/** The environment variables the handler reads (its contract's; all required). */
export const ENVIRONMENT_VARIABLES = requiredVariables("home-region");

/** Whether `value` is one of the directory's home regions. */
export function isHomeRegion(directory: RegionDirectory, value: string): boolean {
  return directory.hostnames.has(value);
}

/** The API hostname of a home region; `InternalError` if the region is not configured. */
export function apiHostname(directory: RegionDirectory, region: string): string {
  const hostname = directory.hostnames.get(region);
  if (hostname === undefined) throw new InternalError();
  return hostname;
}

/**
 * Parses `HOME_REGIONS` (comma-separated region codes), `REGION_HOSTNAMES` (a JSON object of
 * region code to API hostname), `COUNTRY_HOME_REGIONS` (a JSON object of country code, or `*`, to
 * home region) and `STACK_REGION`. Returns the directory or the problems found; every home region
 * needs a hostname and every hostname entry a home region; every country maps to a home region,
 * exactly one entry is `*`, and this stack's region is a home region.
 */
export function parseRegionDirectory(
  homeRegions: string,
  regionHostnames: string,
  countryHomeRegions: string,
  stackRegion: string,
): { directory: RegionDirectory } | { problems: string[] } {
  const problems: string[] = [];
  const regions = homeRegions.split(",").map((region) => region.trim());
  if (regions.some((region) => !REGION_CODE_PATTERN.test(region))) {
    problems.push("HOME_REGIONS must be a comma-separated list of AWS region codes");
  }
  if (new Set(regions).size !== regions.length) {
    problems.push("HOME_REGIONS must not list a region twice");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(regionHostnames);
  } catch {
    parsed = undefined;
  }
  const hostnames = new Map<string, string>();
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    problems.push("REGION_HOSTNAMES must be a JSON object of region code to API hostname");
  } else {
    for (const [region, hostname] of Object.entries(parsed)) {
      if (!regions.includes(region)) {
        problems.push(`REGION_HOSTNAMES names ${region}, which is not in HOME_REGIONS`);
      } else if (typeof hostname !== "string" || !isHostname(hostname)) {
        problems.push(`REGION_HOSTNAMES entry for ${region} must be a lower-case DNS hostname`);
      } else {
        hostnames.set(region, hostname);
      }
    }
    for (const region of regions) {
      if (REGION_CODE_PATTERN.test(region) && !Object.hasOwn(parsed, region)) {
        problems.push(`REGION_HOSTNAMES has no entry for ${region}`);
      }
    }
  }
  const countries = parseCountryHomeRegions(countryHomeRegions, regions, problems);
  if (REGION_CODE_PATTERN.test(stackRegion) && !regions.includes(stackRegion)) {
    problems.push(`STACK_REGION ${stackRegion} is not in HOME_REGIONS`);
  } else if (!REGION_CODE_PATTERN.test(stackRegion)) {
    problems.push("STACK_REGION must be an AWS region code");
  }
  if (problems.length > 0) return { problems };
  return { directory: { regions, hostnames, countries, stackRegion } };
}

/** Parses `COUNTRY_HOME_REGIONS` against the home regions, adding what is wrong to `problems`. */
function parseCountryHomeRegions(
  text: string,
  regions: readonly string[],
  problems: string[],
): CountryHomeRegions {
  const allowed = `a JSON object of ISO 3166-1 alpha-2 country code (or "${OTHER_COUNTRIES}") to home region`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    problems.push(`COUNTRY_HOME_REGIONS must be ${allowed}`);
    return {};
  }
  const countries: Record<string, string> = {};
  for (const [country, region] of Object.entries(parsed)) {
    if (country !== OTHER_COUNTRIES && !COUNTRY_CODE_PATTERN.test(country)) {
      problems.push(
        `COUNTRY_HOME_REGIONS has the key ${JSON.stringify(country)}; it must be ${allowed}`,
      );
    } else if (typeof region !== "string" || !regions.includes(region)) {
      problems.push(`COUNTRY_HOME_REGIONS entry for ${country} must be one of HOME_REGIONS`);
    } else {
      countries[country] = region;
    }
  }
  if (!Object.hasOwn(parsed, OTHER_COUNTRIES)) {
    problems.push(
      `COUNTRY_HOME_REGIONS has no "${OTHER_COUNTRIES}" entry: every other country needs a home region`,
    );
  }
  return countries;
}

/**
 * Parses `STORE_SHARDS`: a JSON list of `{ "id", "weight" }`, as `shardListProblems` allows.
 * Returns the shards or the problems found, each naming the variable.
 */
export function parseStoreShards(text: string): { shards: StoreShard[] } | { problems: string[] } {
  const allowed = 'a JSON list of {"id": shard id, "weight": 0-100}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed)) {
    return { problems: [`STORE_SHARDS must be ${allowed}`] };
  }
  const shards: StoreShard[] = [];
  for (const entry of parsed as unknown[]) {
    const { id, weight } = (typeof entry === "object" && entry !== null ? entry : {}) as Record<
      string,
      unknown
    >;
    if (
      typeof id !== "string" ||
      typeof weight !== "number" ||
      Object.keys(entry as object).length !== 2
    ) {
      return { problems: [`STORE_SHARDS must be ${allowed}, got ${JSON.stringify(entry)}`] };
    }
    shards.push({ id, weight });
  }
  const problems = shardListProblems(shards);
  return problems.length > 0
    ? { problems: problems.map((problem) => `STORE_SHARDS: ${problem}`) }
    : { shards };
}

/**
 * Reads the handler's configuration. Empty or blank values count as missing. Throws one
 * `ConfigurationError` that lists every missing variable and every problem found.
 */
export function loadConfiguration(env: Environment): HandlerConfig {
  const reader = new EnvironmentReader<ContractVariable<"home-region">>(env);
  const value = Object.fromEntries(
    ENVIRONMENT_VARIABLES.map((name) => [name, reader.required(name)]),
  ) as Record<RequiredVariable<"home-region">, string>;
  const directoryVariables = [
    value.HOME_REGIONS,
    value.REGION_HOSTNAMES,
    value.COUNTRY_HOME_REGIONS,
    value.STACK_REGION,
  ] as const;
  const shardText = reader.optional("STORE_SHARDS");
  const shards = shardText === undefined ? undefined : parseStoreShards(shardText);
  if (shards !== undefined && "problems" in shards) {
    for (const problem of shards.problems) reader.problem(problem);
  }
  let directory: RegionDirectory | undefined;
  if (directoryVariables.every((text) => text !== "")) {
    const result = parseRegionDirectory(...directoryVariables);
    if ("problems" in result) {
      for (const problem of result.problems) reader.problem(problem);
    } else {
      directory = result.directory;
    }
  }
  reader.done();
  // Once `done` returned, every variable is set and the directory parsed.
  if (directory === undefined) throw new InternalError();
  return {
    hmacKeyId: value.HMAC_KEY_ID,
    tableName: value.TABLE_NAME,
    directory,
    ...(shards !== undefined && "shards" in shards ? { shards: shards.shards } : {}),
  };
}
