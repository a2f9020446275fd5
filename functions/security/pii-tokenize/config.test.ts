import { describe, expect, it } from "vitest";
import { loadEnvironment } from "./config";
import { ConfigurationError } from "../../shared/errors";
import { CLUSTER_ARN, DATABASE, SECRET_ARN } from "./test-support";

describe("loadEnvironment", () => {
  it("reads a handler's variables and the DynamoDB vault", () => {
    expect(
      loadEnvironment({ A: "a", B: " b ", VAULT_KIND: "dynamodb", VAULT_TABLE: "t" }, ["A", "B"]),
    ).toEqual({ values: { A: "a", B: "b" }, vault: { kind: "dynamodb", tableName: "t" } });
  });

  it("reads the Aurora vault", () => {
    expect(
      loadEnvironment(
        {
          VAULT_KIND: "aurora",
          VAULT_CLUSTER_ARN: CLUSTER_ARN,
          VAULT_SECRET_ARN: SECRET_ARN,
          VAULT_DATABASE: DATABASE,
        },
        [],
      ).vault,
    ).toEqual({
      kind: "aurora",
      clusterArn: CLUSTER_ARN,
      secretArn: SECRET_ARN,
      database: DATABASE,
    });
  });

  it.each([
    [{}, "missing environment variables: A, VAULT_KIND"],
    [{ A: "a", VAULT_KIND: "dynamodb" }, "missing environment variables: VAULT_TABLE"],
    [
      { A: " ", VAULT_KIND: "dynamodb", VAULT_TABLE: "" },
      "missing environment variables: A, VAULT_TABLE",
    ],
    [
      { VAULT_KIND: "aurora", VAULT_SECRET_ARN: SECRET_ARN },
      "missing environment variables: A, VAULT_CLUSTER_ARN, VAULT_DATABASE",
    ],
    [{ A: "a", VAULT_KIND: "postgres" }, "VAULT_KIND must be one of: dynamodb, aurora"],
    [
      { VAULT_KIND: "s3" },
      "missing environment variables: A; VAULT_KIND must be one of: dynamodb, aurora",
    ],
  ])("fails on %j", (env, message) => {
    const load = (): unknown => loadEnvironment(env, ["A"]);
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow(message);
  });
});
