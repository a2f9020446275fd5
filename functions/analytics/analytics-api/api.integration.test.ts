import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropDatabase, testClient, uniqueDatabase } from "../../../test/clickhouse/database";
import { MAX_RELATIVE_ERROR } from "../clickhouse/histogram";
import { migrate } from "../clickhouse/migrate";
import { runQoeRollup } from "../clickhouse/qoe-rollup";
import type { LearningEventRow, PlaybackRow } from "../clickhouse/tables";
import { AnalyticsQueries } from "./queries";
import { createApp } from "./server";

/** A playback row with defaults; the data set below sets what each case is about. */
function request(id: string, at: string, fields: Partial<PlaybackRow>): PlaybackRow {
  return {
    request_id: id,
    timestamp: at,
    timestamp_ms: 0,
    course_id: "fin-101",
    video_id: "3f6c2a9e-8b1d-4c57-9e2a-0d4b7f1a6c35",
    rendition: "720p_3000k",
    protocol: "other",
    edge_location: "DXB52-P1",
    country: "SA",
    status: 200,
    ttfb_ms: 50,
    time_taken_ms: 120,
    bytes: 1000,
    result_type: "Miss",
    detailed_result_type: "Miss",
    cache_hit: 0,
    is_error: 0,
    aborted: 0,
    ...fields,
  };
}

/**
 * 20 requests inside 2026-11-01 10:00-12:00 UTC and 2 just outside it:
 * - A: fin-101 from SA via DXB52-P1 at 10:xx, time to first byte 10..90 ms, one 503, one aborted
 *   (000), 6 cache hits, renditions 4x 720p, 3x 360p, 2x audio and the manifest;
 * - B: fin-101 from AE via DXB52-P1 at 11:xx, 5 cache hits at 50 ms, 720p;
 * - C: law-200 from US via IAD89-C2 at 11:xx, 5 misses at 200 ms, one 500, 1080p.
 */
function playbackDataSet(): PlaybackRow[] {
  const renditionsA = [
    "720p_3000k",
    "720p_3000k",
    "720p_3000k",
    "720p_3000k",
    "360p_730k",
    "360p_730k",
    "360p_730k",
    "audio_96k",
    "audio_96k",
  ];
  const a = renditionsA.map((rendition, index) =>
    request(`A${index}`, `2026-11-01 10:${String(index * 5).padStart(2, "0")}:00`, {
      rendition,
      ttfb_ms: (index + 1) * 10,
      cache_hit: index < 6 ? 1 : 0,
      result_type: index < 6 ? "Hit" : "Miss",
      status: index === 8 ? 503 : 200,
      is_error: index === 8 ? 1 : 0,
    }),
  );
  const aborted = request("A-aborted", "2026-11-01 10:50:00", {
    rendition: "",
    status: 0,
    aborted: 1,
    ttfb_ms: 0,
  });
  const b = [0, 1, 2, 3, 4].map((index) =>
    request(`B${index}`, `2026-11-01 11:0${index}:00`, {
      country: "AE",
      cache_hit: 1,
      result_type: "Hit",
    }),
  );
  const c = [0, 1, 2, 3, 4].map((index) =>
    request(`C${index}`, `2026-11-01 11:1${index}:00`, {
      course_id: "law-200",
      country: "US",
      edge_location: "IAD89-C2",
      rendition: "1080p_6000k",
      ttfb_ms: 200,
      status: index === 0 ? 500 : 200,
      is_error: index === 0 ? 1 : 0,
    }),
  );
  const outside = [
    request("before", "2026-11-01 09:59:59", {}),
    request("after", "2026-11-01 12:00:00", { course_id: "law-200" }),
  ];
  return [...a, aborted, ...b, ...c, ...outside];
}

function event(
  id: string,
  at: string,
  user: string,
  type: LearningEventRow["event_type"],
  fields: Partial<LearningEventRow> = {},
): LearningEventRow {
  return {
    event_id: id,
    occurred_at: at,
    user_token: user,
    course_id: "fin-101",
    lesson_id: "l1",
    event_type: type,
    watch_seconds: 0,
    ...fields,
  };
}

/** Three learners on 1-2 November and one on 3 November (outside the range asked for). */
function learningDataSet(): LearningEventRow[] {
  const law = { course_id: "law-200", lesson_id: "intro" };
  return [
    event("e1", "2026-11-01 08:00:00", "tok-u1", "enrolled", { lesson_id: "" }),
    event("e2", "2026-11-01 08:01:00", "tok-u1", "lesson_started"),
    event("e3", "2026-11-01 08:30:00", "tok-u1", "lesson_completed"),
    event("e4", "2026-11-01 08:30:00", "tok-u1", "video_progress", { watch_seconds: 600 }),
    event("e5", "2026-11-01 09:00:00", "tok-u2", "lesson_started"),
    event("e6", "2026-11-01 09:05:00", "tok-u2", "video_progress", { watch_seconds: 300 }),
    event("e7", "2026-11-01 10:00:00", "tok-u3", "enrolled", { ...law, lesson_id: "" }),
    event("e8", "2026-11-01 10:01:00", "tok-u3", "lesson_started", law),
    event("e9", "2026-11-01 10:30:00", "tok-u3", "lesson_completed", law),
    event("e10", "2026-11-01 10:31:00", "tok-u3", "course_completed", { ...law, lesson_id: "" }),
    event("e11", "2026-11-01 10:31:00", "tok-u3", "video_progress", {
      ...law,
      watch_seconds: 1200,
    }),
    event("e12", "2026-11-02 20:00:00", "tok-u1", "lesson_started", { lesson_id: "l2" }),
    event("e13", "2026-11-02 20:15:00", "tok-u1", "video_progress", {
      lesson_id: "l2",
      watch_seconds: 900,
    }),
    event("e14", "2026-11-03 00:00:00", "tok-u4", "lesson_started"),
  ];
}

describe("the analytics API on a real server", () => {
  const database = uniqueDatabase("api");
  let client: ClickHouseClient;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    client = testClient();
    await migrate(client, { database });
    await client.insert({
      table: `${database}.playback_requests`,
      values: playbackDataSet(),
      format: "JSONEachRow",
    });
    await client.insert({
      table: `${database}.learning_events`,
      values: learningDataSet(),
      format: "JSONEachRow",
    });
    // The rollup job at 13:05 builds the hours before 13:00 (no whole day).
    await runQoeRollup(client, { database, now: new Date("2026-11-01T13:05:00Z") });
    const app = createApp({
      queries: new AnalyticsQueries(client, database, { rollupStateCacheMs: 0 }),
      ping: async () => (await client.ping()).success,
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await dropDatabase(client, database);
  });

  async function get(path: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: await response.json() };
  }

  const RANGE = "from=2026-11-01T10:00:00Z&to=2026-11-01T12:00:00Z";
  const RAW_PARTS = [
    {
      table: "playback_requests",
      from: "2026-11-01T10:00:00.000Z",
      to: "2026-11-01T12:00:00.000Z",
    },
  ];

  describe("QoE", () => {
    it("summarises the range from raw rows with exact percentiles", async () => {
      expect(await get(`/v1/qoe/summary?${RANGE}&source=raw`)).toEqual({
        status: 200,
        body: {
          source: "raw",
          percentiles: "exact",
          parts: RAW_PARTS,
          data: {
            requests: 20,
            errors: 2,
            errorRate: 0.1,
            aborted: 1,
            cacheHits: 11,
            cacheHitRatio: 0.55,
            bytes: 20_000,
            // 19 answered requests: 10..90 (A), 5x 50 (B), 5x 200 (C).
            ttfbMs: { p50: 50, p90: 200, p95: 200, p99: 200 },
          },
        },
      });
    });

    it("gives the same counts from the hourly slices, and percentiles from histograms", async () => {
      const { status, body } = await get(`/v1/qoe/summary?${RANGE}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        source: "rollup",
        percentiles: "histogram",
        parts: [{ ...RAW_PARTS[0], table: "qoe_slices_hourly" }],
        data: {
          requests: 20,
          errors: 2,
          aborted: 1,
          cacheHits: 11,
          bytes: 20_000,
        },
      });
      const { ttfbMs } = (body as { data: { ttfbMs: Record<string, number> } }).data;
      // Each within half a bucket of the exact value: 50 is in [50, 52), 200 in [200, 208).
      expect(ttfbMs.p50).toBe(50.5);
      expect(ttfbMs.p99).toBe(203.5);
      expect(Math.abs((ttfbMs.p99 ?? 0) - 200)).toBeLessThanOrEqual(200 * MAX_RELATIVE_ERROR);
    });

    it("filters by course, country and edge", async () => {
      const law = await get(`/v1/qoe/summary?${RANGE}&courseId=law-200&source=raw`);
      expect(law.body).toMatchObject({
        data: { requests: 5, errors: 1, errorRate: 0.2, cacheHitRatio: 0 },
      });
      const ae = await get(`/v1/qoe/summary?${RANGE}&country=AE&edge=DXB52-P1`);
      // Two dimensions, no course: the copy of the hourly cube sorted by country answers.
      expect(ae.body).toMatchObject({
        source: "rollup",
        parts: [{ ...RAW_PARTS[0], table: "qoe_hourly_by_country" }],
        data: { requests: 5, errors: 0, cacheHitRatio: 1 },
      });
    });

    it("breaks figures down per course, country and edge, busiest first", async () => {
      const keysAndCounts = async (by: string) => {
        const { body } = await get(`/v1/qoe/breakdown?${RANGE}&by=${by}&source=raw`);
        return (body as { data: { key: string; requests: number; errors: number }[] }).data.map(
          (group) => [group.key, group.requests, group.errors],
        );
      };
      expect(await keysAndCounts("course")).toEqual([
        ["fin-101", 15, 1],
        ["law-200", 5, 1],
      ]);
      expect(await keysAndCounts("country")).toEqual([
        ["SA", 10, 1],
        ["AE", 5, 0],
        ["US", 5, 1],
      ]);
      expect(await keysAndCounts("edge")).toEqual([
        ["DXB52-P1", 15, 1],
        ["IAD89-C2", 5, 1],
      ]);
      const limited = await get(`/v1/qoe/breakdown?${RANGE}&by=country&limit=1`);
      expect((limited.body as { data: unknown[] }).data).toHaveLength(1);
    });

    it("gives the rendition mix, manifests left out", async () => {
      const { body } = await get(`/v1/qoe/renditions?${RANGE}&source=raw`);
      expect(body).toEqual({
        source: "raw",
        percentiles: "exact",
        parts: RAW_PARTS,
        data: [
          { rendition: "720p_3000k", requests: 9, share: 9 / 19, bytes: 9000 },
          { rendition: "1080p_6000k", requests: 5, share: 5 / 19, bytes: 5000 },
          { rendition: "360p_730k", requests: 3, share: 3 / 19, bytes: 3000 },
          { rendition: "audio_96k", requests: 2, share: 2 / 19, bytes: 2000 },
        ],
      });
      const rollup = await get(`/v1/qoe/renditions?${RANGE}&source=rollup`);
      expect((rollup.body as { data: unknown }).data).toEqual((body as { data: unknown }).data);
    });

    it("answers a range off the hour from raw rows, and refuses it from the rollup", async () => {
      const range = "from=2026-11-01T10:30:00Z&to=2026-11-01T11:05:00Z";
      const auto = await get(`/v1/qoe/summary?${range}`);
      // A's rows at 10:30, 10:35, 10:40 and the aborted one at 10:50; B's at 11:00..11:04.
      expect(auto.body).toMatchObject({ source: "raw", data: { requests: 9, aborted: 1 } });
      expect(await get(`/v1/qoe/summary?${range}&source=rollup`)).toEqual({
        status: 400,
        body: { error: "source=rollup needs from and to on whole hours (UTC)" },
      });
    });

    it("reads hours not rolled up yet from raw rows, and refuses them from the rollups", async () => {
      const range = "from=2026-11-01T10:00:00Z&to=2026-11-01T14:00:00Z";
      const auto = await get(`/v1/qoe/summary?${range}`);
      // The row at 12:00:00 is in a built hour; nothing after 13:00.
      expect(auto.body).toMatchObject({
        source: "mixed",
        percentiles: "histogram",
        parts: [
          { table: "qoe_slices_hourly", to: "2026-11-01T13:00:00.000Z" },
          { table: "playback_requests", from: "2026-11-01T13:00:00.000Z" },
        ],
        data: { requests: 21 },
      });
      expect(await get(`/v1/qoe/summary?${range}&source=rollup`)).toEqual({
        status: 400,
        body: {
          error:
            "source=rollup cannot answer 2026-11-01T13:00:00.000Z..2026-11-01T14:00:00.000Z: the rollups are complete before 2026-11-01T13:00:00.000Z; use source=auto or source=raw",
        },
      });
    });
  });

  describe("engagement", () => {
    const DAYS = "from=2026-11-01&to=2026-11-03";

    it("summarises learners, lessons and watch time, the same from raw rows and the rollup", async () => {
      const expected = {
        activeLearners: 3,
        enrolments: 2,
        lessonsStarted: 4,
        lessonsCompleted: 2,
        coursesCompleted: 1,
        lessonCompletionRate: 0.5,
        watchHours: 3000 / 3600,
      };
      const parts = (table: string) => [
        { table, from: "2026-11-01T00:00:00.000Z", to: "2026-11-03T00:00:00.000Z" },
      ];
      expect(await get(`/v1/engagement/summary?${DAYS}`)).toEqual({
        status: 200,
        body: {
          source: "rollup",
          percentiles: "exact",
          parts: parts("engagement_daily"),
          data: expected,
        },
      });
      expect(await get(`/v1/engagement/summary?${DAYS}&source=raw`)).toEqual({
        status: 200,
        body: {
          source: "raw",
          percentiles: "exact",
          parts: parts("learning_events"),
          data: expected,
        },
      });
    });

    it("ranks courses by active learners", async () => {
      const { body } = await get(`/v1/engagement/courses?${DAYS}`);
      expect(body).toEqual({
        source: "rollup",
        percentiles: "exact",
        parts: [
          {
            table: "engagement_daily",
            from: "2026-11-01T00:00:00.000Z",
            to: "2026-11-03T00:00:00.000Z",
          },
        ],
        data: [
          {
            courseId: "fin-101",
            activeLearners: 2,
            enrolments: 1,
            lessonsStarted: 3,
            lessonsCompleted: 1,
            coursesCompleted: 0,
            lessonCompletionRate: 1 / 3,
            watchHours: 0.5,
          },
          {
            courseId: "law-200",
            activeLearners: 1,
            enrolments: 1,
            lessonsStarted: 1,
            lessonsCompleted: 1,
            coursesCompleted: 1,
            lessonCompletionRate: 1,
            watchHours: 1200 / 3600,
          },
        ],
      });
    });
  });

  describe("hostile and bad input", () => {
    it.each([
      [`${RANGE}&courseId=fin-101' OR '1'='1`, "courseId must match ^[a-z0-9-]{1,64}$"],
      [`${RANGE}&country=SA'); DROP TABLE playback_requests; --`, "country must match ^[A-Z]{2}$"],
      [`${RANGE}&edge=DXB52-P1%00`, "edge must match"],
      [`${RANGE}&source=raw;SELECT 1`, "source must be one of auto, rollup, raw"],
      [`from=2026-11-01T10:00:00Z'--&to=2026-11-01T12:00:00Z`, "from must be an ISO 8601 instant"],
      [`${RANGE}&format=TSV`, "unknown parameter format"],
      [`${RANGE}&courseId=a&courseId=b`, "parameter courseId is given more than once"],
      ["to=2026-11-01T12:00:00Z", "from is required"],
      ["from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "to must be after from"],
      ["from=2025-01-01T00:00:00Z&to=2026-11-01T00:00:00Z", "at most 400 days"],
    ])("refuses %s with 400", async (query, message) => {
      const { status, body } = await get(`/v1/qoe/summary?${query}`);
      expect(status).toBe(400);
      expect((body as { error: string }).error).toContain(message);
    });

    it("refuses a limit out of bounds and an unknown breakdown", async () => {
      for (const query of [
        "by=course&limit=0",
        "by=course&limit=1001",
        "by=course&limit=1e3",
        "by=user",
      ]) {
        const { status } = await get(`/v1/qoe/breakdown?${RANGE}&${query}`);
        expect(status).toBe(400);
      }
    });

    it("still holds every row after the hostile requests", async () => {
      const result = await client.query({
        query: `SELECT count() AS n FROM ${database}.playback_requests`,
        format: "JSONEachRow",
      });
      expect(await result.json()).toEqual([{ n: "22" }]);
    });
  });

  describe("probes and metrics", () => {
    it("answers health, readiness, metrics, 404 and 405", async () => {
      expect(await get("/healthz")).toEqual({ status: 200, body: { status: "ok" } });
      expect(await get("/readyz")).toEqual({ status: 200, body: { status: "ready" } });
      expect((await get("/v2/nothing")).status).toBe(404);
      const post = await fetch(`${base}/v1/qoe/summary`, { method: "POST" });
      expect(post.status).toBe(405);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(
        /analytics_api_requests_total\{route="\/v1\/qoe\/summary",status="400"\} \d+/,
      );
    });
  });
});
