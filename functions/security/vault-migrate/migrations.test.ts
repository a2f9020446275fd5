import { describe, expect, it } from "vitest";
import { AURORA_VAULT } from "../../../contracts/functions";
import { positionalSql } from "../../../test/postgres/data-api";
import {
  BOOTSTRAP_STATEMENTS,
  checkMigrations,
  identifier,
  LATEST_VERSION,
  setPasswordSql,
  VAULT_MIGRATIONS,
} from "./migrations";

describe("the vault migrations", () => {
  it("end at the schema version the program deploys (raise both together)", () => {
    expect(LATEST_VERSION).toBe(AURORA_VAULT.schemaVersion);
    expect(() => {
      checkMigrations(VAULT_MIGRATIONS);
    }).not.toThrow();
  });

  it("have no named parameter in DDL: the Data API would find one where PostgreSQL takes none", () => {
    for (const statement of [
      ...BOOTSTRAP_STATEMENTS,
      ...VAULT_MIGRATIONS.flatMap((m) => m.statements),
      setPasswordSql("vault_tokenize"),
    ]) {
      expect({ statement, names: positionalSql(statement).names }).toEqual({
        statement,
        names: [],
      });
    }
  });

  it("refuses versions out of order, repeated, not positive or empty, all at once", () => {
    expect(() => {
      checkMigrations([
        { version: 2, description: "b", statements: ["SELECT 1"] },
        { version: 2, description: "c", statements: [] },
        { version: 0, description: "d", statements: ["SELECT 1"] },
      ]);
    }).toThrow(
      "vault migrations: version 2 follows 2: versions must increase; version 2 has no statement; version 0 is not a positive integer; version 0 follows 2: versions must increase",
    );
  });

  it("takes plain identifiers only, so names are never quoted into SQL", () => {
    expect(identifier("vault_tokenize")).toBe("vault_tokenize");
    for (const bad of ["Vault", "1role", "a'b", "a b", "x".repeat(64), ""]) {
      expect(() => identifier(bad)).toThrow(/is not a plain PostgreSQL identifier/);
    }
  });
});
