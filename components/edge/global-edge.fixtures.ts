/**
 * What the tests of `GlobalEdge` share: a run of the component with the test domain and the
 * readers of what it records.
 */
import * as aws from "@pulumi/aws";
import { expect } from "vitest";
import {
  json,
  list,
  record,
  runComponent,
  TEST_CONTEXT,
  type EngineRun,
  type Recorded,
  type RecordedResource,
} from "../../tools/plan/engine";
import type { EdgePackage } from "../../test/lambda-edge";
import { DataKeys } from "../security/data-keys";
import { GlobalEdge, type GlobalEdgeArgs } from "./global-edge";

/** The primary stack's context: the global edge is deployed from us-east-1. */
export const CONTEXT = { ...TEST_CONTEXT, region: "us-east-1" };
/** The apex domain the edge serves. */
export const DOMAIN = "knowledgecity.com";
/** The hosted zone of `DOMAIN`. */
export const ZONE = "Z04123456EXAMPLE";
/** The stack's own provider, as the engine names it. */
export const STACK_PROVIDER = "aws-us-east-1";
/** The us-east-1 provider the edge is given. */
export const GLOBAL_PROVIDER = "aws-global";

/** Resource types the tests look for. */
export const DISTRIBUTION = "aws:cloudfront/distribution:Distribution";
export const CACHE_POLICY = "aws:cloudfront/cachePolicy:CachePolicy";
export const RECORD = "aws:route53/record:Record";
export const CLOUDFRONT_FUNCTION = "aws:cloudfront/function:Function";

/** Every GlobalEdge the runs of this file built, for what the recorded inputs cannot show. */
export const builtEdges: GlobalEdge[] = [];

/** Runs a `GlobalEdge` named `edge` with the test domain, `overrides` applied. */
export function run(overrides: Partial<GlobalEdgeArgs> = {}): Promise<EngineRun> {
  return runComponent((provider) => {
    // A provider of its own, so the test can tell what goes through it from the stack's.
    const usEast1Provider = new aws.Provider(GLOBAL_PROVIDER, { region: "us-east-1" });
    const keys = new DataKeys(
      "keys",
      { context: CONTEXT, stack: "us-east-1" },
      { providers: [provider] },
    );
    const edge = new GlobalEdge(
      "edge",
      {
        context: CONTEXT,
        stack: "us-east-1",
        domain: DOMAIN,
        hostedZoneId: ZONE,
        keys,
        usEast1Provider,
        ...overrides,
      },
      { providers: [provider] },
    );
    builtEdges.push(edge);
    keys.seal();
    return {
      distributionId: edge.distributionId,
      distributionArn: edge.distributionArn,
      distributionDomainName: edge.distributionDomainName,
      bucketName: edge.bucketName,
      webAclArn: edge.webAclArn,
      certificateArn: edge.certificateArn,
    };
  }, "us-east-1");
}

/** The statements of a recorded resource policy. */
export function statementsOf(policy: RecordedResource): Record<string, unknown>[] {
  return list(json(policy.inputs.policy).Statement).map(record);
}

/** The distribution's behaviours: the default one under "default", the others by path. */
export function behaviours(distribution: RecordedResource): Map<string, Record<string, unknown>> {
  const ordered = list(distribution.inputs.orderedCacheBehaviors).map(record);
  return new Map([
    ["default", record(distribution.inputs.defaultCacheBehavior)],
    ...ordered.map((behaviour) => [String(behaviour.pathPattern), behaviour] as const),
  ]);
}

/** The TTLs of the cache policy a behaviour names. */
export function ttlsOf(recorded: Recorded, behaviour: Record<string, unknown> | undefined) {
  const policy = recorded.referencedBy(behaviour?.cachePolicyId);
  expect(policy.type).toBe(CACHE_POLICY);
  const { minTtl, defaultTtl, maxTtl } = policy.inputs;
  return { minTtl, defaultTtl, maxTtl };
}

/** The course-content edge function's package of each built edge, by its version ARN. */
export function coursePackages(run: EngineRun): Map<string, EdgePackage> {
  const packages = new Map<string, EdgePackage>();
  for (const edge of builtEdges) {
    const cacheControl = (edge as Partial<Pick<GlobalEdge, "courseCacheControl">>)
      .courseCacheControl;
    const fn = run.resources.find(
      (resource) =>
        resource.type === "aws:lambda/function:Function" &&
        resource.name === cacheControl?.functionResourceName,
    );
    if (cacheControl !== undefined && fn !== undefined) {
      packages.set(String(fn.state.qualifiedArn), {
        archive: cacheControl.code,
        handler: String(fn.inputs.handler),
      });
    }
  }
  return packages;
}
