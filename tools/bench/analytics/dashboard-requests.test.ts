/** The API load's request mix: distinct requests the API accepts. */
import { describe, expect, it } from "vitest";
import {
  parseQuery,
  qoeBreakdownQuery,
  qoeQuery,
} from "../../../functions/analytics/analytics-api/requests";
import { dashboardRequests, LOAD_REQUESTS } from "./dashboard-requests";
import { DAY_MS, HOUR_MS } from "./traffic-model";

const END_MS = Date.UTC(2026, 11, 6, 4);

describe("dashboardRequests", () => {
  const paths = dashboardRequests(END_MS);

  it("gives LOAD_REQUESTS distinct requests, the same on every call", () => {
    expect(paths).toHaveLength(LOAD_REQUESTS);
    expect(new Set(paths).size).toBe(LOAD_REQUESTS);
    expect(dashboardRequests(END_MS)).toEqual(paths);
  });

  it("asks only for routes and parameters the API accepts, over whole hours up to the end", () => {
    for (const path of paths) {
      const url = new URL(path, "http://localhost");
      const parsed =
        url.pathname === "/v1/qoe/breakdown"
          ? parseQuery(qoeBreakdownQuery, url.searchParams)
          : parseQuery(qoeQuery, url.searchParams);
      expect(["/v1/qoe/summary", "/v1/qoe/breakdown", "/v1/qoe/renditions"]).toContain(
        url.pathname,
      );
      expect(parsed.to.getTime() % HOUR_MS).toBe(0);
      expect(parsed.to.getTime()).toBeLessThanOrEqual(END_MS);
      expect([DAY_MS, 7 * DAY_MS, 30 * DAY_MS]).toContain(
        parsed.to.getTime() - parsed.from.getTime(),
      );
    }
  });

  it("mixes every route with and without filters", () => {
    const has = (pattern: RegExp) => paths.filter((path) => pattern.test(path)).length;
    for (const route of [
      "summary",
      "breakdown\\?.*by=course",
      "breakdown\\?.*by=country",
      "breakdown\\?.*by=edge",
      "renditions",
    ]) {
      expect(has(new RegExp(`^/v1/qoe/${route}`)), route).toBeGreaterThan(10);
    }
    expect(has(/courseId=.*country=|country=.*courseId=/)).toBeGreaterThan(10);
    expect(paths.some((path) => !path.includes("courseId") && !path.includes("country="))).toBe(
      true,
    );
  });
});
