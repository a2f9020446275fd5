/**
 * How far the QoE rollups are built, from `qoe_rollup_state`, read with one small query and kept
 * in process for a minute. A stale copy is safe: the marks only move forward, and an older mark
 * sends more hours to the raw rows (or to `qoe_hourly` rather than a copy of it), which answer them
 * exactly; the job moves the marks once an hour, so a minute's delay costs little.
 */
import type { ClickHouseClient } from "@clickhouse/client";
import { ANALYTICS_ROLLUPS } from "../../../contracts/clickhouse-users";
import { identifier, sql } from "../clickhouse/bind";
import { num, rows } from "./answer";
import type { RollupMarks } from "./qoe-plan";

/** How long a read of the state is reused, in milliseconds. */
export const ROLLUP_STATE_CACHE_MS = 60_000;

/** Reads and caches the rollup marks of one database. */
export class RollupState {
  private cached: { readonly at: number; readonly marks: Promise<RollupMarks> } | undefined;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    private readonly cacheMs: number = ROLLUP_STATE_CACHE_MS,
  ) {}

  /** The marks, from the cache while it is fresh; concurrent callers share one read. */
  marks(now: number = Date.now()): Promise<RollupMarks> {
    if (this.cached !== undefined && now - this.cached.at < this.cacheMs) {
      return this.cached.marks;
    }
    const marks = this.read();
    this.cached = { at: now, marks };
    // A failed read is not kept: the next call tries again.
    marks.catch(() => {
      if (this.cached?.marks === marks) this.cached = undefined;
    });
    return marks;
  }

  private async read(): Promise<RollupMarks> {
    const table = identifier(this.database, ANALYTICS_ROLLUPS.qoeRollupState);
    const result = await rows<{ level: string; through: unknown }>(
      this.client,
      sql`SELECT toString(level) AS level, toUnixTimestamp(max(through)) AS through FROM ${table} GROUP BY level`,
    );
    const at = (level: string): Date | undefined => {
      const row = result.find((candidate) => candidate.level === level);
      return row === undefined ? undefined : new Date(num(row.through) * 1000);
    };
    const hourlyThrough = at("hourly");
    const dailyThrough = at("daily");
    const placesThrough = at("places");
    return {
      ...(hourlyThrough === undefined ? {} : { hourlyThrough }),
      ...(dailyThrough === undefined ? {} : { dailyThrough }),
      ...(placesThrough === undefined ? {} : { placesThrough }),
    };
  }
}
