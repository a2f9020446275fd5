/**
 * PII tokenization: the pure part. Request validation, value normalization, the MAC message, the
 * token format, and the tokenize / detokenize flows over injected dependencies (`MacGenerator`,
 * `Encrypter`, `Decrypter`, `TokenVault`). Nothing here talks to AWS.
 *
 * A token is `tok_<field>_<base64url of HMAC-SHA-256(key, macMessage(field, value))>`. It reveals
 * the field name and nothing about the value; the value itself is kept, encrypted under the
 * region's user-data key, in the region's vault, keyed by the token.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { configurationMessage } from "../../shared/configuration";

// ---------------------------------------------------------------------------------------------
// Limits and constants
// ---------------------------------------------------------------------------------------------

/** Field names: a lower-case letter, then up to 63 lower-case letters, digits or underscores. */
export const FIELD_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
/** Longest field name the pattern allows. */
export const MAX_FIELD_NAME_LENGTH = 64;
/** Most items (tokenize) or tokens (detokenize) in one request. */
export const MAX_ITEMS_PER_REQUEST = 100;
/**
 * Most UTF-8 bytes of a value after normalization. KMS `Encrypt` takes at most 4096 bytes of
 * plaintext, and the normalized value is the plaintext.
 */
export const MAX_VALUE_BYTES = 4096;
/** Most characters (Unicode code points) of a detokenize `purpose`. */
export const MAX_PURPOSE_LENGTH = 200;
/** Every token starts with this. */
export const TOKEN_PREFIX = "tok_";
/** Bytes of an HMAC-SHA-256 MAC. */
export const MAC_BYTES = 32;
/** Characters of the unpadded base64url encoding of a MAC. */
export const MAC_BASE64URL_LENGTH = 43;
/** Longest possible token: prefix, longest field name, `_`, MAC. */
export const MAX_TOKEN_LENGTH =
  TOKEN_PREFIX.length + MAX_FIELD_NAME_LENGTH + 1 + MAC_BASE64URL_LENGTH;
/** The `purpose` entry of every vault encryption context. */
export const VAULT_ENCRYPTION_PURPOSE = "pii-vault";
/** KMS calls in flight at once within one request. */
export const DEFAULT_CONCURRENCY = 8;

// ---------------------------------------------------------------------------------------------
// Errors. Every error a caller can see is one of these: a fixed name and a message that carries
// indexes, field names, tokens and fixed reasons, never a value or a raw AWS error.
// ---------------------------------------------------------------------------------------------

/** Base of the errors this function returns to callers. */
export abstract class PiiTokenizeError extends Error {
  abstract override readonly name: string;
}

/** One problem with a request: the item's index (null for the request as a whole) and why. */
export interface RequestIssue {
  readonly index: number | null;
  readonly reason: string;
}

/** The request is invalid; nothing was called and nothing was written. */
export class InvalidRequestError extends PiiTokenizeError {
  override readonly name = "InvalidRequestError";
  constructor(
    readonly issues: readonly RequestIssue[],
    readonly listName: string,
  ) {
    super(
      `invalid request: ${issues
        .map((issue) =>
          issue.index === null ? issue.reason : `${listName}[${issue.index}]: ${issue.reason}`,
        )
        .join("; ")}`,
    );
  }
}

/** A string is not a well-formed token. */
export class TokenFormatError extends PiiTokenizeError {
  override readonly name = "TokenFormatError";
}

/** Required environment variables are missing or invalid (raised when the module loads). */
export class ConfigurationError extends PiiTokenizeError {
  override readonly name = "ConfigurationError";
  constructor(
    readonly missing: readonly string[],
    readonly problems: readonly string[] = [],
  ) {
    super(configurationMessage(missing, problems));
  }
}

/** A KMS call failed (throttling, access, availability). Safe to retry the whole request. */
export class KeyServiceError extends PiiTokenizeError {
  override readonly name = "KeyServiceError";
  constructor(readonly operation: string) {
    super(`key service call ${operation} failed`);
  }
}

/** A vault read or write failed. Safe to retry the whole request. */
export class VaultError extends PiiTokenizeError {
  override readonly name = "VaultError";
}

/**
 * A vault record is not what its token says it is: it is malformed, names another field, or does
 * not decrypt under the encryption context of its token (for example it was copied to another
 * token, or encrypted under another key).
 */
export class VaultIntegrityError extends PiiTokenizeError {
  override readonly name = "VaultIntegrityError";
  constructor(
    readonly token: string,
    reason: string,
  ) {
    super(`vault record for token ${token} is not valid: ${reason}`);
  }
}

/** Anything unexpected; the details are in the function's logs, not in the message. */
export class InternalError extends PiiTokenizeError {
  override readonly name = "InternalError";
  constructor() {
    super("internal error");
  }
}

/** The error to hand a caller: ours as they are, anything else as an `InternalError`. */
export function toCallerError(error: unknown): PiiTokenizeError {
  return error instanceof PiiTokenizeError ? error : new InternalError();
}

// ---------------------------------------------------------------------------------------------
// Normalization, MAC message and token format
// ---------------------------------------------------------------------------------------------

const PHONE_STRIPPED = /[\s\-()]/gu;
const LONE_SURROGATE = /\p{Surrogate}/u;
const utf8 = new TextEncoder();

/**
 * The canonical form of a value, so that equal values give equal tokens:
 * - `email`: surrounding whitespace removed, then lower-cased (`String#toLowerCase`, which does
 *   not depend on the locale). The whole address is lower-cased, local part included.
 * - `phone`: every whitespace character, `-`, `(` and `)` removed anywhere in the value. Nothing
 *   else changes: `+` and digits stay, and no country code is added.
 * - any other field: surrounding whitespace removed (`String#trim`); case and inner spacing kept.
 * No Unicode normalization (NFC/NFKC) is applied: the same text in two encodings gives two tokens.
 */
export function normalizeValue(field: string, value: string): string {
  switch (field) {
    case "email":
      return value.trim().toLowerCase();
    case "phone":
      return value.replace(PHONE_STRIPPED, "");
    default:
      return value.trim();
  }
}

/** UTF-8 length of a string in bytes. */
export function utf8ByteLength(value: string): number {
  return utf8.encode(value).length;
}

/**
 * The message the HMAC key signs for a field and a normalized value: the field name in UTF-8, one
 * NUL byte, then the SHA-256 digest of the value in UTF-8. Field names cannot contain NUL and the
 * digest has a fixed length, so the encoding is unambiguous; hashing the value keeps the message
 * at most 64 + 1 + 32 bytes, well inside the 4096 bytes KMS `GenerateMac` accepts, for any value
 * that passes the 4096-byte limit.
 */
export function macMessage(field: string, normalizedValue: string): Uint8Array {
  const fieldBytes = utf8.encode(field);
  const digest = createHash("sha256").update(utf8.encode(normalizedValue)).digest();
  const message = new Uint8Array(fieldBytes.length + 1 + digest.length);
  message.set(fieldBytes, 0);
  message[fieldBytes.length] = 0;
  message.set(digest, fieldBytes.length + 1);
  return message;
}

/** A token taken apart. */
export interface ParsedToken {
  readonly field: string;
  readonly mac: Uint8Array;
}

/** `tok_<field>_<base64url MAC>` for a valid field name and a 32-byte MAC. */
export function formatToken(field: string, mac: Uint8Array): string {
  if (!FIELD_NAME_PATTERN.test(field)) {
    throw new TokenFormatError(`token field must match ${FIELD_NAME_PATTERN.source}`);
  }
  if (mac.length !== MAC_BYTES) {
    throw new TokenFormatError(`token MAC must be ${MAC_BYTES} bytes, got ${mac.length}`);
  }
  return `${TOKEN_PREFIX}${field}_${Buffer.from(mac).toString("base64url")}`;
}

const BASE64URL_MAC = new RegExp(`^[A-Za-z0-9_-]{${MAC_BASE64URL_LENGTH}}$`);

/**
 * Takes a token apart into its field and MAC. The MAC is the last 43 characters (base64url may
 * itself contain `_`, so the field is what lies between the prefix and the `_` before the MAC).
 * Throws `TokenFormatError` with one of a fixed set of messages.
 */
export function parseToken(token: unknown): ParsedToken {
  if (typeof token !== "string") {
    throw new TokenFormatError("token must be a string");
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new TokenFormatError(`token must be at most ${MAX_TOKEN_LENGTH} characters`);
  }
  if (!token.startsWith(TOKEN_PREFIX)) {
    throw new TokenFormatError(`token must start with "${TOKEN_PREFIX}"`);
  }
  const macStart = token.length - MAC_BASE64URL_LENGTH;
  const separator = macStart - 1;
  if (separator < TOKEN_PREFIX.length + 1) {
    throw new TokenFormatError("token is too short");
  }
  if (token[separator] !== "_") {
    throw new TokenFormatError(
      `token must end with "_" and a ${MAC_BASE64URL_LENGTH}-character base64url MAC`,
    );
  }
  const encodedMac = token.slice(macStart);
  if (!BASE64URL_MAC.test(encodedMac)) {
    throw new TokenFormatError(
      `token must end with "_" and a ${MAC_BASE64URL_LENGTH}-character base64url MAC`,
    );
  }
  const mac = Buffer.from(encodedMac, "base64url");
  if (mac.length !== MAC_BYTES || mac.toString("base64url") !== encodedMac) {
    throw new TokenFormatError("token MAC is not canonical base64url");
  }
  const field = token.slice(TOKEN_PREFIX.length, separator);
  if (!FIELD_NAME_PATTERN.test(field)) {
    throw new TokenFormatError(`token field must match ${FIELD_NAME_PATTERN.source}`);
  }
  return { field, mac: new Uint8Array(mac) };
}

// ---------------------------------------------------------------------------------------------
// Request schemas and validation
// ---------------------------------------------------------------------------------------------

/** A tokenize request: `{ items: [{ field, value }] }`. */
export interface TokenizeRequest {
  readonly items: readonly { readonly field: string; readonly value: string }[];
}

/** A tokenize response: one entry per request item, in request order. */
export interface TokenizeResponse {
  readonly tokens: { readonly field: string; readonly token: string }[];
}

/** A detokenize request: the tokens, and why they are needed (logged for audit). */
export interface DetokenizeRequest {
  readonly tokens: readonly string[];
  readonly purpose: string;
}

/** A detokenize response: the values found, and the tokens the vault does not hold. */
export interface DetokenizeResponse {
  readonly values: { readonly token: string; readonly field: string; readonly value: string }[];
  readonly missing: string[];
}

/** An item that passed validation, its value normalized. */
export interface ValidItem {
  readonly field: string;
  readonly value: string;
}

/** A detokenize request that passed validation. */
export interface ValidDetokenizeRequest {
  readonly tokens: readonly string[];
  readonly purpose: string;
}

const requiredString =
  (name: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? `${name} is required` : `${name} must be a string`;

const requiredArray =
  (name: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? `${name} is required` : `${name} must be an array`;

/** Shape of a tokenize event; items are checked one by one so every bad item is reported. */
export const tokenizeEventSchema = z.object(
  { items: z.array(z.unknown(), { error: requiredArray("items") }) },
  { error: "event must be an object" },
);

/** Shape of one tokenize item, before normalization. */
export const tokenizeItemSchema = z.object(
  {
    field: z
      .string({ error: requiredString("field") })
      .regex(FIELD_NAME_PATTERN, { error: `field must match ${FIELD_NAME_PATTERN.source}` }),
    value: z.string({ error: requiredString("value") }),
  },
  { error: "item must be an object with field and value" },
);

/** Shape of a detokenize event; tokens are parsed one by one so every bad token is reported. */
export const detokenizeEventSchema = z.object(
  {
    tokens: z.array(z.unknown(), { error: requiredArray("tokens") }),
    purpose: z
      .string({ error: requiredString("purpose") })
      .refine((purpose) => purpose.trim().length > 0, {
        error: "purpose must not be blank",
        abort: true,
      })
      .refine((purpose) => Array.from(purpose).length <= MAX_PURPOSE_LENGTH, {
        error: `purpose must be at most ${MAX_PURPOSE_LENGTH} characters`,
      })
      .refine((purpose) => !LONE_SURROGATE.test(purpose), {
        error: "purpose must be well-formed Unicode",
      })
      .refine((purpose) => !/\p{Cc}/u.test(purpose), {
        error: "purpose must not contain control characters",
      }),
  },
  { error: "event must be an object" },
);

function eventIssues(error: z.ZodError): RequestIssue[] {
  return error.issues.map((issue) => ({ index: null, reason: issue.message }));
}

function checkCount(count: number, listName: string): RequestIssue[] {
  return count > MAX_ITEMS_PER_REQUEST
    ? [
        {
          index: null,
          reason: `${listName} must hold at most ${MAX_ITEMS_PER_REQUEST} entries, got ${count}`,
        },
      ]
    : [];
}

/**
 * Validates a tokenize event and normalizes its values. Every bad item is reported, by index and
 * reason (never by value), in one `InvalidRequestError`. An empty `items` list is valid.
 */
export function parseTokenizeEvent(event: unknown): ValidItem[] {
  const shape = tokenizeEventSchema.safeParse(event);
  if (!shape.success) {
    throw new InvalidRequestError(eventIssues(shape.error), "items");
  }
  const rawItems = shape.data.items;
  const countIssues = checkCount(rawItems.length, "items");
  if (countIssues.length > 0) {
    throw new InvalidRequestError(countIssues, "items");
  }
  const issues: RequestIssue[] = [];
  const items: ValidItem[] = [];
  rawItems.forEach((raw, index) => {
    const parsed = tokenizeItemSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        issues.push({ index, reason: issue.message });
      }
      return;
    }
    const { field } = parsed.data;
    if (LONE_SURROGATE.test(parsed.data.value)) {
      issues.push({ index, reason: "value must be well-formed Unicode" });
      return;
    }
    const value = normalizeValue(field, parsed.data.value);
    if (value.length === 0) {
      issues.push({ index, reason: "value must not be empty after normalization" });
      return;
    }
    const bytes = utf8ByteLength(value);
    if (bytes > MAX_VALUE_BYTES) {
      issues.push({
        index,
        reason: `value must be at most ${MAX_VALUE_BYTES} bytes of UTF-8 after normalization, got ${bytes}`,
      });
      return;
    }
    items.push({ field, value });
  });
  if (issues.length > 0) {
    throw new InvalidRequestError(issues, "items");
  }
  return items;
}

/**
 * Validates a detokenize event: a `tokens` array of well-formed tokens (at most 100) and a
 * `purpose` of 1 to 200 characters, not blank, without control characters. Every bad token is
 * reported by index and reason in one `InvalidRequestError`. An empty `tokens` list is valid.
 */
export function parseDetokenizeEvent(event: unknown): ValidDetokenizeRequest {
  const shape = detokenizeEventSchema.safeParse(event);
  if (!shape.success) {
    throw new InvalidRequestError(eventIssues(shape.error), "tokens");
  }
  const rawTokens = shape.data.tokens;
  const countIssues = checkCount(rawTokens.length, "tokens");
  if (countIssues.length > 0) {
    throw new InvalidRequestError(countIssues, "tokens");
  }
  const issues: RequestIssue[] = [];
  const tokens: string[] = [];
  rawTokens.forEach((raw, index) => {
    try {
      parseToken(raw);
    } catch (error) {
      if (!(error instanceof TokenFormatError)) throw error;
      issues.push({ index, reason: error.message });
      return;
    }
    if (typeof raw === "string") tokens.push(raw);
  });
  if (issues.length > 0) {
    throw new InvalidRequestError(issues, "tokens");
  }
  return { tokens, purpose: shape.data.purpose };
}

// ---------------------------------------------------------------------------------------------
// Dependencies
// ---------------------------------------------------------------------------------------------

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

/**
 * Runs `task` over `inputs` with at most `limit` in flight, results in input order. After the
 * first failure no new task starts; the tasks in flight are awaited, then the first error thrown.
 */
export async function mapWithConcurrency<T, R>(
  inputs: readonly T[],
  limit: number,
  task: (input: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Map<number, R>();
  const queue = inputs.map((input, index) => ({ input, index }));
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined) {
      const next = queue.shift();
      if (next === undefined) return;
      try {
        results.set(next.index, await task(next.input, next.index));
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Math.max(1, Math.min(limit, inputs.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure !== undefined) {
    throw failure.error;
  }
  return inputs.map((_, index) => present(results.get(index)));
}

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
