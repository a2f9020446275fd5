/**
 * The ClickHouse client every analytics component uses, with the settings that matter on AWS:
 * keep-alive off in Lambda (a frozen container's sockets come back reset) and on, below the
 * server's idle timeout, in the long-running API; a request timeout; the client's own logging off,
 * because its error lines can carry query text, and callers log through `describeError` instead.
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from "@clickhouse/client";

/** Where and how to connect. */
export interface AnalyticsClientOptions {
  /** `https://host:8443` in the cloud; `http://127.0.0.1:port` for a local test server. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly database?: string;
  /** Reuse sockets between requests; off for Lambda. @default true */
  readonly keepAlive?: boolean;
  /**
   * How long a socket may stay silent during a request before the client gives up. It starts
   * only once the request has a socket: a wait for a free socket is bounded by the caller's
   * abort signal, not by this. @default 10000
   */
  readonly requestTimeoutMs?: number;
  /**
   * Most sockets open to the server at once; further requests queue for a free one.
   * @default 10
   */
  readonly maxOpenConnections?: number;
  /** Name reported to the server in the HTTP user agent, for query logs. */
  readonly application?: string;
}

/** A client with the platform's settings. */
export function createAnalyticsClient(options: AnalyticsClientOptions): ClickHouseClient {
  const keepAlive = options.keepAlive ?? true;
  return createClient({
    url: options.url,
    username: options.username,
    password: options.password,
    ...(options.database === undefined ? {} : { database: options.database }),
    request_timeout: options.requestTimeoutMs ?? 10_000,
    max_open_connections: options.maxOpenConnections ?? 10,
    compression: { request: true, response: true },
    // The self-hosted server's keep-alive timeout is 10 s (3 s before 23.11): stay below it.
    keep_alive: keepAlive ? { enabled: true, idle_socket_ttl: 2_500 } : { enabled: false },
    log: { level: ClickHouseLogLevel.OFF },
    ...(options.application === undefined ? {} : { application: options.application }),
  });
}
