import { describe, expect, it } from "vitest";
import {
  lookupHomeRegion,
  moveHomeRegion,
  performRequest,
  registerHomeRegion,
  type CreateOutcome,
  type HomeRegionDeps,
  type HomeRegionRecord,
  type HomeRegionStore,
  type MoveWrite,
} from "./core";
import {
  HomeRegionConflictError,
  HomeRegionElsewhereError,
  HomeRegionNotFoundError,
  StaleHomeRegionError,
  StoreIntegrityError,
} from "./errors";
import { InternalError, toCallerError } from "../../shared/errors";
import { keyPrefix, normalizeIdentity } from "./identity";
import { EMIRATI_IDENTITY, MOVE_SAUDI_TO_US, SAUDI_IDENTITY, US_IDENTITY } from "./fixtures/events";
import { DIRECTORY, fakeMac, recordKeyOf } from "./test-support";

const NOW = new Date("2025-03-01T12:00:00.000Z");

// ---------------------------------------------------------------------------------------------
// Flows, over an in-memory store
// ---------------------------------------------------------------------------------------------

class MemoryStore implements HomeRegionStore {
  readonly records = new Map<string, HomeRegionRecord>();
  readonly moves: MoveWrite[] = [];
  failMove: Error | undefined;

  get(key: string): Promise<HomeRegionRecord | undefined> {
    return Promise.resolve(this.records.get(key));
  }

  create(record: HomeRegionRecord): Promise<CreateOutcome> {
    const existing = this.records.get(record.key);
    if (existing !== undefined) return Promise.resolve({ created: false, existing });
    this.records.set(record.key, record);
    return Promise.resolve({ created: true });
  }

  move(write: MoveWrite): Promise<void> {
    if (this.failMove !== undefined) return Promise.reject(this.failMove);
    this.moves.push(write);
    this.records.set(write.key, {
      key: write.key,
      homeRegion: write.toRegion,
      version: write.nextVersion,
      updatedAt: write.updatedAt,
    });
    return Promise.resolve();
  }
}

function flowDeps(store = new MemoryStore()): HomeRegionDeps & { store: MemoryStore } {
  return {
    mac: { generateMac: (message) => Promise.resolve(fakeMac(message)) },
    store,
    directory: DIRECTORY,
    now: () => NOW,
  };
}

const SAUDI = normalizeIdentity(SAUDI_IDENTITY);
const SAUDI_KEY = recordKeyOf(SAUDI_IDENTITY);

describe("flows", () => {
  it("lookup: an unknown identity is not found", async () => {
    await expect(
      lookupHomeRegion({ action: "lookup", identity: SAUDI }, flowDeps()),
    ).resolves.toEqual({ response: { found: false }, outcome: "not_found", key: SAUDI_KEY });
  });

  it("register then lookup gives the home region and its API hostname", async () => {
    const deps = flowDeps();
    const registered = await registerHomeRegion(
      { action: "register", identity: SAUDI, country: "SA" },
      deps,
    );
    expect(registered).toEqual({
      response: { homeRegion: "me-south-1", apiHostname: "api.sa.example.com", created: true },
      outcome: "created",
      key: SAUDI_KEY,
    });
    expect(deps.store.records.get(SAUDI_KEY)).toEqual({
      key: SAUDI_KEY,
      homeRegion: "me-south-1",
      version: 1,
      updatedAt: NOW.toISOString(),
    });
    const found = await performRequest({ action: "lookup", identity: SAUDI }, deps);
    expect(found.response).toEqual({
      found: true,
      homeRegion: "me-south-1",
      apiHostname: "api.sa.example.com",
    });
  });

  it("register: the same region again is success", async () => {
    const deps = flowDeps();
    const request = { action: "register", identity: SAUDI, country: "SA" } as const;
    await registerHomeRegion(request, deps);
    await expect(registerHomeRegion(request, deps)).resolves.toMatchObject({
      response: { created: false, homeRegion: "me-south-1" },
      outcome: "existing",
    });
    // Another GCC country is kept in the same region: still the same registration.
    await expect(registerHomeRegion({ ...request, country: "BH" }, deps)).resolves.toMatchObject({
      response: { created: false, homeRegion: "me-south-1" },
    });
  });

  it("register: an identity already kept in another region is a conflict", async () => {
    const deps = flowDeps();
    deps.store.records.set(SAUDI_KEY, {
      key: SAUDI_KEY,
      homeRegion: "us-east-1",
      version: 2,
      updatedAt: "2024-01-01T00:00:00.000Z",
    });
    const error = await registerHomeRegion(
      { action: "register", identity: SAUDI, country: "SA" },
      deps,
    ).catch((caught: unknown) => caught);
    expect(error).toEqual(new HomeRegionConflictError("us-east-1", "me-south-1"));
    expect(deps.store.records.get(SAUDI_KEY)?.homeRegion).toBe("us-east-1");
  });

  it("register: keeps the accounts of every GCC country in the Saudi stack", async () => {
    const deps = flowDeps();
    for (const country of ["SA", "AE", "BH", "KW", "OM", "QA"]) {
      const identity = normalizeIdentity(`user.${country.toLowerCase()}@example.com`);
      await expect(
        registerHomeRegion({ action: "register", identity, country }, deps),
      ).resolves.toMatchObject({
        response: { homeRegion: "me-south-1", apiHostname: "api.sa.example.com", created: true },
      });
    }
    expect(deps.store.records.size).toBe(6);
  });

  it("register: refuses a sign-up kept in another region, naming its region and hostname, hashing and storing nothing", async () => {
    const generated: Uint8Array[] = [];
    const deps = {
      ...flowDeps(),
      mac: {
        generateMac: (message: Uint8Array) => {
          generated.push(message);
          return Promise.resolve(fakeMac(message));
        },
      },
    };
    const error = await registerHomeRegion(
      { action: "register", identity: normalizeIdentity(US_IDENTITY), country: "US" },
      deps,
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HomeRegionElsewhereError);
    expect(error).toMatchObject({
      name: "HomeRegionElsewhereError",
      country: "US",
      homeRegion: "us-east-1",
      apiHostname: "api.us.example.com",
      stackRegion: "me-south-1",
      message:
        "accounts of country US are kept in home region us-east-1, not me-south-1: sign up at api.us.example.com; nothing was stored",
    });
    expect(generated).toEqual([]);
    expect(deps.store.records.size).toBe(0);
  });

  it("register: the US stack refuses a GCC sign-up with the Saudi hostname, and keeps any other country", async () => {
    const deps = { ...flowDeps(), directory: { ...DIRECTORY, stackRegion: "us-east-1" } };
    const emirati = normalizeIdentity(EMIRATI_IDENTITY);
    await expect(
      registerHomeRegion({ action: "register", identity: emirati, country: "AE" }, deps),
    ).rejects.toThrow(
      new HomeRegionElsewhereError("AE", "me-south-1", "api.sa.example.com", "us-east-1"),
    );
    expect(deps.store.records.size).toBe(0);
    // France is listed by no region: the default's, the US stack, keeps it.
    await expect(
      registerHomeRegion({ action: "register", identity: emirati, country: "FR" }, deps),
    ).resolves.toEqual({
      response: { homeRegion: "us-east-1", apiHostname: "api.us.example.com", created: true },
      outcome: "created",
      key: recordKeyOf(EMIRATI_IDENTITY),
    });
  });

  it("refuses a stored region that is not configured", async () => {
    const deps = flowDeps();
    deps.store.records.set(SAUDI_KEY, {
      key: SAUDI_KEY,
      homeRegion: "eu-west-1",
      version: 1,
      updatedAt: NOW.toISOString(),
    });
    const error = await lookupHomeRegion({ action: "lookup", identity: SAUDI }, deps).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StoreIntegrityError);
    expect((error as Error).message).toContain(keyPrefix(SAUDI_KEY));
    expect((error as Error).message).not.toContain(SAUDI_KEY);
  });

  const MOVE = { ...MOVE_SAUDI_TO_US, identity: SAUDI } as const;

  it("move: writes the update and its audit item together", async () => {
    const deps = flowDeps();
    deps.store.records.set(SAUDI_KEY, {
      key: SAUDI_KEY,
      homeRegion: "me-south-1",
      version: 3,
      updatedAt: "2024-01-01T00:00:00.000Z",
    });
    await expect(moveHomeRegion(MOVE, deps)).resolves.toEqual({
      response: {
        homeRegion: "us-east-1",
        apiHostname: "api.us.example.com",
        previousRegion: "me-south-1",
        movedAt: NOW.toISOString(),
      },
      outcome: "moved",
      key: SAUDI_KEY,
    });
    expect(deps.store.moves).toEqual([
      {
        key: SAUDI_KEY,
        fromRegion: "me-south-1",
        toRegion: "us-east-1",
        expectedVersion: 3,
        nextVersion: 4,
        updatedAt: NOW.toISOString(),
        audit: {
          key: `audit#${SAUDI_KEY}#${NOW.toISOString()}`,
          fromRegion: "me-south-1",
          toRegion: "us-east-1",
          reason: MOVE.reason,
          requestedBy: "ops.oncall-7",
          at: NOW.toISOString(),
        },
      },
    ]);
  });

  it("move: an identity without a home region", async () => {
    await expect(moveHomeRegion(MOVE, flowDeps())).rejects.toBeInstanceOf(HomeRegionNotFoundError);
  });

  it("move: a stale fromRegion writes nothing", async () => {
    const deps = flowDeps();
    deps.store.records.set(SAUDI_KEY, {
      key: SAUDI_KEY,
      homeRegion: "us-east-1",
      version: 2,
      updatedAt: NOW.toISOString(),
    });
    await expect(moveHomeRegion(MOVE, deps)).rejects.toEqual(
      new StaleHomeRegionError("me-south-1", "us-east-1"),
    );
    expect(deps.store.moves).toEqual([]);
  });

  it("move: the store's refusal reaches the caller", async () => {
    const deps = flowDeps();
    deps.store.records.set(SAUDI_KEY, {
      key: SAUDI_KEY,
      homeRegion: "me-south-1",
      version: 1,
      updatedAt: NOW.toISOString(),
    });
    deps.store.failMove = new StaleHomeRegionError("me-south-1", null);
    await expect(moveHomeRegion(MOVE, deps)).rejects.toBe(deps.store.failMove);
  });
});

describe("toCallerError", () => {
  it("passes named errors and hides anything else", () => {
    const named = new HomeRegionNotFoundError();
    expect(toCallerError(named)).toBe(named);
    const hidden = toCallerError(new Error(`boom ${SAUDI_IDENTITY}`));
    expect(hidden).toBeInstanceOf(InternalError);
    expect(hidden.message).toBe("internal error");
  });
});
