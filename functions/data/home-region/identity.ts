/**
 * Sign-in identities and the keys derived from them: normalization, the MAC message the HMAC key
 * signs, the record key and the audit key. Residency follows the account: each user has one home
 * region, found by a keyed hash of their sign-in identity, so the replicated table holds no
 * personal data.
 */
import { InvalidIdentityError, KeyServiceError } from "./errors";

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

const HOSTNAME_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Whether `value` is a lower-case DNS hostname of two or more labels. */
export function isHostname(value: string): boolean {
  if (value.length > 253) return false;
  const labels = value.split(".");
  return labels.length >= 2 && labels.every((label) => HOSTNAME_LABEL.test(label));
}

/** An identity that passed `normalizeIdentity`: a trimmed, lower-cased ASCII email address. */
export type NormalizedIdentity = string & { readonly __normalizedIdentity: true };

/** A control character (Unicode category Cc): refused in identities and in move reasons. */
export const CONTROL_CHARACTER = /\p{Cc}/u;
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
  if (CONTROL_CHARACTER.test(trimmed)) {
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
