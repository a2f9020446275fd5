/**
 * The CloudFront private key and the signer over it. The key (RSA, PEM) is the string of a Secrets
 * Manager secret; each container keeps it for a few minutes so a rotated key is picked up without
 * a redeploy, and signs with `getSignedCookies` from `@aws-sdk/cloudfront-signer`.
 *
 * Nothing here logs the key or a signature: failures log the error's name and AWS metadata and
 * become `SigningKeyUnavailableError` or `SigningError`.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { getSignedCookies } from "@aws-sdk/cloudfront-signer";
import { type PolicySigner, type SignedCookieValues } from "./core";
import { SigningError, SigningKeyUnavailableError } from "./errors";
import { describeError, log } from "../../shared/log";

// ---------------------------------------------------------------------------------------------
// Reading the key
// ---------------------------------------------------------------------------------------------

/** A private key as read from its store. */
export interface LoadedKey {
  /** The key in PEM. */
  readonly pem: string;
  /** The store's version id of the key, for the logs. */
  readonly versionId?: string;
  /** RSA modulus length in bits, for the logs. */
  readonly modulusBits?: number;
}

/** Where the private key comes from. */
export interface PrivateKeySource {
  /** Reads the current key. Throws `SigningKeyUnavailableError`. */
  load(): Promise<LoadedKey>;
}

function unavailable(event: string, fields: Readonly<Record<string, unknown>>): Error {
  log("error", event, fields);
  return new SigningKeyUnavailableError();
}

/** The current version (`AWSCURRENT`) of a secret whose string is an RSA private key in PEM. */
export class SecretsManagerKeySource implements PrivateKeySource {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretArn: string,
  ) {}

  async load(): Promise<LoadedKey> {
    let secretString: string | undefined;
    let versionId: string | undefined;
    try {
      const output = await this.client.send(
        new GetSecretValueCommand({ SecretId: this.secretArn }),
      );
      secretString = output.SecretString;
      versionId = output.VersionId;
    } catch (error) {
      throw unavailable("signing_key.fetch_failed", {
        secretArn: this.secretArn,
        ...describeError(error),
      });
    }
    const where = { secretArn: this.secretArn, versionId };
    if (secretString === undefined || secretString.trim() === "") {
      throw unavailable("signing_key.invalid", {
        ...where,
        reason: "the secret has no string value",
      });
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(secretString);
    } catch (error) {
      throw unavailable("signing_key.invalid", {
        ...where,
        reason: "the secret string is not a PEM private key",
        ...describeError(error),
      });
    }
    if (key.asymmetricKeyType !== "rsa") {
      throw unavailable("signing_key.invalid", {
        ...where,
        reason: "the key is not an RSA key",
        keyType: key.asymmetricKeyType,
      });
    }
    return {
      pem: secretString,
      ...(versionId === undefined ? {} : { versionId }),
      ...(key.asymmetricKeyDetails?.modulusLength === undefined
        ? {}
        : { modulusBits: key.asymmetricKeyDetails.modulusLength }),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Caching the key
// ---------------------------------------------------------------------------------------------

/** How long a container keeps the key. */
export interface KeyCacheOptions {
  /** How long a key is used before it is read again. @default 300_000 (5 minutes) */
  readonly ttlMs?: number;
  /**
   * How long past its TTL a key may still be used when reading the new one fails, so a Secrets
   * Manager outage does not stop playback at once. 0 turns this off. @default 900_000 (15 minutes)
   */
  readonly staleIfErrorMs?: number;
  /** After a failed refresh, how long the old key is used before trying again. @default 30_000 */
  readonly retryAfterErrorMs?: number;
  /** The current time in epoch milliseconds. */
  readonly now?: () => number;
}

interface CachedKey {
  readonly pem: string;
  readonly versionId: string | undefined;
  readonly loadedAt: number;
}

/**
 * The private key, read from `source` on first use and again once it is older than the TTL. One
 * read at a time: calls that arrive during a read share it. A failed first read is not cached;
 * the next call tries again.
 */
export class CachedPrivateKey {
  private cached: CachedKey | undefined;
  private pending: Promise<string> | undefined;
  private retryAt = 0;
  private readonly ttlMs: number;
  private readonly staleIfErrorMs: number;
  private readonly retryAfterErrorMs: number;
  private readonly now: () => number;

  constructor(
    private readonly source: PrivateKeySource,
    options: KeyCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 300_000;
    this.staleIfErrorMs = options.staleIfErrorMs ?? 900_000;
    this.retryAfterErrorMs = options.retryAfterErrorMs ?? 30_000;
    this.now = options.now ?? ((): number => Date.now());
  }

  /** The key in PEM. Throws `SigningKeyUnavailableError`. */
  get(): Promise<string> {
    const now = this.now();
    const cached = this.cached;
    if (cached !== undefined) {
      const age = now - cached.loadedAt;
      const backingOff = now < this.retryAt && age < this.ttlMs + this.staleIfErrorMs;
      if (age < this.ttlMs || backingOff) return Promise.resolve(cached.pem);
    }
    this.pending ??= this.refresh().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async refresh(): Promise<string> {
    const previous = this.cached;
    try {
      const key = await this.source.load();
      this.cached = { pem: key.pem, versionId: key.versionId, loadedAt: this.now() };
      this.retryAt = 0;
      if (previous === undefined || previous.versionId !== key.versionId) {
        log("info", "signing_key.loaded", {
          versionId: key.versionId,
          modulusBits: key.modulusBits,
          ...(previous === undefined ? {} : { previousVersionId: previous.versionId }),
        });
      }
      return key.pem;
    } catch (error) {
      const now = this.now();
      if (previous !== undefined && now - previous.loadedAt < this.ttlMs + this.staleIfErrorMs) {
        this.retryAt = now + this.retryAfterErrorMs;
        log("warn", "signing_key.serving_stale", {
          versionId: previous.versionId,
          ageMs: now - previous.loadedAt,
          retryInMs: this.retryAfterErrorMs,
          ...describeError(error),
        });
        return previous.pem;
      }
      throw error;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------------------------

/** Provides the private key in PEM. */
export interface PrivateKeyProvider {
  get(): Promise<string>;
}

/**
 * Signs custom policies with `getSignedCookies` and its `policy` option, with SHA-1 RSA (the
 * algorithm CloudFront checks when no `CloudFront-Hash-Algorithm` cookie is sent).
 */
export class CloudFrontPolicySigner implements PolicySigner {
  constructor(
    private readonly key: PrivateKeyProvider,
    private readonly keyPairId: string,
  ) {}

  async signPolicy(policy: string): Promise<SignedCookieValues> {
    const privateKey = await this.key.get();
    let cookies: ReturnType<typeof getSignedCookies>;
    try {
      cookies = getSignedCookies({
        keyPairId: this.keyPairId,
        privateKey,
        policy,
        algorithm: "SHA1",
      });
    } catch (error) {
      log("error", "signing.failed", describeError(error));
      throw new SigningError("signing failed");
    }
    const encodedPolicy = cookies["CloudFront-Policy"];
    if (encodedPolicy === undefined) {
      log("error", "signing.failed", { reason: "no CloudFront-Policy cookie" });
      throw new SigningError("signing failed");
    }
    return {
      "CloudFront-Policy": encodedPolicy,
      "CloudFront-Signature": cookies["CloudFront-Signature"],
      "CloudFront-Key-Pair-Id": cookies["CloudFront-Key-Pair-Id"],
    };
  }
}
