/**
 * A two-shard ClickHouse cluster for integration tests: two more `clickhouse-server` processes on
 * loopback ports, each with its own temporary folder, and a `remote_servers` entry naming both as
 * the shards of `TWO_SHARDS`. Debian's 18.16 has no Keeper, so each shard has one replica and
 * nothing is replicated: the schema is migrated on each server by itself (`replicated: false`).
 *
 * The default profile inserts into Distributed tables synchronously
 * (`insert_distributed_sync`, `distributed_foreground_insert` since 23.x), as the installation's
 * profile must: an insert returns once its rows are on their shard, so the ingest's next check of
 * stored ids sees them (https://clickhouse.com/docs/operations/settings/settings#distributed_foreground_insert).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClickHouseClient } from "@clickhouse/client";
import { createAnalyticsClient } from "./client";
import { ensureBinary } from "../../../test/clickhouse/server";
import { canAptInstall, findExecutable, freeLoopbackPort } from "../../../test/local-tools";

/** The cluster's name in `remote_servers`, as `SchemaContext.cluster` takes it. */
export const TWO_SHARDS = "two-shards";

/** One server of the cluster. */
export interface ShardServer {
  readonly url: string;
  readonly tcpPort: number;
  readonly client: ClickHouseClient;
}

/** The running cluster. */
export interface TwoShardCluster {
  readonly shards: readonly [ShardServer, ShardServer];
  /** Stops both servers and deletes their folders. */
  stop(): Promise<void>;
}

interface Ports {
  readonly http: number;
  readonly tcp: number;
  readonly interserver: number;
}

function config(dir: string, own: Ports, all: readonly Ports[]): string {
  const shards = all
    .map(
      (ports) =>
        `<shard><replica><host>127.0.0.1</host><port>${ports.tcp}</port></replica></shard>`,
    )
    .join("");
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/error.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>${own.http}</http_port>
  <tcp_port>${own.tcp}</tcp_port>
  <interserver_http_port>${own.interserver}</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/data/tmp/</tmp_path>
  <user_files_path>${dir}/data/user_files/</user_files_path>
  <format_schema_path>${dir}/data/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>0</uncompressed_cache_size>
  <max_concurrent_queries>20</max_concurrent_queries>
  <timezone>UTC</timezone>
  <keep_alive_timeout>10</keep_alive_timeout>
  <remote_servers><${TWO_SHARDS}>${shards}</${TWO_SHARDS}></remote_servers>
</yandex>
`;
}

const USERS = `<?xml version="1.0"?>
<yandex>
  <profiles><default>
    <max_memory_usage>2000000000</max_memory_usage>
    <max_threads>2</max_threads>
    <insert_distributed_sync>1</insert_distributed_sync>
  </default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

async function waitForPing(url: string, child: ChildProcess, dir: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`${url}/ping`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const errors = await readFile(join(dir, "error.log"), "utf8").catch(() => "");
  throw new Error(
    `a shard's clickhouse-server did not answer /ping: ${errors.trim().split("\n").slice(-3).join(" | ")}`,
  );
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Starts the two servers (in parallel) and waits until both answer. */
export async function startTwoShards(): Promise<TwoShardCluster> {
  const binary = ensureBinary({
    find: () => findExecutable(["clickhouse-server"], ["/usr/sbin", "/usr/bin", "/usr/local/bin"]),
    canInstall: canAptInstall,
    install: () => {
      throw new Error("clickhouse-server is not installed (apt-get install clickhouse-server)");
    },
  });
  const ports: Ports[] = [];
  for (let index = 0; index < 2; index += 1) {
    ports.push({
      http: await freeLoopbackPort(),
      tcp: await freeLoopbackPort(),
      interserver: await freeLoopbackPort(),
    });
  }
  const started: { child: ChildProcess; dir: string; client?: ClickHouseClient }[] = [];
  const stop = async (): Promise<void> => {
    for (const server of started) {
      await server.client?.close();
      await stopProcess(server.child);
      await rm(server.dir, { recursive: true, force: true });
    }
  };
  try {
    const shards = await Promise.all(
      ports.map(async (own) => {
        const dir = await mkdtemp(join(tmpdir(), "kc-clickhouse-shard-"));
        await writeFile(join(dir, "config.xml"), config(dir, own, ports));
        await writeFile(join(dir, "users.xml"), USERS);
        const child = spawn(binary, [`--config-file=${join(dir, "config.xml")}`], {
          cwd: dir,
          stdio: "ignore",
        });
        const server: { child: ChildProcess; dir: string; client?: ClickHouseClient } = {
          child,
          dir,
        };
        started.push(server);
        const url = `http://127.0.0.1:${own.http}`;
        await waitForPing(url, child, dir);
        server.client = createAnalyticsClient({
          url,
          username: "default",
          password: "",
          requestTimeoutMs: 120_000,
        });
        return { url, tcpPort: own.tcp, client: server.client };
      }),
    );
    const [first, second] = shards;
    if (first === undefined || second === undefined) throw new Error("two servers expected");
    return { shards: [first, second], stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
