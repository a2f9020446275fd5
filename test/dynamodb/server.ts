/**
 * A DynamoDB endpoint for the DynamoDB tests: the one `DYNAMODB_ENDPOINT` names, or DynamoDB Local
 * (AWS's emulator) started here, in memory, on a free loopback port, from the jar that the
 * `amplify-dynamodb-simulator` dev dependency ships with its libraries (nothing is downloaded).
 * When `java` is missing, Debian's `openjdk-17-jre-headless` is installed if this process can
 * (root with apt-get); otherwise setup stops with one line saying how to point at an endpoint.
 *
 * DynamoDB Local: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.html
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import {
  aptInstall,
  canAptInstall,
  ensureInstalled,
  findExecutable,
  freeLoopbackPort,
  type ProgramSource,
} from "../local-tools";

/** An endpoint the tests can use, and how to let it go. */
export interface TestEndpoint {
  readonly endpoint: string;
  /** Stops an emulator started here; nothing for a `DYNAMODB_ENDPOINT` endpoint. */
  stop(): Promise<void>;
}

/** The one line shown when no endpoint can be had. */
export const NO_ENDPOINT_MESSAGE =
  "DynamoDB tests need Java for DynamoDB Local: install it (as root: apt-get install openjdk-17-jre-headless) or set DYNAMODB_ENDPOINT=http://host:8000";

const JAVA_PACKAGE = "openjdk-17-jre-headless";
const EXTRA_DIRS = ["/usr/bin", "/usr/local/bin"];
const STARTUP_TIMEOUT_MS = 60_000;

/** Credentials and region for DynamoDB Local, which checks neither. */
export const LOCAL_CLIENT_SETTINGS = {
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
} as const;

/** How `ensureJava` finds and installs Java; real by default, replaceable in tests. */
export type JavaSource = ProgramSource;

/**
 * The `java` binary: found, or installed from Debian's packages when this process can, or an
 * error whose message is the one line telling how to point the tests at an endpoint.
 */
export function ensureJava(source: JavaSource): string {
  return ensureInstalled(source, "java", NO_ENDPOINT_MESSAGE);
}

/** The folder holding `DynamoDBLocal.jar` and `DynamoDBLocal_lib/` in the npm package. */
function emulatorDir(): string {
  // Resolved from the project root, where vitest runs.
  const resolve = createRequire(join(process.cwd(), "package.json")).resolve;
  const dir = join(dirname(resolve("amplify-dynamodb-simulator/package.json")), "emulator");
  if (!existsSync(join(dir, "DynamoDBLocal.jar"))) {
    throw new Error(
      `DynamoDBLocal.jar is missing from ${dir}: run npm ci (the amplify-dynamodb-simulator dev dependency ships it)`,
    );
  }
  return dir;
}

/** Waits until the endpoint answers `ListTables`, or the emulator exits, or the time is up. */
async function waitForAnswer(endpoint: string, child: ChildProcess, output: () => string) {
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_SETTINGS, endpoint, maxAttempts: 1 });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  try {
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.destroy();
  }
  const reason =
    child.exitCode === null
      ? `did not answer within ${STARTUP_TIMEOUT_MS / 1000} s`
      : `exited with code ${child.exitCode}`;
  throw new Error(
    `DynamoDB Local ${reason}: ${output().trim().split("\n").slice(-3).join(" | ") || "no output"}`,
  );
}

/** Starts a throw-away in-memory DynamoDB Local with `java`. */
async function startLocal(java: string): Promise<TestEndpoint> {
  const dir = emulatorDir();
  const port = await freeLoopbackPort();
  // -disableTelemetry: the emulator would otherwise try to reach AWS. -sharedDb: one database
  // whatever the client's credentials and region. DynamoDB Local 1.x has no option to choose the
  // listening address: it listens on every interface, and the tests reach it on the loopback.
  const child = spawn(
    java,
    [
      `-Djava.library.path=${join(dir, "DynamoDBLocal_lib")}`,
      "-jar",
      join(dir, "DynamoDBLocal.jar"),
      "-inMemory",
      "-sharedDb",
      "-disableTelemetry",
      "-port",
      String(port),
    ],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitForAnswer(endpoint, child, () => output);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    endpoint,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** The endpoint for this test run. */
export async function acquireEndpoint(): Promise<TestEndpoint> {
  const external = process.env.DYNAMODB_ENDPOINT;
  if (external !== undefined && external !== "") {
    if (!/^https?:\/\/[^/]+\/?$/.test(external)) {
      throw new Error(
        `DYNAMODB_ENDPOINT must be an http(s) URL without a path, got ${JSON.stringify(external)}`,
      );
    }
    return { endpoint: external.replace(/\/+$/, ""), stop: () => Promise.resolve() };
  }
  return startLocal(
    ensureJava({
      find: () => findExecutable(["java"], EXTRA_DIRS),
      canInstall: canAptInstall,
      install: () => {
        aptInstall(["--no-install-recommends", JAVA_PACKAGE], NO_ENDPOINT_MESSAGE);
      },
    }),
  );
}
