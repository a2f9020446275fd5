/**
 * The API's queries: typed parameters in, SQL built with the `sql` binder out, figures back. The
 * class is a facade over the QoE queries (qoe-queries.ts, planned by qoe-plan.ts over the QoE
 * rollups and the raw rows) and the engagement queries (engagement-queries.ts). Every answer says
 * where its figures came from (answer.ts).
 */
import type { ClickHouseClient } from "@clickhouse/client";
import type { Answer } from "./answer";
import {
  EngagementQueries,
  type CourseEngagement,
  type EngagementFigures,
} from "./engagement-queries";
import { BufferQueries, type BufferFigures, type BufferGroup } from "./buffer-queries";
import { QoeQueries, type QoeFigures, type QoeGroup, type RenditionShare } from "./qoe-queries";
import type {
  BufferBreakdownQuery,
  EngagementQuery,
  QoeBreakdownQuery,
  QoeQuery,
} from "./requests";
import { ROLLUP_STATE_CACHE_MS, RollupState } from "./rollup-state";

export type { Answer, AnswerPart } from "./answer";
export type { CourseEngagement, EngagementFigures } from "./engagement-queries";
export type { QoeFigures, QoeGroup, RenditionShare, TtfbPercentiles } from "./qoe-queries";
export type { BufferFigures, BufferGroup, ReportedValue } from "./buffer-queries";

/** Tuning of the queries. */
export interface AnalyticsQueriesOptions {
  /**
   * How long a read of the QoE rollup state is reused, in milliseconds; 0 reads it on every call.
   * @default 5000
   */
  readonly rollupStateCacheMs?: number;
}

/** The API's QoE and engagement queries against one database. */
export class AnalyticsQueries {
  private readonly qoe: QoeQueries;
  private readonly buffer: BufferQueries;
  private readonly engagement: EngagementQueries;

  constructor(client: ClickHouseClient, database: string, options: AnalyticsQueriesOptions = {}) {
    const state = new RollupState(
      client,
      database,
      options.rollupStateCacheMs ?? ROLLUP_STATE_CACHE_MS,
    );
    this.qoe = new QoeQueries(client, database, state);
    this.buffer = new BufferQueries(client, database, state);
    this.engagement = new EngagementQueries(client, database);
  }

  /** Error rate, time to first byte, cache hit ratio and volume over a range. */
  qoeSummary(query: QoeQuery): Promise<Answer<QoeFigures>> {
    return this.qoe.summary(query);
  }

  /** QoE figures per course, country or edge location, busiest first. */
  qoeBreakdown(query: QoeBreakdownQuery): Promise<Answer<QoeGroup[]>> {
    return this.qoe.breakdown(query);
  }

  /** How requests split between renditions (manifests and other files left out). */
  renditionMix(query: QoeQuery): Promise<Answer<RenditionShare[]>> {
    return this.qoe.renditionMix(query);
  }

  /** Rebuffering, startup, buffer length and measured throughput from the players' CMCD. */
  bufferSummary(query: QoeQuery): Promise<Answer<BufferFigures>> {
    return this.buffer.summary(query);
  }

  /** Buffer figures per course, country, edge location or rendition, most CMCD requests first. */
  bufferBreakdown(query: BufferBreakdownQuery): Promise<Answer<BufferGroup[]>> {
    return this.buffer.breakdown(query);
  }

  /** Active learners, enrolments, lessons, completions and watch time over a range. */
  engagementSummary(query: EngagementQuery): Promise<Answer<EngagementFigures>> {
    return this.engagement.summary(query);
  }

  /** Engagement per course, most active learners first. */
  engagementByCourse(query: EngagementQuery): Promise<Answer<CourseEngagement[]>> {
    return this.engagement.byCourse(query);
  }
}
