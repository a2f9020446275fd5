/**
 * The tagging rules against deliberately bad resources: every store carries a known data class,
 * every AWS resource a provider with the required default tags.
 */
import { describe, expect, it } from "vitest";
import { evaluate, type PlannedResource } from ".";
import { dataClassTag, providerDefaultTagsRule } from "./tagging";
import { PROVIDER_URN, messages, provider, resource, settings } from "./rules.fixtures";

describe("data-class-tag", () => {
  it("catches a store with no DataClass tag and one with an unknown class", () => {
    const untagged = resource({ type: "aws:dynamodb/table:Table", name: "progress" });
    const wrong = resource({
      type: "aws:s3/bucket:Bucket",
      name: "uploads",
      inputs: { tags: { DataClass: "secret" } },
    });
    expect(messages(dataClassTag, untagged, wrong)).toEqual([
      "aws:dynamodb/table:Table progress stores data but has no DataClass tag; set one of user-data, pseudonymous-directory, content, telemetry, none",
      'aws:s3/bucket:Bucket uploads has a malformed data-class tag: DataClass="secret" is no data class; expected DataClass=<user-data|pseudonymous-directory|content|telemetry|none>, spelled exactly',
    ]);
  });

  it("catches a data-class tag spelled another way, on any resource", () => {
    const lower = resource({
      type: "aws:dynamodb/table:Table",
      name: "users",
      inputs: { tags: { dataclass: "user-data" } },
    });
    const padded = resource({
      type: "aws:lambda/function:Function",
      name: "worker",
      inputs: { tags: { DataClass: " user-data" } },
    });
    expect(messages(dataClassTag, lower, padded)).toEqual([
      'aws:dynamodb/table:Table users has a malformed data-class tag: tag key "dataclass" is not DataClass; expected DataClass=<user-data|pseudonymous-directory|content|telemetry|none>, spelled exactly',
      'aws:lambda/function:Function worker has a malformed data-class tag: DataClass=" user-data" is not spelled user-data; expected DataClass=<user-data|pseudonymous-directory|content|telemetry|none>, spelled exactly',
    ]);
  });

  it("ignores resources that store nothing", () => {
    expect(
      messages(dataClassTag, resource({ type: "aws:ec2/routeTable:RouteTable", name: "rt" })),
    ).toEqual([]);
  });
});

describe("provider-default-tags", () => {
  it("catches an AWS resource on the default provider", () => {
    const orphan = resource({ type: "aws:ec2/vpc:Vpc", name: "vpc", provider: undefined });
    expect(messages(providerDefaultTagsRule, orphan)).toEqual([
      "aws:ec2/vpc:Vpc vpc uses the default AWS provider; pass the stack's provider so its default tags apply",
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
    expect(
      evaluate([provider, bare, vpc], settings, [providerDefaultTagsRule]).map((v) => v.message),
    ).toEqual([
      "aws:ec2/vpc:Vpc vpc uses provider bare, whose default tags lack Project, Stack, Jurisdiction",
    ]);
  });

  it("does not judge non-AWS resources", () => {
    const component = resource({
      type: "knowledgecity:network:Network",
      name: "net",
      provider: undefined,
    });
    expect(messages(providerDefaultTagsRule, component)).toEqual([]);
  });
});
