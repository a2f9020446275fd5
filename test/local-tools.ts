/**
 * What the real-engine test setups share (ClickHouse, DynamoDB Local): finding a program, installing
 * its Debian package when this process can (root with apt-get), and a free loopback port.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";

/** The first of `names` found on PATH or in `extraDirs`, as a path. */
export function findExecutable(
  names: readonly string[],
  extraDirs: readonly string[],
): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), ...extraDirs];
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (dir !== "" && existsSync(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** Whether this process may install Debian packages (root, with apt-get). */
export function canAptInstall(): boolean {
  return process.getuid?.() === 0 && spawnSync("apt-get", ["--version"]).status === 0;
}

/**
 * Runs `apt-get update` then `apt-get install -y -qq <installArgs>`; a failure throws with
 * apt-get's last line followed by `hint`.
 */
export function aptInstall(installArgs: readonly string[], hint: string): void {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", ...installArgs],
  ]) {
    const result = spawnSync("apt-get", args, { env, stdio: ["ignore", "ignore", "pipe"] });
    if (result.status !== 0) {
      throw new Error(
        `apt-get ${args.join(" ")} failed (${result.stderr.toString().trim().split("\n").pop() ?? "no output"}). ${hint}`,
      );
    }
  }
}

/** How `ensureInstalled` finds and installs a program; real in setups, replaceable in tests. */
export interface ProgramSource {
  readonly find: () => string | undefined;
  readonly canInstall: () => boolean;
  readonly install: () => void;
}

/**
 * The program's path: found, or installed when this process can, or an error whose message is
 * `hint`, the one line telling how to do without it.
 */
export function ensureInstalled(source: ProgramSource, name: string, hint: string): string {
  const found = source.find();
  if (found !== undefined) {
    return found;
  }
  if (!source.canInstall()) {
    throw new Error(hint);
  }
  source.install();
  const installed = source.find();
  if (installed === undefined) {
    throw new Error(`${name} is still missing after apt-get install. ${hint}`);
  }
  return installed;
}

/** A port free on 127.0.0.1 at the time of asking. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === "object" && address !== null) {
          resolve(address.port);
        } else {
          reject(new Error("could not get a free port"));
        }
      });
    });
  });
}
