/**
 * The offline engine's Lambda@Edge rules: what CloudFront refuses in a distribution's function
 * associations (the version, the region, the function's settings), checked on every run.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { edgeTrustPolicy } from "../components/edge/edge-cache-control";
import { serviceTrustPolicy } from "../components/shared/iam";
import { runInMockEngine, type EngineRun } from "../tools/plan/engine";
import { EngineRuleError } from "../tools/plan/engine/strict-rules";

const CONFIG = { "aws:region": "me-south-1", "pulumi:disable-default-providers": '["*"]' };

type FunctionArgs = Partial<aws.lambda.FunctionArgs>;

interface Setup {
  readonly fn?: FunctionArgs;
  readonly fnRegion?: string;
  readonly trust?: string;
  /** What the behaviour associates, from the function's outputs. */
  readonly arn?: (fn: aws.lambda.Function) => pulumi.Input<string>;
  readonly event?: string;
  readonly extra?: (fn: aws.lambda.Function, provider: aws.Provider) => void;
}

/** A distribution whose `/courses/*` behaviour associates one function, set up as given. */
function program(setup: Setup): () => void {
  return () => {
    const home = new aws.Provider("home", { region: "me-south-1" });
    const fnProvider = new aws.Provider("edge", { region: setup.fnRegion ?? "us-east-1" });
    const role = new aws.iam.Role(
      "edge",
      { assumeRolePolicy: setup.trust ?? JSON.stringify(edgeTrustPolicy()) },
      { provider: fnProvider },
    );
    const fn = new aws.lambda.Function(
      "edge",
      {
        role: role.arn,
        runtime: "nodejs22.x",
        handler: "index.handler",
        architectures: ["x86_64"],
        code: new pulumi.asset.AssetArchive({
          "index.js": new pulumi.asset.StringAsset("exports.handler = async () => null;"),
        }),
        publish: true,
        timeout: 5,
        memorySize: 128,
        ...setup.fn,
      },
      { provider: fnProvider },
    );
    setup.extra?.(fn, fnProvider);
    const behaviour = {
      targetOriginId: "s3",
      viewerProtocolPolicy: "https-only",
      allowedMethods: ["GET", "HEAD"],
      cachedMethods: ["GET", "HEAD"],
      cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
    };
    new aws.cloudfront.Distribution(
      "cdn",
      {
        enabled: true,
        origins: [{ originId: "s3", domainName: "bucket.s3.me-south-1.amazonaws.com" }],
        defaultCacheBehavior: behaviour,
        orderedCacheBehaviors: [
          {
            ...behaviour,
            pathPattern: "/courses/*",
            lambdaFunctionAssociations: [
              {
                eventType: setup.event ?? "origin-response",
                lambdaArn: (setup.arn ?? ((f) => f.qualifiedArn))(fn),
              },
            ],
          },
        ],
        restrictions: { geoRestriction: { restrictionType: "none" } },
        viewerCertificate: { cloudfrontDefaultCertificate: true },
      },
      { provider: home },
    );
  };
}

function run(setup: Setup): Promise<EngineRun> {
  return runInMockEngine({
    project: "knowledgecity",
    stack: "test",
    config: CONFIG,
    program: program(setup),
  });
}

/** The refusal lines of a run that must be refused. */
async function refusal(setup: Setup): Promise<string[]> {
  try {
    await run(setup);
  } catch (error) {
    if (error instanceof EngineRuleError) {
      return error.message.split("\n");
    }
    throw error;
  }
  throw new Error("the run was not refused");
}

/** `text` as a regular expression that matches it literally. */
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const FN_URN =
  "urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$aws:lambda/function:Function::edge";
const CDN_URN =
  "urn:pulumi:test::knowledgecity::pulumi:pulumi:Stack$aws:cloudfront/distribution:Distribution::cdn";

describe("Lambda@Edge associations (offline engine)", () => {
  it("accepts a published x86_64 Node.js version in us-east-1 whose role trusts Lambda and its edge", async () => {
    const accepted = await run({});
    const fn = accepted.resources.find((r) => r.type === "aws:lambda/function:Function");
    expect(String(fn?.state.qualifiedArn)).toMatch(/:function:edge-[0-9a-f]+:1$/);
  });

  it("refuses $LATEST (an unpublished function), naming the behaviour", async () => {
    expect(await refusal({ fn: { publish: false } })).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${escape(CDN_URN)}: behaviour /courses/\\*, origin-response: arn:aws:lambda:us-east-1:\\d{12}:function:edge-[0-9a-f]+:\\$LATEST must name a numbered version of the function, not \\$LATEST`,
        ),
      ),
    ]);
  });

  it("refuses the bare function ARN and an alias", async () => {
    expect((await refusal({ arn: (fn) => fn.arn }))[0]).toContain("not the function itself");
    expect((await refusal({ arn: (fn) => pulumi.interpolate`${fn.arn}:live` }))[0]).toContain(
      "not live",
    );
  });

  it("refuses a function outside us-east-1", async () => {
    expect(await refusal({ fnRegion: "me-south-1" })).toEqual([
      expect.stringContaining("is in me-south-1; Lambda@Edge functions must be in us-east-1"),
    ]);
  });

  it("refuses a role that only Lambda may assume", async () => {
    const lines = await refusal({
      trust: serviceTrustPolicy("lambda.amazonaws.com", "111122223333"),
    });
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(`^${escape(FN_URN)}: .*does not let edgelambda\\.amazonaws\\.com assume it`),
      ),
    ]);
  });

  it.each<[string, FunctionArgs, string]>([
    [
      "environment variables",
      { environment: { variables: { TTL: "60" } } },
      "it sets environment variables (TTL)",
    ],
    [
      "arm64",
      { architectures: ["arm64"] },
      "its architecture is arm64; Lambda@Edge runs x86_64 only",
    ],
    [
      "a VPC",
      {
        vpcConfig: {
          subnetIds: ["subnet-0123456789abcdef0"],
          securityGroupIds: ["sg-0123456789abcdef0"],
        },
      },
      "it runs in a VPC",
    ],
    [
      "a dead-letter queue",
      { deadLetterConfig: { targetArn: "arn:aws:sqs:us-east-1:111122223333:dlq" } },
      "it has a dead-letter queue",
    ],
    ["X-Ray", { tracingConfig: { mode: "Active" } }, "it has active X-Ray tracing"],
    ["layers", { layers: ["arn:aws:lambda:us-east-1:111122223333:layer:x:1"] }, "it uses layers"],
    ["a runtime Lambda@Edge lacks", { runtime: "java21" }, 'its runtime is "java21"'],
    [
      "too much ephemeral storage",
      { ephemeralStorage: { size: 1024 } },
      "its ephemeral storage is 1024 MB",
    ],
    [
      "an origin timeout over 30 s",
      { timeout: 31 },
      "its timeout is 31 s; a function on origin-response may run 30 s at most",
    ],
  ])("refuses %s", async (_what, fn, message) => {
    const lines = await refusal({ fn });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      `${FN_URN}: associated with ${CDN_URN} (behaviour /courses/*, origin-response): ${message}`,
    );
  });

  it("holds viewer functions to 5 s and 128 MB", async () => {
    const lines = await refusal({ event: "viewer-request", fn: { timeout: 10, memorySize: 256 } });
    expect(lines.map((line) => line.replace(/^.*\): /, "").replace(/ \(https.*$/, ""))).toEqual([
      "its timeout is 10 s; a function on viewer-request may run 5 s at most",
      "its memory is 256 MB; a function on viewer-request may have 128 MB at most",
    ]);
  });

  it("refuses provisioned concurrency on it", async () => {
    const lines = await refusal({
      extra: (fn, provider) => {
        new aws.lambda.ProvisionedConcurrencyConfig(
          "edge",
          { functionName: fn.name, qualifier: fn.version, provisionedConcurrentExecutions: 1 },
          { provider },
        );
      },
    });
    expect(lines).toEqual([expect.stringContaining("gives it provisioned concurrency")]);
  });
});
