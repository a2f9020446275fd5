/**
 * The analytics API under load: the real app in a child process (`api-child.ts`) over the bench's
 * QoE data set, loaded from this process with autocannon at a few connection counts, each for a
 * bounded time, the connections taking turns through a mix of distinct dashboard requests: once
 * with the answer cache off, so that every request is answered by a query, and once with the
 * service's default cache, as deployed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";
import autocannon from "autocannon";
import type { Endpoint } from "./endpoint";
import type { ApiLoadFigures, LoadLevelFigures } from "./figures";
import { readApiSettings } from "../../../functions/analytics/analytics-api/environment";
import { API_CHILD_ENVIRONMENT, API_PORT_LINE } from "./api-child";
import { dashboardRequests } from "./dashboard-requests";

/** The answer cache of a load: off (every request is a query) or the service's default. */
export type LoadCache = "off" | "default";

/** The cache lifetime a load runs with. */
function cacheTtlMs(cache: LoadCache): number {
  return cache === "off" ? 0 : readApiSettings({}).CACHE_TTL_MS;
}
/** Longest wait for the API process to listen. */
const START_TIMEOUT_MS = 60_000;

/** A started API process and its port. */
interface ApiProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Error log lines the API wrote (structured logs with level "error"). */
  readonly errorLines: string[];
}

async function startApi(server: Endpoint, database: string, cache: LoadCache): Promise<ApiProcess> {
  const root = resolve(__dirname, "../../..");
  const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "api-child.ts")], {
    cwd: root,
    env: {
      ...process.env,
      NODE_NO_WARNINGS: "1",
      [API_CHILD_ENVIRONMENT.url]: server.url,
      [API_CHILD_ENVIRONMENT.username]: server.username,
      [API_CHILD_ENVIRONMENT.password]: server.password,
      [API_CHILD_ENVIRONMENT.database]: database,
      CACHE_TTL_MS: String(cacheTtlMs(cache)),
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const errorLines: string[] = [];
  const stderr: string[] = [];
  child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`the API process did not listen within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    let pending = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (line.startsWith(`${API_PORT_LINE} `)) {
          clearTimeout(timer);
          done(Number(line.slice(API_PORT_LINE.length + 1)));
        } else if (line.includes('"level":"error"') && errorLines.length < 20) {
          errorLines.push(line);
        }
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`the API process exited with ${code}: ${stderr.join("").trim().slice(-500)}`));
    });
  });
  return { child, port, errorLines };
}

async function stopApi(api: ApiProcess): Promise<void> {
  if (api.child.exitCode !== null || api.child.signalCode !== null) return;
  const exited = new Promise((done) => api.child.once("exit", done));
  api.child.kill("SIGTERM");
  const timer = setTimeout(() => api.child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * One load level: `connections` connections for `seconds`, each request the next of `paths` over
 * all connections, so requests in flight at once are different ones.
 */
async function load(
  port: number,
  paths: readonly string[],
  connections: number,
  seconds: number,
): Promise<LoadLevelFigures> {
  let sent = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: "GET",
        setupRequest: (request) => {
          const path = paths[sent % paths.length] ?? "/";
          sent += 1;
          return { ...request, path };
        },
      },
    ],
  });
  return {
    connections,
    seconds: result.duration,
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors + result.non2xx,
  };
}

/**
 * Starts the API over `database` (rows ending at `endMs`), checks that a request of each route
 * answers 200 (which also warms it up), then loads it at each of `connectionCounts` for
 * `seconds`, with the answer cache `cache`. The API process is stopped before this returns or
 * throws.
 */
export async function measureApiLoad(
  server: Endpoint,
  database: string,
  rows: number,
  endMs: number,
  connectionCounts: readonly number[],
  seconds: number,
  cache: LoadCache,
): Promise<ApiLoadFigures> {
  const paths = dashboardRequests(endMs);
  const api = await startApi(server, database, cache);
  try {
    const routes = new Map(paths.map((path) => [path.slice(0, path.indexOf("?")), path]));
    for (const path of routes.values()) {
      const response = await fetch(`http://127.0.0.1:${api.port}${path}`);
      const body = await response.text();
      if (response.status !== 200) {
        throw new Error(`the API answered ${path} with ${response.status}: ${body.slice(0, 200)}`);
      }
    }
    const levels: LoadLevelFigures[] = [];
    for (const connections of connectionCounts) {
      levels.push(await load(api.port, paths, connections, seconds));
    }
    if (api.errorLines.length > 0) {
      process.stderr.write(`API errors under load:\n${api.errorLines.slice(0, 5).join("\n")}\n`);
    }
    return { rows, cacheTtlMs: cacheTtlMs(cache), requests: paths, levels };
  } finally {
    await stopApi(api);
  }
}
