import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { readRoleCredential } from "./secrets";

const sm = mockClient(SecretsManagerClient);
const ARN = "arn:aws:secretsmanager:me-south-1:111122223333:secret:vault-tokenize-AbCdEf";
const PASSWORD = "SecretPassword0123456789abcdefABCDEF";
const read = () =>
  readRoleCredential(new SecretsManagerClient({ region: "me-south-1" }), ARN, "vault_tokenize");

beforeEach(() => sm.reset());

describe("readRoleCredential", () => {
  it("reads the role's password and the secret's version", async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({
      SecretString: JSON.stringify({ username: "vault_tokenize", password: PASSWORD }),
      VersionId: "v1",
    });
    expect(await read()).toEqual({
      role: "vault_tokenize",
      password: PASSWORD,
      secretVersion: "v1",
    });
  });

  it("refuses a secret of another user, without showing the password", async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ username: "kc_admin", password: PASSWORD }),
      VersionId: "v1",
    });
    const error = await read().catch((e: unknown) => e);
    expect(String(error)).toContain(
      `secret ${ARN} names user "kc_admin"; expected "vault_tokenize"`,
    );
    expect(String(error)).not.toContain(PASSWORD);
  });

  it("refuses a secret that is not JSON or has a short password", async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: PASSWORD, VersionId: "v1" });
    await expect(read()).rejects.toThrow(/is not JSON/);
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ username: "vault_tokenize", password: "short" }),
      VersionId: "v1",
    });
    await expect(read()).rejects.toThrow(/has no password of at least 16 characters/);
  });
});
