/**
 * The vault migration's runner: applies the pending versions of `./migrations` through the RDS
 * Data API as the cluster's master user, each version in one transaction with the runner's lock
 * held, then sets each vault role's password from its secret when that secret changed. Running it
 * again with nothing new changes nothing.
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RollbackTransactionCommand,
  type Field,
  type RDSDataClient,
  type SqlParameter,
} from "@aws-sdk/client-rds-data";
import {
  APPLIED_SQL,
  BOOTSTRAP_STATEMENTS,
  checkMigrations,
  identifier,
  LOCK_SQL,
  PASSWORD_VERSION_SQL,
  RECORD_PASSWORD_SQL,
  RECORD_SQL,
  setPasswordSql,
  STAGE_PASSWORD_SQL,
  type Migration,
} from "./migrations";

/** Where the statements go: the cluster, the master user's secret and the database. */
export interface DataApiTarget {
  readonly resourceArn: string;
  readonly secretArn: string;
  readonly database: string;
}

/** A role's password, from its secret. */
export interface RoleCredential {
  readonly role: string;
  readonly password: string;
  /** The secret version the password comes from (Secrets Manager's VersionId). */
  readonly secretVersion: string;
}

/** What a run did; no secret value is in it (it is the deployment's recorded result). */
export interface MigrationReport {
  /** Versions applied by this run, in order. */
  readonly applied: number[];
  /** Roles whose password this run set. */
  readonly passwordsSet: string[];
  /** The version the database is at now. */
  readonly version: number;
}

type Parameters = Readonly<Record<string, string | number>>;

function sqlParameters(parameters: Parameters): SqlParameter[] {
  return Object.entries(parameters).map(([name, value]) => ({
    name,
    value: typeof value === "number" ? { longValue: value } : { stringValue: value },
  }));
}

/** A Data API session on one target. */
class DataApi {
  constructor(
    private readonly client: RDSDataClient,
    private readonly target: DataApiTarget,
  ) {}

  async execute(sql: string, parameters: Parameters, transactionId?: string): Promise<Field[][]> {
    const output = await this.client.send(
      new ExecuteStatementCommand({
        ...this.target,
        sql,
        parameters: sqlParameters(parameters),
        ...(transactionId === undefined ? {} : { transactionId }),
      }),
    );
    return output.records ?? [];
  }

  /** Runs `work` in one transaction: committed when it returns, rolled back when it throws. */
  async transaction<T>(work: (transactionId: string) => Promise<T>): Promise<T> {
    const { resourceArn, secretArn, database } = this.target;
    const begun = await this.client.send(
      new BeginTransactionCommand({ resourceArn, secretArn, database }),
    );
    const transactionId = begun.transactionId;
    if (transactionId === undefined || transactionId === "") {
      throw new Error("the Data API began a transaction without an id");
    }
    let result: T;
    try {
      result = await work(transactionId);
    } catch (error) {
      await this.client
        .send(new RollbackTransactionCommand({ resourceArn, secretArn, transactionId }))
        .catch(() => undefined);
      throw error;
    }
    await this.client.send(new CommitTransactionCommand({ resourceArn, secretArn, transactionId }));
    return result;
  }
}

/** Applies what is pending and sets the passwords whose secrets changed. */
export async function migrateVault(
  client: RDSDataClient,
  target: DataApiTarget,
  migrations: readonly Migration[],
  credentials: readonly RoleCredential[],
): Promise<MigrationReport> {
  checkMigrations(migrations);
  for (const credential of credentials) {
    identifier(credential.role);
    if (credential.password === "") {
      throw new Error(`the secret of ${credential.role} has an empty password`);
    }
  }
  const api = new DataApi(client, target);
  await api.transaction(async (tx) => {
    await api.execute(LOCK_SQL, {}, tx);
    for (const statement of BOOTSTRAP_STATEMENTS) {
      await api.execute(statement, {}, tx);
    }
  });

  const applied: number[] = [];
  for (const migration of migrations) {
    const ran = await api.transaction(async (tx) => {
      await api.execute(LOCK_SQL, {}, tx);
      // Checked under the lock: a runner that got there first has applied it.
      const recorded = await api.execute(APPLIED_SQL, { version: migration.version }, tx);
      if (recorded.length > 0) {
        return false;
      }
      for (const [index, statement] of migration.statements.entries()) {
        try {
          await api.execute(statement, {}, tx);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new Error(
            `vault migration ${migration.version} (${migration.description}), statement ${index + 1} of ${migration.statements.length}, failed: ${reason}`,
            { cause: error },
          );
        }
      }
      await api.execute(
        RECORD_SQL,
        { version: migration.version, description: migration.description },
        tx,
      );
      return true;
    });
    if (ran) {
      applied.push(migration.version);
    }
  }

  const passwordsSet: string[] = [];
  for (const credential of credentials) {
    const changed = await api.transaction(async (tx) => {
      await api.execute(LOCK_SQL, {}, tx);
      const [row] = await api.execute(PASSWORD_VERSION_SQL, { role: credential.role }, tx);
      if (row?.[0]?.stringValue === credential.secretVersion) {
        return false;
      }
      await api.execute(STAGE_PASSWORD_SQL, { password: credential.password }, tx);
      await api.execute(setPasswordSql(credential.role), {}, tx);
      await api.execute(
        RECORD_PASSWORD_SQL,
        { role: credential.role, version: credential.secretVersion },
        tx,
      );
      return true;
    });
    if (changed) {
      passwordsSet.push(credential.role);
    }
  }
  const version = Math.max(0, ...migrations.map((migration) => migration.version));
  return { applied, passwordsSet, version };
}
