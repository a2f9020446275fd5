/**
 * A stand-in ClickHouse HTTP server for tests of what the API does when ClickHouse is slow,
 * refuses a setting or answers: it records every request (settings, query id, statement) and
 * answers as the test says, or never.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/** One request the fake received. */
export interface FakeRequest {
  /** The URL's parameters: the ClickHouse settings, `query_id`, `database`. */
  readonly params: URLSearchParams;
  /** The statement (the request body, decompressed). */
  readonly statement: string;
}

/** How the fake answers a request: a status and body, or `"hang"` (never). */
export type FakeAnswer = { readonly status: number; readonly body: string } | "hang";

/** A running fake. */
export interface FakeClickHouse {
  readonly url: string;
  readonly requests: FakeRequest[];
  /** Requests received but never answered, still open. */
  readonly hanging: () => number;
  close(): Promise<void>;
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  const data = Buffer.concat(chunks);
  return (request.headers["content-encoding"] === "gzip" ? gunzipSync(data) : data).toString();
}

/** Starts a fake on a free port; `answer` decides each reply (default: an empty result). */
export async function startFakeClickHouse(
  answer: (request: FakeRequest) => FakeAnswer = () => ({ status: 200, body: "" }),
): Promise<FakeClickHouse> {
  const requests: FakeRequest[] = [];
  let hanging = 0;
  const server: Server = createServer((request, response) => {
    void body(request).then((statement) => {
      const received = {
        params: new URL(request.url ?? "/", "http://fake").searchParams,
        statement,
      };
      requests.push(received);
      const reply = answer(received);
      if (reply === "hang") {
        hanging++;
        response.on("close", () => hanging--);
        return;
      }
      response.writeHead(reply.status, { "content-type": "text/plain" });
      response.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    hanging: () => hanging,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
