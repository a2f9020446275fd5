/**
 * A current ClickHouse engine inside the test process (chDB, the ClickHouse engine as a library,
 * from npm), for what the Debian server the other integration tests use (18.16) cannot show:
 * SQL access control, which ClickHouse has had since 20.4.
 *
 * chDB runs every query as its `default` user. `openEngine` starts the engine on a data folder
 * with a users.xml in which `default` holds exactly the grants given, written as the installation
 * writes them (`<grants><query>GRANT …</query></grants>`), so the engine checks each statement of
 * the code under test against those grants and nothing more. One engine runs per process at a
 * time: close one before opening the next; the data folder outlives it.
 */
import {
  createClient,
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
} from "@clickhouse/client";
import { Session } from "chdb";
import { createChdbConnection } from "chdb/connection";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The connection option of `createClient`. */
type ClientConnection = NonNullable<ClickHouseClientConfigOptions["connection"]>;

/** Who the engine's queries run as: a user holding exactly these grants. */
export interface EngineUser {
  readonly grants: readonly string[];
  /**
   * A cluster of one shard, the engine itself, under this name in `remote_servers`: `Distributed`
   * tables over it read and write the engine's own tables, as the user, with the access checks a
   * shard makes (the engine listens on no port; the host and port only mark the shard local).
   * @default none
   */
  readonly cluster?: string;
}

/** An open engine and a `@clickhouse/client` client bound to it. */
export interface Engine {
  readonly client: ClickHouseClient;
  close(): Promise<void>;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function userXml(name: string, body: string): string {
  return `<${name}><password/><profile>default</profile><quota>default</quota><networks><ip>::1</ip><ip>127.0.0.1</ip></networks>${body}</${name}>`;
}

function grantsXml(grants: readonly string[]): string {
  return `<grants>${grants.map((grant) => `<query>${escapeXml(grant)}</query>`).join("")}</grants>`;
}

/**
 * The server settings that decide what a grant means, as the server image's config.xml sets them
 * since 24.1 (https://clickhouse.com/docs/operations/server-configuration-parameters/settings#access_control_improvements):
 * system tables need SELECT grants, ON CLUSTER needs CLUSTER.
 */
const ACCESS_CONTROL = `<access_control_improvements>
  <users_without_row_policies_can_read_rows>true</users_without_row_policies_can_read_rows>
  <on_cluster_queries_require_cluster_grant>true</on_cluster_queries_require_cluster_grant>
  <select_from_system_db_requires_grant>true</select_from_system_db_requires_grant>
  <select_from_information_schema_requires_grant>true</select_from_information_schema_requires_grant>
  <settings_constraints_replace_previous>true</settings_constraints_replace_previous>
  <table_engines_require_grant>false</table_engines_require_grant>
</access_control_improvements>`;

function clusterXml(cluster: string | undefined): string {
  if (cluster === undefined) return "";
  const local = "<host>127.0.0.1</host><port>9000</port>";
  return `<tcp_port>9000</tcp_port><remote_servers><${cluster}><shard><replica>${local}</replica></shard></${cluster}></remote_servers>`;
}

/** A fresh data folder for a test file's engine. */
export async function engineDataFolder(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `kc-chdb-${label}-`));
}

/** Starts the engine on `dataPath` with `user` as its session user. */
export async function openEngine(dataPath: string, user: EngineUser): Promise<Engine> {
  const configDir = await mkdtemp(join(tmpdir(), "kc-chdb-config-"));
  const usersFile = join(configDir, "users.xml");
  const users = [userXml("default", grantsXml(user.grants))];
  await writeFile(
    usersFile,
    `<clickhouse><profiles><default/></profiles><quotas><default/></quotas><users>${users.join("")}</users></clickhouse>`,
  );
  const configFile = join(configDir, "config.xml");
  await writeFile(
    configFile,
    `<clickhouse>${ACCESS_CONTROL}<timezone>UTC</timezone>${clusterXml(user.cluster)}<user_directories><users_xml><path>${usersFile}</path></users_xml></user_directories></clickhouse>`,
  );
  const session = new Session(dataPath, { connectionArgs: [`--config-file=${configFile}`] });
  // The connection joins the session open on the same folder, with its configuration.
  const client = createClient({
    // chDB declares the client's Connection interface from its own copy of the client's common
    // package, whose settings type lags the client's; the shape is the same.
    connection: createChdbConnection({ path: dataPath }) as unknown as ClientConnection,
  });
  return {
    client,
    async close() {
      await client.close();
      session.close();
      await rm(configDir, { recursive: true, force: true });
    },
  };
}
