/**
 * PII tokenization: the tokenize / detokenize flows over injected dependencies (`MacGenerator`,
 * `Encrypter`, `Decrypter`, `TokenVault`). Nothing here talks to AWS.
 *
 * A token is `tok_<field>_<base64url of HMAC-SHA-256(key, macMessage(field, value))>`
 * (`./token`). It reveals the field name and nothing about the value; the value itself is kept,
 * encrypted under the region's user-data key, in the region's vault, keyed by the token.
 */
import { VaultIntegrityError } from "./errors";
import { mapWithConcurrency } from "../../shared/concurrency";
import { InternalError } from "../../shared/errors";
import type {
  DetokenizeResponse,
  TokenizeResponse,
  ValidDetokenizeRequest,
  ValidItem,
} from "./requests";
import { formatToken, macMessage, parseToken } from "./token";

/** The `purpose` entry of every vault encryption context. */
export const VAULT_ENCRYPTION_PURPOSE = "pii-vault";
/** KMS calls in flight at once within one request. */
export const DEFAULT_CONCURRENCY = 8;

const utf8 = new TextEncoder();

/** The encryption context every vault ciphertext is bound to. */
export interface VaultEncryptionContext {
  readonly purpose: typeof VAULT_ENCRYPTION_PURPOSE;
  readonly field: string;
  readonly token: string;
}

/** The encryption context of the vault record of `token`. */
export function vaultEncryptionContext(field: string, token: string): VaultEncryptionContext {
  return { purpose: VAULT_ENCRYPTION_PURPOSE, field, token };
}

/** HMAC-SHA-256 under the tokenization key. Returns the 32-byte MAC. */
export interface MacGenerator {
  generateMac(message: Uint8Array): Promise<Uint8Array>;
}

/** Encryption under the region's user-data key, bound to an encryption context. */
export interface Encrypter {
  encrypt(plaintext: Uint8Array, context: VaultEncryptionContext): Promise<Uint8Array>;
}

/**
 * Decryption under the region's user-data key. Must throw `VaultIntegrityError` when the
 * ciphertext does not decrypt under `context`.
 */
export interface Decrypter {
  decrypt(ciphertext: Uint8Array, context: VaultEncryptionContext): Promise<Uint8Array>;
}

/** A complete vault record, as written. */
export interface VaultRecord {
  readonly token: string;
  readonly field: string;
  readonly ciphertext: Uint8Array;
  /** ISO 8601 time of writing. */
  readonly createdAt: string;
}

/** A vault record, as read back. */
export interface StoredRecord {
  readonly token: string;
  readonly field: string;
  readonly ciphertext: Uint8Array;
}

/** Whether `putIfAbsent` wrote the record or found the token already there. */
export type PutOutcome = "created" | "existing";

/** The region's store of encrypted values, keyed by token. */
export interface TokenVault {
  /**
   * Writes the record in one atomic operation unless its token is already stored. A token that is
   * already stored is left as it is, and that is success (`"existing"`).
   */
  putIfAbsent(record: VaultRecord): Promise<PutOutcome>;
  /** The stored records of the given tokens; tokens not stored are absent from the map. */
  getMany(tokens: readonly string[]): Promise<ReadonlyMap<string, StoredRecord>>;
}

// ---------------------------------------------------------------------------------------------
// Flows
// ---------------------------------------------------------------------------------------------

/** A value the code guarantees is there; `InternalError` if it is not. */
function present<T>(value: T | undefined): T {
  if (value === undefined) throw new InternalError();
  return value;
}

/** What `tokenizeItems` needs. */
export interface TokenizeDeps {
  readonly mac: MacGenerator;
  readonly encrypter: Encrypter;
  readonly vault: TokenVault;
  readonly now?: () => Date;
  readonly concurrency?: number;
}

/** The result of `tokenizeItems`, with counts for the logs. */
export interface TokenizeOutcome extends TokenizeResponse {
  /** Distinct (field, value) pairs in the request. */
  readonly unique: number;
  /** Records written by this request. */
  readonly created: number;
  /** Tokens that were already in the vault. */
  readonly existing: number;
}

/**
 * Tokenizes validated items. Each distinct (field, normalized value) is handled once, in three
 * phases: MAC every value, encrypt every value, then write every record. A failure in a KMS phase
 * stops the request before anything is written; every write is a complete record in one atomic
 * put-if-absent, so a failure while writing leaves complete records only and the request can be
 * retried as it is.
 */
export async function tokenizeItems(
  items: readonly ValidItem[],
  deps: TokenizeDeps,
): Promise<TokenizeOutcome> {
  const concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
  const keyOf = (item: ValidItem): string => `${item.field}\u0000${item.value}`;
  const distinct = new Map<string, ValidItem>();
  for (const item of items) {
    if (!distinct.has(keyOf(item))) distinct.set(keyOf(item), item);
  }
  const unique = [...distinct.values()];

  const tokens = await mapWithConcurrency(unique, concurrency, async (item) => {
    const mac = await deps.mac.generateMac(macMessage(item.field, item.value));
    return formatToken(item.field, mac);
  });

  const createdAt = (deps.now ?? (() => new Date()))().toISOString();
  const records = await mapWithConcurrency(unique, concurrency, async (item, index) => {
    const token = present(tokens[index]);
    const ciphertext = await deps.encrypter.encrypt(
      utf8.encode(item.value),
      vaultEncryptionContext(item.field, token),
    );
    return { token, field: item.field, ciphertext, createdAt };
  });

  const outcomes = await mapWithConcurrency(records, concurrency, (record) =>
    deps.vault.putIfAbsent(record),
  );

  const tokenByKey = new Map(unique.map((item, index) => [keyOf(item), present(tokens[index])]));
  return {
    tokens: items.map((item) => ({
      field: item.field,
      token: present(tokenByKey.get(keyOf(item))),
    })),
    unique: unique.length,
    created: outcomes.filter((outcome) => outcome === "created").length,
    existing: outcomes.filter((outcome) => outcome === "existing").length,
  };
}

/** What `detokenizeTokens` needs. */
export interface DetokenizeDeps {
  readonly decrypter: Decrypter;
  readonly vault: TokenVault;
  readonly concurrency?: number;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Looks up and decrypts validated tokens. Each distinct token appears once in the result, in the
 * order of its first occurrence: in `values` when the vault holds it, in `missing` when not. A
 * record that names another field than its token, or does not decrypt under its token's
 * encryption context, fails the request with `VaultIntegrityError`.
 */
export async function detokenizeTokens(
  request: ValidDetokenizeRequest,
  deps: DetokenizeDeps,
): Promise<DetokenizeResponse> {
  const distinct = [...new Set(request.tokens)];
  if (distinct.length === 0) {
    return { values: [], missing: [] };
  }
  const records = await deps.vault.getMany(distinct);
  const found: StoredRecord[] = [];
  const missing: string[] = [];
  for (const token of distinct) {
    const record = records.get(token);
    if (record === undefined) {
      missing.push(token);
      continue;
    }
    const { field } = parseToken(token);
    if (record.token !== token || record.field !== field) {
      throw new VaultIntegrityError(token, "the record does not match its token");
    }
    found.push(record);
  }
  const values = await mapWithConcurrency(
    found,
    deps.concurrency ?? DEFAULT_CONCURRENCY,
    async (record) => {
      const plaintext = await deps.decrypter.decrypt(
        record.ciphertext,
        vaultEncryptionContext(record.field, record.token),
      );
      let value: string;
      try {
        value = strictUtf8.decode(plaintext);
      } catch {
        throw new VaultIntegrityError(record.token, "the value is not valid UTF-8");
      }
      return { token: record.token, field: record.field, value };
    },
  );
  return { values, missing };
}
