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
import type { ClickHouseClient } from "@clickhouse/client";
import { createAnalyticsClient } from "./client";
import { ensureBinary, startServer, type TestServer } from "../../../test/clickhouse/server";
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

/** A shard's own additions to the test server's configuration: the cluster of both. */
function clusterConfig(own: Ports, all: readonly Ports[]): string {
  const shards = all
    .map(
      (ports) =>
        `<shard><replica><host>127.0.0.1</host><port>${ports.tcp}</port></replica></shard>`,
    )
    .join("");
  return `
  <interserver_http_port>${own.interserver}</interserver_http_port>
  <max_concurrent_queries>20</max_concurrent_queries>
  <remote_servers><${TWO_SHARDS}>${shards}</${TWO_SHARDS}></remote_servers>`;
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
  const started = await Promise.allSettled(
    ports.map((own) =>
      startServer(binary, {
        ports: own,
        config: clusterConfig(own, ports),
        profile: "<max_threads>2</max_threads><insert_distributed_sync>1</insert_distributed_sync>",
      }),
    ),
  );
  const servers = started.flatMap((result) =>
    result.status === "fulfilled" ? [result.value] : [],
  );
  const clients = servers.map((server) =>
    createAnalyticsClient({
      url: server.url,
      username: "default",
      password: "",
      requestTimeoutMs: 120_000,
    }),
  );
  const stop = async (): Promise<void> => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(servers.map((server) => server.stop()));
  };
  const failed = started.find((result) => result.status === "rejected");
  const shard = (server: TestServer | undefined, client: ClickHouseClient | undefined) =>
    server === undefined || client === undefined || server.tcpPort === undefined
      ? undefined
      : { url: server.url, tcpPort: server.tcpPort, client };
  const first = shard(servers[0], clients[0]);
  const second = shard(servers[1], clients[1]);
  if (failed !== undefined || first === undefined || second === undefined) {
    await stop();
    throw failed?.status === "rejected" ? failed.reason : new Error("two servers expected");
  }
  return { shards: [first, second], stop };
}
