/**
 * The token format: value normalization, the MAC message the HMAC key signs, and tokens made and
 * taken apart. A token is `tok_<field>_<base64url of HMAC-SHA-256(key, macMessage(field, value))>`;
 * it reveals the field name and nothing about the value.
 */
import { createHash } from "node:crypto";
import { TokenFormatError } from "./errors";

/** Field names: a lower-case letter, then up to 63 lower-case letters, digits or underscores. */
export const FIELD_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
/** Longest field name the pattern allows. */
export const MAX_FIELD_NAME_LENGTH = 64;
/** Every token starts with this. */
export const TOKEN_PREFIX = "tok_";
/** Bytes of an HMAC-SHA-256 MAC. */
export const MAC_BYTES = 32;
/** Characters of the unpadded base64url encoding of a MAC. */
export const MAC_BASE64URL_LENGTH = 43;
/** Longest possible token: prefix, longest field name, `_`, MAC. */
export const MAX_TOKEN_LENGTH =
  TOKEN_PREFIX.length + MAX_FIELD_NAME_LENGTH + 1 + MAC_BASE64URL_LENGTH;

const PHONE_STRIPPED = /[\s\-()]/gu;
/** A lone UTF-16 surrogate: text that is not well-formed Unicode. */
export const LONE_SURROGATE = /\p{Surrogate}/u;
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
