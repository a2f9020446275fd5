/**
 * A vault role's password from its secret: the JSON that `UserDataStore` writes
 * (`{ engine, username, password, host, port, dbname }`, the shape the RDS Data API reads).
 */
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { RoleCredential } from "./core";

/**
 * The credential of `role` from secret `secretArn`: refused when the secret is not JSON, names
 * another user, or has no password (the message never contains the secret's value).
 */
export async function readRoleCredential(
  client: SecretsManagerClient,
  secretArn: string,
  role: string,
): Promise<RoleCredential> {
  const output = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const text = output.SecretString;
  const version = output.VersionId;
  if (text === undefined || version === undefined) {
    throw new Error(`secret ${secretArn} has no string value or no version id`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`secret ${secretArn} is not JSON; expected { "username", "password", ... }`);
  }
  const record = typeof parsed === "object" && parsed !== null ? parsed : {};
  const username = "username" in record ? record.username : undefined;
  const password = "password" in record ? record.password : undefined;
  if (username !== role) {
    throw new Error(
      `secret ${secretArn} names user ${JSON.stringify(username)}; expected ${JSON.stringify(role)}`,
    );
  }
  if (typeof password !== "string" || password.length < 16) {
    throw new Error(`secret ${secretArn} has no password of at least 16 characters`);
  }
  return { role, password, secretVersion: version };
}
