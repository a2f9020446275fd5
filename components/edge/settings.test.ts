import { describe, expect, it } from "vitest";
import { MAX_RATE_LIMIT, MIN_RATE_LIMIT } from "../security/waf-rules";
import { MAX_COURSE_CONTENT_TTL_SECONDS } from "./edge-policies";
import { dnsProblems, dnsSettingsSchema, globalEdgeSettingsSchema } from "./settings";

describe("DNS and global edge settings", () => {
  it("turns DNS on by default and leaves the hosted zone to the lookup", () => {
    const dns = dnsSettingsSchema.parse({ domain: "knowledgecity.com", geolocation: {} });
    expect(dns).toEqual({
      domain: "knowledgecity.com",
      enabled: true,
      geolocation: { countries: [], default: false },
    });
    expect(globalEdgeSettingsSchema.parse(undefined)).toEqual({});
  });

  it("finds geolocation that routes no viewer to the stack", () => {
    const none = dnsSettingsSchema.parse({ domain: "knowledgecity.com", geolocation: {} });
    expect(dnsProblems(none)).toEqual([
      {
        path: ["geolocation"],
        input: { countries: [], default: false },
        message: "expected at least one country or default: true, or no viewer is routed here",
      },
    ]);
    const saudi = dnsSettingsSchema.parse({
      domain: "knowledgecity.com",
      geolocation: { countries: ["SA"] },
    });
    expect(dnsProblems(saudi)).toEqual([]);
  });
});

describe("globalEdgeSettingsSchema's ranges", () => {
  it("are the component's: a course TTL of 0 or above a day, and a rate limit outside AWS WAF's bounds, stop at config", () => {
    for (const bad of [
      { courseContentTtlSeconds: 0 },
      { courseContentTtlSeconds: MAX_COURSE_CONTENT_TTL_SECONDS + 1 },
      { rateLimitPerFiveMinutes: MIN_RATE_LIMIT - 1 },
      { rateLimitPerFiveMinutes: MAX_RATE_LIMIT + 1 },
    ]) {
      expect(globalEdgeSettingsSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(
      globalEdgeSettingsSchema.safeParse({
        courseContentTtlSeconds: 1,
        rateLimitPerFiveMinutes: MIN_RATE_LIMIT,
      }).success,
    ).toBe(true);
  });
});
