import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  detokenizeTokens,
  tokenizeItems,
  type Decrypter,
  type Encrypter,
  type MacGenerator,
  type PutOutcome,
  type StoredRecord,
  type TokenVault,
  type VaultEncryptionContext,
  type VaultRecord,
} from "./core";
import { mapWithConcurrency } from "../../shared/concurrency";
import { KeyServiceError, VaultIntegrityError } from "./errors";
import { parseTokenizeEvent } from "./requests";
import { parseToken } from "./token";
import { fakeMac, tokenFor, utf8, fieldArb } from "./test-support";

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
