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
import { ledgerReadTable, renameTarget } from "./cluster-layout";
import { ledgerStatements, MIGRATIONS, renderMigrations, type Migration } from "./migrations";
import type { SchemaContext } from "./schema-context";

/** What `migrate` applies to. */
export interface MigrateOptions {
  readonly database: string;
  /** The operator's cluster name on a replicated installation. */
  readonly cluster?: string;
  /**
   * false: the cluster has no Keeper, so nothing is replicated or run `ON CLUSTER`, and `migrate`
   * is run on each of its servers (see `SchemaContext.replicated`). @default true
   */
  readonly replicated?: boolean;
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
  context: SchemaContext,
): Promise<Map<number, string>> {
  const result = await client.query({
    query: `SELECT version, any(name) AS name FROM ${ledgerReadTable(context)} GROUP BY version`,
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
  const context: SchemaContext = {
    database: options.database,
    features,
    ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
    ...(options.replicated === undefined ? {} : { replicated: options.replicated }),
    ...(options.rawRetentionDays === undefined
      ? {}
      : { rawRetentionDays: options.rawRetentionDays }),
  };
  const rendered = renderMigrations(context, options.migrations ?? MIGRATIONS);
  for (const statement of ledgerStatements(context)) {
    await client.command({ query: statement });
  }
  const done = await appliedVersions(client, context);
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
      if (await renamedAlready(client, statement)) continue;
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

/**
 * Whether `statement` is a `RENAME` whose target exists on this server: done by an earlier run
 * that stopped before its ledger row (or, on a cluster, by the DDL queue), so it is skipped.
 */
async function renamedAlready(client: ClickHouseClient, statement: string): Promise<boolean> {
  const target = renameTarget(statement);
  if (target === undefined) return false;
  const result = await client.query({
    // Both names are plain identifiers (renameTarget matches \w+ only); 18.16 has no query
    // parameters.
    query: `SELECT count() AS tables FROM system.tables WHERE database = '${target.database}' AND name = '${target.name}'`,
    format: "JSONEachRow",
  });
  const [row] = await result.json<{ tables: string | number }>();
  return Number(row?.tables ?? 0) > 0;
}
