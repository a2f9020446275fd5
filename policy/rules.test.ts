import { describe, expect, it } from "vitest";
import { evaluate, RULES, type PlannedResource } from ".";

const PROVIDER_URN = "urn:pulumi:me-south-1::knowledgecity::pulumi:providers:aws::aws-me-south-1";

function resource(
  overrides: Partial<PlannedResource> & Pick<PlannedResource, "type" | "name">,
): PlannedResource {
  return {
    urn: `urn:pulumi:me-south-1::knowledgecity::${overrides.type}::${overrides.name}`,
    region: "me-south-1",
    inputs: {},
    dependsOn: [],
    provider: PROVIDER_URN,
    ...overrides,
  };
}

const provider: PlannedResource = {
  urn: PROVIDER_URN,
  type: "pulumi:providers:aws",
  name: "aws-me-south-1",
  region: "me-south-1",
  // Providers receive nested inputs as JSON text.
  inputs: {
    region: "me-south-1",
    defaultTags: JSON.stringify({
      tags: { Project: "knowledgecity", Stack: "me-south-1", Jurisdiction: "SA" },
    }),
  },
  dependsOn: [],
};

const settings = { stack: "me-south-1", allowedRegions: ["me-south-1"] };

function violationsOf(...resources: PlannedResource[]) {
  return evaluate([provider, ...resources], settings);
}

describe("user-data-residency", () => {
  it("catches user data outside the allowed regions, naming the resource and the region", () => {
    const replica = resource({
      type: "aws:rds/cluster:Cluster",
      name: "users-replica",
      region: "eu-west-1",
      inputs: { tags: { DataClass: "user-data" } },
    });
    expect(violationsOf(replica)).toEqual([
      {
        rule: "user-data-residency",
        urn: replica.urn,
        enforcement: "mandatory",
        message:
          "aws:rds/cluster:Cluster users-replica holds user data in eu-west-1, outside the allowed regions of stack me-south-1 (me-south-1)",
      },
    ]);
  });

  it("accepts user data in an allowed region, and other data classes anywhere", () => {
    expect(
      violationsOf(
        resource({
          type: "aws:rds/cluster:Cluster",
          name: "users",
          inputs: { tags: { DataClass: "user-data" } },
        }),
        resource({
          type: "aws:s3/bucket:Bucket",
          name: "edge-logs",
          region: "us-east-1",
          inputs: { tags: { DataClass: "telemetry" } },
        }),
      ),
    ).toEqual([]);
  });
});

describe("data-class-tag", () => {
  it("catches a store with no DataClass tag and one with an unknown class", () => {
    const untagged = resource({ type: "aws:dynamodb/table:Table", name: "progress" });
    const wrong = resource({
      type: "aws:s3/bucket:Bucket",
      name: "uploads",
      inputs: { tags: { DataClass: "secret" } },
    });
    const found = violationsOf(untagged, wrong);
    expect(found.map((v) => [v.rule, v.urn])).toEqual([
      ["data-class-tag", untagged.urn],
      ["data-class-tag", wrong.urn],
    ]);
    expect(found[0]?.message).toBe(
      "aws:dynamodb/table:Table progress stores data but has no DataClass tag; set one of user-data, content, telemetry, none",
    );
    expect(found[1]?.message).toBe(
      "aws:s3/bucket:Bucket uploads has DataClass=secret; expected one of user-data, content, telemetry, none",
    );
  });

  it("ignores resources that store nothing", () => {
    expect(violationsOf(resource({ type: "aws:ec2/routeTable:RouteTable", name: "rt" }))).toEqual(
      [],
    );
  });
});

describe("provider-default-tags", () => {
  it("catches an AWS resource on the default provider", () => {
    const orphan = resource({ type: "aws:ec2/vpc:Vpc", name: "vpc", provider: undefined });
    expect(violationsOf(orphan)).toEqual([
      expect.objectContaining({
        rule: "provider-default-tags",
        message:
          "aws:ec2/vpc:Vpc vpc uses the default AWS provider; pass the stack's provider so its default tags apply",
      }),
    ]);
  });

  it("catches a provider whose default tags lack the required keys", () => {
    const bare: PlannedResource = {
      ...provider,
      urn: `${PROVIDER_URN}-bare`,
      name: "bare",
      inputs: { region: "me-south-1" },
    };
    const vpc = resource({ type: "aws:ec2/vpc:Vpc", name: "vpc", provider: bare.urn });
    expect(evaluate([provider, bare, vpc], settings).map((v) => v.message)).toEqual([
      "aws:ec2/vpc:Vpc vpc uses provider bare, whose default tags lack Project, Stack, Jurisdiction",
    ]);
  });

  it("does not judge non-AWS resources", () => {
    expect(
      violationsOf(
        resource({ type: "knowledgecity:network:Network", name: "net", provider: undefined }),
      ),
    ).toEqual([]);
  });
});

describe("the rule set", () => {
  it("has unique names and mandatory enforcement for every residency and tagging rule", () => {
    const names = RULES.map((rule) => rule.name);
    expect(new Set(names).size).toBe(names.length);
    expect(RULES.every((rule) => rule.enforcement === "mandatory")).toBe(true);
  });
});
