/**
 * Test support (not bundled: no handler imports it). A fake KMS that computes a real keyed HMAC,
 * wired into an `aws-sdk-client-mock` stub, and environment and log helpers for the handler tests.
 * The store's conditions and transactions run on DynamoDB Local (`test-dynamodb.ts`), not on a
 * copy of them.
 */
import { createHmac } from "node:crypto";
import {
  GenerateMacCommand,
  NotFoundException,
  type GenerateMacCommandInput,
  type KMSClient,
} from "@aws-sdk/client-kms";
import type { AwsClientStub } from "aws-sdk-client-mock";
import type { RegionDirectory } from "./config";
import { macMessage, normalizeIdentity, recordKey } from "./identity";
import { setEnvironment } from "../../shared/test-support";
export { captureLogs, rejection, thrown } from "../../shared/test-support";

export const HMAC_KEY_ID =
  "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
export const TABLE_NAME = "home-region";
export const HOME_REGIONS = "me-south-1,us-east-1";
export const REGION_HOSTNAMES = JSON.stringify({
  "me-south-1": "api.sa.example.com",
  "us-east-1": "api.us.example.com",
});

/** The GCC countries' accounts are kept in me-south-1, every other country's in us-east-1. */
export const COUNTRY_HOME_REGIONS = JSON.stringify({
  SA: "me-south-1",
  AE: "me-south-1",
  BH: "me-south-1",
  KW: "me-south-1",
  OM: "me-south-1",
  QA: "me-south-1",
  "*": "us-east-1",
});

/** The Saudi stack's directory: GCC accounts are kept here, every other country's in the US. */
export const DIRECTORY: RegionDirectory = {
  regions: ["me-south-1", "us-east-1"],
  hostnames: new Map([
    ["me-south-1", "api.sa.example.com"],
    ["us-east-1", "api.us.example.com"],
  ]),
  countries: JSON.parse(COUNTRY_HOME_REGIONS) as Record<string, string>,
  stackRegion: "me-south-1",
};

/** The handler's environment in the Saudi stack. */
export const HANDLER_ENV = {
  HMAC_KEY_ID,
  TABLE_NAME,
  HOME_REGIONS,
  REGION_HOSTNAMES,
  COUNTRY_HOME_REGIONS,
  STACK_REGION: "me-south-1",
};

/** The handler's environment in the US stack. */
export const US_HANDLER_ENV = { ...HANDLER_ENV, STACK_REGION: "us-east-1" };

const HMAC_SECRET = "test-home-region-hmac-secret";

/** HMAC-SHA-256 under the fake key (or another secret). */
export function fakeMac(message: Uint8Array, secret: string = HMAC_SECRET): Uint8Array {
  return new Uint8Array(createHmac("sha256", secret).update(message).digest());
}

/** The record key the fake key gives a raw identity. */
export function recordKeyOf(identity: string, secret: string = HMAC_SECRET): string {
  return recordKey(fakeMac(macMessage(normalizeIdentity(identity)), secret));
}

/** Wires a keyed HMAC into a `KMSClient` stub, for `HMAC_KEY_ID` only. */
export function fakeKms(stub: AwsClientStub<KMSClient>): void {
  stub.on(GenerateMacCommand).callsFake((input: GenerateMacCommandInput) => {
    if (input.KeyId !== HMAC_KEY_ID || input.Message === undefined) {
      throw new NotFoundException({ message: "no such key", $metadata: {} });
    }
    if (input.MacAlgorithm !== "HMAC_SHA_256") {
      throw new Error(`unexpected MAC algorithm ${String(input.MacAlgorithm)}`);
    }
    return { Mac: fakeMac(input.Message), KeyId: input.KeyId, MacAlgorithm: input.MacAlgorithm };
  });
}

/** Sets exactly the given handler variables (the others are removed); returns the restorer. */
export function setHandlerEnvironment(
  values: Partial<Record<keyof typeof HANDLER_ENV, string>>,
): () => void {
  return setEnvironment(Object.keys(HANDLER_ENV) as (keyof typeof HANDLER_ENV)[], values);
}
