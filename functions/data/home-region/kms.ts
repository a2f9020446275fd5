/**
 * The MAC generator of the home-region key: `GenerateMac` with `HMAC_SHA_256` through the shared
 * KMS MAC client. The key is a multi-region key, so its replica in every home region computes the
 * same MAC for the same message. A failed call is logged (name, status and request id only) and
 * replaced by `KeyServiceError`.
 */
import type { KMSClient } from "@aws-sdk/client-kms";
import { KmsMacClient } from "../../shared/kms-mac";
import type { MacGenerator } from "./core";
import { KeyServiceError } from "./errors";

/** The MAC generator of the key `keyId` (an HMAC_256 key). */
export function createMacGenerator(client: KMSClient, keyId: string): MacGenerator {
  return new KmsMacClient(client, keyId, (operation) => new KeyServiceError(operation));
}
