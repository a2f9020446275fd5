/**
 * The versioned schema of the Aurora PostgreSQL user store's token vault, and the database roles
 * that reach it. Each version is a list of statements, each idempotent on its own (`IF NOT
 * EXISTS`, a role made only when absent, grants and revokes that leave an equal catalog when run
 * again), so a version that was half applied by hand or by an older runner completes when it runs
 * again. The runner (`./core`) applies each pending version in one transaction and records it in
 * `migrations.schema_migrations`.
 *
 * Every statement is sent alone through the RDS Data API, which takes one statement per call and
 * binds named parameters (`:name`) only where PostgreSQL takes bind parameters: never in DDL. So
 * the DDL here has no parameters, and names that depend on the server (the current database)
 * are resolved inside `DO` blocks with `format('%I')`. No statement contains `:` outside a
 * parameter, so the Data API finds no parameter where there is none.
 */
import { AURORA_VAULT } from "../../../contracts/functions";
import { APP_DATABASE_USER } from "../../../contracts/monolith";

/** One version of the schema. */
export interface Migration {
  /** Applied in increasing order, each once; never renumbered or edited once released. */
  readonly version: number;
  readonly description: string;
  readonly statements: readonly string[];
}

/** The schema that records what the runner applied; only the master user reaches it. */
export const MIGRATIONS_SCHEMA = "migrations";

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** `name`, checked to be a plain lower-case identifier: never quoted, never escaped. */
export function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new Error(
      `${JSON.stringify(name)} is not a plain PostgreSQL identifier (expected lower-case letters, digits and _, not starting with a digit, at most 63 characters)`,
    );
  }
  return name;
}

const SCHEMA = identifier(AURORA_VAULT.schema);
const TABLE = `${SCHEMA}.${identifier(AURORA_VAULT.table)}`;
const TOKENIZE = identifier(AURORA_VAULT.roles.tokenize);
const DETOKENIZE = identifier(AURORA_VAULT.roles.detokenize);
const APP = identifier(APP_DATABASE_USER);
const MIGRATIONS = identifier(MIGRATIONS_SCHEMA);

/**
 * A login role with no special attribute, made only when absent and reset to those attributes.
 * Aurora's master user is not a superuser (it holds rds_superuser and CREATEROLE), and PostgreSQL
 * refuses such a user an ALTER ROLE that names SUPERUSER, REPLICATION or BYPASSRLS at all, even to
 * turn them off: those are set at creation (where off is their default) and never altered.
 * https://www.postgresql.org/docs/current/sql-alterrole.html
 */
function loginRole(role: string): string[] {
  const attributes = "LOGIN NOCREATEDB NOCREATEROLE INHERIT CONNECTION LIMIT 50";
  return [
    `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} ${attributes} NOSUPERUSER NOREPLICATION NOBYPASSRLS; END IF; END $$`,
    `ALTER ROLE ${role} ${attributes}`,
  ];
}

/** A statement on the current database, whatever it is called. */
function onThisDatabase(template: string): string {
  return `DO $$ BEGIN EXECUTE format('${template}', current_database()); END $$`;
}

/** The statements that make the runner's own records; run before every migration. */
export const BOOTSTRAP_STATEMENTS: readonly string[] = [
  `CREATE SCHEMA IF NOT EXISTS ${MIGRATIONS}`,
  `REVOKE ALL ON SCHEMA ${MIGRATIONS} FROM PUBLIC`,
  `CREATE TABLE IF NOT EXISTS ${MIGRATIONS}.schema_migrations (
  version integer PRIMARY KEY,
  description text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`,
  // Which version of each role's secret its password was last set from: a password is set again
  // only when its secret changes, so a run with the same secrets leaves the catalog as it was.
  `CREATE TABLE IF NOT EXISTS ${MIGRATIONS}.role_passwords (
  role_name text PRIMARY KEY,
  secret_version text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`,
];

/** Every version, in order. */
export const VAULT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "the token vault: schema, table and one role per vault function",
    statements: [
      // Nobody connects or makes temporary tables unless granted: the vault roles and the app's
      // user are granted CONNECT each, the master user owns the database.
      onThisDatabase("REVOKE ALL ON DATABASE %I FROM PUBLIC"),
      // PostgreSQL 15 and later already keep PUBLIC from creating in `public`; older ones do not.
      "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
      `CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`,
      `REVOKE ALL ON SCHEMA ${SCHEMA} FROM PUBLIC`,
      // The primary key is the table's only unique constraint: tokenize's bare ON CONFLICT DO
      // NOTHING relies on it (any other unique index would swallow its conflicts too).
      `CREATE TABLE IF NOT EXISTS ${TABLE} (
  token text PRIMARY KEY,
  field text NOT NULL,
  ciphertext bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
)`,
      `REVOKE ALL ON ${TABLE} FROM PUBLIC`,
      ...loginRole(TOKENIZE),
      ...loginRole(DETOKENIZE),
      onThisDatabase(`GRANT CONNECT ON DATABASE %I TO ${TOKENIZE}, ${DETOKENIZE}`),
      `GRANT USAGE ON SCHEMA ${SCHEMA} TO ${TOKENIZE}, ${DETOKENIZE}`,
      // Tokenize writes with INSERT .. ON CONFLICT DO NOTHING, with no conflict target, which
      // needs INSERT only: it never reads a token or a value back. (A target, `ON CONFLICT
      // (token)`, would need SELECT on token; DO UPDATE would need SELECT and UPDATE.)
      // https://www.postgresql.org/docs/current/sql-insert.html
      `GRANT INSERT ON ${TABLE} TO ${TOKENIZE}`,
      `GRANT SELECT ON ${TABLE} TO ${DETOKENIZE}`,
    ],
  },
  {
    version: 2,
    description: "the app's database user: IAM authentication and a schema of its own",
    statements: [
      ...loginRole(APP),
      // Aurora PostgreSQL's role for IAM database authentication: a member signs in with a token
      // from its IAM role and never with a password.
      // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html
      `GRANT rds_iam TO ${APP}`,
      onThisDatabase(`GRANT CONNECT ON DATABASE %I TO ${APP}`),
      // The master user owns the schema and the app creates in it: `AUTHORIZATION kc_app` would
      // need the master to be able to SET ROLE kc_app, which PostgreSQL 16 does not give the
      // creator of a role by default (createrole_self_grant), and the app cannot drop its schema.
      `CREATE SCHEMA IF NOT EXISTS ${APP}`,
      `REVOKE ALL ON SCHEMA ${APP} FROM PUBLIC`,
      `GRANT USAGE, CREATE ON SCHEMA ${APP} TO ${APP}`,
      `ALTER ROLE ${APP} SET search_path = ${APP}`,
    ],
  },
];

/** The latest version. */
export const LATEST_VERSION = Math.max(...VAULT_MIGRATIONS.map((m) => m.version));

/** Takes the runner's lock for the rest of the transaction: one runner at a time. */
export const LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('knowledgecity.vault-migrate'))";

/** Whether `:version` is recorded. */
export const APPLIED_SQL = `SELECT version FROM ${MIGRATIONS}.schema_migrations WHERE version = :version`;

/** Records `:version`. */
export const RECORD_SQL = `INSERT INTO ${MIGRATIONS}.schema_migrations (version, description) VALUES (:version, :description)`;

/** The secret version `:role`'s password was last set from. */
export const PASSWORD_VERSION_SQL = `SELECT secret_version FROM ${MIGRATIONS}.role_passwords WHERE role_name = :role`;

/**
 * Puts `:password` where the next statement reads it, for this transaction only: a password is a
 * bind parameter, never part of a statement's text (nor of the server's statement log).
 */
export const STAGE_PASSWORD_SQL =
  "SELECT set_config('knowledgecity.role_password', :password, true)";

/** Sets `role`'s password to the staged one. */
export function setPasswordSql(role: string): string {
  return `DO $$ BEGIN EXECUTE format('ALTER ROLE %I WITH PASSWORD %L', '${identifier(role)}', current_setting('knowledgecity.role_password')); END $$`;
}

/** Records the secret version `:role`'s password was set from. */
export const RECORD_PASSWORD_SQL =
  `INSERT INTO ${MIGRATIONS}.role_passwords (role_name, secret_version) VALUES (:role, :version) ` +
  "ON CONFLICT (role_name) DO UPDATE SET secret_version = EXCLUDED.secret_version, applied_at = now()";

/** Checks that versions are positive, unique and in increasing order; throws naming the fault. */
export function checkMigrations(migrations: readonly Migration[]): void {
  const problems: string[] = [];
  migrations.forEach((migration, index) => {
    if (!Number.isInteger(migration.version) || migration.version < 1) {
      problems.push(`version ${migration.version} is not a positive integer`);
    }
    const previous = migrations[index - 1];
    if (previous !== undefined && migration.version <= previous.version) {
      problems.push(
        `version ${migration.version} follows ${previous.version}: versions must increase`,
      );
    }
    if (migration.statements.length === 0) {
      problems.push(`version ${migration.version} has no statement`);
    }
  });
  if (problems.length > 0) {
    throw new Error(`vault migrations: ${problems.join("; ")}`);
  }
}
