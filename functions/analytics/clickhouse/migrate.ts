/**
 * Applies the analytics schema to a server: reads its version, renders the migrations for its
 * features, and applies, in order, every version its ledger (`schema_migrations`) does not hold.
 * Each statement is idempotent, so a run that stops half-way is simply run again.
 */
import type { ClickHouseClient } from "@clickhouse/client";
import {
  parseServerVersion,
  serverFeatures,
  type ServerFeatures,
  type ServerVersion,
} from "./features";
import { ledgerStatements, MIGRATIONS, renderMigrations, type Migration } from "./migrations";

/** What `migrate` applies to. */
export interface MigrateOptions {
  readonly database: string;
  /** The operator's cluster name on a replicated installation. */
  readonly cluster?: string;
  readonly rawRetentionDays?: number;
  /** @default MIGRATIONS */
  readonly migrations?: readonly Migration[];
}

/** The outcome of a run. */
export interface MigrateResult {
  readonly serverVersion: ServerVersion;
  readonly features: ServerFeatures;
  /** Versions applied by this run. */
  readonly applied: readonly number[];
  /** Versions the ledger already held. */
  readonly alreadyApplied: readonly number[];
}

/** The server's version. */
export async function readServerVersion(client: ClickHouseClient): Promise<ServerVersion> {
  const result = await client.query({
    query: "SELECT version() AS version",
    format: "JSONEachRow",
  });
  const rows = await result.json<{ version: string }>();
  const first = rows[0];
  if (first === undefined) {
    throw new Error("SELECT version() returned no row");
  }
  return parseServerVersion(first.version);
}

async function appliedVersions(
  client: ClickHouseClient,
  database: string,
): Promise<Map<number, string>> {
  const result = await client.query({
    query: `SELECT version, any(name) AS name FROM ${database}.schema_migrations GROUP BY version`,
    format: "JSONEachRow",
  });
  const rows = await result.json<{ version: number; name: string }>();
  return new Map(rows.map((row) => [row.version, row.name]));
}

/** Brings the schema up to date; safe to run any number of times. */
export async function migrate(
  client: ClickHouseClient,
  options: MigrateOptions,
): Promise<MigrateResult> {
  const serverVersion = await readServerVersion(client);
  const features = serverFeatures(serverVersion);
  const context = {
    database: options.database,
    features,
    ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
    ...(options.rawRetentionDays === undefined
      ? {}
      : { rawRetentionDays: options.rawRetentionDays }),
  };
  const rendered = renderMigrations(context, options.migrations ?? MIGRATIONS);
  for (const statement of ledgerStatements(context)) {
    await client.command({ query: statement });
  }
  const done = await appliedVersions(client, options.database);
  const applied: number[] = [];
  const alreadyApplied: number[] = [];
  for (const migration of rendered) {
    const recorded = done.get(migration.version);
    if (recorded !== undefined) {
      if (recorded !== migration.name) {
        throw new Error(
          `schema_migrations holds version ${migration.version} as ${JSON.stringify(recorded)}, ` +
            `but this release calls it ${JSON.stringify(migration.name)}: released migrations must not change`,
        );
      }
      alreadyApplied.push(migration.version);
      continue;
    }
    for (const statement of migration.statements) {
      await client.command({ query: statement });
    }
    await client.insert({
      table: `${options.database}.schema_migrations`,
      values: [{ version: migration.version, name: migration.name }],
      format: "JSONEachRow",
      // applied_at takes the server's clock.
      columns: ["version", "name"],
    });
    applied.push(migration.version);
  }
  return { serverVersion, features, applied, alreadyApplied };
}
