import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  HomeRegionConflictError,
  HomeRegionElsewhereError,
  HomeRegionNotFoundError,
  InternalError,
  InvalidIdentityError,
  InvalidRequestError,
  KeyServiceError,
  MAC_BYTES,
  MAX_IDENTITY_LENGTH,
  MAX_MAC_MESSAGE_BYTES,
  StaleHomeRegionError,
  StoreIntegrityError,
  auditKey,
  isRecordKey,
  keyPrefix,
  loadConfiguration,
  lookupHomeRegion,
  macMessage,
  moveHomeRegion,
  normalizeIdentity,
  parseEvent,
  parseRegionDirectory,
  performRequest,
  recordKey,
  recordKeyFor,
  registerHomeRegion,
  toCallerError,
  type CreateOutcome,
  type HomeRegionDeps,
  type HomeRegionRecord,
  type HomeRegionStore,
  type MacGenerator,
  type MoveWrite,
  type NormalizedIdentity,
  type RegionDirectory,
} from "./core";
import {
  EMIRATI_IDENTITY,
  LOOKUP_FROM_US,
  MOVE_SAUDI_TO_US,
  REGISTER_SAUDI,
  SAUDI_IDENTITY,
  US_IDENTITY,
} from "./fixtures/events";
import { COUNTRY_HOME_REGIONS, HANDLER_ENV, fakeMac, recordKeyOf, thrown } from "./test-support";

/** The Saudi stack's directory: GCC accounts are kept here, every other country's in the US. */
const DIRECTORY: RegionDirectory = {
  regions: ["me-south-1", "us-east-1"],
  hostnames: new Map([
    ["me-south-1", "api.sa.example.com"],
    ["us-east-1", "api.us.example.com"],
  ]),
  countries: JSON.parse(COUNTRY_HOME_REGIONS) as Record<string, string>,
  stackRegion: "me-south-1",
};

const NOW = new Date("2025-03-01T12:00:00.000Z");
const SAUDI_NORMALIZED = "nora.alqahtani@example.sa";

/** An email address, at most 254 characters, that the normalization accepts as it is. */
const emailArb = fc
  .emailAddress()
  .map((email) => email.toLowerCase())
  .filter((email) => email.length <= MAX_IDENTITY_LENGTH);

/** Flips the case of the letters `mask` selects. */
function recase(text: string, mask: readonly boolean[]): string {
  return Array.from(text, (char, index) =>
    mask[index % Math.max(mask.length, 1)] === true ? char.toUpperCase() : char,
  ).join("");
}

describe("normalizeIdentity", () => {
  it("trims surrounding whitespace and lower-cases", () => {
    expect(normalizeIdentity(SAUDI_IDENTITY)).toBe(SAUDI_NORMALIZED);
    expect(normalizeIdentity("\t J.Rivera+Work@EXAMPLE.com\r\n")).toBe("j.rivera+work@example.com");
    expect(normalizeIdentity("\u00a0nora@example.sa\u2003")).toBe("nora@example.sa");
  });

  it("accepts the forms of address people use", () => {
    for (const identity of [
      "a@b.co",
      "first.last@sub.domain.example.com",
      "o'brien+newsletter@example.org",
      "user_name-1@example-host.co.uk",
      "nora@example.xn--mgbaam7a8h",
      "x@xn--80ak6aa92e.com",
    ]) {
      expect(normalizeIdentity(identity)).toBe(identity);
    }
  });

  it("accepts exactly 254 characters and a 64-character local part", () => {
    const local = "l".repeat(64);
    const domain = `${"d".repeat(63)}.${"e".repeat(63)}.${"f".repeat(57)}.com`;
    const longest = `${local}@${domain}`;
    expect(longest).toHaveLength(MAX_IDENTITY_LENGTH);
    expect(normalizeIdentity(longest)).toBe(longest);
  });

  it("is idempotent and ignores case and surrounding whitespace", () => {
    fc.assert(
      fc.property(
        emailArb,
        fc.array(fc.boolean(), { minLength: 1 }),
        fc.constantFrom("", " ", "\t", "\n ", "\u00a0"),
        (email, mask, padding) => {
          const once = normalizeIdentity(`${padding}${recase(email, mask)}${padding}`);
          expect(once).toBe(email);
          expect(normalizeIdentity(once)).toBe(once);
        },
      ),
    );
  });

  const local65 = `${"l".repeat(65)}@example.com`;
  const tooLong = `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.com`;

  it.each([
    ["no @", "nora.alqahtani.example.sa", "identity must be an email address"],
    ["nothing before @", "@example.sa", "identity must be an email address"],
    ["nothing after @", "nora@", "identity must be an email address"],
    ["two @", "nora@@example.sa", "identity must be an email address"],
    ["a single-label domain", "nora@localhost", "identity must be an email address"],
    ["a numeric top-level domain", "nora@example.123", "identity must be an email address"],
    ["inner space", "nora alqahtani@example.sa", "identity must be an email address"],
    ["a leading dot", ".nora@example.sa", "identity must be an email address"],
    ["two dots", "nora..q@example.sa", "identity must be an email address"],
    ["an empty domain label", "nora@example..sa", "identity must be an email address"],
    ["a hyphen-led label", "nora@-example.sa", "identity must be an email address"],
    ["a quoted local part", '"nora q"@example.sa', "identity must be an email address"],
    ["a 65-character local part", local65, "identity must be an email address"],
    ["more than 254 characters", tooLong, "identity must be at most 254 characters"],
    ["NUL", "nora\u0000@example.sa", "identity must not contain control characters"],
    ["BEL", "nora@exa\u0007mple.sa", "identity must not contain control characters"],
    ["DEL", "nora\u007f@example.sa", "identity must not contain control characters"],
    ["an inner newline", "nora\n@example.sa", "identity must not contain control characters"],
    ["a C1 control", "nora\u0085x@example.sa", "identity must not contain control characters"],
    ["an accented letter", "nóra@example.sa", "identity must be printable ASCII"],
    ["the Kelvin sign", "\u212Aate@example.com", "identity must be printable ASCII"],
    ["a zero-width space", "nora\u200b@example.sa", "identity must be printable ASCII"],
    ["Arabic script", "نورة@example.sa", "identity must be printable ASCII"],
    ["blank", " \t\n", "identity must not be blank"],
    ["empty", "", "identity must not be blank"],
  ])("refuses %s without echoing it", (_, identity, reason) => {
    const error = thrown(() => normalizeIdentity(identity));
    expect(error).toBeInstanceOf(InvalidIdentityError);
    expect((error as Error).name).toBe("InvalidIdentityError");
    expect((error as Error).message).toContain(reason);
    const trimmed = identity.trim();
    if (trimmed !== "") {
      expect((error as Error).message).not.toContain(trimmed);
      expect((error as Error).message).not.toContain(trimmed.toLowerCase());
      expect((error as Error).message).not.toContain("@");
    }
  });

  it.each([
    ["a number", 966501234567, "identity must be a string"],
    ["an object", { email: "nora@example.sa" }, "identity must be a string"],
    ["an array", ["nora@example.sa"], "identity must be a string"],
    ["a boolean", true, "identity must be a string"],
    ["null", null, "identity is required"],
    ["undefined", undefined, "identity is required"],
  ])("refuses %s", (_, identity, reason) => {
    const error = thrown(() => normalizeIdentity(identity));
    expect(error).toBeInstanceOf(InvalidIdentityError);
    expect((error as Error).message).toBe(`invalid identity: ${reason}`);
  });

  it("never echoes any part of an address it refuses", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (local, domain) => {
        const identity = `${local}@${domain}`;
        let error: unknown;
        try {
          normalizeIdentity(identity);
          return;
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(InvalidIdentityError);
        // No fixed reason holds an "@", so a message with one would be echoing input.
        expect((error as Error).message).not.toContain("@");
      }),
    );
  });
});

describe("macMessage", () => {
  it("is the purpose prefix, a NUL, then the identity in UTF-8", () => {
    const message = macMessage(normalizeIdentity(SAUDI_IDENTITY));
    expect(Buffer.from(message).toString("latin1")).toBe(`home-region:v1\u0000${SAUDI_NORMALIZED}`);
  });

  it("stays far inside the 4096 bytes GenerateMac accepts", () => {
    const longest = normalizeIdentity(`${"l".repeat(64)}@${"d".repeat(63)}.${"e".repeat(63)}.com`);
    expect(macMessage(longest).length).toBeLessThanOrEqual(MAX_MAC_MESSAGE_BYTES);
    expect(MAX_MAC_MESSAGE_BYTES).toBe(269);
    expect(MAX_MAC_MESSAGE_BYTES).toBeLessThan(4096);
  });

  it("gives distinct identities distinct messages", () => {
    fc.assert(
      fc.property(emailArb, emailArb, (a, b) => {
        fc.pre(a !== b);
        const left = Buffer.from(macMessage(a as NormalizedIdentity));
        const right = Buffer.from(macMessage(b as NormalizedIdentity));
        expect(left.equals(right)).toBe(false);
      }),
    );
  });
});

describe("record keys", () => {
  const MAC = new Uint8Array(Array.from({ length: MAC_BYTES }, (_, index) => index * 7));

  it("is hr_ and the unpadded base64url MAC", () => {
    const key = recordKey(MAC);
    expect(key).toBe(`hr_${Buffer.from(MAC).toString("base64url")}`);
    expect(key).toMatch(/^hr_[A-Za-z0-9_-]{43}$/);
    expect(isRecordKey(key)).toBe(true);
    expect(isRecordKey("hr_short")).toBe(false);
  });

  it("refuses a MAC of another length", () => {
    expect(thrown(() => recordKey(new Uint8Array(16)))).toBeInstanceOf(KeyServiceError);
  });

  it("maps distinct MACs to distinct keys", () => {
    const macArb = fc.uint8Array({ minLength: MAC_BYTES, maxLength: MAC_BYTES });
    fc.assert(
      fc.property(macArb, macArb, (a, b) => {
        fc.pre(!Buffer.from(a).equals(Buffer.from(b)));
        expect(recordKey(a)).not.toBe(recordKey(b));
      }),
    );
  });

  it("is the same for the same identity, however it is typed", () => {
    fc.assert(
      fc.property(
        emailArb,
        fc.array(fc.boolean(), { minLength: 1 }),
        fc.constantFrom("", " ", "\t"),
        (email, mask, padding) => {
          const key = recordKeyOf(email);
          expect(recordKeyOf(`${padding}${recase(email, mask)}${padding}`)).toBe(key);
          expect(recordKeyOf(email)).toBe(key);
        },
      ),
    );
  });

  it("depends on the key: another HMAC key gives another record key", () => {
    fc.assert(
      fc.property(
        emailArb,
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        (email, a, b) => {
          fc.pre(a !== b);
          expect(recordKeyOf(email, a)).not.toBe(recordKeyOf(email, b));
        },
      ),
    );
  });

  it("differs for different identities", () => {
    fc.assert(
      fc.property(emailArb, emailArb, (a, b) => {
        fc.pre(a !== b);
        expect(recordKeyOf(a)).not.toBe(recordKeyOf(b));
      }),
    );
  });

  it("is not the plain SHA-256 of the identity", () => {
    fc.assert(
      fc.property(emailArb, (email) => {
        const key = recordKeyOf(email);
        const plain = createHash("sha256").update(email).digest();
        expect(key).not.toContain(plain.toString("base64url"));
        const prefixed = createHash("sha256")
          .update(macMessage(email as NormalizedIdentity))
          .digest();
        expect(key).not.toContain(prefixed.toString("base64url"));
      }),
    );
  });

  it("recordKeyFor asks the MAC generator for the MAC of the identity's message", async () => {
    const seen: Uint8Array[] = [];
    const mac: MacGenerator = {
      generateMac: (message) => {
        seen.push(message);
        return Promise.resolve(fakeMac(message));
      },
    };
    const identity = normalizeIdentity(SAUDI_IDENTITY);
    await expect(recordKeyFor(identity, mac)).resolves.toBe(recordKeyOf(SAUDI_IDENTITY));
    expect(seen).toEqual([macMessage(identity)]);
  });

  it("names audit items after the record key and the time", () => {
    const key = recordKeyOf(SAUDI_IDENTITY);
    expect(auditKey(key, NOW.toISOString())).toBe(`audit#${key}#2025-03-01T12:00:00.000Z`);
    expect(keyPrefix(key)).toBe(key.slice(0, 8));
    expect(keyPrefix(key)).toHaveLength(8);
  });
});

describe("loadConfiguration", () => {
  it("reads the handler's variables", () => {
    const config = loadConfiguration(HANDLER_ENV);
    expect(config.hmacKeyId).toBe(HANDLER_ENV.HMAC_KEY_ID);
    expect(config.tableName).toBe("home-region");
    expect(config.directory.regions).toEqual(["me-south-1", "us-east-1"]);
    expect([...config.directory.hostnames]).toEqual([
      ["me-south-1", "api.sa.example.com"],
      ["us-east-1", "api.us.example.com"],
    ]);
    expect(config.directory.stackRegion).toBe("me-south-1");
    expect(config.directory.countries).toEqual({
      SA: "me-south-1",
      AE: "me-south-1",
      BH: "me-south-1",
      KW: "me-south-1",
      OM: "me-south-1",
      QA: "me-south-1",
      "*": "us-east-1",
    });
  });

  it("trims the region list", () => {
    const config = loadConfiguration({ ...HANDLER_ENV, HOME_REGIONS: " me-south-1 , us-east-1 " });
    expect(config.directory.regions).toEqual(["me-south-1", "us-east-1"]);
  });

  it("lists every missing variable, blank ones included", () => {
    const error = thrown(() => loadConfiguration({ TABLE_NAME: "  " }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).missing).toEqual([
      "HMAC_KEY_ID",
      "TABLE_NAME",
      "HOME_REGIONS",
      "REGION_HOSTNAMES",
      "COUNTRY_HOME_REGIONS",
      "STACK_REGION",
    ]);
  });

  it.each([
    ["a bad region code", { HOME_REGIONS: "me-south-1,US-EAST-1" }, "comma-separated list"],
    ["a region listed twice", { HOME_REGIONS: "me-south-1,me-south-1" }, "twice"],
    ["an empty entry", { HOME_REGIONS: "me-south-1,,us-east-1" }, "comma-separated list"],
    ["hostnames that are not JSON", { REGION_HOSTNAMES: "me-south-1=api" }, "JSON object"],
    ["hostnames as an array", { REGION_HOSTNAMES: '["api.sa.example.com"]' }, "JSON object"],
    [
      "a region without a hostname",
      { REGION_HOSTNAMES: '{"me-south-1":"api.sa.example.com"}' },
      "no entry for us-east-1",
    ],
    [
      "a hostname for a region that is not a home region",
      { HOME_REGIONS: "me-south-1" },
      "names us-east-1, which is not in HOME_REGIONS",
    ],
    [
      "a hostname that is not a hostname",
      {
        REGION_HOSTNAMES:
          '{"me-south-1":"https://api.sa.example.com","us-east-1":"api.us.example.com"}',
      },
      "entry for me-south-1 must be a lower-case DNS hostname",
    ],
    [
      "a hostname that is not a string",
      { REGION_HOSTNAMES: '{"me-south-1":1,"us-east-1":"api.us.example.com"}' },
      "entry for me-south-1",
    ],
    [
      "a stack region that is not a home region",
      { STACK_REGION: "eu-west-1" },
      "STACK_REGION eu-west-1 is not in HOME_REGIONS",
    ],
    ["a stack region that is no region", { STACK_REGION: "Bahrain" }, "STACK_REGION must be"],
    [
      "a country map that is not JSON",
      { COUNTRY_HOME_REGIONS: "SA=me-south-1" },
      'COUNTRY_HOME_REGIONS must be a JSON object of ISO 3166-1 alpha-2 country code (or "*") to home region',
    ],
    [
      "a country map without the default",
      { COUNTRY_HOME_REGIONS: '{"SA":"me-south-1"}' },
      'COUNTRY_HOME_REGIONS has no "*" entry',
    ],
    [
      "a country that is not an alpha-2 code",
      { COUNTRY_HOME_REGIONS: '{"Saudi Arabia":"me-south-1","*":"us-east-1"}' },
      'COUNTRY_HOME_REGIONS has the key "Saudi Arabia"',
    ],
    [
      "a country kept in a region that is not a home region",
      { COUNTRY_HOME_REGIONS: '{"SA":"me-central-1","*":"us-east-1"}' },
      "COUNTRY_HOME_REGIONS entry for SA must be one of HOME_REGIONS",
    ],
  ])("refuses %s", (_, overrides, problem) => {
    const error = thrown(() => loadConfiguration({ ...HANDLER_ENV, ...overrides }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(problem);
  });

  it("parses a directory on its own", () => {
    expect(
      parseRegionDirectory(
        "us-east-1",
        '{"us-east-1":"api.us.example.com"}',
        '{"*":"us-east-1"}',
        "us-east-1",
      ),
    ).toEqual({
      directory: {
        regions: ["us-east-1"],
        hostnames: new Map([["us-east-1", "api.us.example.com"]]),
        countries: { "*": "us-east-1" },
        stackRegion: "us-east-1",
      },
    });
  });
});

describe("parseEvent", () => {
  it("parses each action and normalizes the identity", () => {
    expect(parseEvent(LOOKUP_FROM_US, DIRECTORY)).toEqual({
      action: "lookup",
      identity: SAUDI_NORMALIZED,
    });
    expect(parseEvent(REGISTER_SAUDI, DIRECTORY)).toEqual({
      action: "register",
      identity: SAUDI_NORMALIZED,
      country: "SA",
    });
    expect(parseEvent(MOVE_SAUDI_TO_US, DIRECTORY)).toEqual({
      ...MOVE_SAUDI_TO_US,
      identity: SAUDI_NORMALIZED,
    });
  });

  it("drops properties it does not know", () => {
    expect(parseEvent({ ...LOOKUP_FROM_US, traceId: "abc", homeRegion: 7 }, DIRECTORY)).toEqual({
      action: "lookup",
      identity: SAUDI_NORMALIZED,
    });
  });

  it.each([
    ["not an object", "lookup nora@example.sa", ["event must be an object"]],
    ["null", null, ["event must be an object"]],
    ["an array", [LOOKUP_FROM_US], ["event must be an object"]],
    ["no action", { identity: SAUDI_IDENTITY }, ["action must be one of: lookup, register, move"]],
    [
      "an unknown action",
      { action: "delete", identity: SAUDI_IDENTITY },
      ["action must be one of: lookup, register, move"],
    ],
    [
      "an action in another case",
      { action: "Lookup", identity: SAUDI_IDENTITY },
      ["action must be one of: lookup, register, move"],
    ],
    [
      "register without a country (a region the caller picks is not taken)",
      { action: "register", identity: SAUDI_IDENTITY, homeRegion: "me-south-1" },
      ["country is required"],
    ],
    [
      "register with a country name",
      { ...REGISTER_SAUDI, country: "Saudi Arabia" },
      ["country must be an ISO 3166-1 alpha-2 code in capitals, such as SA"],
    ],
    [
      "register with a country in lower case",
      { ...REGISTER_SAUDI, country: "sa" },
      ["country must be an ISO 3166-1 alpha-2 code in capitals, such as SA"],
    ],
    [
      "register with the default location as a country",
      { ...REGISTER_SAUDI, country: "*" },
      ["country must be an ISO 3166-1 alpha-2 code in capitals, such as SA"],
    ],
    [
      "register with a country that is not a string",
      { ...REGISTER_SAUDI, country: 682 },
      ["country must be a string"],
    ],
    [
      "move with nothing but the identity",
      { action: "move", identity: SAUDI_IDENTITY },
      [
        "fromRegion is required",
        "toRegion is required",
        "reason is required",
        "requestedBy is required",
      ],
    ],
    [
      "move to an unknown region",
      { ...MOVE_SAUDI_TO_US, toRegion: "ap-south-1" },
      ["toRegion must be one of: me-south-1, us-east-1"],
    ],
    [
      "move to the same region",
      { ...MOVE_SAUDI_TO_US, toRegion: "me-south-1" },
      ["toRegion must differ from fromRegion"],
    ],
    ["a blank reason", { ...MOVE_SAUDI_TO_US, reason: "  " }, ["reason must not be blank"]],
    [
      "a reason of 501 characters",
      { ...MOVE_SAUDI_TO_US, reason: "r".repeat(501) },
      ["reason must be at most 500 characters"],
    ],
    [
      "a reason with a control character",
      { ...MOVE_SAUDI_TO_US, reason: "CS-1\nuser asked" },
      ["reason must not contain control characters"],
    ],
    [
      "a reason naming the user by email",
      { ...MOVE_SAUDI_TO_US, reason: `asked by ${SAUDI_IDENTITY.trim()} by phone` },
      ["reason must not contain an email address (use a ticket reference)"],
    ],
    [
      "a reason with a lone surrogate",
      { ...MOVE_SAUDI_TO_US, reason: "CS-1 \ud800" },
      ["reason must be well-formed Unicode"],
    ],
    [
      "an operator given as an email address",
      { ...MOVE_SAUDI_TO_US, requestedBy: "ops@example.com" },
      ["requestedBy must be an operator id matching ^[a-z0-9._-]{1,64}$"],
    ],
    [
      "an operator id in upper case",
      { ...MOVE_SAUDI_TO_US, requestedBy: "Ops.Oncall" },
      ["requestedBy must be an operator id matching ^[a-z0-9._-]{1,64}$"],
    ],
    [
      "an operator id of 65 characters",
      { ...MOVE_SAUDI_TO_US, requestedBy: "o".repeat(65) },
      ["requestedBy must be an operator id matching ^[a-z0-9._-]{1,64}$"],
    ],
  ])("refuses %s", (_, event, issues) => {
    const error = thrown(() => parseEvent(event, DIRECTORY));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).issues).toEqual(issues);
    expect((error as Error).message.toLowerCase()).not.toContain("nora");
  });

  it("accepts a reason of exactly 500 characters, counted in code points", () => {
    const reason = "\u{1F4DD}".repeat(500);
    expect(parseEvent({ ...MOVE_SAUDI_TO_US, reason }, DIRECTORY)).toMatchObject({ reason });
  });

  it("checks the identity after the shape, with InvalidIdentityError", () => {
    expect(thrown(() => parseEvent({ action: "lookup" }, DIRECTORY))).toEqual(
      new InvalidIdentityError("identity is required"),
    );
    const error = thrown(() =>
      parseEvent({ ...REGISTER_SAUDI, identity: "nora at example.sa" }, DIRECTORY),
    );
    expect(error).toBeInstanceOf(InvalidIdentityError);
    expect((error as Error).message).not.toContain("nora");
  });
});

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
