/**
 * A ClickHouse server for the integration tests: the one `CLICKHOUSE_URL` names, or one started
 * here from the `clickhouse-server` binary on free loopback ports with a temporary data folder.
 * When the binary is missing, it is installed from Debian's packages if this process can (root
 * with apt-get); otherwise setup stops with one line saying how to point at a server.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  aptInstall,
  canAptInstall,
  ensureInstalled,
  findExecutable,
  freeLoopbackPort,
  type ProgramSource,
} from "../local-tools";

/** A server the tests can use, and how to let it go. */
export interface TestServer {
  readonly url: string;
  /**
   * The native protocol port (what `clickhouse-client` speaks): the started server's, or
   * `CLICKHOUSE_TCP_PORT` beside `CLICKHOUSE_URL`; undefined when unknown.
   */
  readonly tcpPort?: number;
  /** Stops a server started here; nothing for a `CLICKHOUSE_URL` server. */
  stop(): Promise<void>;
}

/** The one line shown when no server can be had. */
export const NO_SERVER_MESSAGE =
  "ClickHouse integration tests need a server: install clickhouse-server (as root: apt-get install clickhouse-server) or set CLICKHOUSE_URL=http://user:password@host:8123";

const BINARY_NAMES = ["clickhouse-server"];
const EXTRA_DIRS = ["/usr/sbin", "/usr/bin", "/usr/local/bin"];

/** What a started server adds to the base configuration. */
export interface ServerOptions {
  /** Its HTTP and native ports; free loopback ports when left out. */
  readonly ports?: { readonly http: number; readonly tcp: number };
  /** More elements of `config.xml`, for example `remote_servers` of a cluster. */
  readonly config?: string;
  /** More settings of the `default` profile (not `max_memory_usage`, which the base sets). */
  readonly profile?: string;
}

function config(dir: string, ports: { http: number; tcp: number }, extra: string): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/error.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>${ports.http}</http_port>
  <tcp_port>${ports.tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/data/tmp/</tmp_path>
  <user_files_path>${dir}/data/user_files/</user_files_path>
  <format_schema_path>${dir}/data/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <timezone>UTC</timezone>
  <keep_alive_timeout>10</keep_alive_timeout>${extra}
</yandex>
`;
}

function users(profile: string): string {
  return `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>8000000000</max_memory_usage>${profile}</default></profiles>
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
}

const PING_SECONDS = 60;

async function waitForPing(url: string, child: ChildProcess, dir: string): Promise<void> {
  const deadline = Date.now() + PING_SECONDS * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      break;
    }
    try {
      const response = await fetch(`${url}/ping`);
      if (response.ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const errors = await readFile(join(dir, "error.log"), "utf8").catch(() => "");
  throw new Error(
    `clickhouse-server did not answer /ping within ${PING_SECONDS} s: ${errors.trim().split("\n").slice(-3).join(" | ")}`,
  );
}

/**
 * Starts a throw-away server from `binary` in a temporary folder, which `stop` deletes; a server
 * that does not answer is killed and its folder deleted before the error is thrown.
 */
export async function startServer(
  binary: string,
  options: ServerOptions = {},
): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), "kc-clickhouse-"));
  const ports = options.ports ?? { http: await freeLoopbackPort(), tcp: await freeLoopbackPort() };
  await writeFile(join(dir, "config.xml"), config(dir, ports, options.config ?? ""));
  await writeFile(join(dir, "users.xml"), users(options.profile ?? ""));
  const child = spawn(binary, [`--config-file=${join(dir, "config.xml")}`], {
    cwd: dir,
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${ports.http}`;
  try {
    await waitForPing(url, child, dir);
  } catch (error) {
    child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    tcpPort: ports.tcp,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The server for this test run. */
export async function acquireServer(): Promise<TestServer> {
  const external = process.env.CLICKHOUSE_URL;
  if (external !== undefined && external !== "") {
    if (!/^https?:\/\//.test(external)) {
      throw new Error(`CLICKHOUSE_URL must be an http(s) URL, got ${JSON.stringify(external)}`);
    }
    const tcpPort = Number(process.env.CLICKHOUSE_TCP_PORT ?? "");
    return {
      url: external.replace(/\/+$/, ""),
      ...(Number.isInteger(tcpPort) && tcpPort > 0 ? { tcpPort } : {}),
      stop: () => Promise.resolve(),
    };
  }
  return startServer(
    ensureBinary({
      find: () => findExecutable(BINARY_NAMES, EXTRA_DIRS),
      canInstall: canAptInstall,
      install: () => {
        aptInstall(["clickhouse-server"], NO_SERVER_MESSAGE);
      },
    }),
  );
}

/** How `ensureBinary` finds and installs the server; real by default, replaceable in tests. */
export type BinarySource = ProgramSource;

/**
 * The server binary: found, or installed from Debian's packages when this process can, or an
 * error whose message is the one line telling how to point the tests at a server.
 */
export function ensureBinary(source: BinarySource): string {
  return ensureInstalled(source, "clickhouse-server", NO_SERVER_MESSAGE);
}
