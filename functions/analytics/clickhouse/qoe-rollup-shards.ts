/**
 * The QoE rollup job on a cluster of shards (cluster-layout.ts): each shard builds its own
 * rollups from its own raw rows, then the API's marks advance to what every shard has built.
 *
 * Per shard, `runQoeRollup` runs unchanged on one of the shard's servers over the shard's
 * database (`<database>_local`): its raw rows, its rollups, their staging tables and its progress
 * (`qoe_rollup_state` there). Every request is in exactly one shard (the ingest shards by request
 * id) and every rollup figure is a sum, a histogram or an aggregate state, so the API's sums over
 * the `Distributed` rollups equal the rollups of all the rows: counts stay exact. Building through
 * the `Distributed` tables instead could not swap partitions in (`REPLACE PARTITION` works on a
 * server's own table only), and would put every shard's rows through one server.
 *
 * The shards' progress can differ (a shard's run failed, or ran at another time), and the API
 * must not read an hour from the rollups before every shard has built it: only after every shard
 * ran does each level's mark in `<database>.qoe_rollup_state` (which the API reads) advance, to
 * the earliest of the shards' progress, on every shard; a level some shard has not built gets no
 * new mark. A run that fails on a shard moves no mark. An earlier mark only sends more hours to
 * the raw rows, which answer them exactly. The API takes the latest mark written, so marks never
 * move back; late records are taken in by the lookback rebuilds, as on one server.
 */
import { randomUUID } from "node:crypto";
import type { ClickHouseClient } from "@clickhouse/client";
import { ANALYTICS_ROLLUPS } from "../../../contracts/clickhouse-users";
import { formatDateTime, identifier, sql } from "./bind";
import { createAnalyticsClient } from "./client";
import { localDatabase } from "./cluster-layout";
import { QOE_ROLLUP_LEVELS, type QoeRollupLevel } from "./migrations";
import { runQoeRollup, type QoeRollupOptions, type QoeRollupSummary } from "./qoe-rollup";

/** What one run of the job on a cluster builds, and when. */
export interface ShardedQoeRollupOptions extends Omit<QoeRollupOptions, "sessionId"> {
  /** The logical database (the API's); each shard's tables are in `<database>_local`. */
  readonly database: string;
  /**
   * The HTTP session of shard `index`'s run (see `QoeRollupOptions.sessionId`). @default none
   */
  readonly sessionId?: (index: number) => string;
}

/** What a run on a cluster did. */
export interface ShardedQoeRollupSummary {
  /** Each shard's run, in the order of the clients. */
  readonly shards: readonly QoeRollupSummary[];
  /** The marks written for the API (`YYYY-MM-DD hh:mm:ss`): the earliest shard's progress. */
  readonly marks: Readonly<Partial<Record<QoeRollupLevel, string>>>;
}

/** A DateTime read back as JSON text, UTC. */
function parseDateTime(text: string): Date {
  return new Date(`${text.replace(" ", "T")}Z`);
}

/** How far one shard has built each level. */
async function shardProgress(
  client: ClickHouseClient,
  database: string,
): Promise<Map<QoeRollupLevel, Date>> {
  const state = identifier(localDatabase(database), ANALYTICS_ROLLUPS.qoeRollupState);
  const result = await client.query({
    query:
      sql`SELECT toString(level) AS level, max(through) AS through FROM ${state} GROUP BY level`
        .text,
    format: "JSONEachRow",
  });
  const rows = await result.json<{ level: QoeRollupLevel; through: string }>();
  return new Map(rows.map((row) => [row.level, parseDateTime(row.through)]));
}

/**
 * Runs the job on every shard, one after another (`shards`: one client per shard, each connected
 * to one server of that shard), then writes the API's marks on every shard. A shard that fails
 * stops the run before any mark moves.
 */
export async function runShardedQoeRollup(
  shards: readonly ClickHouseClient[],
  options: ShardedQoeRollupOptions,
): Promise<ShardedQoeRollupSummary> {
  if (shards.length === 0) throw new Error("runShardedQoeRollup: expected at least one shard");
  const { sessionId, ...common } = options;
  const summaries: QoeRollupSummary[] = [];
  for (const [index, client] of shards.entries()) {
    summaries.push(
      await runQoeRollup(client, {
        ...common,
        database: localDatabase(options.database),
        ...(sessionId === undefined ? {} : { sessionId: sessionId(index) }),
      }),
    );
  }
  const marks = await advanceQoeMarks(shards, options.database, options.now);
  return { shards: summaries, marks };
}

/**
 * Sets each level's mark in `<database>.qoe_rollup_state`, on every shard, to the earliest of the
 * shards' progress (a level some shard has not built gets none); answers the marks written.
 */
export async function advanceQoeMarks(
  shards: readonly ClickHouseClient[],
  database: string,
  now: Date,
): Promise<Partial<Record<QoeRollupLevel, string>>> {
  const progress = await Promise.all(shards.map((client) => shardProgress(client, database)));
  const marks: [QoeRollupLevel, Date][] = [];
  for (const level of QOE_ROLLUP_LEVELS) {
    const built = progress.map((shard) => shard.get(level));
    if (built.every((through): through is Date => through !== undefined)) {
      marks.push([level, new Date(Math.min(...built.map((through) => through.getTime())))]);
    }
  }
  if (marks.length > 0) {
    const target = identifier(database, ANALYTICS_ROLLUPS.qoeRollupState);
    const values = marks.map(([level, through]) => sql`(${level}, ${through}, ${now})`.text);
    for (const client of shards) {
      await client.command({
        query: `${sql`INSERT INTO ${target} (level, through, built_at) VALUES `.text}${values.join(", ")}`,
      });
    }
  }
  return Object.fromEntries(marks.map(([level, through]) => [level, formatDateTime(through)]));
}

/** The variable that lists each shard's servers for the job. */
export const SHARD_URLS_VARIABLE = "CLICKHOUSE_SHARD_URLS";

/**
 * Each shard's server URLs from `CLICKHOUSE_SHARD_URLS` (shards separated by `;`, a shard's
 * replicas by `,`, as components/analytics/clickhouse.ts writes it), or undefined when unset (one
 * server: the job runs as before). A malformed value stops the job with one line naming it.
 */
export function readShardUrls(env: NodeJS.ProcessEnv): string[][] | undefined {
  const text = env[SHARD_URLS_VARIABLE];
  if (text === undefined || text === "") return undefined;
  const shards = text.split(";").map((shard) => shard.split(","));
  const bad = shards.flat().find((url) => !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?$/.test(url));
  if (bad !== undefined) {
    throw new Error(
      `${SHARD_URLS_VARIABLE}: expected http(s)://host[:port] URLs, a shard's replicas separated by "," and shards by ";", got ${JSON.stringify(bad)}`,
    );
  }
  return shards;
}

/**
 * The first of a shard's servers that answers `ping` (the client's `ping()`), so one replica down
 * does not stop the shard's build; an error naming the shard when none does.
 */
export async function firstAnswering<Client>(
  replicas: readonly string[],
  connect: (url: string) => Client,
  ping: (client: Client) => Promise<boolean>,
  close: (client: Client) => Promise<void>,
): Promise<Client> {
  for (const url of replicas) {
    const client = connect(url);
    if (await ping(client).catch(() => false)) return client;
    await close(client);
  }
  throw new Error(`no server of the shard answers: ${replicas.join(", ")}`);
}

/** How the job connects to each shard's server: as it connects to the installation. */
export interface ShardConnection {
  readonly username: string;
  readonly password: string;
  readonly requestTimeoutMs: number;
  readonly application?: string;
}

/**
 * The job as deployed: without `CLICKHOUSE_SHARD_URLS`, on `client`'s server over `database`
 * (one server, as before migration 8); with it, on every shard (`runShardedQoeRollup`), each on
 * the first of its servers that answers, every run in an HTTP session of its own.
 */
export async function runConfiguredQoeRollup(
  client: ClickHouseClient,
  connection: ShardConnection,
  env: NodeJS.ProcessEnv,
  options: Omit<QoeRollupOptions, "sessionId">,
): Promise<QoeRollupSummary | ShardedQoeRollupSummary> {
  const run = randomUUID();
  const shardUrls = readShardUrls(env);
  if (shardUrls === undefined) {
    return runQoeRollup(client, { ...options, sessionId: `qoe-rollup-${run}` });
  }
  const clients: ClickHouseClient[] = [];
  try {
    for (const replicas of shardUrls) {
      clients.push(
        await firstAnswering(
          replicas,
          (url) => createAnalyticsClient({ url, ...connection }),
          async (candidate) => (await candidate.ping()).success,
          (candidate) => candidate.close(),
        ),
      );
    }
    return await runShardedQoeRollup(clients, {
      ...options,
      sessionId: (index) => `qoe-rollup-${run}-${index}`,
    });
  } finally {
    for (const shard of clients) await shard.close();
  }
}
