/** What counts as secret, and a planted secret masked wherever it appears. */
import { describe, expect, it } from "vitest";
import { diffResources, type ComparedResource } from "./resources";
import { isSecretKey, MASK, SecretMask } from "./secrets";

const PLANTED = "Planted-Hunter2-Value";

function resource(
  type: string,
  name: string,
  inputs: Readonly<Record<string, unknown>>,
): ComparedResource {
  return {
    urn: `urn:pulumi:s::p::${type}::${name}`,
    type,
    name,
    parent: null,
    provider: null,
    region: "me-south-1",
    inputs,
    dependsOn: [],
  };
}

describe("isSecretKey", () => {
  it("knows keys that hold secrets", () => {
    for (const key of [
      "masterPassword",
      "clientSecret",
      "authToken",
      "privateKeyPem",
      "DB_PASSWORD",
      "api_key",
      "secretString",
      "passwordSecret",
      "credentials",
    ]) {
      expect(isSecretKey(key), key).toBe(true);
    }
  });

  it("leaves keys that name, size or configure a secret, and look-alike words", () => {
    for (const key of [
      "secretArn",
      "CLICKHOUSE_PASSWORD_SECRET_ARN",
      "passwordLength",
      "kmsKeyId",
      "httpTokens",
      "tokenizeSecretVersion",
      "encodedKey",
      "privateSubnetIds",
      "skipCredentialsValidation",
      "endpointPrivateAccess",
      "requireToken",
    ]) {
      expect(isSecretKey(key), key).toBe(false);
    }
  });
});

describe("SecretMask", () => {
  it("masks a value under a secret key, by resource type, and the same value anywhere else", () => {
    const cluster = resource("aws:rds/cluster:Cluster", "db", { masterPassword: PLANTED });
    const secret = resource("kubernetes:core/v1:Secret", "creds", {
      stringData: { ingest: "another-planted-one" },
    });
    const mask = SecretMask.of([cluster, secret]);
    expect(mask.isSecretPath(cluster, ["masterPassword"])).toBe(true);
    expect(mask.isSecretPath(secret, ["stringData", "ingest"])).toBe(true);
    expect(mask.isSecretPath(cluster, ["engine"])).toBe(false);
    expect(mask.value({ env: { URL: `postgres://app:${PLANTED}@db` } })).toEqual({
      env: { URL: `postgres://app:${MASK}@db` },
    });
    expect(mask.value('{"password":"short","user":"app"}')).toBe(
      `{"password":"${MASK}","user":"app"}`,
    );
    expect(mask.text(`rule says another-planted-one is wrong`)).toBe(`rule says ${MASK} is wrong`);
  });

  it("does not search for short values or what a reference to a secret names", () => {
    const helm = resource("kubernetes:helm.sh/v3:Release", "ch", {
      values: { passwordSecret: { name: "clickhouse-users", key: "api" } },
      token: "abc",
    });
    const mask = SecretMask.of([helm]);
    expect(mask.text("kc-analytics-clickhouse-users abc")).toBe(
      "kc-analytics-clickhouse-users abc",
    );
    expect(mask.value({ passwordSecret: { name: "x", key: "y" } })).toEqual({
      passwordSecret: MASK,
    });
  });

  it("keeps a planted secret out of every change of a resource comparison", () => {
    const before = [
      resource("aws:rds/cluster:Cluster", "db", { masterPassword: "old-password-1" }),
      resource("aws:ssm/parameter:Parameter", "p", { type: "SecureString", value: "old-value-9" }),
      resource("aws:lambda/function:Function", "f", { environment: { variables: {} } }),
    ];
    const after = [
      resource("aws:rds/cluster:Cluster", "db", { masterPassword: PLANTED }),
      resource("aws:ssm/parameter:Parameter", "p", { type: "SecureString", value: PLANTED }),
      resource("aws:lambda/function:Function", "f", {
        environment: { variables: { NOTE: `copied ${PLANTED}`, DB: { password: PLANTED } } },
      }),
    ];
    const result = diffResources(before, after, SecretMask.of([...before, ...after]));
    const printed = JSON.stringify(result);
    expect(printed).not.toContain(PLANTED);
    expect(printed).not.toContain("old-password-1");
    expect(printed).not.toContain("old-value-9");
    // The changes are still there, masked.
    expect(result.changed.map((c) => c.changes.map((x) => [x.path, x.before, x.after]))).toEqual([
      [
        ["inputs.environment.variables.DB", undefined, { password: MASK }],
        ["inputs.environment.variables.NOTE", undefined, `copied ${MASK}`],
      ],
      [["inputs.masterPassword", MASK, MASK]],
      [["inputs.value", MASK, MASK]],
    ]);
  });
});
