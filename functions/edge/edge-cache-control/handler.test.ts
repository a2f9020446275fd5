import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { bundleCode } from "../../../components/shared/bundle";
import { EDGE_CACHE_CONTROL_ENTRY } from "../../../contracts/edge-cache-control";
import { createHandler } from "./origin-response";
import {
  cacheControlOf,
  originResponseEvent,
  runPackage,
  s3Response,
} from "../../../test/lambda-edge";

const SETTINGS = { maxAgeSeconds: 600, staleWhileRevalidateSeconds: 60, staleIfErrorSeconds: 3600 };

function edgePackage(files: Record<string, string>): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({
    "index.js": new pulumi.asset.StringAsset(bundleCode(EDGE_CACHE_CONTROL_ENTRY)),
    ...Object.fromEntries(
      Object.entries(files).map(([name, text]) => [name, new pulumi.asset.StringAsset(text)]),
    ),
  });
}

describe("the deployed package (bundle and settings file)", () => {
  const event = originResponseEvent("/courses/1/a.ts", s3Response());

  it("answers the origin response with the baked Cache-Control", async () => {
    const response = await runPackage(
      edgePackage({ "cache-settings.json": JSON.stringify(SETTINGS) }),
      "index.handler",
      event,
    );
    expect(response).toMatchObject({ status: "200" });
    expect(cacheControlOf(response as ReturnType<typeof s3Response>)).toBe(
      "public, max-age=600, stale-while-revalidate=60, stale-if-error=3600",
    );
  });

  it("fails its cold start without the settings file, saying the package must contain it", async () => {
    await expect(runPackage(edgePackage({}), "index.handler", event)).rejects.toThrow(
      /cache-settings\.json: cannot read it beside the handler .*the deployment package must contain it/,
    );
  });

  it("fails its cold start on invalid settings, naming the field", async () => {
    await expect(
      runPackage(
        edgePackage({ "cache-settings.json": JSON.stringify({ ...SETTINGS, maxAgeSeconds: -1 }) }),
        "index.handler",
        event,
      ),
    ).rejects.toThrow("maxAgeSeconds = -1");
  });
});

describe("createHandler", () => {
  it("refuses an event without a record", async () => {
    await expect(createHandler(SETTINGS)({ Records: [] })).rejects.toThrow(
      "origin-response event without a record",
    );
  });
});
