/**
 * KMS implementations of the core's key dependencies. Raw KMS errors are logged (name, status and
 * request id only) and replaced by the core's named errors.
 */
import { DecryptCommand, EncryptCommand, type KMSClient } from "@aws-sdk/client-kms";
import type { Decrypter, Encrypter, MacGenerator, VaultEncryptionContext } from "./core";
import { KeyServiceError, VaultIntegrityError } from "./errors";
import { KmsMacClient } from "../../shared/kms-mac";
import { describeError, log } from "../../shared/log";

/** KMS errors that mean "this ciphertext does not belong to this key and context". */
const REJECTED_CIPHERTEXT = new Set(["InvalidCiphertextException", "IncorrectKeyException"]);

function keyServiceFailure(operation: string, error: unknown, fields = {}): KeyServiceError {
  log("error", "kms.failed", { operation, ...fields, ...describeError(error) });
  return new KeyServiceError(operation);
}

/**
 * The MAC generator of the tokenization key `keyId` (an HMAC_256 key), through the shared KMS MAC
 * client: a failed call is logged and replaced by `KeyServiceError`.
 */
export function createMacGenerator(client: KMSClient, keyId: string): MacGenerator {
  return new KmsMacClient(client, keyId, (operation) => new KeyServiceError(operation));
}

/** `Encrypt` under the region's user-data key, bound to the vault encryption context. */
export class KmsEncrypter implements Encrypter {
  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
  ) {}

  async encrypt(plaintext: Uint8Array, context: VaultEncryptionContext): Promise<Uint8Array> {
    let ciphertext: Uint8Array | undefined;
    try {
      const output = await this.client.send(
        new EncryptCommand({
          KeyId: this.keyId,
          Plaintext: plaintext,
          EncryptionContext: { ...context },
        }),
      );
      ciphertext = output.CiphertextBlob;
    } catch (error) {
      throw keyServiceFailure("Encrypt", error, { field: context.field, token: context.token });
    }
    if (ciphertext === undefined || ciphertext.length === 0) {
      throw keyServiceFailure("Encrypt", new Error("empty ciphertext"), { token: context.token });
    }
    return ciphertext;
  }
}

/**
 * `Decrypt` with the key id given (so no other key is tried) and the vault encryption context. A
 * ciphertext KMS rejects under that key and context is a `VaultIntegrityError`.
 */
export class KmsDecrypter implements Decrypter {
  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
  ) {}

  async decrypt(ciphertext: Uint8Array, context: VaultEncryptionContext): Promise<Uint8Array> {
    let plaintext: Uint8Array | undefined;
    try {
      const output = await this.client.send(
        new DecryptCommand({
          KeyId: this.keyId,
          CiphertextBlob: ciphertext,
          EncryptionContext: { ...context },
        }),
      );
      plaintext = output.Plaintext;
    } catch (error) {
      if (error instanceof Error && REJECTED_CIPHERTEXT.has(error.name)) {
        log("error", "vault.record_rejected", {
          field: context.field,
          token: context.token,
          ...describeError(error),
        });
        throw new VaultIntegrityError(
          context.token,
          "it does not decrypt under the data key with its encryption context",
        );
      }
      throw keyServiceFailure("Decrypt", error, { field: context.field, token: context.token });
    }
    if (plaintext === undefined) {
      throw keyServiceFailure("Decrypt", new Error("no plaintext"), { token: context.token });
    }
    return plaintext;
  }
}
