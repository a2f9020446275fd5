import { describe, expect, it } from "vitest";
import { list, record, Recorded } from "../../tools/plan/engine";
import { cacheControlOf, cachedResponse, s3Response } from "../../test/lambda-edge";
import {
  GLOBAL_PROVIDER,
  DISTRIBUTION,
  run,
  behaviours,
  ttlsOf,
  coursePackages,
} from "./global-edge.fixtures";

describe("GlobalEdge: what the edge caches", async () => {
  const edgeRun = await run({
    courseContentTtlSeconds: 1800,
    courseStaleWhileRevalidateSeconds: 7200,
    courseStaleIfErrorSeconds: 172_800,
  });
  const recorded = Recorded.of(edgeRun);
  const byPath = behaviours(recorded.named(DISTRIBUTION, "edge-cdn"));
  const packages = coursePackages(edgeRun);
  const packageOf = (arn: string) => packages.get(arn);

  it("caches course content with stale-while-revalidate: the object CloudFront stores from S3 carries it", async () => {
    const cached = await cachedResponse(
      byPath.get("/courses/*") ?? {},
      packageOf,
      "/courses/42/handout.pdf",
      s3Response(),
    );
    expect(cacheControlOf(cached)).toBe(
      "public, max-age=1800, stale-while-revalidate=7200, stale-if-error=172800",
    );
  });

  it("gives course objects the course cache policy's TTL, from the same setting", async () => {
    const courses = byPath.get("/courses/*") ?? {};
    const { maxTtl } = ttlsOf(recorded, courses);
    const cached = await cachedResponse(courses, packageOf, "/courses/42/a.pdf", s3Response());
    expect(cacheControlOf(cached)).toMatch(new RegExp(`^public, max-age=${String(maxTtl)},`));
  });

  it("sets it on course content only: the shell and hashed assets keep their own caching", async () => {
    expect(
      [...byPath.entries()]
        .filter(([, b]) => b.lambdaFunctionAssociations !== undefined)
        .map(([path]) => path),
    ).toEqual(["/courses/*"]);
    for (const path of ["default", "/assets/*"]) {
      const cached = await cachedResponse(byPath.get(path) ?? {}, packageOf, "/x", s3Response());
      expect(cacheControlOf(cached), path).toBeUndefined();
    }
  });

  it("keeps what a publisher set on an object", async () => {
    const withOwn = s3Response();
    withOwn.headers["cache-control"] = [{ key: "Cache-Control", value: "max-age=60" }];
    const cached = await cachedResponse(
      byPath.get("/courses/*") ?? {},
      packageOf,
      "/courses/1/x.json",
      withOwn,
    );
    expect(cacheControlOf(cached)).toBe("max-age=60");
  });

  it("runs it as a published Lambda@Edge version in us-east-1", () => {
    const fn = recorded.named("aws:lambda/function:Function", "edge-course-cache-control-fn");
    expect(fn.provider).toBe(recorded.named("pulumi:providers:aws", GLOBAL_PROVIDER).urn);
    expect(fn.inputs).toMatchObject({ publish: true, architectures: ["x86_64"] });
    expect(record(list(byPath.get("/courses/*")?.lambdaFunctionAssociations)[0]).lambdaArn).toBe(
      fn.state.qualifiedArn,
    );
  });

  it("serves course content stale for a day while it revalidates, and a week when S3 fails, by default", async () => {
    const defaultRun = await run();
    const defaults = coursePackages(defaultRun);
    const courses = behaviours(Recorded.of(defaultRun).named(DISTRIBUTION, "edge-cdn")).get(
      "/courses/*",
    );
    const cached = await cachedResponse(
      courses ?? {},
      (arn) => defaults.get(arn),
      "/courses/1/a.png",
      s3Response(),
    );
    expect(cacheControlOf(cached)).toBe(
      "public, max-age=3600, stale-while-revalidate=86400, stale-if-error=604800",
    );
  });
});
