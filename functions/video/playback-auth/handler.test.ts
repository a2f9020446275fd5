import { verify } from "node:crypto";
import {
  GetSecretValueCommand,
  InternalServiceError,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  FakeSecrets,
  HANDLER_ENV,
  KEY_PAIR_ID,
  SECRET_ARN,
  captureLogs,
  cookiesByName,
  fromCloudFrontBase64,
  generateRsaKeyPair,
  rejection,
  setHandlerEnvironment,
  type HandlerVariable,
  type TestKeyPair,
} from "./test-support";
import { CONTEXT, REQUEST, REQUEST_COOKIE_ATTRIBUTES } from "./fixtures/events";
import { coldStart } from "../../shared/test-support";

const secretsManager = mockClient(SecretsManagerClient);

const NOW = new Date("2025-03-01T12:00:00.000Z");
const NOW_SECONDS = NOW.getTime() / 1000;

type Handler = (typeof import("./handler"))["handler"];
type Core = typeof import("./errors");

/** The core module the last loaded handler uses: its error classes are the ones it throws. */
let core: Core;
let logs: ReturnType<typeof captureLogs>;
let keys: TestKeyPair;
let rotated: TestKeyPair;
let secrets: FakeSecrets;

const coldStarts = coldStart(setHandlerEnvironment, () => import("./handler"));

/** Loads the handler module afresh under `env`, as a cold start would. */
async function loadHandler(
  env: Partial<Record<HandlerVariable, string>> = HANDLER_ENV,
): Promise<Handler> {
  const { handler } = await coldStarts.load(env);
  core = await import("./errors");
  return handler;
}

beforeAll(() => {
  keys = generateRsaKeyPair();
  rotated = generateRsaKeyPair();
});

beforeEach(() => {
  secretsManager.reset();
  secrets = new FakeSecrets(secretsManager, keys.privateKey);
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
  vi.useRealTimers();
  coldStarts.restore();
});

/** The policy a grant's cookies carry, its bytes and its signature, checked against `publicKey`. */
function checkCookies(cookies: readonly string[], publicKey: string): Record<string, unknown> {
  const byName = cookiesByName(cookies);
  const policyBytes = fromCloudFrontBase64(byName.get("CloudFront-Policy")?.value ?? "");
  const signature = fromCloudFrontBase64(byName.get("CloudFront-Signature")?.value ?? "");
  expect(verify("RSA-SHA1", policyBytes, publicKey, signature)).toBe(true);
  return JSON.parse(policyBytes.toString("utf8")) as Record<string, unknown>;
}

/** No cookie value and no key material may appear in the logs. */
function expectNothingSecretLogged(cookies: readonly string[]): void {
  const text = logs.text();
  for (const cookie of cookiesByName(cookies).values()) {
    expect(text).not.toContain(cookie.value);
  }
  expect(text).not.toMatch(/PRIVATE KEY/);
  expect(text).not.toContain(keys.privateKey.split("\n")[1]);
}

describe("handler", () => {
  it("signs cookies for the course's folder for the default session", async () => {
    const handler = await loadHandler();
    const grant = await handler(REQUEST, CONTEXT);
    expect(grant).toEqual({
      cookies: [
        expect.stringMatching(/^CloudFront-Policy=/),
        expect.stringMatching(/^CloudFront-Signature=/),
        expect.stringMatching(/^CloudFront-Key-Pair-Id=/),
      ],
      expiresAt: "2025-03-01T13:00:00.000Z",
      resource: "https://media.example.com/courses/intro-to-sql/*",
      sessionSeconds: 3600,
    });
    expect(checkCookies(grant.cookies, keys.publicKey)).toEqual({
      Statement: [
        {
          Resource: "https://media.example.com/courses/intro-to-sql/*",
          Condition: { DateLessThan: { "AWS:EpochTime": NOW_SECONDS + 3600 } },
        },
      ],
    });
    const byName = cookiesByName(grant.cookies);
    expect(byName.get("CloudFront-Key-Pair-Id")?.value).toBe(KEY_PAIR_ID);
    for (const cookie of byName.values()) {
      expect(cookie.attributes).toEqual(REQUEST_COOKIE_ATTRIBUTES);
    }
    expect(
      secretsManager.commandCalls(GetSecretValueCommand).map(({ args }) => args[0].input),
    ).toEqual([{ SecretId: SECRET_ARN }]);
    expect(logs.lines()).toEqual([
      expect.objectContaining({ level: "info", event: "signing_key.loaded", versionId: "v1" }),
      expect.objectContaining({
        level: "info",
        event: "playback_auth.issued",
        requestId: CONTEXT.awsRequestId,
        courseId: "intro-to-sql",
        sessionSeconds: 3600,
        expiresAt: "2025-03-01T13:00:00.000Z",
        resource: "https://media.example.com/courses/intro-to-sql/*",
      }),
    ]);
    expectNothingSecretLogged(grant.cookies);
  });

  it("honours the request's session and the configured default and cookie domain", async () => {
    const handler = await loadHandler({
      ...HANDLER_ENV,
      DEFAULT_SESSION_SECONDS: "1800",
      COOKIE_DOMAIN: "example.com",
    });
    const byDefault = await handler({ courseId: "c1" }, CONTEXT);
    expect(byDefault).toMatchObject({
      sessionSeconds: 1800,
      expiresAt: "2025-03-01T12:30:00.000Z",
    });
    const requested = await handler({ courseId: "c1", sessionSeconds: 14_400 }, CONTEXT);
    expect(requested).toMatchObject({
      sessionSeconds: 14_400,
      expiresAt: "2025-03-01T16:00:00.000Z",
    });
    expect(checkCookies(requested.cookies, keys.publicKey)).toMatchObject({
      Statement: [{ Condition: { DateLessThan: { "AWS:EpochTime": NOW_SECONDS + 14_400 } } }],
    });
    for (const cookie of cookiesByName(requested.cookies).values()) {
      expect(cookie.attributes).toMatchObject({ Domain: "example.com", "Max-Age": "14400" });
    }
  });

  it("refuses a bad request before reading the key", async () => {
    const handler = await loadHandler();
    const error = await rejection(
      handler({ courseId: "../admin", sessionSeconds: 86_400 }, CONTEXT),
    );
    expect(error).toBeInstanceOf(core.InvalidRequestError);
    expect(error).toMatchObject({
      name: "InvalidRequestError",
      message:
        "invalid request: courseId must match ^[a-z0-9-]{1,64}$; " +
        "sessionSeconds must be from 60 to 14400, got 86400",
    });
    expect(secretsManager.calls()).toHaveLength(0);
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: "warn",
        event: "playback_auth.rejected",
        requestId: CONTEXT.awsRequestId,
        error: "InvalidRequestError",
      }),
    ]);
    expect(logs.text()).not.toContain("../admin");
  });

  it("fails safely when the secret cannot be read", async () => {
    secrets.failure = new InternalServiceError({
      message: "An error occurred on the server side: secret arn:aws:...",
      $metadata: { httpStatusCode: 500, requestId: "sm-req-500" },
    });
    const handler = await loadHandler();
    const error = await rejection(handler({ courseId: "c1" }, CONTEXT));
    expect(error).toBeInstanceOf(core.SigningKeyUnavailableError);
    expect(error).toMatchObject({
      name: "SigningKeyUnavailableError",
      message: "signing key is unavailable",
    });
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: "error",
        event: "signing_key.fetch_failed",
        errorName: "InternalServiceError",
        httpStatusCode: 500,
        awsRequestId: "sm-req-500",
      }),
      expect.objectContaining({
        level: "error",
        event: "playback_auth.failed",
        courseId: "c1",
        error: "SigningKeyUnavailableError",
        message: "signing key is unavailable",
      }),
    ]);
    expect(logs.text()).not.toContain("server side");

    secrets.failure = undefined;
    await expect(handler({ courseId: "c1" }, CONTEXT)).resolves.toMatchObject({
      sessionSeconds: 3600,
    });
  });

  it("keeps the key for five minutes, then picks up a rotated key", async () => {
    const handler = await loadHandler();
    await handler({ courseId: "c1" }, CONTEXT);
    secrets.rotate(rotated.privateKey, "v2");
    vi.setSystemTime(NOW.getTime() + 299_000);
    const cached = await handler({ courseId: "c1" }, CONTEXT);
    checkCookies(cached.cookies, keys.publicKey);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);

    vi.setSystemTime(NOW.getTime() + 300_000);
    const fresh = await handler({ courseId: "c1" }, CONTEXT);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    checkCookies(fresh.cookies, rotated.publicKey);
    const byName = cookiesByName(fresh.cookies);
    const policyBytes = fromCloudFrontBase64(byName.get("CloudFront-Policy")?.value ?? "");
    const signature = fromCloudFrontBase64(byName.get("CloudFront-Signature")?.value ?? "");
    expect(verify("RSA-SHA1", policyBytes, keys.publicKey, signature)).toBe(false);
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({
        event: "signing_key.loaded",
        versionId: "v2",
        previousVersionId: "v1",
      }),
    );
  });

  it("hides an unexpected failure behind InternalError", async () => {
    const handler = await loadHandler();
    // The last instant a Date can hold: the expiry a minute later cannot be written as ISO 8601.
    vi.setSystemTime(new Date(8.64e15));
    const error = await rejection(handler({ courseId: "c1", sessionSeconds: 60 }, CONTEXT));
    expect(error).toBeInstanceOf(core.InternalError);
    expect(error).toMatchObject({ name: "InternalError", message: "internal error" });
    expect(logs.lines().at(-1)).toMatchObject({
      level: "error",
      event: "playback_auth.failed",
      error: "InternalError",
      cause: { errorName: "RangeError" },
    });
  });
});

describe("cold start", () => {
  it("fails on a *.cloudfront.net playback domain", async () => {
    await expect(
      loadHandler({ ...HANDLER_ENV, PLAYBACK_DOMAIN: "d111111abcdef8.cloudfront.net" }),
    ).rejects.toMatchObject({
      name: "ConfigurationError",
      message:
        "PLAYBACK_DOMAIN must be a custom domain, not a *.cloudfront.net hostname: " +
        "CloudFront signed cookies need the distribution's alternate domain name",
    });
  });

  it("fails when variables are missing", async () => {
    await expect(loadHandler({ PLAYBACK_DOMAIN: "media.example.com" })).rejects.toMatchObject({
      name: "ConfigurationError",
      message: "missing environment variables: KEY_PAIR_ID, PRIVATE_KEY_SECRET_ARN",
    });
  });

  it("fails on a default session out of range", async () => {
    await expect(
      loadHandler({ ...HANDLER_ENV, DEFAULT_SESSION_SECONDS: "86400" }),
    ).rejects.toMatchObject({
      name: "ConfigurationError",
      message: "DEFAULT_SESSION_SECONDS must be a whole number from 60 to 14400",
    });
  });

  it("reads nothing from Secrets Manager until the first request", async () => {
    await loadHandler();
    expect(secretsManager.calls()).toHaveLength(0);
  });
});
