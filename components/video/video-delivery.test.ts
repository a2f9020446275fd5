import type * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import {
  cacheControlOf,
  cachedResponse,
  s3Response,
  type EdgePackage,
} from "../../test/lambda-edge";
import {
  list,
  record,
  Recorded,
  runComponent,
  TEST_CONTEXT,
  type EngineRun,
} from "../../tools/plan/engine";
import { DataKeys } from "../security/data-keys";
import { SecureBucket } from "../shared/secure-bucket";
import { VideoDelivery, type VideoDeliveryArgs } from "./video-delivery";

const DISTRIBUTION = "aws:cloudfront/distribution:Distribution";
const FUNCTION = "aws:lambda/function:Function";
const PUBLIC_KEY_PEM = [
  "-----BEGIN PUBLIC KEY-----",
  "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo",
  "-----END PUBLIC KEY-----",
].join("\n");

type Settings = Pick<
  VideoDeliveryArgs,
  "hotTtlSeconds" | "staleWhileRevalidateSeconds" | "staleIfErrorSeconds"
>;
const SETTINGS: Settings = {
  hotTtlSeconds: 86_400,
  staleWhileRevalidateSeconds: 43_200,
  staleIfErrorSeconds: 604_800,
};

/** A run of the component, and the deployment packages of the edge functions it made. */
interface DeliveryRun {
  readonly run: EngineRun;
  readonly packages: Map<string, EdgePackage>;
}

async function run(settings: Settings = SETTINGS): Promise<DeliveryRun> {
  const deliveries: VideoDelivery[] = [];
  const engineRun = await runComponent((provider, providerFor) => {
    const keys = new DataKeys(
      "keys",
      { context: TEST_CONTEXT, stack: "me-south-1" },
      { providers: [provider] },
    );
    const bucket = new SecureBucket(
      "renditions",
      { dataClass: "content", encryption: { kmsKeyArn: keys.keyArns.content } },
      { providers: [provider] },
    );
    const usEast1Provider: aws.Provider = providerFor("us-east-1");
    deliveries.push(
      new VideoDelivery(
        "video-cdn",
        {
          context: TEST_CONTEXT,
          stack: "me-south-1",
          keys,
          domain: "knowledgecity.com",
          hostname: "video.sa.knowledgecity.com",
          hostedZoneId: "Z0ZONE0000",
          usEast1Provider,
          bucket,
          publicKeyPem: PUBLIC_KEY_PEM,
          realtimeLogSamplingRate: 100,
          ...settings,
        },
        { providers: [provider] },
      ),
    );
    keys.seal();
  });
  return { run: engineRun, packages: packagesOf(engineRun, deliveries) };
}

/** Each edge function's package, by the version ARN a behaviour associates. */
function packagesOf(
  run: EngineRun,
  deliveries: readonly VideoDelivery[],
): Map<string, EdgePackage> {
  const packages = new Map<string, EdgePackage>();
  for (const delivery of deliveries) {
    const edge = (delivery as Partial<Pick<VideoDelivery, "cacheControl">>).cacheControl;
    if (edge === undefined) {
      continue;
    }
    const fn = new Recorded(run.resources).named(FUNCTION, edge.functionResourceName);
    packages.set(String(fn.state.qualifiedArn), {
      archive: edge.code,
      handler: String(fn.inputs.handler),
    });
  }
  return packages;
}

function defaultBehaviour(recorded: Recorded): Record<string, unknown> {
  return record(recorded.named(DISTRIBUTION, "video-cdn-cdn").inputs.defaultCacheBehavior);
}

describe("VideoDelivery: what the edge caches", async () => {
  const { run: deliveryRun, packages } = await run();
  const recorded = Recorded.of(deliveryRun);
  const behaviour = defaultBehaviour(recorded);
  const segment = "/courses/42/lecture-1/hls/720p_00001.ts";

  it("caches renditions with stale-while-revalidate: the object CloudFront stores from S3 carries it", async () => {
    const cached = await cachedResponse(
      behaviour,
      (arn) => packages.get(arn),
      segment,
      s3Response(),
    );
    expect(cacheControlOf(cached)).toBe(
      "public, max-age=86400, stale-while-revalidate=43200, stale-if-error=604800",
    );
  });

  it("marks byte ranges (206) the same way, since players fetch segments by range", async () => {
    const cached = await cachedResponse(
      behaviour,
      (arn) => packages.get(arn),
      segment,
      s3Response("206"),
    );
    expect(cacheControlOf(cached)).toContain("stale-while-revalidate=43200");
  });

  it("keeps viewers' Cache-Control private: the response headers policy overrides the shared one", () => {
    const headers = recorded.referencedBy(behaviour.responseHeadersPolicyId);
    const items = list(record(headers.inputs.customHeadersConfig).items).map(record);
    const cacheControl = items.find((item) => item.header === "Cache-Control");
    expect(cacheControl).toMatchObject({ override: true });
    expect(String(cacheControl?.value)).toMatch(/^private, max-age=86400,/);
  });
});

describe("VideoDelivery: the origin-response function", async () => {
  const { run: deliveryRun, packages } = await run();
  const recorded = Recorded.of(deliveryRun);
  const distribution = recorded.named(DISTRIBUTION, "video-cdn-cdn");
  const behaviour = defaultBehaviour(recorded);
  const [fn, ...otherFunctions] = recorded.ofType(FUNCTION);

  it("is the one function of the component, associated once, on the origin response of the signed behaviour", () => {
    expect(otherFunctions).toEqual([]);
    expect(list(behaviour.lambdaFunctionAssociations)).toEqual([
      { eventType: "origin-response", lambdaArn: fn?.state.qualifiedArn, includeBody: false },
    ]);
    // Every behaviour that shares cached objects this way is signed and private toward viewers.
    expect(behaviour.trustedKeyGroups).toEqual([
      recorded.ofType("aws:cloudfront/keyGroup:KeyGroup")[0]?.id,
    ]);
    expect(distribution.inputs.orderedCacheBehaviors ?? []).toEqual([]);
  });

  it("is a published version in us-east-1, through the us-east-1 provider", () => {
    const usEast1 = recorded.named("pulumi:providers:aws", "aws-us-east-1");
    expect(fn?.provider).toBe(usEast1.urn);
    expect(fn?.region).toBe("us-east-1");
    expect(fn?.inputs.publish).toBe(true);
    expect(String(fn?.state.qualifiedArn)).toMatch(
      /^arn:aws:lambda:us-east-1:111122223333:function:[^:]+:\d+$/,
    );
  });

  it("meets Lambda@Edge's restrictions: x86_64, Node.js 22, no environment, VPC, DLQ or tracing", () => {
    expect(fn?.inputs).toMatchObject({
      architectures: ["x86_64"],
      runtime: "nodejs22.x",
      handler: "index.handler",
    });
    for (const unsupported of [
      "environment",
      "vpcConfig",
      "deadLetterConfig",
      "tracingConfig",
      "layers",
      "kmsKeyArn",
    ]) {
      expect(fn?.inputs[unsupported], unsupported).toBeUndefined();
    }
    const role = recorded.named("aws:iam/role:Role", "video-cdn-cache-control-role");
    expect(fn?.inputs.role).toBe(role.state.arn);
    const trust = record(JSON.parse(String(role.inputs.assumeRolePolicy)));
    const [statement] = list(trust.Statement).map(record);
    expect(statement).toMatchObject({
      Effect: "Allow",
      Action: "sts:AssumeRole",
      Principal: { Service: ["lambda.amazonaws.com", "edgelambda.amazonaws.com"] },
    });
  });

  it("may only write its own logs, in whichever region runs it", () => {
    const policy = recorded.named(
      "aws:iam/rolePolicy:RolePolicy",
      "video-cdn-cache-control-policy",
    );
    const statements = list(record(JSON.parse(String(policy.inputs.policy))).Statement).map(record);
    const group = `arn:aws:logs:*:111122223333:log-group:/aws/lambda/us-east-1.${String(fn?.state.name)}`;
    expect(statements).toEqual([
      {
        Sid: "WriteOwnLogsInEveryEdgeRegion",
        Effect: "Allow",
        Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [group, `${group}:*`],
      },
    ]);
  });

  it("gives cached objects the cache policy's TTL, from the same setting", async () => {
    const other = await run({ ...SETTINGS, hotTtlSeconds: 7200 });
    const otherRecorded = Recorded.of(other.run);
    const otherBehaviour = defaultBehaviour(otherRecorded);
    const policy = otherRecorded.referencedBy(otherBehaviour.cachePolicyId);
    expect(policy.inputs.defaultTtl).toBe(7200);
    const cached = await cachedResponse(
      otherBehaviour,
      (arn) => other.packages.get(arn),
      "/courses/42/lecture-1/hls/720p.m3u8",
      s3Response(),
    );
    expect(cacheControlOf(cached)).toBe(
      `public, max-age=${String(policy.inputs.defaultTtl)}, stale-while-revalidate=43200, stale-if-error=604800`,
    );
  });

  it("leaves errors as S3 sent them, so an error is never served as a stale object", async () => {
    const forbidden = { ...s3Response(), status: "403", statusDescription: "Forbidden" };
    const cached = await cachedResponse(
      behaviour,
      (arn) => packages.get(arn),
      "/courses/42/missing.ts",
      forbidden,
    );
    expect(cacheControlOf(cached)).toBeUndefined();
  });

  it("refuses stale windows the function could not bake, naming them", async () => {
    await expect(run({ ...SETTINGS, staleWhileRevalidateSeconds: 0 })).rejects.toThrow(
      /staleWhileRevalidateSeconds = 0: expected whole seconds from 1 to 31536000/,
    );
  });
});
