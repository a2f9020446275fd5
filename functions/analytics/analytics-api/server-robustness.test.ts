import { spawn, type ChildProcess } from "node:child_process";
import { createServer as createHttpServer } from "node:http";
import { connect, createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeClickHouse, type FakeClickHouse } from "./fake-clickhouse.test-support";
import { createApiServer, listen, listenFailure } from "./serve";

const ROOT = join(__dirname, "../../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");
const MAIN = join(__dirname, "main.ts");

/** A free TCP port of 127.0.0.1: bound once, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Sends `head` as raw bytes and returns what came back before the server closed the socket. */
function rawExchange(port: number, head: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.setTimeout(5_000, () => {
      socket.destroy();
      reject(new Error(`no answer to ${JSON.stringify(head.toString().slice(0, 80))}`));
    });
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
    socket.end(head);
  });
}

/** The status code of a raw request line, as the server answered it. */
async function rawStatus(port: number, requestLine: string | Buffer): Promise<number> {
  const head = Buffer.concat([
    Buffer.isBuffer(requestLine) ? requestLine : Buffer.from(requestLine, "latin1"),
    Buffer.from("\r\nHost: localhost\r\nConnection: close\r\n\r\n", "latin1"),
  ]);
  const answer = await rawExchange(port, head);
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(answer);
  if (match === null) {
    throw new Error(`not an HTTP answer: ${JSON.stringify(answer.slice(0, 80))}`);
  }
  return Number(match[1]);
}

/** The targets that ended the process before, and their like. */
const MALFORMED: readonly (readonly [string, number, string | Buffer])[] = [
  ["protocol-relative //", 400, "GET // HTTP/1.1"],
  ["unclosed IPv6 host", 400, "GET http://[::1 HTTP/1.1"],
  ["bad percent escape, no slash", 400, "GET %zz HTTP/1.1"],
  ["absolute form", 400, "GET http://localhost/healthz HTTP/1.1"],
  ["absolute form to another host", 400, "GET https://example.com/v1/qoe/summary HTTP/1.1"],
  ["asterisk form", 400, "GET * HTTP/1.1"],
  ["triple slash", 400, "GET ///healthz HTTP/1.1"],
  ["another host by //", 400, "GET //evil.example/healthz HTTP/1.1"],
  ["backslash after slash", 400, "GET /\\evil.example/healthz HTTP/1.1"],
  ["backslashes", 400, "GET \\\\evil\\healthz HTTP/1.1"],
  ["bare scheme", 400, "GET http:// HTTP/1.1"],
  ["bracket host", 400, "GET http://[ HTTP/1.1"],
  ["IPv6 authority form", 400, "GET //[::1]:80/ HTTP/1.1"],
  ["query only", 400, "GET ?from=1 HTTP/1.1"],
  ["fragment only", 400, "GET #frag HTTP/1.1"],
  ["file URL", 400, "GET file:///etc/passwd HTTP/1.1"],
  ["mailto URL", 400, "GET mailto:x@example.com HTTP/1.1"],
  ["empty userinfo authority", 400, "GET //:@/ HTTP/1.1"],
  ["raw non-ASCII bytes", 400, Buffer.from("GET /\u00e9t\u00e9 HTTP/1.1", "utf8")],
  ["long target", 400, `GET /${"a".repeat(3_000)} HTTP/1.1`],
  ["target over the header limit", 400, `GET /healthz?${"x".repeat(20_000)} HTTP/1.1`],
  ["no target", 400, "GET  HTTP/1.1"],
  ["space in target", 400, "GET /a b HTTP/1.1"],
  ["control byte", 400, "GET /\u0001 HTTP/1.1"],
  ["not HTTP at all", 400, "\u0016\u0003\u0001\u0000"],
  ["bad percent escape in path", 404, "GET /%zz HTTP/1.1"],
  ["encoded traversal", 404, "GET /..%2f..%2fetc/passwd HTTP/1.1"],
  ["encoded NUL", 404, "GET /%00 HTTP/1.1"],
  ["bad escapes in parameters", 400, "GET /v1/qoe/summary?from=%zz&to=% HTTP/1.1"],
  ["broken UTF-8 in a parameter name", 400, "GET /v1/qoe/summary?%E0%A4%A=1 HTTP/1.1"],
];

describe("the API process, on malformed requests", () => {
  let store: FakeClickHouse;
  let child: ChildProcess;
  let port: number;
  let exited: number | null | undefined;
  const output: string[] = [];

  beforeAll(async () => {
    store = await startFakeClickHouse();
    port = await freePort();
    child = spawn(TSX, [MAIN], {
      env: {
        PATH: process.env.PATH,
        CLICKHOUSE_URL: store.url,
        CLICKHOUSE_DATABASE: "analytics",
        CLICKHOUSE_USER: "api",
        CLICKHOUSE_PASSWORD: "secret",
        PORT: String(port),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.on("exit", (code) => {
      exited = code;
    });
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        output.push(chunk.toString());
        if (chunk.toString().includes('"event":"listening"')) resolve();
      });
      child.once("exit", () => {
        reject(new Error(`the API exited: ${output.join("")}`));
      });
    });
  }, 30_000);

  afterAll(async () => {
    child.kill("SIGTERM");
    await store.close();
  });

  it.each(MALFORMED)("answers %s with %i", async (_, status, requestLine) => {
    expect(await rawStatus(port, requestLine)).toBe(status);
  });

  it(`is still up after all ${MALFORMED.length} of them, and answers /healthz`, async () => {
    for (const [, , requestLine] of MALFORMED) {
      await rawStatus(port, requestLine);
    }
    expect(exited).toBeUndefined();
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 200,
      body: { status: "ok" },
    });
  });

  it("stops with one line and exit code 1 when its port is taken", async () => {
    const second = spawn(TSX, [MAIN], {
      env: {
        PATH: process.env.PATH,
        CLICKHOUSE_URL: store.url,
        CLICKHOUSE_DATABASE: "analytics",
        CLICKHOUSE_USER: "api",
        CLICKHOUSE_PASSWORD: "secret",
        PORT: String(port),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    second.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => second.on("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toBe(`port ${port} is already in use: stop the process using it or set PORT\n`);
  }, 30_000);
});

describe("the guarded server", () => {
  it("answers 500 when the listener throws, and keeps serving", async () => {
    let calls = 0;
    const server = createApiServer((_, response) => {
      calls++;
      if (calls === 1) {
        throw new Error("boom");
      }
      response.end("fine");
    });
    const { port } = await listen(server, 0, "127.0.0.1");
    try {
      const first = await fetch(`http://127.0.0.1:${port}/`);
      expect({ status: first.status, body: await first.json() }).toEqual({
        status: 500,
        body: { error: "internal error" },
      });
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("fine");
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("rejects listening on a taken port with one line", async () => {
    const taken = createHttpServer();
    const { port } = await listen(taken, 0, "127.0.0.1");
    try {
      await expect(listen(createHttpServer(), port, "127.0.0.1")).rejects.toThrow(
        `port ${port} is already in use: stop the process using it or set PORT`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
    expect(listenFailure({ code: "EACCES" }, 80).message).toBe(
      "port 80 needs privileges this process lacks: set PORT above 1023",
    );
  });
});
