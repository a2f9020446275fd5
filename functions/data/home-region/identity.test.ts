import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { recordKeyFor, type MacGenerator } from "./core";
import { InvalidIdentityError, KeyServiceError } from "./errors";
import {
  MAC_BYTES,
  MAX_IDENTITY_LENGTH,
  MAX_MAC_MESSAGE_BYTES,
  auditKey,
  isRecordKey,
  keyPrefix,
  macMessage,
  normalizeIdentity,
  recordKey,
  type NormalizedIdentity,
} from "./identity";
import { SAUDI_IDENTITY } from "./fixtures/events";
import { fakeMac, recordKeyOf, thrown } from "./test-support";

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
