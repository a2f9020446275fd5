/**
 * The analytics API service wired from its settings: the ClickHouse client its queries share, a
 * control client of its own for probes and `KILL QUERY` (so they never queue behind queries), the
 * bounded client with the per-query limits, and the request listener with its deadline and answer
 * cache. The API process (main.ts) and the bench's API process run exactly this.
 */
import type { RequestListener } from "node:http";
import { createAnalyticsClient } from "../clickhouse/client";
import { boundedClient } from "./bounded-client";
import type { ApiSettings } from "./environment";
import { AnalyticsQueries } from "./queries";
import { createApp } from "./server";

/** How long the readiness probe waits for ClickHouse: below the probe's 2 s timeout. */
const PING_TIMEOUT_MS = 1_500;

/** Where and as whom the service connects. */
export interface ServiceConnection {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly database: string;
  /** The client name ClickHouse records with each query. */
  readonly application: string;
}

/** The wired service: its listener, and how to close its clients. */
export interface AnalyticsService {
  readonly app: RequestListener;
  close(): Promise<void>;
}

/** The service over `connection`, bounded by `settings`. */
export function createService(
  connection: ServiceConnection,
  settings: ApiSettings,
  options: { readonly processMetrics?: boolean } = {},
): AnalyticsService {
  const { application, ...target } = connection;
  const client = createAnalyticsClient({
    ...target,
    application,
    // The request deadline governs; the client's own timeout is only a backstop behind it.
    requestTimeoutMs: settings.REQUEST_TIMEOUT_MS + 1_000,
    maxOpenConnections: settings.CLICKHOUSE_MAX_CONNECTIONS,
  });
  const control = createAnalyticsClient({
    ...target,
    application: `${application}-control`,
    requestTimeoutMs: 5_000,
    maxOpenConnections: 2,
  });
  const queries = boundedClient(client, {
    killClient: control,
    limits: {
      maxExecutionSeconds: Math.ceil(settings.REQUEST_TIMEOUT_MS / 1000),
      maxResultRows: settings.QUERY_MAX_RESULT_ROWS,
      maxResultBytes: settings.QUERY_MAX_RESULT_BYTES,
      maxMemoryBytes: settings.QUERY_MAX_MEMORY_BYTES,
    },
  });
  const app = createApp({
    queries: new AnalyticsQueries(queries, connection.database),
    ping: async () =>
      (await control.ping({ select: false, abort_signal: AbortSignal.timeout(PING_TIMEOUT_MS) }))
        .success,
    pingTimeoutMs: PING_TIMEOUT_MS,
    processMetrics: options.processMetrics ?? false,
    requestTimeoutMs: settings.REQUEST_TIMEOUT_MS,
    cache: {
      ttlMs: settings.CACHE_TTL_MS,
      maxEntries: settings.CACHE_MAX_ENTRIES,
      maxBytes: settings.CACHE_MAX_BYTES,
    },
  });
  return {
    app,
    close: async () => {
      await Promise.allSettled([client.close(), control.close()]);
    },
  };
}
