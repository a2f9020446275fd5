import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TokenFormatError } from "./errors";
import { MAX_TOKEN_LENGTH, formatToken, macMessage, normalizeValue, parseToken } from "./token";
import { thrown, utf8, MAC, MAC_TEXT, fieldArb } from "./test-support";

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
