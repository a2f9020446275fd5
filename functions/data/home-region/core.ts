/**
 * Home-region pinning: the lookup / register / move flows over injected dependencies
 * (`MacGenerator`, `HomeRegionStore`), and the records they read and write. Nothing here talks to
 * AWS; the configuration is in `./config`, identities and keys in `./identity`, events in
 * `./requests`.
 *
 * Residency follows the account: each user has one home region, found by a keyed hash of their
 * sign-in identity. The table that holds it is replicated to every region, so it holds no personal
 * data: the record key is `hr_<base64url of HMAC-SHA-256(key, macMessage(identity))>`, computed
 * by KMS under a multi-region HMAC key, and a record holds only that key, the home region, the
 * shard of the region's user store (when the region has more than one), a version and the time of
 * the last write.
 *
 * Shards: when this region's store has more than one (`HomeRegionDeps.shards`), register assigns a
 * new account its shard by `assignShard` (contracts/user-store-shards.ts) and records it; a
 * registration retried or repeated returns the recorded shard, so existing accounts never move.
 * A record without a shard is on its region's first shard. A move to another region clears the
 * shard: the account lands on the new region's first shard.
 */
import { homeRegionOfCountry } from "../../../contracts/home-region";
import {
  assignShard,
  SHARD_ID_PATTERN,
  type StoreShard,
} from "../../../contracts/user-store-shards";
import { apiHostname, isHomeRegion, type RegionDirectory } from "./config";
import {
  HomeRegionConflictError,
  HomeRegionElsewhereError,
  HomeRegionNotFoundError,
  StaleHomeRegionError,
  StoreIntegrityError,
} from "./errors";
import { InternalError } from "../../shared/errors";
import { auditKey, keyPrefix, macMessage, recordKey, type NormalizedIdentity } from "./identity";
import type {
  HomeRegionRequest,
  HomeRegionResponse,
  LookupRequest,
  LookupResponse,
  MoveRequest,
  MoveResponse,
  RegisterRequest,
  RegisterResponse,
} from "./requests";

/** The loader of the handler's environment (moved to `./config`), for importers of this module. */

/** The version of a record when it is first written. */
export const INITIAL_VERSION = 1;

/** HMAC-SHA-256 under the multi-region home-region key. Returns the 32-byte MAC. */
export interface MacGenerator {
  generateMac(message: Uint8Array): Promise<Uint8Array>;
}

/** A home-region record as stored: no identity, only its record key. */
export interface HomeRegionRecord {
  readonly key: string;
  /** The stored region code, not yet checked against the configuration. */
  readonly homeRegion: string;
  /**
   * The shard of the home region's user store the account is on; absent when the region had one
   * shard at registration (the account is on its first shard).
   */
  readonly shard?: string;
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
  /**
   * This region's user-store shards, when it has more than one: register assigns and records one.
   * @default undefined (one shard; no shard is recorded)
   */
  readonly shards?: readonly StoreShard[];
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
  if (record.shard !== undefined && !SHARD_ID_PATTERN.test(record.shard)) {
    throw new StoreIntegrityError(keyPrefix(record.key), "its shard is not a shard id");
  }
  return record.homeRegion;
}

/** `{ shard }` when the record names one, else nothing (the region's first shard). */
function recordedShard(record: Pick<HomeRegionRecord, "shard">): { shard?: string } {
  return record.shard === undefined ? {} : { shard: record.shard };
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
    response: {
      found: true,
      homeRegion,
      apiHostname: apiHostname(deps.directory, homeRegion),
      ...recordedShard(record),
    },
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
 * Registering again with the same region is success (`created: false`) and answers the recorded
 * shard, whatever the shards' weights are now; an identity already registered with another region
 * is a `HomeRegionConflictError`. A new account of a region with shards gets `assignShard`'s.
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
  const assigned = deps.shards === undefined ? {} : { shard: assignShard(key, deps.shards) };
  const outcome = await deps.store.create({
    key,
    homeRegion,
    ...assigned,
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
      // An existing account stays where the directory has it.
      ...(outcome.created ? assigned : recordedShard(outcome.existing)),
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
