import { describe, expect, it } from "vitest";
import { routeKeyOf, routePrefix, routeSlug, shortHash } from "./service-definition";
import { serviceProblems, throttleProblems } from "./services-validation";

describe("service naming", () => {
  it("puts every route of a service under /v1/<name>", () => {
    expect(routePrefix("courses")).toBe("/v1/courses");
    expect(routeKeyOf("courses", { method: "GET", path: "/courses/{id}" })).toBe(
      "GET /v1/courses/courses/{id}",
    );
  });

  it("names routes readably, and apart when only the punctuation differs", () => {
    const slug = routeSlug({ method: "GET", path: "/courses/{id}" });
    expect(slug).toMatch(/^get-courses-id-[0-9a-f]{6}$/);
    expect(routeSlug({ method: "GET", path: "/" })).toMatch(/^get-root-[0-9a-f]{6}$/);
    expect(routeSlug({ method: "GET", path: "/courses/id" })).not.toBe(slug);
  });

  it("hashes stably to the length asked", () => {
    expect(shortHash("courses")).toHaveLength(8);
    expect(shortHash("courses", 16)).toHaveLength(16);
    expect(shortHash("courses")).toBe(shortHash("courses"));
  });
});

describe("service validation", () => {
  it("accepts a minimal definition", () => {
    const minimal = {
      name: "courses",
      port: 8080,
      routes: [{ method: "GET", path: "/x" }],
    } as const;
    expect(serviceProblems(minimal, new Set())).toEqual([]);
  });

  it("names the field, the value and what is allowed", () => {
    expect(throttleProblems("throttle", { rateLimit: 0, burstLimit: 2.5 })).toEqual([
      "throttle.rateLimit = 0: a positive integer (requests per second)",
      "throttle.burstLimit = 2.5: a positive integer (requests)",
    ]);
    expect(
      serviceProblems(
        {
          name: "courses",
          port: 8080,
          routes: [{ method: "GET", path: "/x" }],
          callers: ["courses"],
        },
        new Set(),
      ),
    ).toEqual(['services.courses.callers: "courses" is the service itself']);
  });
});
