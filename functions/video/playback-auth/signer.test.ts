import { generateKeyPairSync, verify } from "node:crypto";
import {
  DecryptionFailure,
  GetSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildPolicy } from "./core";
import { SigningError, SigningKeyUnavailableError, type PlaybackAuthError } from "./errors";
import {
  CachedPrivateKey,
  CloudFrontPolicySigner,
  SecretsManagerKeySource,
  type LoadedKey,
  type PrivateKeySource,
} from "./signer";
import {
  FakeSecrets,
  KEY_PAIR_ID,
  SECRET_ARN,
  captureLogs,
  fromCloudFrontBase64,
  generateRsaKeyPair,
  rejection,
  type TestKeyPair,
} from "./test-support";

const secretsManager = mockClient(SecretsManagerClient);

let first: TestKeyPair;
let second: TestKeyPair;
let logs: ReturnType<typeof captureLogs>;

beforeAll(() => {
  first = generateRsaKeyPair();
  second = generateRsaKeyPair("pkcs1");
});

beforeEach(() => {
  secretsManager.reset();
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
});

/** Everything logged must be free of key material. */
function expectNoKeyMaterialLogged(...pems: string[]): void {
  const text = logs.text();
  expect(text).not.toMatch(/PRIVATE KEY/);
  for (const pem of pems) {
    const body = pem.split("\n").slice(1, 3).join("");
    expect(text).not.toContain(body.slice(0, 32));
  }
}

describe("SecretsManagerKeySource", () => {
  const source = (): SecretsManagerKeySource =>
    new SecretsManagerKeySource(new SecretsManagerClient({}), SECRET_ARN);

  it("reads the secret string as the PEM key, with its version and size", async () => {
    new FakeSecrets(secretsManager, first.privateKey);
    await expect(source().load()).resolves.toEqual({
      pem: first.privateKey,
      versionId: "v1",
      modulusBits: 2048,
    });
    expect(
      secretsManager.commandCalls(GetSecretValueCommand).map(({ args }) => args[0].input),
    ).toEqual([{ SecretId: SECRET_ARN }]);
  });

  it("accepts a PKCS#1 key (BEGIN RSA PRIVATE KEY)", async () => {
    expect(second.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    new FakeSecrets(secretsManager, second.privateKey);
    await expect(source().load()).resolves.toMatchObject({ pem: second.privateKey });
  });

  it.each([
    [
      "access denied",
      Object.assign(new Error("User: arn:aws:sts::111122223333:assumed-role/x is not authorized"), {
        name: "AccessDeniedException",
        $fault: "client",
        $metadata: { httpStatusCode: 400, requestId: "sm-req-denied" },
      }),
    ],
    [
      "a KMS decryption failure",
      new DecryptionFailure({
        message: "Access to KMS is not allowed",
        $metadata: { httpStatusCode: 400, requestId: "sm-req-kms" },
      }),
    ],
  ])("turns %s into SigningKeyUnavailableError, logging no message", async (_, failure) => {
    const secrets = new FakeSecrets(secretsManager, first.privateKey);
    secrets.failure = failure;
    const error = await rejection(source().load());
    expect(error).toBeInstanceOf(SigningKeyUnavailableError);
    expect(error).toMatchObject({
      name: "SigningKeyUnavailableError",
      message: "signing key is unavailable",
    });
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: "error",
        event: "signing_key.fetch_failed",
        secretArn: SECRET_ARN,
        errorName: failure.name,
        httpStatusCode: 400,
        awsRequestId: failure.$metadata.requestId,
      }),
    ]);
    expect(logs.text()).not.toContain(failure.message);
  });

  it("refuses a binary secret", async () => {
    const secrets = new FakeSecrets(secretsManager, first.privateKey);
    secrets.secretString = undefined;
    await expect(source().load()).rejects.toThrow(new SigningKeyUnavailableError());
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        event: "signing_key.invalid",
        reason: "the secret has no string value",
        versionId: "v1",
      }),
    ]);
  });

  it("refuses a string that is not a private key, without logging it", async () => {
    const notAKey =
      "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----";
    new FakeSecrets(secretsManager, notAKey);
    await expect(source().load()).rejects.toThrow(new SigningKeyUnavailableError());
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        event: "signing_key.invalid",
        reason: "the secret string is not a PEM private key",
      }),
    ]);
    expect(logs.text()).not.toContain("bm90IGEga2V5");
  });

  it("refuses a key that is not RSA", async () => {
    const ec = generateKeyPairSync("ec", {
      namedCurve: "P-256",
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    new FakeSecrets(secretsManager, ec.privateKey);
    await expect(source().load()).rejects.toThrow(new SigningKeyUnavailableError());
    expect(logs.lines()).toEqual([
      expect.objectContaining({ reason: "the key is not an RSA key", keyType: "ec" }),
    ]);
    expectNoKeyMaterialLogged(ec.privateKey);
  });
});

/** A key source whose answers the test controls. */
class ScriptedSource implements PrivateKeySource {
  calls = 0;
  key: LoadedKey = { pem: "pem-1", versionId: "v1", modulusBits: 2048 };
  failure: Error | undefined;
  /** Resolves loads only when released, when set. */
  gate: Promise<void> | undefined;

  async load(): Promise<LoadedKey> {
    this.calls += 1;
    if (this.gate !== undefined) await this.gate;
    if (this.failure !== undefined) throw this.failure;
    return this.key;
  }
}

describe("CachedPrivateKey", () => {
  let now = 0;
  const clock = (): number => now;

  /**
   * A cache holding `pem-1` that serves it stale for 15 minutes after its 5 minutes are up,
   * retrying the source every 30 seconds; its source fails from now on.
   */
  async function staleTolerantCacheWhoseSourceFails(): Promise<{
    source: ScriptedSource;
    cache: CachedPrivateKey;
  }> {
    const source = new ScriptedSource();
    const cache = new CachedPrivateKey(source, {
      ttlMs: 300_000,
      staleIfErrorMs: 900_000,
      retryAfterErrorMs: 30_000,
      now: clock,
    });
    await cache.get();
    source.failure = new SigningKeyUnavailableError();
    return { source, cache };
  }

  beforeEach(() => {
    now = 1_000_000;
  });

  it("reads once and keeps the key for its TTL", async () => {
    const source = new ScriptedSource();
    const cache = new CachedPrivateKey(source, { ttlMs: 300_000, now: clock });
    await expect(cache.get()).resolves.toBe("pem-1");
    now += 299_999;
    await expect(cache.get()).resolves.toBe("pem-1");
    expect(source.calls).toBe(1);
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: "info",
        event: "signing_key.loaded",
        versionId: "v1",
        modulusBits: 2048,
      }),
    ]);
  });

  it("reads again once the TTL has passed and picks up a rotated key", async () => {
    const source = new ScriptedSource();
    const cache = new CachedPrivateKey(source, { ttlMs: 300_000, now: clock });
    await cache.get();
    source.key = { pem: "pem-2", versionId: "v2", modulusBits: 2048 };
    now += 300_000;
    await expect(cache.get()).resolves.toBe("pem-2");
    expect(source.calls).toBe(2);
    now += 299_999;
    await expect(cache.get()).resolves.toBe("pem-2");
    expect(source.calls).toBe(2);
    expect(logs.lines().at(-1)).toMatchObject({
      event: "signing_key.loaded",
      versionId: "v2",
      previousVersionId: "v1",
    });
  });

  it("logs a reload of the same version only once", async () => {
    const source = new ScriptedSource();
    const cache = new CachedPrivateKey(source, { ttlMs: 1000, now: clock });
    await cache.get();
    now += 1000;
    await cache.get();
    expect(source.calls).toBe(2);
    expect(logs.lines()).toHaveLength(1);
  });

  it("shares one read among calls that arrive during it", async () => {
    const source = new ScriptedSource();
    let release: () => void = () => undefined;
    source.gate = new Promise((resolve) => {
      release = resolve;
    });
    const cache = new CachedPrivateKey(source, { now: clock });
    const pending = [cache.get(), cache.get(), cache.get()];
    release();
    await expect(Promise.all(pending)).resolves.toEqual(["pem-1", "pem-1", "pem-1"]);
    expect(source.calls).toBe(1);
  });

  it("does not keep a failed first read: the next call tries again", async () => {
    const source = new ScriptedSource();
    source.failure = new SigningKeyUnavailableError();
    const cache = new CachedPrivateKey(source, { now: clock });
    await expect(cache.get()).rejects.toThrow(new SigningKeyUnavailableError());
    source.failure = undefined;
    await expect(cache.get()).resolves.toBe("pem-1");
    expect(source.calls).toBe(2);
  });

  it("keeps using the old key for a while when a refresh fails, retrying after a pause", async () => {
    const { source, cache } = await staleTolerantCacheWhoseSourceFails();
    now += 300_000;
    await expect(cache.get()).resolves.toBe("pem-1");
    expect(source.calls).toBe(2);
    expect(logs.lines().at(-1)).toMatchObject({
      level: "warn",
      event: "signing_key.serving_stale",
      versionId: "v1",
      ageMs: 300_000,
      retryInMs: 30_000,
      errorName: "SigningKeyUnavailableError",
    });
    now += 29_999;
    await expect(cache.get()).resolves.toBe("pem-1");
    expect(source.calls).toBe(2);
    now += 1;
    await expect(cache.get()).resolves.toBe("pem-1");
    expect(source.calls).toBe(3);
    source.failure = undefined;
    source.key = { pem: "pem-2", versionId: "v2" };
    now += 30_000;
    await expect(cache.get()).resolves.toBe("pem-2");
    expect(source.calls).toBe(4);
  });

  it("fails once the old key is older than TTL plus the stale allowance", async () => {
    const { cache } = await staleTolerantCacheWhoseSourceFails();
    now += 1_199_999;
    await expect(cache.get()).resolves.toBe("pem-1");
    now += 1;
    await expect(cache.get()).rejects.toThrow(new SigningKeyUnavailableError());
  });

  it("fails at once after the TTL when the stale allowance is off", async () => {
    const source = new ScriptedSource();
    const cache = new CachedPrivateKey(source, { ttlMs: 1000, staleIfErrorMs: 0, now: clock });
    await cache.get();
    source.failure = new SigningKeyUnavailableError();
    now += 1000;
    await expect(cache.get()).rejects.toThrow(new SigningKeyUnavailableError());
  });
});

describe("CloudFrontPolicySigner", () => {
  const policy = buildPolicy("https://media.example.com/courses/c1/*", 1_740_834_000);
  const fixed = (pem: string): { get(): Promise<string> } => ({ get: () => Promise.resolve(pem) });

  it("signs the exact policy bytes with SHA-1 RSA and encodes the cookies", async () => {
    const signer = new CloudFrontPolicySigner(fixed(first.privateKey), KEY_PAIR_ID);
    const cookies = await signer.signPolicy(policy);
    expect(Object.keys(cookies)).toEqual([
      "CloudFront-Policy",
      "CloudFront-Signature",
      "CloudFront-Key-Pair-Id",
    ]);
    expect(cookies["CloudFront-Key-Pair-Id"]).toBe(KEY_PAIR_ID);
    const policyBytes = fromCloudFrontBase64(cookies["CloudFront-Policy"]);
    expect(policyBytes.toString("utf8")).toBe(policy);
    const signature = fromCloudFrontBase64(cookies["CloudFront-Signature"]);
    expect(verify("RSA-SHA1", policyBytes, first.publicKey, signature)).toBe(true);
    expect(verify("RSA-SHA1", policyBytes, second.publicKey, signature)).toBe(false);
    expect(verify("RSA-SHA256", policyBytes, first.publicKey, signature)).toBe(false);
    expect(cookies["CloudFront-Signature"]).toMatch(/^[A-Za-z0-9_~-]+$/);
  });

  it("turns a key the signer cannot use into SigningError, logging no key", async () => {
    const broken = first.privateKey.replace(/[A-Za-z]{8}/, "AAAAAAAA");
    const signer = new CloudFrontPolicySigner(fixed(broken), KEY_PAIR_ID);
    const error = await rejection(signer.signPolicy(policy));
    expect(error).toBeInstanceOf(SigningError);
    expect(error).toMatchObject({ name: "SigningError", message: "signing failed" });
    expect(logs.lines()).toEqual([
      expect.objectContaining({ level: "error", event: "signing.failed", errorName: "Error" }),
    ]);
    expectNoKeyMaterialLogged(first.privateKey, broken);
  });

  it("passes key errors on as they are", async () => {
    const signer = new CloudFrontPolicySigner(
      { get: () => Promise.reject(new SigningKeyUnavailableError()) },
      KEY_PAIR_ID,
    );
    const error = (await rejection(signer.signPolicy(policy))) as PlaybackAuthError;
    expect(error.name).toBe("SigningKeyUnavailableError");
  });
});
