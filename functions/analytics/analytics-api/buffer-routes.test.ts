import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "./app.test-support";
import type { QueryRunner } from "./server";

/** Which query each request reached, with its parsed parameters. */
const calls: { route: string; query: unknown }[] = [];

function recorder(route: string) {
  return (query: unknown) => {
    calls.push({ route, query });
    return Promise.resolve({ source: "raw", percentiles: "exact", parts: [], data: route });
  };
}

const queries: QueryRunner = {
  qoeSummary: recorder("qoeSummary"),
  qoeBreakdown: recorder("qoeBreakdown"),
  renditionMix: recorder("renditionMix"),
  bufferSummary: recorder("bufferSummary"),
  bufferBreakdown: recorder("bufferBreakdown"),
  engagementSummary: recorder("engagementSummary"),
  engagementByCourse: recorder("engagementByCourse"),
};

let app: RunningApp;

beforeAll(async () => {
  app = await startApp({ queries, ping: () => Promise.resolve(true) });
});

afterAll(async () => {
  await app.close();
});

describe("the buffer routes", () => {
  it("answer /v1/qoe/buffer with the summary, filters parsed", async () => {
    calls.length = 0;
    const response = await fetch(
      `${app.base}/v1/qoe/buffer?from=2026-11-01&to=2026-11-02&country=AE&edge=DXB52-P1`,
    );
    expect(response.status).toBe(200);
    expect(calls).toEqual([
      {
        route: "bufferSummary",
        query: {
          from: new Date("2026-11-01T00:00:00Z"),
          to: new Date("2026-11-02T00:00:00Z"),
          country: "AE",
          edge: "DXB52-P1",
          source: "auto",
        },
      },
    ]);
  });

  it("answer /v1/qoe/buffer/breakdown by rendition, and 400 for another dimension", async () => {
    calls.length = 0;
    const ok = await fetch(
      `${app.base}/v1/qoe/buffer/breakdown?from=2026-11-01&to=2026-11-02&by=rendition&limit=3`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ data: "bufferBreakdown" });
    const refused = await fetch(
      `${app.base}/v1/qoe/buffer/breakdown?from=2026-11-01&to=2026-11-02&by=player`,
    );
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain(
      "by must be one of course, country, edge, rendition",
    );
    expect(calls.map((call) => call.route)).toEqual(["bufferBreakdown"]);
    expect(calls[0]?.query).toMatchObject({ by: "rendition", limit: 3 });
  });
});
