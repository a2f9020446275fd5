import {
  InvalidKeyUsageException,
  GenerateMacCommand,
  KMSClient,
  KMSInvalidStateException,
} from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyServiceError } from "./errors";
import { macMessage, normalizeIdentity } from "./identity";
import { SAUDI_IDENTITY } from "./fixtures/events";
import { createMacGenerator } from "./kms";
import { HMAC_KEY_ID, captureLogs, fakeKms, fakeMac, rejection } from "./test-support";

const kms = mockClient(KMSClient);
let logs: ReturnType<typeof captureLogs>;

beforeEach(() => {
  kms.reset();
  logs = captureLogs();
});

afterEach(() => {
  logs.spy.mockRestore();
});

const MESSAGE = macMessage(normalizeIdentity(SAUDI_IDENTITY));

describe("createMacGenerator", () => {
  it("asks KMS for HMAC_SHA_256 under the configured key", async () => {
    fakeKms(kms);
    const generator = createMacGenerator(new KMSClient({}), HMAC_KEY_ID);
    await expect(generator.generateMac(MESSAGE)).resolves.toEqual(fakeMac(MESSAGE));
    expect(kms.commandCalls(GenerateMacCommand).map(({ args }) => args[0].input)).toEqual([
      { KeyId: HMAC_KEY_ID, MacAlgorithm: "HMAC_SHA_256", Message: MESSAGE },
    ]);
  });

  it.each([
    [
      "a key of the wrong usage",
      new InvalidKeyUsageException({
        message: `not allowed for ${SAUDI_IDENTITY}`,
        $metadata: { httpStatusCode: 400, requestId: "kms-req-2" },
      }),
      { errorName: "InvalidKeyUsageException", httpStatusCode: 400, awsRequestId: "kms-req-2" },
    ],
    [
      "a disabled key",
      new KMSInvalidStateException({
        message: "key is disabled",
        $metadata: { httpStatusCode: 400, requestId: "kms-req-3" },
      }),
      { errorName: "KMSInvalidStateException", httpStatusCode: 400, awsRequestId: "kms-req-3" },
    ],
  ])("turns %s into KeyServiceError, logging only safe fields", async (_, failure, logged) => {
    kms.on(GenerateMacCommand).rejects(failure);
    const generator = createMacGenerator(new KMSClient({}), HMAC_KEY_ID);
    const error = await rejection(generator.generateMac(MESSAGE));
    expect(error).toBeInstanceOf(KeyServiceError);
    expect((error as Error).message).toBe("key service call GenerateMac failed");
    expect(logs.lines()).toEqual([
      {
        level: "error",
        event: "kms.failed",
        time: expect.any(String) as unknown,
        operation: "GenerateMac",
        fault: "client",
        ...logged,
      },
    ]);
    expect(logs.text()).not.toContain(failure.message);
  });

  it.each([
    ["a short MAC", { Mac: new Uint8Array(16) }],
    ["no MAC", {}],
  ])("refuses %s", async (_, output) => {
    kms.on(GenerateMacCommand).resolves(output);
    const generator = createMacGenerator(new KMSClient({}), HMAC_KEY_ID);
    await expect(generator.generateMac(MESSAGE)).rejects.toBeInstanceOf(KeyServiceError);
    expect(logs.lines()[0]).toMatchObject({ event: "kms.failed", errorName: "Error" });
  });
});
