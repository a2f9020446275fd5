import { GenerateMacCommand, KMSClient, VerifyMacCommand } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HMAC_SHA_256_BYTES, KmsMacClient, MAC_ALGORITHM } from "./kms-mac";
import { captureLogs, rejection } from "./test-support";

const KEY_ID = "arn:aws:kms:me-south-1:111122223333:key/11111111-2222-3333-4444-555555555555";
const kms = mockClient(KMSClient);

class KeyServiceError extends Error {
  override readonly name = "KeyServiceError";
}

const client = (): KmsMacClient =>
  new KmsMacClient(
    new KMSClient({ region: "me-south-1" }),
    KEY_ID,
    (operation) => new KeyServiceError(`key service call ${operation} failed`),
  );

const awsError = (name: string): Error =>
  Object.assign(new Error(`${name}: secret detail`), {
    name,
    $metadata: { httpStatusCode: 400, requestId: "req-1" },
  });

describe("KmsMacClient", () => {
  let logs: ReturnType<typeof captureLogs>;
  beforeEach(() => {
    kms.reset();
    logs = captureLogs();
  });
  afterEach(() => {
    logs.spy.mockRestore();
  });

  it("generates an HMAC_SHA_256 MAC under the key", async () => {
    const mac = new Uint8Array(HMAC_SHA_256_BYTES).fill(7);
    kms.on(GenerateMacCommand).resolves({ Mac: mac });
    const message = new TextEncoder().encode("hello");
    expect(await client().generateMac(message)).toEqual(mac);
    expect(kms.commandCalls(GenerateMacCommand)[0]?.args[0].input).toEqual({
      KeyId: KEY_ID,
      MacAlgorithm: MAC_ALGORITHM,
      Message: message,
    });
  });

  it("replaces a KMS error by the function's error, logging no message", async () => {
    kms.on(GenerateMacCommand).rejects(awsError("ThrottlingException"));
    const error = await rejection(client().generateMac(new Uint8Array([1])));
    expect(error).toEqual(new KeyServiceError("key service call GenerateMac failed"));
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: "error",
        event: "kms.failed",
        operation: "GenerateMac",
        errorName: "ThrottlingException",
        awsRequestId: "req-1",
      }),
    ]);
    expect(logs.text()).not.toContain("secret detail");
  });

  it("refuses a MAC of the wrong length", async () => {
    kms.on(GenerateMacCommand).resolves({ Mac: new Uint8Array(16) });
    expect(await rejection(client().generateMac(new Uint8Array([1])))).toBeInstanceOf(
      KeyServiceError,
    );
  });

  it("verifies a MAC", async () => {
    kms.on(VerifyMacCommand).resolves({ MacValid: true });
    const mac = new Uint8Array(HMAC_SHA_256_BYTES);
    expect(await client().verifyMac(new Uint8Array([1]), mac)).toBe(true);
    expect(kms.commandCalls(VerifyMacCommand)[0]?.args[0].input).toMatchObject({
      KeyId: KEY_ID,
      MacAlgorithm: MAC_ALGORITHM,
      Mac: mac,
    });
  });

  it("answers false for a MAC KMS finds invalid", async () => {
    kms.on(VerifyMacCommand).rejects(awsError("KMSInvalidMacException"));
    expect(await client().verifyMac(new Uint8Array([1]), new Uint8Array(32))).toBe(false);
  });

  it("replaces another VerifyMac error by the function's error", async () => {
    kms.on(VerifyMacCommand).rejects(awsError("AccessDeniedException"));
    expect(await rejection(client().verifyMac(new Uint8Array([1]), new Uint8Array(32)))).toEqual(
      new KeyServiceError("key service call VerifyMac failed"),
    );
  });
});
