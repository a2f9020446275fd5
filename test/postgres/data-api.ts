/**
 * The RDS Data API over a real PostgreSQL server, for tests: an `RDSDataClient` whose
 * `ExecuteStatement`, `BeginTransaction`, `CommitTransaction` and `RollbackTransaction` run on the
 * server, signed in as the user whose secret the request names, with the statement's named
 * parameters (`:name`) bound as PostgreSQL bind parameters, as the Data API binds them, and
 * records returned as the Data API's `Field`s. So the functions' own Data API code runs against
 * the real engine, under the real roles and grants.
 *
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.html
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
  type ExecuteStatementCommandInput,
  type Field,
  type SqlParameter,
} from "@aws-sdk/client-rds-data";
import { mockClient } from "aws-sdk-client-mock";
import pg from "pg";

/** The sign-in of the user a secret names. */
export interface SecretLogin {
  readonly user: string;
  readonly password: string;
}

/** The error the Data API returns for a statement the database refuses. */
export class DataApiBadRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadRequestException";
  }
}

/**
 * `sql` with each named parameter replaced by `$n`, and the names in order of `n`. Strings, quoted
 * identifiers, dollar-quoted bodies, comments and `::` casts are left alone.
 */
export function positionalSql(sql: string): { text: string; names: string[] } {
  const names: string[] = [];
  let text = "";
  let index = 0;
  const copyUntil = (end: string, from: number): number => {
    const stop = sql.indexOf(end, from);
    const next = stop === -1 ? sql.length : stop + end.length;
    text += sql.slice(index, next);
    return next;
  };
  while (index < sql.length) {
    const char = sql[index] ?? "";
    const rest = sql.slice(index);
    if (char === "'" || char === '"') {
      index = copyUntil(char, index + 1);
    } else if (rest.startsWith("--")) {
      index = copyUntil("\n", index);
    } else if (rest.startsWith("/*")) {
      index = copyUntil("*/", index + 2);
    } else if (char === "$" && /^\$[A-Za-z_]*\$/.test(rest)) {
      const tag = /^\$[A-Za-z_]*\$/.exec(rest)?.[0] ?? "$$";
      index = copyUntil(tag, index + tag.length);
    } else if (rest.startsWith("::")) {
      text += "::";
      index += 2;
    } else if (char === ":" && /^:[A-Za-z_][A-Za-z0-9_]*/.test(rest)) {
      const name = /^:([A-Za-z_][A-Za-z0-9_]*)/.exec(rest)?.[1] ?? "";
      let position = names.indexOf(name);
      if (position === -1) {
        names.push(name);
        position = names.length - 1;
      }
      text += `$${position + 1}`;
      index += name.length + 1;
    } else {
      text += char;
      index += 1;
    }
  }
  return { text, names };
}

function parameterValue(parameter: SqlParameter): unknown {
  const value = parameter.value;
  if (value === undefined || value.isNull === true) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.longValue !== undefined) return value.longValue;
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.booleanValue !== undefined) return value.booleanValue;
  if (value.blobValue !== undefined) return Buffer.from(value.blobValue);
  throw new Error(`parameter ${parameter.name ?? "?"} has a kind of value the harness lacks`);
}

function field(value: unknown): Field {
  if (value === null || value === undefined) return { isNull: true };
  if (Buffer.isBuffer(value)) return { blobValue: new Uint8Array(value) };
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { booleanValue: value };
  if (typeof value === "number") {
    return Number.isInteger(value) ? { longValue: value } : { doubleValue: value };
  }
  if (value instanceof Date) return { stringValue: value.toISOString() };
  return { stringValue: JSON.stringify(value) };
}

/**
 * A Data API client on `serverUrl` (a superuser's URL; only its host, port and database are used):
 * each request signs in as `logins[secretArn]`.
 */
export function dataApiClient(
  serverUrl: string,
  logins: Readonly<Record<string, SecretLogin>>,
): { client: RDSDataClient; close: () => Promise<void> } {
  const server = new URL(serverUrl);
  const client = new RDSDataClient({
    region: "me-south-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const transactions = new Map<string, pg.Client>();
  let counter = 0;

  const connect = async (secretArn: string | undefined, database: string | undefined) => {
    const login = secretArn === undefined ? undefined : logins[secretArn];
    if (login === undefined) {
      throw new DataApiBadRequest(`no secret ${String(secretArn)} in the harness`);
    }
    const connection = new pg.Client({
      host: server.hostname,
      port: Number(server.port),
      user: login.user,
      password: login.password,
      database: database ?? server.pathname.slice(1),
    });
    try {
      await connection.connect();
    } catch (error) {
      throw new DataApiBadRequest(error instanceof Error ? error.message : String(error));
    }
    return connection;
  };

  const run = async (connection: pg.Client, input: ExecuteStatementCommandInput) => {
    const { text, names } = positionalSql(input.sql ?? "");
    const byName = new Map((input.parameters ?? []).map((p) => [p.name ?? "", p]));
    const values = names.map((name) => {
      const parameter = byName.get(name);
      if (parameter === undefined) {
        throw new DataApiBadRequest(`no value for parameter ${name}`);
      }
      return parameterValue(parameter);
    });
    try {
      const result = await connection.query({ text, values, rowMode: "array" });
      const rows = result.rows as unknown[][];
      const writes = ["INSERT", "UPDATE", "DELETE"].includes(result.command);
      return {
        records: rows.map((row) => row.map(field)),
        numberOfRecordsUpdated: writes ? (result.rowCount ?? 0) : 0,
      };
    } catch (error) {
      throw new DataApiBadRequest(
        `ERROR: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };

  const mock = mockClient(client);
  mock
    .on(BeginTransactionCommand)
    .callsFake(async (input: { secretArn?: string; database?: string }) => {
      const connection = await connect(input.secretArn, input.database);
      await connection.query("BEGIN");
      counter += 1;
      const transactionId = `tx-${counter}`;
      transactions.set(transactionId, connection);
      return { transactionId };
    });
  const finish =
    (statement: "COMMIT" | "ROLLBACK") => async (input: { transactionId?: string }) => {
      const connection = transactions.get(input.transactionId ?? "");
      if (connection === undefined) {
        throw new DataApiBadRequest(`Transaction ${String(input.transactionId)} is not found`);
      }
      transactions.delete(input.transactionId ?? "");
      try {
        await connection.query(statement);
      } finally {
        await connection.end();
      }
      return {
        transactionStatus: statement === "COMMIT" ? "Transaction Committed" : "Rollback Complete",
      };
    };
  mock.on(CommitTransactionCommand).callsFake(finish("COMMIT"));
  mock.on(RollbackTransactionCommand).callsFake(finish("ROLLBACK"));
  mock.on(ExecuteStatementCommand).callsFake(async (input: ExecuteStatementCommandInput) => {
    if (input.transactionId !== undefined) {
      const connection = transactions.get(input.transactionId);
      if (connection === undefined) {
        throw new DataApiBadRequest(`Transaction ${input.transactionId} is not found`);
      }
      return run(connection, input);
    }
    // Outside a transaction each statement commits on its own.
    const connection = await connect(input.secretArn, input.database);
    try {
      return await run(connection, input);
    } finally {
      await connection.end();
    }
  });
  return {
    client,
    async close() {
      for (const connection of transactions.values()) {
        await connection.end();
      }
      transactions.clear();
      mock.restore();
      client.destroy();
    },
  };
}
