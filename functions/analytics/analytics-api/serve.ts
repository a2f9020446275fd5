/**
 * The HTTP server around the API's request listener, built so that no request can stop the
 * process: a listener that throws is answered 500 and logged; a request Node.js cannot parse
 * (`clientError`) is answered 400 and its connection closed; a port already taken is one line
 * saying so, not a stack trace.
 */
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { InternalError } from "../../shared/errors";
import { describeError, log } from "../../shared/log";

/** `listener`, with a synchronous throw logged and answered 500 instead of escaping. */
export function guard(listener: RequestListener): RequestListener {
  return (request, response) => {
    try {
      listener(request, response);
    } catch (error) {
      log("error", "request failed", describeError(error));
      if (!response.headersSent) {
        const failure = new InternalError();
        response.writeHead(failure.status, { "content-type": "application/json; charset=utf-8" });
        response.end(JSON.stringify({ error: failure.message }));
      } else {
        response.destroy();
      }
    }
  };
}

const BAD_REQUEST_BODY = JSON.stringify({ error: "malformed request" });
const BAD_REQUEST = [
  "HTTP/1.1 400 Bad Request",
  "connection: close",
  "content-type: application/json; charset=utf-8",
  `content-length: ${Buffer.byteLength(BAD_REQUEST_BODY)}`,
  "",
  BAD_REQUEST_BODY,
].join("\r\n");

/** Answers a request the HTTP parser refused with 400, then closes its connection. */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  log("warn", "malformed request", { errorCode: error.code ?? error.name });
  socket.end(BAD_REQUEST);
  // end() closes once the answer is flushed; a peer that never reads must not hold the socket.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/** The API's HTTP server, guarded as described above. */
export function createApiServer(listener: RequestListener): Server {
  const server = createServer(guard(listener));
  server.keepAliveTimeout = 65_000; // above the ALB's 60 s idle timeout
  server.on("clientError", answerClientError);
  return server;
}

/** Why a server cannot listen, in one line naming the port and what to do. */
export function listenFailure(error: unknown, port: number): Error {
  const code = (error as { code?: unknown } | undefined)?.code;
  switch (code) {
    case "EADDRINUSE":
      return new Error(`port ${port} is already in use: stop the process using it or set PORT`);
    case "EACCES":
      return new Error(`port ${port} needs privileges this process lacks: set PORT above 1023`);
    default:
      return new Error(
        `cannot listen on port ${port}: ${typeof code === "string" ? code : "unknown error"}`,
      );
  }
}

/** Starts listening; rejects with a one-line `listenFailure` when it cannot. */
export function listen(server: Server, port: number, host?: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off("listening", onListening);
      reject(listenFailure(error, port));
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}
