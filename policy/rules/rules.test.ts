/**
 * The rule set as a whole: unique mandatory rules, and which part of each rule runs per resource
 * (before CrossGuard creates it) and which per stack.
 */
import { describe, expect, it } from "vitest";
import { RULES, type PlannedResource, type ResourceRule } from ".";
import { userDataResidency } from "./residency";
import { UNKNOWN } from "./resource-facts";
import { encryptionAtRest, noPublicBuckets, noWildcardIam, noWorldOpenIngress } from "./security";
import { dataClassTag, providerDefaultTagsRule } from "./tagging";
import { provider, resource, settings, userData } from "./rules.fixtures";

describe("the rule set", () => {
  it("has unique names, every rule mandatory", () => {
    const names = RULES.map((rule) => rule.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual([
      "user-data-residency",
      "directory-residency",
      "residency-routing-fails-closed",
      "data-class-tag",
      "provider-default-tags",
      "encryption-at-rest",
      "no-public-buckets",
      "no-wildcard-iam",
      "no-world-open-ingress",
    ]);
    expect(RULES.every((rule) => rule.enforcement === "mandatory")).toBe(true);
  });
});

describe("where each check runs", () => {
  // CrossGuard runs `checkResource` before a resource is created or updated, with nothing but the
  // resource and its provider; `checkStack` runs once over the whole stack.
  const alone = (rule: ResourceRule, subject: PlannedResource): readonly string[] =>
    rule.checkResource(subject, { ...settings, provider });

  it("decides from the resource and its provider alone whatever the resource itself shows", () => {
    const cases: [ResourceRule, PlannedResource][] = [
      [
        userDataResidency,
        resource({
          type: "aws:dynamodb/table:Table",
          name: "users",
          inputs: { tags: userData, replicas: [{ regionName: "eu-west-1" }] },
        }),
      ],
      [dataClassTag, resource({ type: "aws:sqs/queue:Queue", name: "jobs" })],
      [encryptionAtRest, resource({ type: "aws:dynamodb/table:Table", name: "plain" })],
      [
        noPublicBuckets,
        resource({ type: "aws:s3/bucket:Bucket", name: "open", inputs: { acl: "public-read" } }),
      ],
      [
        noWildcardIam,
        resource({
          type: "aws:iam/policy:Policy",
          name: "admin",
          inputs: {
            policy: JSON.stringify({
              Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
            }),
          },
        }),
      ],
      [
        noWorldOpenIngress,
        resource({
          type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
          name: "ssh",
          inputs: { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" },
        }),
      ],
    ];
    for (const [rule, subject] of cases) {
      expect(alone(rule, subject), rule.name).toHaveLength(1);
    }
    // The provider comes with the resource: a resource without one is caught on its own.
    const queue = resource({ type: "aws:sqs/queue:Queue", name: "jobs", provider: undefined });
    expect(providerDefaultTagsRule.checkResource(queue, settings)).toEqual([
      "aws:sqs/queue:Queue jobs uses the default AWS provider; pass the stack's provider so its default tags apply",
    ]);
  });

  it("leaves to the stack check only what other resources decide", () => {
    expect(RULES.filter((rule) => rule.checkStack !== undefined).map((rule) => rule.name)).toEqual([
      "user-data-residency",
      "encryption-at-rest",
      "no-public-buckets",
    ]);
    const bucket = resource({ type: "aws:s3/bucket:Bucket", name: "raw" });
    expect(alone(encryptionAtRest, bucket)).toEqual([]);
    expect(alone(noPublicBuckets, bucket)).toEqual([]);
    const context = { ...settings, resources: new Map([[bucket.urn, bucket]]) };
    expect(encryptionAtRest.checkStack?.(bucket, context)).toEqual([
      "aws:s3/bucket:Bucket raw has no default SSE-KMS encryption",
    ]);
    expect(noPublicBuckets.checkStack?.(bucket, context)).toEqual([
      "aws:s3/bucket:Bucket raw does not block all public access (blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets)",
    ]);
  });

  it("reads a replica region unknown during preview as unproven, never as allowed", () => {
    const table = resource({
      type: "aws:dynamodb/table:Table",
      name: "users",
      inputs: { tags: userData, replicas: [{ regionName: UNKNOWN }] },
    });
    expect(alone(userDataResidency, table)).toEqual([
      "aws:dynamodb/table:Table users sends a global-table replica to a region that cannot be proven to be in the allowed regions of stack me-south-1 (me-south-1)",
    ]);
  });
});
