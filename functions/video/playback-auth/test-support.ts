/**
 * Test support (not bundled: no handler imports it). Real RSA key pairs, a fake Secrets Manager
 * wired into an `aws-sdk-client-mock` stub, an independent SHA-1 RSA signer for the core's tests,
 * readers for CloudFront's base64 and for `Set-Cookie` headers, and environment and log helpers.
 */
import { createSign, generateKeyPairSync } from "node:crypto";
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type GetSecretValueCommandInput,
  type GetSecretValueCommandOutput,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import type { AwsClientStub } from "aws-sdk-client-mock";
import type { PolicySigner, SignedCookieValues } from "./core";
import { setEnvironment } from "../../shared/test-support";
export { captureLogs, rejection, thrown } from "../../shared/test-support";

export const PLAYBACK_DOMAIN = "media.example.com";
export const KEY_PAIR_ID = "K2JCJMDEHXQW5F";
export const SECRET_ARN =
  "arn:aws:secretsmanager:me-south-1:111122223333:secret:playback/cloudfront-key-AbCdEf";

/** The handler's required environment. */
export const HANDLER_ENV = {
  PLAYBACK_DOMAIN,
  KEY_PAIR_ID,
  PRIVATE_KEY_SECRET_ARN: SECRET_ARN,
};

const HANDLER_VARIABLES = [
  "PLAYBACK_DOMAIN",
  "KEY_PAIR_ID",
  "PRIVATE_KEY_SECRET_ARN",
  "DEFAULT_SESSION_SECONDS",
  "COOKIE_DOMAIN",
] as const;

/** A handler environment variable. */
export type HandlerVariable = (typeof HANDLER_VARIABLES)[number];

/** An RSA key pair in PEM. */
export interface TestKeyPair {
  readonly privateKey: string;
  readonly publicKey: string;
}

/** A new RSA-2048 key pair: the private key as PKCS#8 (or PKCS#1) PEM, the public key as SPKI. */
export function generateRsaKeyPair(format: "pkcs8" | "pkcs1" = "pkcs8"): TestKeyPair {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: format, format: "pem" },
  });
}

/**
 * Decodes CloudFront's URL-safe base64 (`-` for `+`, `_` for `=`, `~` for `/`), written apart from
 * the core's codec so the tests do not check the code with itself.
 */
export function fromCloudFrontBase64(value: string): Buffer {
  const standard = value.split("-").join("+").split("_").join("=").split("~").join("/");
  return Buffer.from(standard, "base64");
}

/** A `Set-Cookie` header taken apart; flag attributes map to `true`. */
export interface ParsedSetCookie {
  readonly name: string;
  readonly value: string;
  readonly attributes: Readonly<Record<string, string | true>>;
}

/** Takes a `Set-Cookie` header value apart. */
export function parseSetCookie(header: string): ParsedSetCookie {
  const [pair = "", ...rest] = header.split("; ");
  const equals = pair.indexOf("=");
  const attributes: Record<string, string | true> = {};
  for (const attribute of rest) {
    const at = attribute.indexOf("=");
    if (at === -1) {
      attributes[attribute] = true;
    } else {
      attributes[attribute.slice(0, at)] = attribute.slice(at + 1);
    }
  }
  return { name: pair.slice(0, equals), value: pair.slice(equals + 1), attributes };
}

/** The cookies of a grant by name. */
export function cookiesByName(headers: readonly string[]): Map<string, ParsedSetCookie> {
  return new Map(headers.map((header) => [parseSetCookie(header).name, parseSetCookie(header)]));
}

/** A `PolicySigner` that signs with Node's SHA-1 RSA directly, for the core's tests. */
export class NodeRsaSha1Signer implements PolicySigner {
  readonly policies: string[] = [];

  constructor(
    private readonly privateKey: string,
    private readonly keyPairId: string = KEY_PAIR_ID,
  ) {}

  signPolicy(policy: string): Promise<SignedCookieValues> {
    this.policies.push(policy);
    const toCloudFront = (base64: string): string =>
      base64.replace(/\+/g, "-").replace(/=/g, "_").replace(/\//g, "~");
    const signature = createSign("RSA-SHA1").update(policy).sign(this.privateKey, "base64");
    return Promise.resolve({
      "CloudFront-Policy": toCloudFront(Buffer.from(policy).toString("base64")),
      "CloudFront-Signature": toCloudFront(signature),
      "CloudFront-Key-Pair-Id": this.keyPairId,
    });
  }
}

/** A Secrets Manager holding one secret, wired into a `SecretsManagerClient` stub. */
export class FakeSecrets {
  /** The secret's current string; `undefined` stores it as binary. */
  secretString: string | undefined;
  /** The current version's id. */
  versionId = "v1";
  /** When set, every call fails with it. */
  failure: Error | undefined;

  constructor(
    stub: AwsClientStub<SecretsManagerClient>,
    initial: string,
    readonly secretArn: string = SECRET_ARN,
  ) {
    this.secretString = initial;
    stub
      .on(GetSecretValueCommand)
      .callsFake((input: GetSecretValueCommandInput) => this.getSecretValue(input));
  }

  /** Stores a new current version. */
  rotate(secretString: string, versionId: string): void {
    this.secretString = secretString;
    this.versionId = versionId;
  }

  getSecretValue(input: GetSecretValueCommandInput): Partial<GetSecretValueCommandOutput> {
    if (this.failure !== undefined) throw this.failure;
    if (input.SecretId !== this.secretArn) {
      throw new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: { httpStatusCode: 400, requestId: "sm-req-not-found" },
      });
    }
    return {
      ARN: this.secretArn,
      Name: "playback/cloudfront-key",
      VersionId: this.versionId,
      VersionStages: ["AWSCURRENT"],
      ...(this.secretString === undefined
        ? { SecretBinary: new Uint8Array([1, 2, 3]) }
        : { SecretString: this.secretString }),
    };
  }
}

/** Sets exactly the given handler variables (the others are removed); returns the restorer. */
export function setHandlerEnvironment(
  values: Partial<Record<HandlerVariable, string>>,
): () => void {
  return setEnvironment(HANDLER_VARIABLES, values);
}
