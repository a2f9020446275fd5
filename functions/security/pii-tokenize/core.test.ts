import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  FIELD_NAME_PATTERN,
  InternalError,
  InvalidRequestError,
  KeyServiceError,
  MAC_BYTES,
  MAX_TOKEN_LENGTH,
  TokenFormatError,
  VaultIntegrityError,
  detokenizeTokens,
  formatToken,
  macMessage,
  mapWithConcurrency,
  normalizeValue,
  parseDetokenizeEvent,
  parseToken,
  parseTokenizeEvent,
  toCallerError,
  tokenizeItems,
  utf8ByteLength,
  type Decrypter,
  type Encrypter,
  type MacGenerator,
  type PutOutcome,
  type StoredRecord,
  type TokenVault,
  type VaultEncryptionContext,
  type VaultRecord,
} from "./core";
import { fakeMac, tokenFor, utf8 } from "./test-support";

const MAC = new Uint8Array(Array.from({ length: MAC_BYTES }, (_, index) => index * 7));
const MAC_TEXT = Buffer.from(MAC).toString("base64url");

/** The error `fn` throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

const fieldArb = fc.stringMatching(FIELD_NAME_PATTERN);

describe("normalizeValue", () => {
  it("trims and lower-cases email", () => {
    expect(normalizeValue("email", "  Jane.Doe@Example.COM \n")).toBe("jane.doe@example.com");
  });

  it("strips spaces, dashes and parentheses from phone, anywhere", () => {
    expect(normalizeValue("phone", " +1 (555) 010-9999 ")).toBe("+15550109999");
    expect(normalizeValue("phone", "+966\t50-123\u00a04567")).toBe("+966501234567");
  });

  it("keeps everything but the other characters of a phone number", () => {
    expect(normalizeValue("phone", "+1.555.0109")).toBe("+1.555.0109");
  });

  it("only trims other fields", () => {
    expect(normalizeValue("full_name", "  Jane  DOE ")).toBe("Jane  DOE");
    expect(normalizeValue("national_id", "\t1-234 (5)\n")).toBe("1-234 (5)");
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(fc.constantFrom("email", "phone", "full_name"), fc.string(), (field, value) => {
        const once = normalizeValue(field, value);
        expect(normalizeValue(field, once)).toBe(once);
      }),
    );
  });
});

describe("macMessage", () => {
  it("is the field, a NUL byte and the SHA-256 of the value", () => {
    const digest = createHash("sha256").update("a@b.example", "utf8").digest();
    expect(macMessage("email", "a@b.example")).toEqual(
      new Uint8Array([...utf8("email"), 0, ...digest]),
    );
  });

  it("stays within the KMS limit for the longest field and value", () => {
    expect(macMessage("f".repeat(64), "x".repeat(4096)).length).toBe(64 + 1 + 32);
  });

  it("differs for a different field and the same value", () => {
    fc.assert(
      fc.property(fieldArb, fieldArb, fc.string(), (first, second, value) => {
        fc.pre(first !== second);
        expect(Buffer.from(macMessage(first, value)).equals(macMessage(second, value))).toBe(false);
      }),
    );
  });

  it("differs for a different value and the same field", () => {
    fc.assert(
      fc.property(fieldArb, fc.string(), fc.string(), (field, first, second) => {
        fc.pre(first !== second);
        expect(Buffer.from(macMessage(field, first)).equals(macMessage(field, second))).toBe(false);
      }),
    );
  });

  it("does not confuse where the field ends and the value starts", () => {
    expect(Buffer.from(macMessage("ab", "c")).equals(macMessage("a", "bc"))).toBe(false);
  });
});

describe("token format", () => {
  it("is tok_<field>_<base64url MAC>", () => {
    const token = formatToken("email", MAC);
    expect(token).toBe(`tok_email_${MAC_TEXT}`);
    expect(token).toMatch(/^tok_email_[A-Za-z0-9_-]{43}$/);
  });

  it("round-trips any field and MAC, including MACs with '_' and '-'", () => {
    fc.assert(
      fc.property(fieldArb, fc.uint8Array({ minLength: 32, maxLength: 32 }), (field, mac) => {
        const token = formatToken(field, mac);
        expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
        expect(parseToken(token)).toEqual({ field, mac });
      }),
    );
    const underscores = new Uint8Array(32).fill(0xff);
    const token = formatToken("a_b", underscores);
    expect(token).toBe(`tok_a_b_${"_".repeat(42)}8`);
    expect(parseToken(token)).toEqual({ field: "a_b", mac: underscores });
  });

  it("refuses to format a bad field or a MAC of the wrong length", () => {
    expect(() => formatToken("Email", MAC)).toThrow(
      new TokenFormatError("token field must match ^[a-z][a-z0-9_]{0,63}$"),
    );
    expect(() => formatToken("email", new Uint8Array(31))).toThrow(
      new TokenFormatError("token MAC must be 32 bytes, got 31"),
    );
  });

  it.each([
    [42, "token must be a string"],
    [`tok_${"a".repeat(65)}_${MAC_TEXT}`, "token must be at most 112 characters"],
    [`tkn_email_${MAC_TEXT}`, 'token must start with "tok_"'],
    [`tok__${MAC_TEXT}`, "token is too short"],
    ["tok_email_abc", "token is too short"],
    [`tok_email-${MAC_TEXT}`, 'token must end with "_" and a 43-character base64url MAC'],
    [`tok_email_${MAC_TEXT.slice(1)}=`, 'token must end with "_" and a 43-character base64url MAC'],
    [`tok_email_${MAC_TEXT.slice(0, -1)}B`, "token MAC is not canonical base64url"],
    [`tok_Email_${MAC_TEXT}`, "token field must match ^[a-z][a-z0-9_]{0,63}$"],
    [`tok_9email_${MAC_TEXT}`, "token field must match ^[a-z][a-z0-9_]{0,63}$"],
  ])("rejects %j: %s", (token, message) => {
    const error = thrown(() => parseToken(token));
    expect(error).toBeInstanceOf(TokenFormatError);
    expect(error).toMatchObject({ name: "TokenFormatError", message });
  });
});

describe("parseTokenizeEvent", () => {
  const item = (field: string, value: string): { field: string; value: string } => ({
    field,
    value,
  });

  it("normalizes every item and keeps the order", () => {
    expect(
      parseTokenizeEvent({
        items: [
          item("email", " A@B.example "),
          item("phone", "(555) 01-02"),
          item("city", " Riyadh "),
        ],
      }),
    ).toEqual([item("email", "a@b.example"), item("phone", "5550102"), item("city", "Riyadh")]);
  });

  it("accepts an empty list", () => {
    expect(parseTokenizeEvent({ items: [] })).toEqual([]);
  });

  it("accepts a value of exactly 4096 bytes and rejects 4097", () => {
    expect(parseTokenizeEvent({ items: [item("note", "x".repeat(4096))] })).toHaveLength(1);
    expect(() => parseTokenizeEvent({ items: [item("note", "x".repeat(4097))] })).toThrow(
      "invalid request: items[0]: value must be at most 4096 bytes of UTF-8 after normalization, got 4097",
    );
  });

  it("counts multibyte UTF-8 in bytes", () => {
    // U+0639 (Arabic ain) is 2 bytes; U+1F600 is 4 bytes (2 UTF-16 units).
    expect(utf8ByteLength("\u0639")).toBe(2);
    expect(utf8ByteLength("\u{1F600}")).toBe(4);
    expect(parseTokenizeEvent({ items: [item("name", "\u0639".repeat(2048))] })).toHaveLength(1);
    expect(() =>
      parseTokenizeEvent({ items: [item("name", `${"\u0639".repeat(2048)}x`)] }),
    ).toThrow("value must be at most 4096 bytes of UTF-8 after normalization, got 4097");
    expect(() => parseTokenizeEvent({ items: [item("name", "\u{1F600}".repeat(1025))] })).toThrow(
      "got 4100",
    );
  });

  it("measures the limit after normalization", () => {
    const padded = `  ${"x".repeat(4096)}  `;
    expect(parseTokenizeEvent({ items: [item("note", padded)] })).toEqual([
      item("note", "x".repeat(4096)),
    ]);
  });

  it("accepts 100 items and rejects 101", () => {
    const items = Array.from({ length: 101 }, (_, index) => item("n", String(index)));
    expect(parseTokenizeEvent({ items: items.slice(0, 100) })).toHaveLength(100);
    const error = thrown(() => parseTokenizeEvent({ items }));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({
      name: "InvalidRequestError",
      message: "invalid request: items must hold at most 100 entries, got 101",
      issues: [{ index: null, reason: "items must hold at most 100 entries, got 101" }],
    });
  });

  it("reports every bad item by index and reason, never the value", () => {
    const error = thrown(() =>
      parseTokenizeEvent({
        items: [
          item("email", "ok@example.com"),
          item("Email", "secret-1@example.com"),
          item("email", "   "),
          item("phone", " ( ) - "),
          "secret-2",
          { value: "secret-3" },
          { field: "x".repeat(65), value: "secret-4" },
          { field: "name", value: 5 },
          item("first name", "secret-5"),
          item("name", ""),
          item("name", "\ud800 lone surrogate"),
        ],
      }),
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    const invalid = error as InvalidRequestError;
    expect(invalid.issues).toEqual([
      { index: 1, reason: "field must match ^[a-z][a-z0-9_]{0,63}$" },
      { index: 2, reason: "value must not be empty after normalization" },
      { index: 3, reason: "value must not be empty after normalization" },
      { index: 4, reason: "item must be an object with field and value" },
      { index: 5, reason: "field is required" },
      { index: 6, reason: "field must match ^[a-z][a-z0-9_]{0,63}$" },
      { index: 7, reason: "value must be a string" },
      { index: 8, reason: "field must match ^[a-z][a-z0-9_]{0,63}$" },
      { index: 9, reason: "value must not be empty after normalization" },
      { index: 10, reason: "value must be well-formed Unicode" },
    ]);
    expect(invalid.message).toBe(
      "invalid request: items[1]: field must match ^[a-z][a-z0-9_]{0,63}$; " +
        "items[2]: value must not be empty after normalization; " +
        "items[3]: value must not be empty after normalization; " +
        "items[4]: item must be an object with field and value; " +
        "items[5]: field is required; " +
        "items[6]: field must match ^[a-z][a-z0-9_]{0,63}$; " +
        "items[7]: value must be a string; " +
        "items[8]: field must match ^[a-z][a-z0-9_]{0,63}$; " +
        "items[9]: value must not be empty after normalization; " +
        "items[10]: value must be well-formed Unicode",
    );
    expect(invalid.message).not.toMatch(/secret/);
  });

  it("accepts field names of 1 to 64 characters", () => {
    expect(
      parseTokenizeEvent({ items: [item("a", "v"), item(`a${"_9".repeat(31)}b`, "v")] }),
    ).toHaveLength(2);
  });

  it.each([
    [null, "invalid request: event must be an object"],
    ["items", "invalid request: event must be an object"],
    [{}, "invalid request: items is required"],
    [{ items: {} }, "invalid request: items must be an array"],
  ])("rejects the event %j", (event, message) => {
    const error = thrown(() => parseTokenizeEvent(event));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ name: "InvalidRequestError", message });
  });
});

describe("parseDetokenizeEvent", () => {
  const token = formatToken("email", MAC);

  it("accepts tokens and a purpose", () => {
    expect(parseDetokenizeEvent({ tokens: [token, token], purpose: "support ticket 42" })).toEqual({
      tokens: [token, token],
      purpose: "support ticket 42",
    });
  });

  it.each([
    [{ tokens: [token] }, "invalid request: purpose is required"],
    [{ tokens: [token], purpose: "" }, "invalid request: purpose must not be blank"],
    [{ tokens: [token], purpose: " \t" }, "invalid request: purpose must not be blank"],
    [{ tokens: [token], purpose: 7 }, "invalid request: purpose must be a string"],
    [
      { tokens: [token], purpose: "x".repeat(201) },
      "invalid request: purpose must be at most 200 characters",
    ],
    [
      { tokens: [token], purpose: "line\nbreak" },
      "invalid request: purpose must not contain control characters",
    ],
    [{ purpose: "audit" }, "invalid request: tokens is required"],
    [{ tokens: token, purpose: "audit" }, "invalid request: tokens must be an array"],
  ])("rejects %j", (event, message) => {
    const error = thrown(() => parseDetokenizeEvent(event));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ name: "InvalidRequestError", message });
  });

  it("counts the purpose in characters", () => {
    expect(
      parseDetokenizeEvent({ tokens: [], purpose: "\u{1F600}".repeat(200) }).purpose,
    ).toHaveLength(400);
  });

  it("reports every malformed token by index", () => {
    expect(() =>
      parseDetokenizeEvent({
        tokens: [token, "nope", 3, `tok_email_${MAC_TEXT.slice(0, -1)}B`],
        purpose: "a",
      }),
    ).toThrow(
      'invalid request: tokens[1]: token must start with "tok_"; ' +
        "tokens[2]: token must be a string; " +
        "tokens[3]: token MAC is not canonical base64url",
    );
  });

  it("rejects 101 tokens", () => {
    expect(() =>
      parseDetokenizeEvent({ tokens: Array.from({ length: 101 }, () => token), purpose: "a" }),
    ).toThrow("invalid request: tokens must hold at most 100 entries, got 101");
  });
});

describe("errors", () => {
  it("have fixed names", () => {
    expect(new ConfigurationError(["A", "B"]).message).toBe("missing environment variables: A, B");
    expect(new KeyServiceError("Encrypt")).toMatchObject({
      name: "KeyServiceError",
      message: "key service call Encrypt failed",
    });
    expect(new VaultIntegrityError("tok_x", "why").name).toBe("VaultIntegrityError");
  });

  it("hides anything that is not ours", () => {
    const raw = new Error("ValidationException: value 'jane@example.com' is invalid");
    expect(toCallerError(raw)).toBeInstanceOf(InternalError);
    expect(toCallerError(raw).message).toBe("internal error");
    const ours = new KeyServiceError("Decrypt");
    expect(toCallerError(ours)).toBe(ours);
  });
});

describe("mapWithConcurrency", () => {
  it("keeps the input order and the limit", async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapWithConcurrency([5, 1, 3, 2, 4], 2, async (value) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, value));
      inFlight -= 1;
      return value * 10;
    });
    expect(results).toEqual([50, 10, 30, 20, 40]);
    expect(most).toBe(2);
  });

  it("starts nothing new after a failure and throws the first error", async () => {
    const started: number[] = [];
    await expect(
      mapWithConcurrency([0, 1, 2, 3, 4], 1, (value) => {
        started.push(value);
        return value === 1 ? Promise.reject(new Error("boom")) : Promise.resolve(value);
      }),
    ).rejects.toThrow("boom");
    expect(started).toEqual([0, 1]);
  });
});

// ---------------------------------------------------------------------------------------------
// The flows, over in-memory dependencies
// ---------------------------------------------------------------------------------------------

class MemoryVault implements TokenVault {
  readonly records = new Map<string, VaultRecord>();
  readonly puts: VaultRecord[] = [];

  putIfAbsent(record: VaultRecord): Promise<PutOutcome> {
    this.puts.push(record);
    if (this.records.has(record.token)) return Promise.resolve("existing");
    this.records.set(record.token, record);
    return Promise.resolve("created");
  }

  getMany(tokens: readonly string[]): Promise<ReadonlyMap<string, StoredRecord>> {
    const found = new Map<string, StoredRecord>();
    for (const token of tokens) {
      const record = this.records.get(token);
      if (record !== undefined) found.set(token, record);
    }
    return Promise.resolve(found);
  }
}

/** "Encrypts" by prefixing the context; decryption checks it, like KMS. */
class ContextBoundCipher implements Encrypter, Decrypter {
  readonly encrypted: { plaintext: string; context: VaultEncryptionContext }[] = [];
  failOn: string | undefined;

  encrypt(plaintext: Uint8Array, context: VaultEncryptionContext): Promise<Uint8Array> {
    if (context.field === this.failOn) return Promise.reject(new KeyServiceError("Encrypt"));
    this.encrypted.push({ plaintext: new TextDecoder().decode(plaintext), context });
    return Promise.resolve(
      new Uint8Array([...utf8(`${JSON.stringify(context)}\u0000`), ...plaintext]),
    );
  }

  decrypt(ciphertext: Uint8Array, context: VaultEncryptionContext): Promise<Uint8Array> {
    const prefix = utf8(`${JSON.stringify(context)}\u0000`);
    if (!Buffer.from(ciphertext.subarray(0, prefix.length)).equals(prefix)) {
      return Promise.reject(new VaultIntegrityError(context.token, "context mismatch"));
    }
    return Promise.resolve(ciphertext.subarray(prefix.length));
  }
}

const localMac: MacGenerator = {
  generateMac: (message) => Promise.resolve(fakeMac(message)),
};

function setup(): { vault: MemoryVault; cipher: ContextBoundCipher } {
  return { vault: new MemoryVault(), cipher: new ContextBoundCipher() };
}

const NOW = new Date("2025-03-01T12:00:00.000Z");

describe("tokenizeItems", () => {
  it("returns a token per item in request order and writes complete records", async () => {
    const { vault, cipher } = setup();
    const items = parseTokenizeEvent({
      items: [
        { field: "email", value: "A@B.example" },
        { field: "phone", value: "555-0100" },
      ],
    });
    const outcome = await tokenizeItems(items, {
      mac: localMac,
      encrypter: cipher,
      vault,
      now: () => NOW,
    });
    const emailToken = tokenFor("email", "a@b.example");
    const phoneToken = tokenFor("phone", "5550100");
    expect(outcome).toEqual({
      tokens: [
        { field: "email", token: emailToken },
        { field: "phone", token: phoneToken },
      ],
      unique: 2,
      created: 2,
      existing: 0,
    });
    expect(cipher.encrypted).toEqual([
      {
        plaintext: "a@b.example",
        context: { purpose: "pii-vault", field: "email", token: emailToken },
      },
      {
        plaintext: "5550100",
        context: { purpose: "pii-vault", field: "phone", token: phoneToken },
      },
    ]);
    expect(vault.records.get(emailToken)).toMatchObject({
      token: emailToken,
      field: "email",
      createdAt: "2025-03-01T12:00:00.000Z",
    });
  });

  it("tokenizes duplicates once, normalization included", async () => {
    const { vault, cipher } = setup();
    const macCalls: Uint8Array[] = [];
    const items = parseTokenizeEvent({
      items: [
        { field: "email", value: "a@b.example" },
        { field: "email", value: " A@B.EXAMPLE" },
        { field: "username", value: "a@b.example" },
        { field: "email", value: "a@b.example" },
      ],
    });
    const outcome = await tokenizeItems(items, {
      mac: { generateMac: (message) => (macCalls.push(message), localMac.generateMac(message)) },
      encrypter: cipher,
      vault,
    });
    expect(macCalls).toHaveLength(2);
    expect(cipher.encrypted).toHaveLength(2);
    expect(vault.puts).toHaveLength(2);
    const [first, second, third, fourth] = outcome.tokens;
    expect(first).toEqual(second);
    expect(first).toEqual(fourth);
    expect(third?.token).not.toBe(first?.token);
    expect(third?.token.startsWith("tok_username_")).toBe(true);
    expect(outcome.unique).toBe(2);
  });

  it("is deterministic: the same field and value always give the same token", async () => {
    await fc.assert(
      fc.asyncProperty(
        fieldArb,
        fc.string({ minLength: 1, maxLength: 50 }).filter((value) => value.trim().length > 0),
        async (field, value) => {
          const items = parseTokenizeEvent({ items: [{ field, value }] });
          const first = await tokenizeItems(items, {
            mac: localMac,
            encrypter: new ContextBoundCipher(),
            vault: new MemoryVault(),
          });
          const second = await tokenizeItems(items, {
            mac: localMac,
            encrypter: new ContextBoundCipher(),
            vault: new MemoryVault(),
          });
          expect(first.tokens).toEqual(second.tokens);
          expect(parseToken(first.tokens[0]?.token).field).toBe(field);
        },
      ),
    );
  });

  it("is idempotent: a re-run finds the records and changes nothing", async () => {
    const { vault, cipher } = setup();
    const items = parseTokenizeEvent({ items: [{ field: "email", value: "a@b.example" }] });
    const deps = { mac: localMac, encrypter: cipher, vault };
    const first = await tokenizeItems(items, deps);
    const stored = vault.records.get(first.tokens[0]?.token ?? "");
    const second = await tokenizeItems(items, deps);
    expect(second.tokens).toEqual(first.tokens);
    expect(second).toMatchObject({ created: 0, existing: 1 });
    expect(vault.records.get(first.tokens[0]?.token ?? "")).toBe(stored);
  });

  it("writes nothing when a key service call fails", async () => {
    const { vault, cipher } = setup();
    cipher.failOn = "phone";
    const items = parseTokenizeEvent({
      items: [
        { field: "email", value: "a@b.example" },
        { field: "phone", value: "5550100" },
      ],
    });
    await expect(tokenizeItems(items, { mac: localMac, encrypter: cipher, vault })).rejects.toThrow(
      KeyServiceError,
    );
    expect(vault.puts).toEqual([]);
  });

  it("handles an empty request without calls", async () => {
    const { vault, cipher } = setup();
    expect(await tokenizeItems([], { mac: localMac, encrypter: cipher, vault })).toEqual({
      tokens: [],
      unique: 0,
      created: 0,
      existing: 0,
    });
  });
});

describe("detokenizeTokens", () => {
  async function seeded(): Promise<{ vault: MemoryVault; cipher: ContextBoundCipher }> {
    const { vault, cipher } = setup();
    const items = parseTokenizeEvent({
      items: [
        { field: "email", value: "a@b.example" },
        { field: "phone", value: "+966 50 123 4567" },
      ],
    });
    await tokenizeItems(items, { mac: localMac, encrypter: cipher, vault });
    return { vault, cipher };
  }

  it("returns the values found and lists the tokens missing, once each, in order", async () => {
    const { vault, cipher } = await seeded();
    const email = tokenFor("email", "a@b.example");
    const phone = tokenFor("phone", "+966501234567");
    const unknown = tokenFor("email", "nobody@b.example");
    const response = await detokenizeTokens(
      { tokens: [phone, unknown, email, phone, unknown], purpose: "audit" },
      { decrypter: cipher, vault },
    );
    expect(response).toEqual({
      values: [
        { token: phone, field: "phone", value: "+966501234567" },
        { token: email, field: "email", value: "a@b.example" },
      ],
      missing: [unknown],
    });
  });

  it("rejects a record copied to another token", async () => {
    const { vault, cipher } = await seeded();
    const email = tokenFor("email", "a@b.example");
    const other = tokenFor("email", "c@d.example");
    const record = vault.records.get(email);
    if (record === undefined) throw new Error("seed failed");
    vault.records.set(other, { ...record, token: other });
    await expect(
      detokenizeTokens({ tokens: [other], purpose: "audit" }, { decrypter: cipher, vault }),
    ).rejects.toThrow(VaultIntegrityError);
  });

  it("rejects a record that names another field than its token", async () => {
    const { vault, cipher } = await seeded();
    const email = tokenFor("email", "a@b.example");
    const record = vault.records.get(email);
    if (record === undefined) throw new Error("seed failed");
    vault.records.set(email, { ...record, field: "phone" });
    await expect(
      detokenizeTokens({ tokens: [email], purpose: "audit" }, { decrypter: cipher, vault }),
    ).rejects.toThrow(
      new VaultIntegrityError(email, "the record does not match its token").message,
    );
  });

  it("rejects a plaintext that is not UTF-8", async () => {
    const { vault } = await seeded();
    const email = tokenFor("email", "a@b.example");
    const decrypter: Decrypter = { decrypt: () => Promise.resolve(new Uint8Array([0xff, 0xfe])) };
    await expect(
      detokenizeTokens({ tokens: [email], purpose: "audit" }, { decrypter, vault }),
    ).rejects.toThrow(`vault record for token ${email} is not valid: the value is not valid UTF-8`);
  });

  it("makes no call for no tokens", async () => {
    const vault: TokenVault = {
      putIfAbsent: () => Promise.reject(new Error("unexpected")),
      getMany: () => Promise.reject(new Error("unexpected")),
    };
    const decrypter: Decrypter = { decrypt: () => Promise.reject(new Error("unexpected")) };
    expect(await detokenizeTokens({ tokens: [], purpose: "audit" }, { decrypter, vault })).toEqual({
      values: [],
      missing: [],
    });
  });
});
