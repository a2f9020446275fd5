import {
  BadRequestException,
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
} from "@aws-sdk/client-rds-data";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { migrateVault } from "./core";
import {
  APPLIED_SQL,
  PASSWORD_VERSION_SQL,
  STAGE_PASSWORD_SQL,
  type Migration,
} from "./migrations";

const rds = mockClient(RDSDataClient);
const TARGET = {
  resourceArn: "arn:aws:rds:me-south-1:111122223333:cluster:users",
  secretArn: "arn:aws:secretsmanager:me-south-1:111122223333:secret:rds!cluster-1-AbCdEf",
  database: "knowledgecity",
};
const PASSWORD = "SecretPassword0123456789abcdefABCDEF";
const MIGRATIONS: Migration[] = [
  { version: 1, description: "one", statements: ["CREATE SCHEMA IF NOT EXISTS a", "BROKEN"] },
];

beforeEach(() => {
  rds.reset();
  rds.on(BeginTransactionCommand).resolves({ transactionId: "tx-1" });
  rds.on(CommitTransactionCommand).resolves({});
  rds.on(RollbackTransactionCommand).resolves({});
  rds.on(ExecuteStatementCommand).resolves({ records: [] });
});

describe("migrateVault", () => {
  it("runs each version in one transaction, and rolls it back naming the statement that failed", async () => {
    rds
      .on(ExecuteStatementCommand, { sql: "BROKEN" })
      .rejects(
        new BadRequestException({ message: 'ERROR: syntax error at "BROKEN"', $metadata: {} }),
      );
    await expect(
      migrateVault(new RDSDataClient({ region: "me-south-1" }), TARGET, MIGRATIONS, []),
    ).rejects.toThrow(
      'vault migration 1 (one), statement 2 of 2, failed: ERROR: syntax error at "BROKEN"',
    );
    expect(rds.commandCalls(RollbackTransactionCommand)).toHaveLength(1);
    // The bootstrap committed; the failed version did not.
    expect(rds.commandCalls(CommitTransactionCommand)).toHaveLength(1);
    for (const call of rds.commandCalls(ExecuteStatementCommand)) {
      expect(call.args[0].input).toMatchObject({ ...TARGET, transactionId: "tx-1" });
    }
  });

  it("skips a recorded version, and a password whose secret version is recorded", async () => {
    rds
      .on(ExecuteStatementCommand, { sql: APPLIED_SQL })
      .resolves({ records: [[{ longValue: 1 }]] });
    rds
      .on(ExecuteStatementCommand, { sql: PASSWORD_VERSION_SQL })
      .resolves({ records: [[{ stringValue: "v1" }]] });
    const report = await migrateVault(
      new RDSDataClient({ region: "me-south-1" }),
      TARGET,
      MIGRATIONS,
      [{ role: "vault_tokenize", password: PASSWORD, secretVersion: "v1" }],
    );
    expect(report).toEqual({ applied: [], passwordsSet: [], version: 1 });
    const sqls = rds.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input.sql);
    expect(sqls).not.toContain("BROKEN");
    expect(sqls).not.toContain(STAGE_PASSWORD_SQL);
  });

  it("sends a password as a bind parameter only, never in a statement or the report", async () => {
    rds
      .on(ExecuteStatementCommand, { sql: APPLIED_SQL })
      .resolves({ records: [[{ longValue: 1 }]] });
    const report = await migrateVault(
      new RDSDataClient({ region: "me-south-1" }),
      TARGET,
      MIGRATIONS,
      [{ role: "vault_tokenize", password: PASSWORD, secretVersion: "v2" }],
    );
    expect(report.passwordsSet).toEqual(["vault_tokenize"]);
    const inputs = rds.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input);
    expect(inputs.filter((input) => input.sql?.includes(PASSWORD))).toEqual([]);
    expect(inputs.find((input) => input.sql === STAGE_PASSWORD_SQL)?.parameters).toEqual([
      { name: "password", value: { stringValue: PASSWORD } },
    ]);
    expect(JSON.stringify(report)).not.toContain(PASSWORD);
  });

  it("refuses a role name that is not a plain identifier before any call", async () => {
    await expect(
      migrateVault(new RDSDataClient({ region: "me-south-1" }), TARGET, MIGRATIONS, [
        { role: "x'; DROP", password: PASSWORD, secretVersion: "v1" },
      ]),
    ).rejects.toThrow(/is not a plain PostgreSQL identifier/);
    expect(rds.calls()).toHaveLength(0);
  });
});
