/**
 * For tests of Lambda@Edge functions and of the components that deploy them: runs a deployment
 * package as CloudFront would on an origin response, and follows a cache behaviour's
 * origin-response associations to the object CloudFront stores.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { CloudFrontResponse, CloudFrontResponseEvent } from "aws-lambda";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** An origin-response event for `uri`, carrying `response` as the origin sent it. */
export function originResponseEvent(
  uri: string,
  response: CloudFrontResponse,
): CloudFrontResponseEvent {
  return {
    Records: [
      {
        cf: {
          config: {
            distributionDomainName: "d111111abcdef8.cloudfront.net",
            distributionId: "EDFDVBD6EXAMPLE",
            eventType: "origin-response",
            requestId: "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
          },
          request: {
            clientIp: "203.0.113.178",
            headers: {},
            method: "GET",
            querystring: "",
            uri,
          },
          response,
        },
      },
    ],
  };
}

/** S3's answer for an object without caching metadata (what MediaConvert writes). */
export function s3Response(status = "200"): CloudFrontResponse {
  return {
    status,
    statusDescription: status === "200" ? "OK" : "Partial Content",
    headers: {
      "content-type": [{ key: "Content-Type", value: "video/mp2t" }],
      etag: [{ key: "ETag", value: '"6805f2cfc46c0f04559748bb039d69ae"' }],
      "last-modified": [{ key: "Last-Modified", value: "Thu, 01 Oct 2026 10:00:00 GMT" }],
      server: [{ key: "Server", value: "AmazonS3" }],
    },
  };
}

/**
 * Writes the package's files to a fresh folder, loads `index.js` as Lambda would, and calls the
 * export named by the function's handler setting (`index.<export>`) with `event`.
 */
export async function runPackage(
  archive: pulumi.asset.AssetArchive,
  handlerSetting: string,
  event: CloudFrontResponseEvent,
): Promise<unknown> {
  const [file, exportName] = handlerSetting.split(".");
  if (file !== "index" || exportName === undefined) {
    throw new Error(`handler ${handlerSetting}: expected index.<export>`);
  }
  const directory = mkdtempSync(join(tmpdir(), "edge-package-"));
  try {
    const assets = await archive.assets;
    for (const [name, asset] of Object.entries(assets)) {
      const text: unknown = "text" in asset ? await asset.text : undefined;
      if (typeof text !== "string") {
        throw new Error(`package file ${name} is not a text asset`);
      }
      writeFileSync(join(directory, name), text);
    }
    const entry = join(directory, "index.js");
    const loaded: unknown = createRequire(entry)(entry);
    const handler =
      loaded !== null && typeof loaded === "object"
        ? (loaded as Record<string, unknown>)[exportName]
        : undefined;
    if (typeof handler !== "function") {
      throw new Error(`index.js exports no function ${exportName}`);
    }
    return await (handler as (event: CloudFrontResponseEvent) => Promise<unknown>)(event);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** A published function's package, found by the version ARN a behaviour associates. */
export interface EdgePackage {
  readonly archive: pulumi.asset.AssetArchive;
  /** The function's handler setting (`index.handler`). */
  readonly handler: string;
}

/**
 * The response CloudFront stores for a request of `uri` on this cache behaviour: the origin's
 * response, passed through each origin-response function the behaviour associates, in order
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-cloudfront-trigger-events.html).
 * `packageOf` resolves an association's function version ARN to its package; an association
 * it cannot resolve fails the test.
 */
export async function cachedResponse(
  behaviour: Readonly<Record<string, unknown>>,
  packageOf: (lambdaArn: string) => EdgePackage | undefined,
  uri: string,
  origin: CloudFrontResponse,
): Promise<CloudFrontResponse> {
  const associations = behaviour.lambdaFunctionAssociations;
  const list = Array.isArray(associations) ? (associations as Record<string, unknown>[]) : [];
  let response = origin;
  for (const association of list.filter((a) => a.eventType === "origin-response")) {
    const arn = String(association.lambdaArn);
    const edgePackage = packageOf(arn);
    if (edgePackage === undefined) {
      throw new Error(`the behaviour associates ${arn}, whose package the test cannot find`);
    }
    const result = await runPackage(
      edgePackage.archive,
      edgePackage.handler,
      originResponseEvent(uri, response),
    );
    if (result === null || typeof result !== "object" || !("status" in result)) {
      throw new Error(`${arn} returned ${JSON.stringify(result)}, not a response`);
    }
    response = result as CloudFrontResponse;
  }
  return response;
}

/** The single `Cache-Control` value of a response, if it has one. */
export function cacheControlOf(response: CloudFrontResponse): string | undefined {
  const values = response.headers["cache-control"] ?? [];
  if (values.length > 1) {
    throw new Error(`several Cache-Control headers: ${JSON.stringify(values)}`);
  }
  return values[0]?.value;
}
