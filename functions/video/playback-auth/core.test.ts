import { verify } from "node:crypto";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  COURSE_ID_PATTERN,
  MAX_SESSION_SECONDS,
  MIN_SESSION_SECONDS,
  authorizePlayback,
  buildPolicy,
  decodeCloudFrontBase64,
  encodeCloudFrontBase64,
  isExpired,
  parsePlaybackRequest,
  policyExpiry,
  readPolicy,
  setCookieHeader,
  type PlaybackAuthDeps,
  type PolicySigner,
  type SignedCookieValues,
} from "./core";
import {
  ConfigurationError,
  InternalError,
  InvalidRequestError,
  PolicyFormatError,
  SigningError,
  SigningKeyUnavailableError,
  toCallerError,
} from "./errors";
import {
  KEY_PAIR_ID,
  NodeRsaSha1Signer,
  PLAYBACK_DOMAIN,
  cookiesByName,
  fromCloudFrontBase64,
  generateRsaKeyPair,
  rejection,
  thrown,
  type TestKeyPair,
} from "./test-support";
import { REQUEST, REQUEST_COOKIE_ATTRIBUTES } from "./fixtures/events";

const NOW = new Date("2025-03-01T12:00:00.000Z");
const NOW_SECONDS = 1_740_830_400;

let keys: TestKeyPair;

beforeAll(() => {
  keys = generateRsaKeyPair();
});

function deps(
  signer: PolicySigner,
  clock: () => Date = () => NOW,
  cookieDomain = PLAYBACK_DOMAIN,
): PlaybackAuthDeps {
  return { config: { playbackDomain: PLAYBACK_DOMAIN, cookieDomain }, signer, clock };
}
// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

describe("parsePlaybackRequest", () => {
  it("uses the default session when the request gives none", () => {
    expect(parsePlaybackRequest(REQUEST, 3600)).toEqual({
      courseId: "intro-to-sql",
      sessionSeconds: 3600,
    });
  });

  it("takes the request's session, bounds included, and ignores other properties", () => {
    expect(parsePlaybackRequest({ courseId: "c1", sessionSeconds: 60, userId: "u" }, 3600)).toEqual(
      { courseId: "c1", sessionSeconds: 60 },
    );
    expect(parsePlaybackRequest({ courseId: "c1", sessionSeconds: 14_400 }, 3600)).toEqual({
      courseId: "c1",
      sessionSeconds: 14_400,
    });
  });

  it("accepts every course id the pattern allows", () => {
    fc.assert(
      fc.property(fc.stringMatching(COURSE_ID_PATTERN), (courseId) => {
        expect(parsePlaybackRequest({ courseId }, 3600).courseId).toBe(courseId);
      }),
    );
  });

  it("refuses any other course id, without echoing it", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (courseId) => {
        fc.pre(!COURSE_ID_PATTERN.test(courseId));
        const error = thrown(() => parsePlaybackRequest({ courseId }, 3600));
        expect(error).toBeInstanceOf(InvalidRequestError);
        expect((error as Error).message).toBe(
          "invalid request: courseId must match ^[a-z0-9-]{1,64}$",
        );
      }),
    );
  });

  it.each([
    ["Intro-To-SQL"],
    ["intro/../admin"],
    ["intro_sql"],
    ["intro sql"],
    ["*"],
    [""],
    ["a".repeat(65)],
    ["intro\n"],
  ])("refuses the course id %j", (courseId) => {
    const error = thrown(() => parsePlaybackRequest({ courseId }, 3600));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({
      name: "InvalidRequestError",
      message: "invalid request: courseId must match ^[a-z0-9-]{1,64}$",
      issues: ["courseId must match ^[a-z0-9-]{1,64}$"],
    });
  });

  it.each([
    [{ courseId: "c1", sessionSeconds: 59 }, "sessionSeconds must be from 60 to 14400, got 59"],
    [
      { courseId: "c1", sessionSeconds: 14_401 },
      "sessionSeconds must be from 60 to 14400, got 14401",
    ],
    [{ courseId: "c1", sessionSeconds: -1 }, "sessionSeconds must be from 60 to 14400, got -1"],
    [{ courseId: "c1", sessionSeconds: 90.5 }, "sessionSeconds must be a whole number of seconds"],
    [{ courseId: "c1", sessionSeconds: "3600" }, "sessionSeconds must be a number"],
    [{ courseId: "c1", sessionSeconds: null }, "sessionSeconds must be a number"],
    [{ courseId: "c1", sessionSeconds: Infinity }, "sessionSeconds must be a number"],
    [{ courseId: "c1", sessionSeconds: NaN }, "sessionSeconds must be a number"],
    [{}, "courseId is required"],
    [{ courseId: 42 }, "courseId must be a string"],
    [null, "event must be an object"],
    ["intro-to-sql", "event must be an object"],
    [
      { courseId: "C1", sessionSeconds: 10 },
      "courseId must match ^[a-z0-9-]{1,64}$; sessionSeconds must be from 60 to 14400, got 10",
    ],
  ])("refuses %j", (event, reasons) => {
    const error = thrown(() => parsePlaybackRequest(event, 3600));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({
      name: "InvalidRequestError",
      message: `invalid request: ${reasons}`,
    });
  });

  it("refuses every session outside the range", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ max: MIN_SESSION_SECONDS - 1 }),
          fc.integer({ min: MAX_SESSION_SECONDS + 1 }),
        ),
        (sessionSeconds) => {
          expect(() => parsePlaybackRequest({ courseId: "c1", sessionSeconds }, 3600)).toThrow(
            `invalid request: sessionSeconds must be from 60 to 14400, got ${sessionSeconds}`,
          );
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Policy and codec
// ---------------------------------------------------------------------------------------------

describe("buildPolicy", () => {
  it("is compact JSON with one statement, the resource and DateLessThan", () => {
    expect(buildPolicy("https://media.example.com/courses/c1/*", 1_740_834_000)).toBe(
      '{"Statement":[{"Resource":"https://media.example.com/courses/c1/*",' +
        '"Condition":{"DateLessThan":{"AWS:EpochTime":1740834000}}}]}',
    );
  });

  it("reads back through readPolicy", () => {
    expect(readPolicy(buildPolicy("https://a.example/x/*", 5))).toEqual({
      resource: "https://a.example/x/*",
      dateLessThan: 5,
    });
  });
});

describe("isExpired", () => {
  const policy = buildPolicy("https://media.example.com/courses/c1/*", NOW_SECONDS + 60);

  it("is false before DateLessThan and true from that second on", () => {
    expect(policyExpiry(policy)).toBe(NOW_SECONDS + 60);
    expect(isExpired(policy, NOW)).toBe(false);
    expect(isExpired(policy, new Date((NOW_SECONDS + 60) * 1000 - 1))).toBe(false);
    expect(isExpired(policy, new Date((NOW_SECONDS + 60) * 1000))).toBe(true);
    expect(isExpired(policy, new Date((NOW_SECONDS + 61) * 1000))).toBe(true);
  });

  it.each([
    ["not json", "policy is not JSON"],
    [
      '{"Statement":[]}',
      "policy must hold one statement with a Resource and a DateLessThan epoch time",
    ],
    [
      JSON.stringify({
        Statement: [
          { Resource: "a", Condition: { DateLessThan: { "AWS:EpochTime": 1 } } },
          { Resource: "b", Condition: { DateLessThan: { "AWS:EpochTime": 1 } } },
        ],
      }),
      "policy must hold one statement with a Resource and a DateLessThan epoch time",
    ],
    [
      JSON.stringify({ Statement: [{ Resource: "a", Condition: { DateLessThan: "soon" } }] }),
      "policy must hold one statement with a Resource and a DateLessThan epoch time",
    ],
  ])("refuses the policy %j", (text, message) => {
    const error = thrown(() => isExpired(text, NOW));
    expect(error).toBeInstanceOf(PolicyFormatError);
    expect(error).toMatchObject({ name: "PolicyFormatError", message });
  });
});

describe("CloudFront base64", () => {
  it("uses - _ ~ for + = /", () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0xbf, 0xfe]);
    expect(Buffer.from(bytes).toString("base64")).toBe("+/+//g==");
    expect(encodeCloudFrontBase64(bytes)).toBe("-~-~~g__");
    expect(decodeCloudFrontBase64("-~-~~g__")).toEqual(Buffer.from(bytes));
  });

  it("round-trips any bytes within the cookie-safe alphabet", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const encoded = encodeCloudFrontBase64(bytes);
        expect(encoded).toMatch(/^[A-Za-z0-9_~-]*$/);
        expect(decodeCloudFrontBase64(encoded)).toEqual(Buffer.from(bytes));
        expect(fromCloudFrontBase64(encoded)).toEqual(Buffer.from(bytes));
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The flow, over an independent SHA-1 RSA signer
// ---------------------------------------------------------------------------------------------

describe("authorizePlayback", () => {
  it("returns the three cookies for the course's folder", async () => {
    const signer = new NodeRsaSha1Signer(keys.privateKey);
    const grant = await authorizePlayback({ ...REQUEST, sessionSeconds: 3600 }, deps(signer));
    const resource = "https://media.example.com/courses/intro-to-sql/*";
    const policy = buildPolicy(resource, NOW_SECONDS + 3600);
    expect(signer.policies).toEqual([policy]);
    expect(grant).toEqual({
      cookies: [
        expect.stringMatching(/^CloudFront-Policy=[A-Za-z0-9_~-]+; /),
        expect.stringMatching(/^CloudFront-Signature=[A-Za-z0-9_~-]+; /),
        `CloudFront-Key-Pair-Id=${KEY_PAIR_ID}; Domain=media.example.com; ` +
          "Path=/courses/intro-to-sql/; Max-Age=3600; Secure; HttpOnly; SameSite=None",
      ],
      expiresAt: "2025-03-01T13:00:00.000Z",
      resource,
      sessionSeconds: 3600,
    });

    const cookies = cookiesByName(grant.cookies);
    const policyCookie = cookies.get("CloudFront-Policy");
    const signatureCookie = cookies.get("CloudFront-Signature");
    const policyBytes = fromCloudFrontBase64(policyCookie?.value ?? "");
    expect(JSON.parse(policyBytes.toString("utf8"))).toEqual({
      Statement: [
        {
          Resource: resource,
          Condition: { DateLessThan: { "AWS:EpochTime": NOW_SECONDS + 3600 } },
        },
      ],
    });
    const signature = fromCloudFrontBase64(signatureCookie?.value ?? "");
    expect(signature).toHaveLength(256);
    expect(verify("RSA-SHA1", policyBytes, keys.publicKey, signature)).toBe(true);
    for (const cookie of cookies.values()) {
      expect(cookie.attributes).toEqual(REQUEST_COOKIE_ATTRIBUTES);
    }
  });

  it("sets the configured cookie domain but signs the playback domain", async () => {
    const grant = await authorizePlayback(
      { courseId: "c1", sessionSeconds: 60 },
      deps(new NodeRsaSha1Signer(keys.privateKey), () => NOW, "example.com"),
    );
    expect(grant.resource).toBe("https://media.example.com/courses/c1/*");
    for (const cookie of cookiesByName(grant.cookies).values()) {
      expect(cookie.attributes).toMatchObject({ Domain: "example.com", "Max-Age": "60" });
    }
  });

  it("sets DateLessThan to exactly now (whole seconds) plus the session", async () => {
    const signer = new NodeRsaSha1Signer(keys.privateKey);
    const clock = (): Date => new Date(NOW.getTime() + 999);
    const grant = await authorizePlayback(
      { courseId: "c1", sessionSeconds: 900 },
      deps(signer, clock),
    );
    expect(policyExpiry(signer.policies[0] ?? "")).toBe(NOW_SECONDS + 900);
    expect(grant.expiresAt).toBe("2025-03-01T12:15:00.000Z");
  });

  it("always expires in the future, within the longest session, and not before the session ends", async () => {
    const signer = new NodeRsaSha1Signer(keys.privateKey);
    await fc.assert(
      fc.asyncProperty(
        fc.date({
          min: new Date("2000-01-01T00:00:00Z"),
          max: new Date("2100-01-01T00:00:00Z"),
          noInvalidDate: true,
        }),
        fc.integer({ min: MIN_SESSION_SECONDS, max: MAX_SESSION_SECONDS }),
        fc.stringMatching(COURSE_ID_PATTERN),
        async (now, sessionSeconds, courseId) => {
          const grant = await authorizePlayback(
            { courseId, sessionSeconds },
            deps(signer, () => now),
          );
          const policy = fromCloudFrontBase64(
            cookiesByName(grant.cookies).get("CloudFront-Policy")?.value ?? "",
          ).toString("utf8");
          const dateLessThan = policyExpiry(policy);
          expect(dateLessThan * 1000).toBeGreaterThan(now.getTime());
          expect(dateLessThan * 1000 - now.getTime()).toBeLessThanOrEqual(
            MAX_SESSION_SECONDS * 1000,
          );
          expect(isExpired(policy, now)).toBe(false);
          expect(isExpired(policy, new Date(now.getTime() + (sessionSeconds - 1) * 1000))).toBe(
            false,
          );
          expect(isExpired(policy, new Date(now.getTime() + sessionSeconds * 1000))).toBe(true);
          expect(new Date(grant.expiresAt).getTime()).toBe(dateLessThan * 1000);
          expect(readPolicy(policy).resource).toBe(
            `https://media.example.com/courses/${courseId}/*`,
          );
        },
      ),
      { numRuns: 50 },
    );
  });

  it("refuses a signer's cookie for another policy", async () => {
    const inner = new NodeRsaSha1Signer(keys.privateKey);
    const swapping: PolicySigner = {
      signPolicy: (policy) => inner.signPolicy(policy.replace("/courses/c1/*", "/courses/*")),
    };
    const error = await rejection(
      authorizePlayback({ courseId: "c1", sessionSeconds: 60 }, deps(swapping)),
    );
    expect(error).toBeInstanceOf(SigningError);
    expect(error).toMatchObject({
      name: "SigningError",
      message: "signer returned a CloudFront-Policy for another policy",
    });
  });

  it("refuses a cookie value that could break the header", async () => {
    const inner = new NodeRsaSha1Signer(keys.privateKey);
    const injecting: PolicySigner = {
      signPolicy: async (policy): Promise<SignedCookieValues> => ({
        ...(await inner.signPolicy(policy)),
        "CloudFront-Signature": "abc; Domain=evil.example",
      }),
    };
    await expect(
      authorizePlayback({ courseId: "c1", sessionSeconds: 60 }, deps(injecting)),
    ).rejects.toThrow(new SigningError("signer returned a malformed CloudFront-Signature value"));
  });

  it("passes the signer's errors on", async () => {
    const failing: PolicySigner = {
      signPolicy: () => Promise.reject(new SigningKeyUnavailableError()),
    };
    await expect(
      authorizePlayback({ courseId: "c1", sessionSeconds: 60 }, deps(failing)),
    ).rejects.toThrow(new SigningKeyUnavailableError());
  });
});

describe("setCookieHeader", () => {
  it("writes the attributes in a fixed order", () => {
    expect(
      setCookieHeader("CloudFront-Key-Pair-Id", "K1", {
        domain: "media.example.com",
        path: "/courses/c/",
        maxAgeSeconds: 60,
      }),
    ).toBe(
      "CloudFront-Key-Pair-Id=K1; Domain=media.example.com; Path=/courses/c/; Max-Age=60; " +
        "Secure; HttpOnly; SameSite=None",
    );
  });
});

describe("errors", () => {
  it("have fixed names and safe messages", () => {
    expect(new SigningKeyUnavailableError()).toMatchObject({
      name: "SigningKeyUnavailableError",
      message: "signing key is unavailable",
    });
    expect(new ConfigurationError(["A"], ["B is bad"]).message).toBe(
      "missing environment variables: A; B is bad",
    );
  });

  it("hides anything that is not ours", () => {
    const raw = new Error("AccessDeniedException: arn:aws:iam::111122223333:role/x is not allowed");
    expect(toCallerError(raw)).toBeInstanceOf(InternalError);
    expect(toCallerError(raw).message).toBe("internal error");
    const ours = new SigningError("signing failed");
    expect(toCallerError(ours)).toBe(ours);
  });
});
