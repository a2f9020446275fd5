import {
  GetSecretValueCommand,
  InternalServiceError,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { SecretValueError } from "./errors";
import { CachedSecretString } from "./secret";
import { PASSWORD, PASSWORD_SECRET_ARN, rejection } from "./test-support";

const secretsManager = mockClient(SecretsManagerClient);

beforeEach(() => {
  secretsManager.reset();
});

function cached(): CachedSecretString {
  return new CachedSecretString(
    new SecretsManagerClient({ region: "me-south-1" }),
    PASSWORD_SECRET_ARN,
  );
}

describe("CachedSecretString", () => {
  it("reads the secret's string once", async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: PASSWORD });
    const secret = cached();
    expect(await Promise.all([secret.get(), secret.get()])).toEqual([PASSWORD, PASSWORD]);
    expect(await secret.get()).toBe(PASSWORD);
    expect(
      secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input),
    ).toEqual([{ SecretId: PASSWORD_SECRET_ARN }]);
  });

  it("reads again after a failed read, and after forget", async () => {
    const failure = new InternalServiceError({ message: "internal", $metadata: {} });
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(failure)
      .resolvesOnce({ SecretString: PASSWORD })
      .resolves({ SecretString: "rotated" });
    const secret = cached();
    expect(await rejection(secret.get())).toBe(failure);
    expect(await secret.get()).toBe(PASSWORD);
    expect(await secret.get()).toBe(PASSWORD);
    secret.forget();
    expect(await secret.get()).toBe("rotated");
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(3);
  });

  it("fails without a string value", async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretBinary: new Uint8Array([1, 2]) })
      .resolvesOnce({ SecretString: "" });
    const secret = cached();
    const missing = await rejection(secret.get());
    expect(missing).toBeInstanceOf(SecretValueError);
    expect((missing as Error).message).toBe(
      `secret ${PASSWORD_SECRET_ARN} has no SecretString; expected the ClickHouse password as a string`,
    );
    expect(await rejection(secret.get())).toBeInstanceOf(SecretValueError);
  });
});
