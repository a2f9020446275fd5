/**
 * Home-region pinning: the pure part. Configuration, identity normalization, the MAC message, the
 * record key, event validation and the lookup / register / move flows over injected dependencies
 * (`MacGenerator`, `HomeRegionStore`). Nothing here talks to AWS.
 *
 * Residency follows the account: each user has one home region, found by a keyed hash of their
 * sign-in identity. The table that holds it is replicated to every region, so it holds no personal
 * data: the record key is `hr_<base64url of HMAC-SHA-256(key, macMessage(identity))>`, computed
 * by KMS under a multi-region HMAC key, and a record holds only that key, the home region, a
 * version and the time of the last write.
 */
import { z } from "zod";
import { requiredVariables, type RequiredVariable } from "../../../contracts/functions";
import {
  COUNTRY_CODE_PATTERN,
  homeRegionOfCountry,
  OTHER_COUNTRIES,
  type CountryHomeRegions,
} from "../../../contracts/home-region";
import { REGION_CODE_PATTERN } from "../../../contracts/ids";
import { configurationMessage } from "../../shared/configuration";

// ---------------------------------------------------------------------------------------------
// Limits and constants
// ---------------------------------------------------------------------------------------------

/** Most characters of a normalized identity (an email address, RFC 5321 path limit). */
export const MAX_IDENTITY_LENGTH = 254;
/** Most characters of the part of an email address before the `@`. */
export const MAX_LOCAL_PART_LENGTH = 64;
/** The purpose prefix of every MAC message. A new version of the scheme gets a new prefix. */
export const MAC_PURPOSE = "home-region:v1";
/** Most bytes of a MAC message: the prefix, a NUL and the longest (ASCII) identity. */
export const MAX_MAC_MESSAGE_BYTES = MAC_PURPOSE.length + 1 + MAX_IDENTITY_LENGTH;
/** Bytes of an HMAC-SHA-256 MAC. */
export const MAC_BYTES = 32;
/** Characters of the unpadded base64url encoding of a MAC. */
export const MAC_BASE64URL_LENGTH = 43;
/** Every record key starts with this. */
export const RECORD_KEY_PREFIX = "hr_";
/** Every audit key starts with this, then the record key, `#` and the ISO time of the move. */
export const AUDIT_KEY_PREFIX = "audit#";
/** Characters of a record key that may appear in logs and errors. */
export const LOGGED_KEY_LENGTH = 8;
/** Most characters (code points) of a move's `reason`. */
export const MAX_REASON_LENGTH = 500;
/** An operator id: what `requestedBy` must match. Not an email address. */
export const OPERATOR_ID_PATTERN = /^[a-z0-9._-]{1,64}$/;
/** An AWS region code such as `me-south-1` or `us-gov-west-1` (the shared pattern). */
export { REGION_CODE_PATTERN };
/** The version of a record when it is first written. */
export const INITIAL_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// Errors. Every error a caller can see is one of these: a fixed name and a message built from
// fixed reasons, region codes and at most a record key prefix; never an identity.
// ---------------------------------------------------------------------------------------------

/** Base of the errors this function returns to callers. */
export abstract class HomeRegionError extends Error {
  abstract override readonly name: string;
}

/** The event is invalid; nothing was called and nothing was written. */
export class InvalidRequestError extends HomeRegionError {
  override readonly name = "InvalidRequestError";
  constructor(readonly issues: readonly string[]) {
    super(`invalid request: ${issues.join("; ")}`);
  }
}

/**
 * The identity is not a string holding a usable email address. The message is one of a fixed set
 * of reasons and never contains the identity.
 */
export class InvalidIdentityError extends HomeRegionError {
  override readonly name = "InvalidIdentityError";
  constructor(readonly reason: string) {
    super(`invalid identity: ${reason}`);
  }
}

/** Required environment variables are missing or invalid (raised when the module loads). */
export class ConfigurationError extends HomeRegionError {
  override readonly name = "ConfigurationError";
  constructor(
    readonly missing: readonly string[],
    readonly problems: readonly string[] = [],
  ) {
    super(configurationMessage(missing, problems));
  }
}

/**
 * The identity is already registered with another home region. A user never changes jurisdiction
 * by registering again; that takes an explicit `move`.
 */
export class HomeRegionConflictError extends HomeRegionError {
  override readonly name = "HomeRegionConflictError";
  constructor(
    readonly existingRegion: string,
    readonly requestedRegion: string,
  ) {
    super(
      `identity is already registered with home region ${existingRegion}, not ${requestedRegion}`,
    );
  }
}

/**
 * Sign-up pinning: the country a sign-up declares keeps its accounts in another home region than
 * this stack's. Nothing was hashed or written; the client signs up again at `apiHostname`, the
 * explicit hostname of `homeRegion`. The message carries both (Lambda hands callers the error's
 * name and message only).
 */
export class HomeRegionElsewhereError extends HomeRegionError {
  override readonly name = "HomeRegionElsewhereError";
  constructor(
    readonly country: string,
    readonly homeRegion: string,
    readonly apiHostname: string,
    readonly stackRegion: string,
  ) {
    super(
      `accounts of country ${country} are kept in home region ${homeRegion}, not ${stackRegion}: sign up at ${apiHostname}; nothing was stored`,
    );
  }
}

/** A move was asked for an identity that has no home region. */
export class HomeRegionNotFoundError extends HomeRegionError {
  override readonly name = "HomeRegionNotFoundError";
  constructor() {
    super("identity has no home region");
  }
}

/**
 * A move's `fromRegion` is not the current home region (it was read stale, or the record changed
 * between the read and the write). Nothing was written. `currentRegion` is null when unknown.
 */
export class StaleHomeRegionError extends HomeRegionError {
  override readonly name = "StaleHomeRegionError";
  constructor(
    readonly fromRegion: string,
    readonly currentRegion: string | null,
  ) {
    super(
      currentRegion === null
        ? `home region is no longer ${fromRegion}`
        : `home region is ${currentRegion}, not ${fromRegion}`,
    );
  }
}

/** Another write to the same record was in flight; nothing was written. Safe to retry. */
export class ConcurrentChangeError extends HomeRegionError {
  override readonly name = "ConcurrentChangeError";
  constructor() {
    super("another change to this home region record was in progress; nothing was written");
  }
}

/** A KMS call failed (throttling, access, availability). Safe to retry. */
export class KeyServiceError extends HomeRegionError {
  override readonly name = "KeyServiceError";
  constructor(readonly operation: string) {
    super(`key service call ${operation} failed`);
  }
}

/** A table read or write failed for a reason other than a condition. Safe to retry. */
export class StoreError extends HomeRegionError {
  override readonly name = "StoreError";
  constructor(readonly operation: string) {
    super(`home region store ${operation} failed`);
  }
}

/** A stored record is malformed or names a region that is not configured. */
export class StoreIntegrityError extends HomeRegionError {
  override readonly name = "StoreIntegrityError";
  constructor(
    readonly keyPrefix: string,
    reason: string,
  ) {
    super(`home region record ${keyPrefix}… is not valid: ${reason}`);
  }
}

/** Anything unexpected; the details are in the function's logs, not in the message. */
export class InternalError extends HomeRegionError {
  override readonly name = "InternalError";
  constructor() {
    super("internal error");
  }
}

/** The error to hand a caller: ours as they are, anything else as an `InternalError`. */
export function toCallerError(error: unknown): HomeRegionError {
  return error instanceof HomeRegionError ? error : new InternalError();
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

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
}

/** The environment variables the handler reads (its contract's; all required). */
export const ENVIRONMENT_VARIABLES = requiredVariables("home-region");

const HOSTNAME_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Whether `value` is a lower-case DNS hostname of two or more labels. */
export function isHostname(value: string): boolean {
  if (value.length > 253) return false;
  const labels = value.split(".");
  return labels.length >= 2 && labels.every((label) => HOSTNAME_LABEL.test(label));
}

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
 * Reads the handler's configuration. Empty or blank values count as missing. Throws one
 * `ConfigurationError` that lists every missing variable and every problem found.
 */
export function loadConfiguration(
  env: Readonly<Record<string, string | undefined>>,
): HandlerConfig {
  const read = (name: RequiredVariable<"home-region">): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const missing = ENVIRONMENT_VARIABLES.filter((name) => read(name) === undefined);
  const hmacKeyId = read("HMAC_KEY_ID");
  const tableName = read("TABLE_NAME");
  const homeRegions = read("HOME_REGIONS");
  const regionHostnames = read("REGION_HOSTNAMES");
  const countryHomeRegions = read("COUNTRY_HOME_REGIONS");
  const stackRegion = read("STACK_REGION");
  const problems: string[] = [];
  let directory: RegionDirectory | undefined;
  if (
    homeRegions !== undefined &&
    regionHostnames !== undefined &&
    countryHomeRegions !== undefined &&
    stackRegion !== undefined
  ) {
    const result = parseRegionDirectory(
      homeRegions,
      regionHostnames,
      countryHomeRegions,
      stackRegion,
    );
    if ("problems" in result) {
      problems.push(...result.problems);
    } else {
      directory = result.directory;
    }
  }
  if (
    missing.length > 0 ||
    problems.length > 0 ||
    hmacKeyId === undefined ||
    tableName === undefined ||
    directory === undefined
  ) {
    throw new ConfigurationError(missing, problems);
  }
  return { hmacKeyId, tableName, directory };
}

// ---------------------------------------------------------------------------------------------
// Identity, MAC message and keys
// ---------------------------------------------------------------------------------------------

/** An identity that passed `normalizeIdentity`: a trimmed, lower-cased ASCII email address. */
export type NormalizedIdentity = string & { readonly __normalizedIdentity: true };

const CONTROL = /\p{Cc}/u;
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;
/** RFC 5322 dot-atom local part (no quoted strings), lower-case. */
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
/** A top-level domain: letters, or an A-label (`xn--…`). */
const TOP_LEVEL_DOMAIN = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * The canonical form of a sign-in identity, so that one account always gives one record key:
 * surrounding whitespace removed, then lower-cased. The result must be an email address of at
 * most 254 printable ASCII characters: a dot-atom local part of at most 64 characters, `@`, and a
 * domain of two or more DNS labels ending in a letter-only or `xn--` top-level domain.
 * Internationalized addresses must be given in ASCII form (an `xn--` domain); a non-ASCII
 * character is refused rather than folded, so two different strings never share a key by
 * accident of Unicode case mapping. Anything else throws `InvalidIdentityError`, whose message
 * never contains the input.
 */
export function normalizeIdentity(identity: unknown): NormalizedIdentity {
  if (identity === undefined || identity === null) {
    throw new InvalidIdentityError("identity is required");
  }
  if (typeof identity !== "string") {
    throw new InvalidIdentityError("identity must be a string");
  }
  const trimmed = identity.trim();
  if (trimmed === "") {
    throw new InvalidIdentityError("identity must not be blank");
  }
  if (trimmed.length > MAX_IDENTITY_LENGTH) {
    throw new InvalidIdentityError(`identity must be at most ${MAX_IDENTITY_LENGTH} characters`);
  }
  if (CONTROL.test(trimmed)) {
    throw new InvalidIdentityError("identity must not contain control characters");
  }
  if (NOT_PRINTABLE_ASCII.test(trimmed)) {
    throw new InvalidIdentityError(
      "identity must be printable ASCII (give internationalized domains in xn-- form)",
    );
  }
  const normalized = trimmed.toLowerCase();
  const at = normalized.lastIndexOf("@");
  const local = normalized.slice(0, Math.max(at, 0));
  const domain = normalized.slice(at + 1);
  const labels = domain.split(".");
  const topLevel = labels[labels.length - 1] ?? "";
  const valid =
    at > 0 &&
    local.length <= MAX_LOCAL_PART_LENGTH &&
    LOCAL_PART.test(local) &&
    isHostname(domain) &&
    TOP_LEVEL_DOMAIN.test(topLevel);
  if (!valid) {
    throw new InvalidIdentityError("identity must be an email address");
  }
  return normalized as NormalizedIdentity;
}

const utf8 = new TextEncoder();

/**
 * The message the HMAC key signs for an identity: `home-region:v1`, one NUL byte, then the
 * normalized identity in UTF-8 (ASCII, so at most 254 bytes). The prefix holds no NUL and the
 * identity no control character, so the encoding is unambiguous, and the whole message is at most
 * `MAX_MAC_MESSAGE_BYTES` (269) bytes, far inside the 4096 bytes KMS `GenerateMac` accepts, so
 * the identity is not hashed first. The purpose prefix keeps these MACs apart from any other use
 * of the key.
 */
export function macMessage(identity: NormalizedIdentity): Uint8Array {
  const prefix = utf8.encode(MAC_PURPOSE);
  const body = utf8.encode(identity);
  const message = new Uint8Array(prefix.length + 1 + body.length);
  message.set(prefix, 0);
  message[prefix.length] = 0;
  message.set(body, prefix.length + 1);
  return message;
}

/** `hr_<base64url MAC>` for a 32-byte MAC. */
export function recordKey(mac: Uint8Array): string {
  if (mac.length !== MAC_BYTES) {
    throw new KeyServiceError("GenerateMac");
  }
  return `${RECORD_KEY_PREFIX}${Buffer.from(mac).toString("base64url")}`;
}

const RECORD_KEY = new RegExp(`^${RECORD_KEY_PREFIX}[A-Za-z0-9_-]{${MAC_BASE64URL_LENGTH}}$`);

/** Whether `value` has the form of a record key. */
export function isRecordKey(value: string): boolean {
  return RECORD_KEY.test(value);
}

/** The key of the audit item of a move: `audit#<record key>#<ISO time>`. */
export function auditKey(key: string, at: string): string {
  return `${AUDIT_KEY_PREFIX}${key}#${at}`;
}

/** The part of a record key that may be logged: its first 8 characters. */
export function keyPrefix(key: string): string {
  return key.slice(0, LOGGED_KEY_LENGTH);
}

// ---------------------------------------------------------------------------------------------
// Requests and responses
// ---------------------------------------------------------------------------------------------

/** The actions the handler takes. */
export const ACTIONS = ["lookup", "register", "move"] as const;
/** One of `ACTIONS`. */
export type Action = (typeof ACTIONS)[number];

/** A validated lookup. */
export interface LookupRequest {
  readonly action: "lookup";
  readonly identity: NormalizedIdentity;
}

/**
 * A validated registration: the country the sign-up declares (ISO 3166-1 alpha-2) decides the
 * home region; the caller does not choose it.
 */
export interface RegisterRequest {
  readonly action: "register";
  readonly identity: NormalizedIdentity;
  readonly country: string;
}

/** A validated move. */
export interface MoveRequest {
  readonly action: "move";
  readonly identity: NormalizedIdentity;
  readonly fromRegion: string;
  readonly toRegion: string;
  readonly reason: string;
  readonly requestedBy: string;
}

/** A validated request. */
export type HomeRegionRequest = LookupRequest | RegisterRequest | MoveRequest;

/** The response to a lookup; an unknown identity is `{ found: false }`, not an error. */
export type LookupResponse =
  | { readonly found: true; readonly homeRegion: string; readonly apiHostname: string }
  | { readonly found: false };

/** The response to a registration; `created` is false when it was already registered. */
export interface RegisterResponse {
  readonly homeRegion: string;
  readonly apiHostname: string;
  readonly created: boolean;
}

/** The response to a move. */
export interface MoveResponse {
  readonly homeRegion: string;
  readonly apiHostname: string;
  readonly previousRegion: string;
  /** ISO 8601 time of the move, as in the audit item. */
  readonly movedAt: string;
}

/** A response of any action. */
export type HomeRegionResponse = LookupResponse | RegisterResponse | MoveResponse;

const LONE_SURROGATE = /\p{Surrogate}/u;
/** Something that looks like an email address anywhere in a text. */
const EMAIL_LIKE = /[^\s@]+@[^\s@]+\.[^\s@]+/u;

const requiredString =
  (name: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? `${name} is required` : `${name} must be a string`;

function regionSchema(directory: RegionDirectory, name: string) {
  return z
    .string({ error: requiredString(name) })
    .refine((region) => isHomeRegion(directory, region), {
      error: `${name} must be one of: ${directory.regions.join(", ")}`,
    });
}

const reasonSchema = z
  .string({ error: requiredString("reason") })
  .refine((reason) => reason.trim().length > 0, { error: "reason must not be blank", abort: true })
  .refine((reason) => Array.from(reason).length <= MAX_REASON_LENGTH, {
    error: `reason must be at most ${MAX_REASON_LENGTH} characters`,
    abort: true,
  })
  .refine((reason) => !LONE_SURROGATE.test(reason), {
    error: "reason must be well-formed Unicode",
  })
  .refine((reason) => !CONTROL.test(reason), {
    error: "reason must not contain control characters",
  })
  .refine((reason) => !EMAIL_LIKE.test(reason), {
    error: "reason must not contain an email address (use a ticket reference)",
  });

const requestedBySchema = z
  .string({ error: requiredString("requestedBy") })
  .regex(OPERATOR_ID_PATTERN, {
    error: `requestedBy must be an operator id matching ${OPERATOR_ID_PATTERN.source}`,
  });

/**
 * Shape of an event, for the configured home regions. The identity is not part of the schema: it
 * is checked by `normalizeIdentity`, whose messages never echo it.
 */
export function eventSchema(directory: RegionDirectory) {
  return z.discriminatedUnion(
    "action",
    [
      z.object({ action: z.literal("lookup") }),
      z.object({
        action: z.literal("register"),
        country: z.string({ error: requiredString("country") }).regex(COUNTRY_CODE_PATTERN, {
          error: "country must be an ISO 3166-1 alpha-2 code in capitals, such as SA",
        }),
      }),
      z.object({
        action: z.literal("move"),
        fromRegion: regionSchema(directory, "fromRegion"),
        toRegion: regionSchema(directory, "toRegion"),
        reason: reasonSchema,
        requestedBy: requestedBySchema,
      }),
    ],
    {
      error: (issue) =>
        typeof issue.input === "object" && issue.input !== null && !Array.isArray(issue.input)
          ? `action must be one of: ${ACTIONS.join(", ")}`
          : "event must be an object",
    },
  );
}

function identityOf(event: unknown): unknown {
  return typeof event === "object" && event !== null
    ? (event as { identity?: unknown }).identity
    : undefined;
}

/**
 * Validates an event against the configured home regions: its shape first (every problem in one
 * `InvalidRequestError`), then its identity (`InvalidIdentityError`). Returns the request with
 * the identity normalized.
 */
export function parseEvent(event: unknown, directory: RegionDirectory): HomeRegionRequest {
  const shape = eventSchema(directory).safeParse(event);
  if (!shape.success) {
    throw new InvalidRequestError(shape.error.issues.map((issue) => issue.message));
  }
  const data = shape.data;
  if (data.action === "move" && data.fromRegion === data.toRegion) {
    throw new InvalidRequestError(["toRegion must differ from fromRegion"]);
  }
  const identity = normalizeIdentity(identityOf(event));
  switch (data.action) {
    case "lookup":
      return { action: "lookup", identity };
    case "register":
      return { action: "register", identity, country: data.country };
    case "move":
      return {
        action: "move",
        identity,
        fromRegion: data.fromRegion,
        toRegion: data.toRegion,
        reason: data.reason,
        requestedBy: data.requestedBy,
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Dependencies
// ---------------------------------------------------------------------------------------------

/** HMAC-SHA-256 under the multi-region home-region key. Returns the 32-byte MAC. */
export interface MacGenerator {
  generateMac(message: Uint8Array): Promise<Uint8Array>;
}

/** A home-region record as stored: no identity, only its record key. */
export interface HomeRegionRecord {
  readonly key: string;
  /** The stored region code, not yet checked against the configuration. */
  readonly homeRegion: string;
  /** 1 when registered, then one more on each move. */
  readonly version: number;
  /** ISO 8601 time of the last write. */
  readonly updatedAt: string;
}

/** The audit item of a move: no identity, only the record key in its own key. */
export interface AuditRecord {
  /** `audit#<record key>#<at>`. */
  readonly key: string;
  readonly fromRegion: string;
  readonly toRegion: string;
  readonly reason: string;
  readonly requestedBy: string;
  /** ISO 8601 time of the move. */
  readonly at: string;
}

/** A move as the store writes it. */
export interface MoveWrite {
  readonly key: string;
  readonly fromRegion: string;
  readonly toRegion: string;
  /** The version read; the write succeeds only if it is still the stored version. */
  readonly expectedVersion: number;
  readonly nextVersion: number;
  readonly updatedAt: string;
  readonly audit: AuditRecord;
}

/** What `HomeRegionStore.create` did. */
export type CreateOutcome =
  { readonly created: true } | { readonly created: false; readonly existing: HomeRegionRecord };

/** The table of home regions. */
export interface HomeRegionStore {
  /** The record of `key` (a strongly consistent read in this region), or undefined. */
  get(key: string): Promise<HomeRegionRecord | undefined>;
  /**
   * Writes `record` in one conditional operation unless its key is already stored; an existing
   * record is left as it is and returned.
   */
  create(record: HomeRegionRecord): Promise<CreateOutcome>;
  /**
   * Updates the record and writes the audit item in one atomic operation, only if the stored
   * record still has `fromRegion` and `expectedVersion`. Otherwise writes nothing and throws
   * `StaleHomeRegionError` (or `ConcurrentChangeError` when another write was in flight).
   */
  move(write: MoveWrite): Promise<void>;
}

/** What the flows need. */
export interface HomeRegionDeps {
  readonly mac: MacGenerator;
  readonly store: HomeRegionStore;
  readonly directory: RegionDirectory;
  readonly now?: () => Date;
}

// ---------------------------------------------------------------------------------------------
// Flows
// ---------------------------------------------------------------------------------------------

/** What happened, for the logs. */
export type Outcome = "found" | "not_found" | "created" | "existing" | "moved";

/** A flow's response, with what the handler logs about it. */
export interface OperationResult<R extends HomeRegionResponse = HomeRegionResponse> {
  readonly response: R;
  readonly outcome: Outcome;
  /** The record key; log at most `keyPrefix` of it. */
  readonly key: string;
}

/** The record key of a normalized identity. */
export async function recordKeyFor(
  identity: NormalizedIdentity,
  mac: MacGenerator,
): Promise<string> {
  return recordKey(await mac.generateMac(macMessage(identity)));
}

/** The stored region, checked against the configuration and the record's shape. */
function storedRegion(record: HomeRegionRecord, directory: RegionDirectory): string {
  if (!isHomeRegion(directory, record.homeRegion)) {
    throw new StoreIntegrityError(keyPrefix(record.key), "its home region is not configured");
  }
  if (!Number.isSafeInteger(record.version) || record.version < INITIAL_VERSION) {
    throw new StoreIntegrityError(keyPrefix(record.key), "its version is not a positive integer");
  }
  return record.homeRegion;
}

/** The home region of an identity, if it has one. */
export async function lookupHomeRegion(
  request: LookupRequest,
  deps: HomeRegionDeps,
): Promise<OperationResult<LookupResponse>> {
  const key = await recordKeyFor(request.identity, deps.mac);
  const record = await deps.store.get(key);
  if (record === undefined) {
    return { response: { found: false }, outcome: "not_found", key };
  }
  const homeRegion = storedRegion(record, deps.directory);
  return {
    response: { found: true, homeRegion, apiHostname: apiHostname(deps.directory, homeRegion) },
    outcome: "found",
    key,
  };
}

/**
 * The home region that keeps the accounts of `country`, as configured. `InternalError` if the
 * configuration has none (it always has the default).
 */
export function homeRegionFor(directory: RegionDirectory, country: string): string {
  const region = homeRegionOfCountry(directory.countries, country);
  if (region === undefined) throw new InternalError();
  return region;
}

/**
 * Registers an identity's home region at sign-up. The home region is the one that keeps the
 * accounts of the declared country; when that is not this stack's region nothing is hashed or
 * written, and `HomeRegionElsewhereError` names the region and hostname to sign up at.
 * Registering again with the same region is success (`created: false`); an identity already
 * registered with another region is a `HomeRegionConflictError`.
 */
export async function registerHomeRegion(
  request: RegisterRequest,
  deps: HomeRegionDeps,
): Promise<OperationResult<RegisterResponse>> {
  const { directory } = deps;
  const homeRegion = homeRegionFor(directory, request.country);
  if (homeRegion !== directory.stackRegion) {
    throw new HomeRegionElsewhereError(
      request.country,
      homeRegion,
      apiHostname(directory, homeRegion),
      directory.stackRegion,
    );
  }
  const key = await recordKeyFor(request.identity, deps.mac);
  const updatedAt = (deps.now ?? (() => new Date()))().toISOString();
  const outcome = await deps.store.create({
    key,
    homeRegion,
    version: INITIAL_VERSION,
    updatedAt,
  });
  if (!outcome.created) {
    const existingRegion = storedRegion(outcome.existing, directory);
    if (existingRegion !== homeRegion) {
      throw new HomeRegionConflictError(existingRegion, homeRegion);
    }
  }
  return {
    response: {
      homeRegion: homeRegion,
      apiHostname: apiHostname(directory, homeRegion),
      created: outcome.created,
    },
    outcome: outcome.created ? "created" : "existing",
    key,
  };
}

/**
 * Moves an identity to another home region: reads the record, checks `fromRegion`, then updates
 * it (conditional on the region and version read) and writes the audit item, atomically.
 */
export async function moveHomeRegion(
  request: MoveRequest,
  deps: HomeRegionDeps,
): Promise<OperationResult<MoveResponse>> {
  const key = await recordKeyFor(request.identity, deps.mac);
  const record = await deps.store.get(key);
  if (record === undefined) {
    throw new HomeRegionNotFoundError();
  }
  const currentRegion = storedRegion(record, deps.directory);
  if (currentRegion !== request.fromRegion) {
    throw new StaleHomeRegionError(request.fromRegion, currentRegion);
  }
  const at = (deps.now ?? (() => new Date()))().toISOString();
  await deps.store.move({
    key,
    fromRegion: request.fromRegion,
    toRegion: request.toRegion,
    expectedVersion: record.version,
    nextVersion: record.version + 1,
    updatedAt: at,
    audit: {
      key: auditKey(key, at),
      fromRegion: request.fromRegion,
      toRegion: request.toRegion,
      reason: request.reason,
      requestedBy: request.requestedBy,
      at,
    },
  });
  return {
    response: {
      homeRegion: request.toRegion,
      apiHostname: apiHostname(deps.directory, request.toRegion),
      previousRegion: request.fromRegion,
      movedAt: at,
    },
    outcome: "moved",
    key,
  };
}

/** Runs a validated request. */
export function performRequest(
  request: HomeRegionRequest,
  deps: HomeRegionDeps,
): Promise<OperationResult> {
  switch (request.action) {
    case "lookup":
      return lookupHomeRegion(request, deps);
    case "register":
      return registerHomeRegion(request, deps);
    case "move":
      return moveHomeRegion(request, deps);
  }
}
