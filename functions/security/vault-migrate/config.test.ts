import { describe, expect, it } from "vitest";
import { loadConfiguration } from "./config";

const ENV = {
  VAULT_CLUSTER_ARN: "arn:aws:rds:me-south-1:111122223333:cluster:kc-users-cluster-1",
  VAULT_DATABASE: "knowledgecity",
  MASTER_SECRET_ARN: "arn:aws:secretsmanager:me-south-1:111122223333:secret:rds!cluster-1-AbCdEf",
  TOKENIZE_SECRET_ARN: "arn:aws:secretsmanager:me-south-1:111122223333:secret:t-AbCdEf",
  DETOKENIZE_SECRET_ARN: "arn:aws:secretsmanager:me-south-1:111122223333:secret:d-AbCdEf",
};

describe("the vault migration's configuration", () => {
  it("reads every variable", () => {
    expect(loadConfiguration(ENV)).toEqual({
      clusterArn: ENV.VAULT_CLUSTER_ARN,
      database: "knowledgecity",
      masterSecretArn: ENV.MASTER_SECRET_ARN,
      tokenizeSecretArn: ENV.TOKENIZE_SECRET_ARN,
      detokenizeSecretArn: ENV.DETOKENIZE_SECRET_ARN,
    });
  });

  it("names every missing variable and every malformed ARN at once", () => {
    expect(() =>
      loadConfiguration({ ...ENV, VAULT_DATABASE: " ", TOKENIZE_SECRET_ARN: "vault-tokenize" }),
    ).toThrow(
      'missing environment variables: VAULT_DATABASE; TOKENIZE_SECRET_ARN is not an ARN of the expected kind, got "vault-tokenize"',
    );
  });
});
