/**
 * HMAC-SHA-256 under a KMS HMAC key: `GenerateMac` and `VerifyMac`
 * (https://docs.aws.amazon.com/kms/latest/developerguide/hmac.html). The key never leaves KMS;
 * a multi-region key computes the same MAC in every region it is replicated to. A failed call is
 * logged (name, status and request id only, never the message) and replaced by the error the
 * function names (`failure`), so callers never see a raw KMS error.
 */
import { GenerateMacCommand, VerifyMacCommand, type KMSClient } from "@aws-sdk/client-kms";
import { describeError, log } from "./log";

/** The MAC algorithm: an `HMAC_256` key's. */
export const MAC_ALGORITHM = "HMAC_SHA_256";

/** Length of an `HMAC_SHA_256` MAC in bytes. */
export const HMAC_SHA_256_BYTES = 32;

/** The KMS operations of this client. */
export type MacOperation = "GenerateMac" | "VerifyMac";

/** The error a function throws when KMS fails; `operation` names the call. */
export type MacFailure = (operation: MacOperation) => Error;

/** KMS answers `VerifyMac` with this error when the MAC does not match. */
const INVALID_MAC = "KMSInvalidMacException";

/** `GenerateMac` and `VerifyMac` with `HMAC_SHA_256` under one key. */
export class KmsMacClient {
  /**
   * @param client the KMS client (its `maxAttempts` sets the retries of throttled calls)
   * @param keyId the HMAC_256 key's id, ARN or alias
   * @param failure the error thrown when a call fails or returns something unusable
   */
  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
    private readonly failure: MacFailure,
  ) {}

  /** The 32-byte MAC of `message`. */
  async generateMac(message: Uint8Array): Promise<Uint8Array> {
    let mac: Uint8Array | undefined;
    try {
      const output = await this.client.send(
        new GenerateMacCommand({
          KeyId: this.keyId,
          MacAlgorithm: MAC_ALGORITHM,
          Message: message,
        }),
      );
      mac = output.Mac;
    } catch (error) {
      throw this.failed("GenerateMac", error);
    }
    if (mac?.length !== HMAC_SHA_256_BYTES) {
      throw this.failed("GenerateMac", new Error("unexpected MAC length"));
    }
    return mac;
  }

  /** Whether `mac` is the MAC of `message` under the key. */
  async verifyMac(message: Uint8Array, mac: Uint8Array): Promise<boolean> {
    try {
      const output = await this.client.send(
        new VerifyMacCommand({
          KeyId: this.keyId,
          MacAlgorithm: MAC_ALGORITHM,
          Message: message,
          Mac: mac,
        }),
      );
      return output.MacValid === true;
    } catch (error) {
      if (error instanceof Error && error.name === INVALID_MAC) {
        return false;
      }
      throw this.failed("VerifyMac", error);
    }
  }

  private failed(operation: MacOperation, error: unknown): Error {
    log("error", "kms.failed", { operation, ...describeError(error) });
    return this.failure(operation);
  }
}
