import type { CloudFrontResponse } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { sharedCacheControl, withEdgeCacheControl } from "./core";
import { s3Response } from "../../../test/lambda-edge";

const SETTINGS = {
  maxAgeSeconds: 86_400,
  staleWhileRevalidateSeconds: 3600,
  staleIfErrorSeconds: 604_800,
};
const SHARED = "public, max-age=86400, stale-while-revalidate=3600, stale-if-error=604800";

function withStatus(status: string): CloudFrontResponse {
  return { ...s3Response(), status };
}

describe("sharedCacheControl", () => {
  it("is public, so CloudFront (a shared cache) keeps the object, with both stale windows", () => {
    expect(sharedCacheControl(SETTINGS)).toBe(SHARED);
  });
});

describe("withEdgeCacheControl", () => {
  it.each(["200", "206", "304"])(
    "gives a %s without caching instructions the shared Cache-Control",
    (status) => {
      const response = withEdgeCacheControl(withStatus(status), SETTINGS);
      expect(response.headers["cache-control"]).toEqual([{ key: "Cache-Control", value: SHARED }]);
      expect(response.status).toBe(status);
    },
  );

  it("keeps every other header of the origin's response", () => {
    const origin = s3Response();
    const response = withEdgeCacheControl(origin, SETTINGS);
    const { "cache-control": added, ...rest } = response.headers;
    expect(added).toBeDefined();
    expect(rest).toEqual(origin.headers);
  });

  it.each(["403", "404", "500", "503"])(
    "leaves a %s alone: errors are never served as stale objects",
    (status) => {
      const origin = withStatus(status);
      expect(withEdgeCacheControl(origin, SETTINGS)).toBe(origin);
    },
  );

  it.each([
    ["cache-control", "Cache-Control", "no-store"],
    ["cache-control", "Cache-Control", "max-age=60"],
    ["expires", "Expires", "Thu, 01 Oct 2026 10:00:00 GMT"],
  ])("keeps what a publisher set on the object (%s: %s)", (name, key, value) => {
    const origin = s3Response();
    origin.headers[name] = [{ key, value }];
    expect(withEdgeCacheControl(origin, SETTINGS).headers[name]).toEqual([{ key, value }]);
  });

  it("treats an empty Cache-Control as none", () => {
    const origin = s3Response();
    origin.headers["cache-control"] = [{ key: "Cache-Control", value: " " }];
    expect(withEdgeCacheControl(origin, SETTINGS).headers["cache-control"]).toEqual([
      { key: "Cache-Control", value: SHARED },
    ]);
  });
});
