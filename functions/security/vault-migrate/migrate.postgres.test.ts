/**
 * The vault migration and the vault functions' SQL on a real PostgreSQL server, through the RDS
 * Data API harness (named parameters bound as the Data API binds them), with a master user that
 * is not a superuser, as on Aurora (where it holds rds_superuser only).
 */
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { AURORA_VAULT } from "../../../contracts/functions";
import { APP_DATABASE_USER } from "../../../contracts/monolith";
import { dataApiClient, type SecretLogin } from "../../../test/postgres/data-api";
import { AuroraTokenVault } from "../pii-tokenize/vault";
import { VaultError } from "../pii-tokenize/errors";
import { migrateVault, type DataApiTarget, type RoleCredential } from "./core";
import { BOOTSTRAP_STATEMENTS, VAULT_MIGRATIONS, type Migration } from "./migrations";

const DATABASE = "kc_vault_test";
const MASTER = "kc_admin";
const MASTER_PASSWORD = "master-password-for-tests-only";
const ARN = {
  master: "arn:aws:secretsmanager:me-south-1:123456789012:secret:rds!cluster-master-AbCdEf",
  tokenize: "arn:aws:secretsmanager:me-south-1:123456789012:secret:kc-users-vault-tokenize-AbCdEf",
  detokenize:
    "arn:aws:secretsmanager:me-south-1:123456789012:secret:kc-users-vault-detokenize-AbCdEf",
};
const CLUSTER = "arn:aws:rds:me-south-1:123456789012:cluster:kc-users-cluster";
const ROLES = [AURORA_VAULT.roles.tokenize, AURORA_VAULT.roles.detokenize, APP_DATABASE_USER];

const serverUrl = inject("postgresUrl");
const urlFor = (database: string): string => {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
};

/** A superuser's connection to `database`, for setting up and reading the catalog. */
async function admin<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlFor(database) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh database owned by a CREATEROLE (not superuser) master, and no vault roles. */
async function resetServer(): Promise<void> {
  await admin("postgres", async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    for (const role of ROLES) {
      await client.query(`DROP ROLE IF EXISTS ${role}`);
    }
    // Aurora PostgreSQL's IAM authentication role, which a plain server lacks.
    await client.query(
      "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') THEN CREATE ROLE rds_iam NOLOGIN; END IF; END $$",
    );
    await client.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${MASTER}') THEN CREATE ROLE ${MASTER} LOGIN CREATEROLE; END IF; END $$`,
    );
    await client.query(`ALTER ROLE ${MASTER} PASSWORD '${MASTER_PASSWORD}'`);
    await client.query(`GRANT rds_iam TO ${MASTER} WITH ADMIN OPTION`);
    await client.query(`CREATE DATABASE ${DATABASE} OWNER ${MASTER}`);
  });
}

interface Passwords {
  tokenize: string;
  detokenize: string;
}

function credentials(passwords: Passwords, version = "v1"): RoleCredential[] {
  return [
    { role: AURORA_VAULT.roles.tokenize, password: passwords.tokenize, secretVersion: version },
    { role: AURORA_VAULT.roles.detokenize, password: passwords.detokenize, secretVersion: version },
  ];
}

function logins(passwords: Passwords): Record<string, SecretLogin> {
  return {
    [ARN.master]: { user: MASTER, password: MASTER_PASSWORD },
    [ARN.tokenize]: { user: AURORA_VAULT.roles.tokenize, password: passwords.tokenize },
    [ARN.detokenize]: { user: AURORA_VAULT.roles.detokenize, password: passwords.detokenize },
  };
}

const PASSWORDS: Passwords = {
  tokenize: "TokenizePassword0123456789abcdefABCDEF",
  detokenize: "DetokenizePassword0123456789abcdefABCD",
};
const TARGET: DataApiTarget = { resourceArn: CLUSTER, secretArn: ARN.master, database: DATABASE };

/** Runs the migration through the Data API harness as the master user. */
async function migrate(
  migrations: readonly Migration[] = VAULT_MIGRATIONS,
  passwords: Passwords = PASSWORDS,
  version = "v1",
) {
  const api = dataApiClient(urlFor(DATABASE), logins(passwords));
  try {
    return await migrateVault(api.client, TARGET, migrations, credentials(passwords, version));
  } finally {
    await api.close();
  }
}

/**
 * The catalog state the migration governs: roles (attributes, password hashes when asked),
 * memberships, the database's, schemas' and relations' privileges, role settings and the
 * runner's records (without their times).
 */
async function catalog(options: { passwords: boolean }): Promise<unknown> {
  return admin(DATABASE, async (client) => {
    const roleList = [...ROLES, "rds_iam"];
    const { rows } = await client.query<{ state: unknown }>(
      `SELECT json_build_object(
        'roles', (SELECT json_agg(json_build_object('name', rolname, 'super', rolsuper,
            'inherit', rolinherit, 'createrole', rolcreaterole, 'createdb', rolcreatedb,
            'login', rolcanlogin, 'replication', rolreplication, 'bypassrls', rolbypassrls,
            'connlimit', rolconnlimit, 'validuntil', rolvaliduntil,
            'password', CASE WHEN $2 THEN rolpassword ELSE CAST(rolpassword IS NOT NULL AS text) END)
            ORDER BY rolname) FROM pg_authid WHERE rolname = ANY($1)),
        'members', (SELECT json_agg(json_build_object('role', CAST(CAST(roleid AS regrole) AS text),
            'member', CAST(CAST(member AS regrole) AS text),
            'grantor', CAST(CAST(grantor AS regrole) AS text), 'admin', admin_option)
            ORDER BY 1, 2) FROM pg_auth_members
            WHERE CAST(CAST(member AS regrole) AS text) = ANY($1)
               OR CAST(CAST(roleid AS regrole) AS text) = ANY($1)),
        'database', (SELECT CAST(datacl AS text) FROM pg_database WHERE datname = current_database()),
        'schemas', (SELECT json_agg(json_build_object('name', nspname,
            'owner', CAST(CAST(nspowner AS regrole) AS text), 'acl', CAST(nspacl AS text))
            ORDER BY nspname) FROM pg_namespace
            WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'),
        'relations', (SELECT json_agg(json_build_object('name', CAST(CAST(c.oid AS regclass) AS text),
            'kind', c.relkind, 'owner', CAST(CAST(c.relowner AS regrole) AS text),
            'acl', CAST(c.relacl AS text)) ORDER BY CAST(CAST(c.oid AS regclass) AS text))
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'),
        'columns', (SELECT json_agg(json_build_object('table', CAST(attrelid AS regclass), 'name', attname,
            'type', format_type(atttypid, atttypmod), 'notnull', attnotnull)
            ORDER BY CAST(CAST(attrelid AS regclass) AS text), attnum)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('vault', 'migrations') AND a.attnum > 0 AND c.relkind = 'r'),
        'settings', (SELECT json_agg(json_build_object('role', CAST(CAST(setrole AS regrole) AS text),
            'config', setconfig) ORDER BY 1) FROM pg_db_role_setting
            WHERE CAST(CAST(setrole AS regrole) AS text) = ANY($1)),
        'migrations', (SELECT json_agg(json_build_object('version', version, 'description', description)
            ORDER BY version) FROM migrations.schema_migrations),
        'passwords', (SELECT json_agg(json_build_object('role', role_name, 'version', secret_version)
            ORDER BY role_name) FROM migrations.role_passwords)
      ) AS state`,
      [roleList, options.passwords],
    );
    return rows[0]?.state;
  });
}

/** Signs in as `user` with `password` over TCP (SCRAM), and runs `sql`. */
async function asRole(user: string, password: string, sql: string): Promise<pg.QueryResult> {
  const url = new URL(urlFor(DATABASE));
  const client = new pg.Client({
    host: url.hostname,
    port: Number(url.port),
    database: DATABASE,
    user,
    password,
  });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return "(no error)";
}

function record(token: string) {
  return {
    token,
    field: "email",
    ciphertext: new Uint8Array([1, 2, 3, 4]),
    createdAt: "2026-01-01T00:00:00.000Z",
  };
}

function present<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("the Data API harness did not start");
  return value;
}

const TOKEN_A = "tok_email_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const TOKEN_B = "tok_email_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

describe("the vault migration on PostgreSQL", () => {
  beforeEach(resetServer);

  it("applies every version to an empty database, and a second run changes nothing", async () => {
    const first = await migrate();
    expect(first).toEqual({
      applied: VAULT_MIGRATIONS.map((migration) => migration.version),
      passwordsSet: [AURORA_VAULT.roles.tokenize, AURORA_VAULT.roles.detokenize],
      version: AURORA_VAULT.schemaVersion,
    });
    const after = await catalog({ passwords: true });
    expect(after).toMatchObject({
      migrations: VAULT_MIGRATIONS.map(({ version, description }) => ({ version, description })),
    });
    const second = await migrate();
    expect(second).toEqual({ applied: [], passwordsSet: [], version: AURORA_VAULT.schemaVersion });
    expect(await catalog({ passwords: true })).toEqual(after);
  });

  it("is at the schema version the program expects", () => {
    expect(Math.max(...VAULT_MIGRATIONS.map((m) => m.version))).toBe(AURORA_VAULT.schemaVersion);
  });

  it("makes each statement idempotent on its own: every statement twice leaves the same catalog", async () => {
    await migrate();
    const once = await catalog({ passwords: false });
    await resetServer();
    await admin(DATABASE, async (client) => {
      await client.query(`SET ROLE ${MASTER}`);
      for (const statement of [
        ...BOOTSTRAP_STATEMENTS,
        ...VAULT_MIGRATIONS.flatMap((m) => m.statements),
      ]) {
        await client.query(statement);
        await client.query(statement);
      }
    });
    // Record what the runner would have, then let it set the passwords.
    await migrate();
    expect(await catalog({ passwords: false })).toEqual(once);
  });

  it("resumes a half-applied version and ends where a clean run ends", async () => {
    await migrate();
    const clean = await catalog({ passwords: false });
    await resetServer();
    // Half of version 1, run outside the runner (by hand or by an interrupted older runner).
    const [first] = VAULT_MIGRATIONS;
    const half = first?.statements.slice(0, Math.ceil((first?.statements.length ?? 0) / 2)) ?? [];
    expect(half.length).toBeGreaterThan(1);
    await admin(DATABASE, async (client) => {
      await client.query(`SET ROLE ${MASTER}`);
      for (const statement of half) await client.query(statement);
    });
    const report = await migrate();
    expect(report.applied).toEqual(VAULT_MIGRATIONS.map((m) => m.version));
    expect(await catalog({ passwords: false })).toEqual(clean);
  });

  it("rolls a failed version back whole, names the statement, and completes on the next run", async () => {
    await admin("postgres", (client) => client.query("DROP ROLE rds_iam"));
    const message = await errorOf(migrate());
    expect(message).toMatch(
      /^vault migration 2 \(the app's database user: IAM authentication and a schema of its own\), statement \d+ of \d+, failed: ERROR: role "rds_iam" does not exist/,
    );
    const failed = (await catalog({ passwords: false })) as {
      migrations: unknown[];
      schemas: { name: string }[];
    };
    expect(failed.migrations).toEqual([
      { version: 1, description: VAULT_MIGRATIONS[0]?.description },
    ]);
    // Nothing of version 2 stayed: its transaction was rolled back.
    expect(failed.schemas.map((schema) => schema.name)).not.toContain(APP_DATABASE_USER);
    await admin("postgres", (client) => client.query("CREATE ROLE rds_iam NOLOGIN"));
    const report = await migrate();
    expect(report.applied).toEqual([2]);
  });

  it("sets a role's password again only when its secret changes", async () => {
    await migrate();
    const rotated = { ...PASSWORDS, detokenize: "RotatedDetokenizePassword0123456789abcd" };
    const report = await migrate(VAULT_MIGRATIONS, rotated, "v2");
    expect(report.passwordsSet).toEqual([
      AURORA_VAULT.roles.tokenize,
      AURORA_VAULT.roles.detokenize,
    ]);
    expect(
      (await asRole(AURORA_VAULT.roles.detokenize, rotated.detokenize, "SELECT 1")).rowCount,
    ).toBe(1);
    expect(
      await errorOf(asRole(AURORA_VAULT.roles.detokenize, PASSWORDS.detokenize, "SELECT 1")),
    ).toMatch(/password authentication failed/);
  });
});

describe("the vault roles' grants on PostgreSQL", () => {
  let api: ReturnType<typeof dataApiClient> | undefined;

  beforeAll(async () => {
    await resetServer();
    await migrate();
    api = dataApiClient(urlFor(DATABASE), logins(PASSWORDS));
  });
  afterAll(async () => {
    await api?.close();
  });
  afterEach(async () => {
    await admin(DATABASE, (client) => client.query("TRUNCATE vault.pii_token_vault"));
  });

  const vault = (secretArn: string) =>
    new AuroraTokenVault(present(api).client, {
      clusterArn: CLUSTER,
      secretArn,
      database: DATABASE,
    });

  it("lets tokenize insert through its own statement, idempotently, and read nothing back", async () => {
    const tokenize = vault(ARN.tokenize);
    expect(await tokenize.putIfAbsent(record(TOKEN_A))).toBe("created");
    expect(await tokenize.putIfAbsent(record(TOKEN_A))).toBe("existing");
    await expect(tokenize.getMany([TOKEN_A])).rejects.toThrow(VaultError);
    expect(
      await errorOf(
        asRole(
          AURORA_VAULT.roles.tokenize,
          PASSWORDS.tokenize,
          "SELECT token FROM vault.pii_token_vault",
        ),
      ),
    ).toMatch(/permission denied for table pii_token_vault/);
  });

  it("lets detokenize read through its own statement and write nothing", async () => {
    await vault(ARN.tokenize).putIfAbsent(record(TOKEN_A));
    const detokenize = vault(ARN.detokenize);
    const found = await detokenize.getMany([TOKEN_A, TOKEN_B]);
    expect([...found.values()]).toEqual([
      { token: TOKEN_A, field: "email", ciphertext: new Uint8Array([1, 2, 3, 4]) },
    ]);
    await expect(detokenize.putIfAbsent(record(TOKEN_B))).rejects.toThrow(VaultError);
    expect(
      await errorOf(
        asRole(
          AURORA_VAULT.roles.detokenize,
          PASSWORDS.detokenize,
          "INSERT INTO vault.pii_token_vault (token, field, ciphertext) VALUES ('t', 'email', '\\x01')",
        ),
      ),
    ).toMatch(/permission denied for table pii_token_vault/);
  });

  const forbidden = [
    "DELETE FROM vault.pii_token_vault",
    "UPDATE vault.pii_token_vault SET field = 'phone'",
    "TRUNCATE vault.pii_token_vault",
    "DROP TABLE vault.pii_token_vault",
    "ALTER TABLE vault.pii_token_vault ADD COLUMN extra text",
    "CREATE TABLE vault.extra (x int)",
    "CREATE TABLE public.extra (x int)",
    "CREATE TEMP TABLE extra (x int)",
    "CREATE SCHEMA extra",
    "SELECT version FROM migrations.schema_migrations",
    "CREATE ROLE intruder",
  ];
  for (const role of ["tokenize", "detokenize"] as const) {
    it(`refuses ${role} every DDL, DELETE, UPDATE and the runner's records`, async () => {
      await vault(ARN.tokenize).putIfAbsent(record(TOKEN_A));
      for (const sql of forbidden) {
        const message = await errorOf(asRole(AURORA_VAULT.roles[role], PASSWORDS[role], sql));
        expect(`${sql} -> ${message}`).toMatch(/ -> .*(permission denied|must be owner)/);
      }
      const rows = await admin(DATABASE, (client) =>
        client.query("SELECT token, field FROM vault.pii_token_vault"),
      );
      expect(rows.rows).toEqual([{ token: TOKEN_A, field: "email" }]);
    });
  }

  it("gives the app's user IAM sign-in, no password, and its own schema only", async () => {
    await admin(DATABASE, async (client) => {
      const { rows } = await client.query<{ iam: boolean; password: boolean; path: string[] }>(
        `SELECT pg_has_role($1, 'rds_iam', 'MEMBER') AS iam,
                (SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = $1) AS password,
                (SELECT setconfig FROM pg_db_role_setting WHERE setrole = CAST($1 AS regrole)) AS path`,
        [APP_DATABASE_USER],
      );
      expect(rows).toEqual([
        { iam: true, password: false, path: [`search_path=${APP_DATABASE_USER}`] },
      ]);
      await client.query(`SET ROLE ${APP_DATABASE_USER}`);
      await client.query(`CREATE TABLE ${APP_DATABASE_USER}.learners (id int PRIMARY KEY)`);
      await client.query(`INSERT INTO ${APP_DATABASE_USER}.learners VALUES (1)`);
      const own = await client.query(`SELECT id FROM ${APP_DATABASE_USER}.learners`);
      expect(own.rows).toEqual([{ id: 1 }]);
      for (const sql of [
        "SELECT token FROM vault.pii_token_vault",
        "SELECT version FROM migrations.schema_migrations",
        "CREATE TABLE public.extra (x int)",
        "CREATE SCHEMA extra",
      ]) {
        const message = await errorOf(client.query(sql));
        expect(`${sql} -> ${message}`).toMatch(/ -> .*permission denied/);
      }
    });
  });
});
