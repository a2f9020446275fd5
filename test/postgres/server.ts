/**
 * A PostgreSQL server for the PostgreSQL tests: the one `POSTGRES_URL` names (a superuser's URL),
 * or a throw-away cluster made here with Debian's server (`initdb`, `pg_ctl`) in a temporary
 * folder, listening on a free loopback port only, with password (SCRAM) authentication over TCP
 * so that a role's password is proven when it signs in. When the server is missing, Debian's
 * `postgresql` is installed if this process can (root with apt-get); otherwise setup stops with
 * one line saying how to point at a server. PostgreSQL refuses to run as root, so as root the
 * cluster belongs to, and runs as, the `postgres` system user that the package creates.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
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
  /** A superuser's connection URL. */
  readonly url: string;
  /** Stops a cluster started here; nothing for a `POSTGRES_URL` server. */
  stop(): Promise<void>;
}

/** The one line shown when no server can be had. */
export const NO_SERVER_MESSAGE =
  "PostgreSQL tests need Debian's server: install it (as root: apt-get install postgresql) or set POSTGRES_URL=postgres://superuser:password@host:5432/postgres";

const SERVER_PACKAGE = "postgresql";
const DEBIAN_ROOT = "/usr/lib/postgresql";

/** Debian's server folders, newest version first. */
export function serverDirs(root = DEBIAN_ROOT): string[] {
  if (!existsSync(root)) {
    return [];
  }
  return readdirSync(root)
    .filter((version) => /^\d+$/.test(version))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(root, version, "bin"));
}

/**
 * The folder holding `initdb`, `pg_ctl` and `postgres`: found, or installed from Debian's packages
 * when this process can, or an error whose message is the one line telling how to do without.
 */
export function ensureServer(source: ProgramSource): string {
  const initdb = ensureInstalled(source, "initdb", NO_SERVER_MESSAGE);
  return initdb.slice(0, initdb.length - "/initdb".length);
}

function run(command: string, args: readonly string[], asUser: string | undefined): void {
  const [program, argv] =
    asUser === undefined ? [command, args] : ["runuser", ["-u", asUser, "--", command, ...args]];
  const result = spawnSync(program, argv, { stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0) {
    const output = `${result.stdout.toString()}\n${result.stderr.toString()}`.trim();
    throw new Error(
      `${command} ${args[0] ?? ""} failed (${result.status}): ${output.split("\n").slice(-3).join(" | ") || "no output"}`,
    );
  }
}

function systemId(flag: "-u" | "-g", user: string): number {
  const result = spawnSync("id", [flag, user]);
  if (result.status !== 0) {
    throw new Error(
      `running as root, the cluster must belong to the "${user}" system user, which does not exist: install Debian's postgresql package (it creates it)`,
    );
  }
  return Number(result.stdout.toString().trim());
}

/** Makes and starts a cluster with the binaries of `binDir`. */
async function startCluster(binDir: string): Promise<TestServer> {
  const asUser = process.getuid?.() === 0 ? "postgres" : undefined;
  const base = mkdtempSync(join(tmpdir(), "kc-postgres-"));
  const data = join(base, "data");
  const password = randomBytes(18).toString("hex");
  const pwfile = join(base, "pwfile");
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (asUser !== undefined) {
    const uid = systemId("-u", asUser);
    const gid = systemId("-g", asUser);
    chownSync(base, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  chmodSync(base, 0o700);
  const port = await freeLoopbackPort();
  run(
    join(binDir, "initdb"),
    [
      "-D",
      data,
      "-U",
      "postgres",
      "--pwfile",
      pwfile,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      "--encoding=UTF8",
      "--no-locale",
      "--no-sync",
    ],
    asUser,
  );
  rmSync(pwfile);
  const options = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${base}`,
    "-c fsync=off",
    "-c password_encryption=scram-sha-256",
  ].join(" ");
  run(
    join(binDir, "pg_ctl"),
    ["start", "-D", data, "-w", "-t", "60", "-l", join(base, "server.log"), "-o", options],
    asUser,
  );
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run(join(binDir, "pg_ctl"), ["stop", "-D", data, "-m", "fast", "-w"], asUser);
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
      return Promise.resolve();
    },
  };
}

/** The server for this test run. */
export async function acquireServer(): Promise<TestServer> {
  const external = process.env.POSTGRES_URL;
  if (external !== undefined && external !== "") {
    if (!/^postgres(ql)?:\/\/[^/]+\/[^/]*$/.test(external)) {
      throw new Error("POSTGRES_URL must be a postgres:// URL naming a database (value not shown)");
    }
    return { url: external, stop: () => Promise.resolve() };
  }
  const binDir = ensureServer({
    // Debian's versioned folders first: the server's own binaries sit beside initdb there.
    find: () =>
      serverDirs()
        .map((dir) => join(dir, "initdb"))
        .find((path) => existsSync(path)) ?? findExecutable(["initdb"], []),
    canInstall: canAptInstall,
    install: () => {
      aptInstall(["--no-install-recommends", SERVER_PACKAGE], NO_SERVER_MESSAGE);
    },
  });
  return startCluster(binDir);
}
