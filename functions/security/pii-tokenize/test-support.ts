/**
 * Test support (not bundled: no handler imports it). A fake KMS that behaves like the real one
 * where it matters here: a keyed HMAC, and ciphertexts bound to their key and encryption context,
 * so a ciphertext presented with another context or key fails with InvalidCiphertextException.
 * Plus environment and log helpers for the handler tests.
 */
import { createHmac } from "node:crypto";
import {
  DecryptCommand,
  EncryptCommand,
  GenerateMacCommand,
  InvalidCiphertextException,
  KMSClient,
  NotFoundException,
  type DecryptCommandInput,
  type EncryptCommandInput,
  type GenerateMacCommandInput,
} from "@aws-sdk/client-kms";
import type { AwsClientStub } from "aws-sdk-client-mock";
import fc from "fast-check";
import { FIELD_NAME_PATTERN, MAC_BYTES, formatToken, macMessage, normalizeValue } from "./token";
import { setEnvironment } from "../../shared/test-support";
export { captureLogs, rejection, thrown } from "../../shared/test-support";

export const HMAC_KEY_ID = "arn:aws:kms:me-south-1:111122223333:key/hmac-0000";
export const DATA_KEY_ID = "arn:aws:kms:me-south-1:111122223333:key/data-0000";
export const VAULT_TABLE = "pii-token-vault";
export const CLUSTER_ARN = "arn:aws:rds:me-south-1:111122223333:cluster:users";
export const SECRET_ARN = "arn:aws:secretsmanager:me-south-1:111122223333:secret:vault-AbCdEf";
export const DATABASE = "users";

const HMAC_SECRET = "test-hmac-secret";
const encoder = new TextEncoder();

/** A fixed 32-byte MAC, and its base64url text. */
export const MAC = new Uint8Array(Array.from({ length: MAC_BYTES }, (_, index) => index * 7));
/** `MAC` in unpadded base64url, as it ends a token. */
export const MAC_TEXT = Buffer.from(MAC).toString("base64url");

/** Any field name the pattern allows. */
export const fieldArb = fc.stringMatching(FIELD_NAME_PATTERN);

/** UTF-8 bytes of a string. */
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** HMAC-SHA-256 under the fake key. */
export function fakeMac(message: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha256", HMAC_SECRET).update(message).digest());
}

/** The token the fake key gives a field and a raw value. */
export function tokenFor(field: string, value: string): string {
  return formatToken(field, fakeMac(macMessage(field, normalizeValue(field, value))));
}

interface Sealed {
  readonly keyId: string;
  readonly context: string;
  readonly plaintext: Uint8Array;
}

const canonicalContext = (context: Record<string, string> | undefined): string =>
  JSON.stringify(Object.entries(context ?? {}).sort(([a], [b]) => a.localeCompare(b)));

/** A fake KMS, wired into an `aws-sdk-client-mock` stub of `KMSClient`. */
export class FakeKms {
  private readonly sealed = new Map<string, Sealed>();
  private counter = 0;

  constructor(stub: AwsClientStub<KMSClient>) {
    stub
      .on(GenerateMacCommand)
      .callsFake((input: GenerateMacCommandInput) => this.generateMac(input));
    stub.on(EncryptCommand).callsFake((input: EncryptCommandInput) => this.encrypt(input));
    stub.on(DecryptCommand).callsFake((input: DecryptCommandInput) => this.decrypt(input));
  }

  generateMac(input: GenerateMacCommandInput): { Mac: Uint8Array } {
    if (input.KeyId !== HMAC_KEY_ID || input.Message === undefined) {
      throw new NotFoundException({ message: "no such key", $metadata: {} });
    }
    return { Mac: fakeMac(input.Message) };
  }

  encrypt(input: EncryptCommandInput): { CiphertextBlob: Uint8Array; KeyId: string } {
    if (input.KeyId === undefined || input.Plaintext === undefined) {
      throw new NotFoundException({ message: "no such key", $metadata: {} });
    }
    this.counter += 1;
    const id = `ciphertext-${this.counter}`;
    this.sealed.set(id, {
      keyId: input.KeyId,
      context: canonicalContext(input.EncryptionContext),
      plaintext: input.Plaintext,
    });
    return { CiphertextBlob: utf8(id), KeyId: input.KeyId };
  }

  decrypt(input: DecryptCommandInput): { Plaintext: Uint8Array; KeyId: string } {
    const id = new TextDecoder().decode(input.CiphertextBlob);
    const sealed = this.sealed.get(id);
    if (
      sealed === undefined ||
      sealed.keyId !== input.KeyId ||
      sealed.context !== canonicalContext(input.EncryptionContext)
    ) {
      throw new InvalidCiphertextException({ message: "invalid ciphertext", $metadata: {} });
    }
    return { Plaintext: sealed.plaintext, KeyId: sealed.keyId };
  }

  /** A ciphertext of `value` as `Encrypt` would make it for the vault record of `token`. */
  seal(field: string, token: string, value: string): Uint8Array {
    return this.encrypt({
      KeyId: DATA_KEY_ID,
      Plaintext: utf8(value),
      EncryptionContext: { purpose: "pii-vault", field, token },
    }).CiphertextBlob;
  }
}

const HANDLER_ENVIRONMENT = [
  "HMAC_KEY_ID",
  "DATA_KEY_ID",
  "VAULT_KIND",
  "VAULT_TABLE",
  "VAULT_CLUSTER_ARN",
  "VAULT_SECRET_ARN",
  "VAULT_DATABASE",
] as const;

/** Environment of a handler with the DynamoDB vault. */
export const DYNAMODB_ENV = {
  HMAC_KEY_ID,
  DATA_KEY_ID,
  VAULT_KIND: "dynamodb",
  VAULT_TABLE,
};

/** Environment of a handler with the Aurora vault. */
export const AURORA_ENV = {
  HMAC_KEY_ID,
  DATA_KEY_ID,
  VAULT_KIND: "aurora",
  VAULT_CLUSTER_ARN: CLUSTER_ARN,
  VAULT_SECRET_ARN: SECRET_ARN,
  VAULT_DATABASE: DATABASE,
};

/** Sets exactly the given handler variables (the others are removed); returns the restorer. */
export function setHandlerEnvironment(
  values: Partial<Record<(typeof HANDLER_ENVIRONMENT)[number], string>>,
): () => void {
  return setEnvironment(HANDLER_ENVIRONMENT, values);
}
