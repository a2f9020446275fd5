/**
 * The KMS implementation of the core's `MacGenerator`. A raw KMS error is logged (name, status
 * and request id only) and replaced by `KeyServiceError`.
 */
import { GenerateMacCommand, type KMSClient } from "@aws-sdk/client-kms";
import { KeyServiceError, MAC_BYTES, type MacGenerator } from "./core";
import { describeError, log } from "../../shared/log";

/** The MAC algorithm of the home-region key (an HMAC_256 key). */
export const MAC_ALGORITHM = "HMAC_SHA_256";

function keyServiceFailure(error: unknown): KeyServiceError {
  log("error", "kms.failed", { operation: "GenerateMac", ...describeError(error) });
  return new KeyServiceError("GenerateMac");
}

/**
 * `GenerateMac` with `HMAC_SHA_256` under the home-region key. The key is a multi-region key, so
 * its replica in every home region computes the same MAC for the same message.
 */
export class KmsMacGenerator implements MacGenerator {
  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
  ) {}

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
      throw keyServiceFailure(error);
    }
    if (mac?.length !== MAC_BYTES) {
      throw keyServiceFailure(new Error("unexpected MAC length"));
    }
    return mac;
  }
}
