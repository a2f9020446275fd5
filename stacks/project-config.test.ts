import { describe, expect, it } from "vitest";
import {
  matchesType,
  mergeProjectConfig,
  parseProjectConfig,
  type ProjectConfigDeclaration,
} from "./project-config";

const PROJECT = "knowledgecity";

function parsed(config: Record<string, unknown>): Record<string, ProjectConfigDeclaration> {
  return parseProjectConfig(PROJECT, config, "Pulumi.yaml");
}

function merge(
  project: Record<string, unknown>,
  stack: Record<string, unknown>,
): Record<string, unknown> {
  return mergeProjectConfig(PROJECT, parsed(project), "dev", "Pulumi.dev.yaml", stack).values;
}

function mergeError(project: Record<string, unknown>, stack: Record<string, unknown>): string {
  try {
    merge(project, stack);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the merge to fail");
}

function parseError(config: Record<string, unknown>): string {
  try {
    parsed(config);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected Pulumi.yaml to be refused");
}

describe("parseProjectConfig: Pulumi.yaml's config block as the CLI reads it", () => {
  it("reads shorthand as the project namespace's default and another namespace's value", () => {
    expect(
      parsed({
        "knowledgecity:primary": false,
        instances: 3,
        "knowledgecity:regions": ["me-south-1"],
        "aws:region": "us-east-1",
        "pulumi:disable-default-providers": ["*"],
      }),
    ).toEqual({
      "knowledgecity:primary": { default: false },
      instances: { default: 3 },
      "knowledgecity:regions": { default: ["me-south-1"] },
      "aws:region": { value: "us-east-1" },
      "pulumi:disable-default-providers": { value: ["*"] },
    });
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      "an object written without value:",
      { "knowledgecity:dns": { domain: "knowledgecity.com" } },
      "Pulumi.yaml: config: knowledgecity:dns: unknown attribute domain; a declaration takes type, items, description, secret, default, value (an object value goes under value:)",
    ],
    [
      "a type Pulumi does not declare",
      { "knowledgecity:dns": { type: "object" } },
      'Pulumi.yaml: config: knowledgecity:dns: type "object" is not a type Pulumi declares; expected string, integer, boolean, array (objects cannot be typed)',
    ],
    [
      "an array without the type of its items",
      { "knowledgecity:allowedRegions": { type: "array" } },
      "Pulumi.yaml: config: knowledgecity:allowedRegions: declares an array but does not specify the underlying type via the 'items' attribute",
    ],
    [
      "items of a type Pulumi does not declare",
      { "knowledgecity:allowedRegions": { type: "array", items: { type: "region" } } },
      'Pulumi.yaml: config: knowledgecity:allowedRegions: type "region" is not a type Pulumi declares; expected string, integer, boolean, array (objects cannot be typed)',
    ],
    [
      "a default of another type",
      { "knowledgecity:logRetentionDays": { type: "integer", default: "a year" } },
      "Pulumi.yaml: config: knowledgecity:logRetentionDays: the default value is not of the expected type 'integer'",
    ],
    [
      "both a default and a value",
      { "knowledgecity:domain": { default: "a.com", value: "b.com" } },
      "Pulumi.yaml: config: knowledgecity:domain: cannot have both a 'default' and 'value' attribute",
    ],
    [
      "a type on another namespace's key",
      { "aws:region": { type: "string", value: "us-east-1" } },
      "Pulumi.yaml: config: aws:region: is not namespaced by the project and should not define a type",
    ],
    [
      "a default on another namespace's key",
      { "aws:region": { default: "us-east-1" } },
      "Pulumi.yaml: config: aws:region: is not namespaced by the project and should not define a default value; use value:",
    ],
    [
      "another namespace's key without a value",
      { "aws:region": { description: "where" } },
      "Pulumi.yaml: config: aws:region: is namespaced and must provide an attribute 'value'",
    ],
    [
      "a key with no value at all",
      { "knowledgecity:tags": null },
      "Pulumi.yaml: config: knowledgecity:tags: expected a string, integer, boolean, array or a declaration ({ type, description, default, value, ... }); an object value goes under value:",
    ],
  ])("refuses %s, naming the key", (_name, config, message) => {
    expect(parseError(config)).toBe(message);
  });

  it("reports every refused key, one line each", () => {
    const lines = parseError({
      "knowledgecity:a": { type: "float" },
      "knowledgecity:b": { type: "array" },
    }).split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("knowledgecity:a");
    expect(lines[1]).toContain("knowledgecity:b");
  });
});

describe("mergeProjectConfig: a stack's config as the CLI passes it to the program", () => {
  it("takes the project's value or default where the stack file says nothing", () => {
    expect(
      merge(
        {
          "pulumi:disable-default-providers": ["*"],
          "knowledgecity:primary": { type: "boolean", default: false },
          instances: 3,
          "knowledgecity:homeRegion": { value: { hostnames: { "me-south-1": "api.sa.x.com" } } },
        },
        { "aws:region": "me-south-1" },
      ),
    ).toEqual({
      "aws:region": "me-south-1",
      "pulumi:disable-default-providers": ["*"],
      "knowledgecity:primary": false,
      "knowledgecity:instances": 3,
      "knowledgecity:homeRegion": { hostnames: { "me-south-1": "api.sa.x.com" } },
    });
  });

  it("lets the stack file's value replace a default whole: objects are not merged", () => {
    const project = { "knowledgecity:video": { default: { enabled: true, maxUploadGiB: 5 } } };
    expect(merge(project, { "knowledgecity:video": { maxUploadGiB: 10 } })).toEqual({
      "knowledgecity:video": { maxUploadGiB: 10 },
    });
  });

  it("refuses a stack file setting a key Pulumi.yaml sets for every stack", () => {
    expect(
      mergeError(
        { "knowledgecity:domain": { type: "string", value: "knowledgecity.com" } },
        { "knowledgecity:domain": "example.com" },
      ),
    ).toBe(
      'Pulumi.dev.yaml: knowledgecity:domain: set once for every stack in Pulumi.yaml (its value: "knowledgecity.com"); remove it from the stack file',
    );
  });

  it("requires every project key declared without a default or value, naming them all", () => {
    expect(
      mergeError(
        {
          "knowledgecity:network": { description: "the VPC" },
          jurisdiction: { type: "string" },
          // Another namespace's key is never required of a stack.
          "aws:region": { value: "us-east-1" },
        },
        {},
      ),
    ).toBe(
      "Stack 'dev' is missing configuration values 'jurisdiction', 'knowledgecity:network': set them in Pulumi.dev.yaml (Pulumi.yaml declares them with no default)",
    );
  });

  it.each<[string, Record<string, unknown>, unknown, string]>([
    ["boolean", { type: "boolean" }, "yes", "boolean"],
    ["boolean", { type: "boolean" }, 1, "boolean"],
    ["integer", { type: "integer" }, 1.5, "integer"],
    ["integer", { type: "integer" }, "ten", "integer"],
    ["string", { type: "string" }, ["a"], "string"],
    ["array", { type: "array", items: { type: "string" } }, "me-south-1", "array<string>"],
    ["array", { type: "array", items: { type: "string" } }, ["me-south-1", 5], "array<string>"],
    [
      "array",
      { type: "array", items: { type: "array", items: { type: "integer" } } },
      [[1], ["x"]],
      "array<array<integer>>",
    ],
  ])(
    "refuses a stack value of the wrong type for a key typed %s",
    (_type, declared, value, name) => {
      expect(
        mergeError({ "knowledgecity:setting": declared }, { "knowledgecity:setting": value }),
      ).toBe(
        `Stack 'dev' with configuration key 'knowledgecity:setting' must be of type '${name}' (Pulumi.dev.yaml has ${JSON.stringify(value)})`,
      );
    },
  );

  it("takes what the CLI holds as text: an integer or a boolean written as a string", () => {
    expect(
      merge(
        {
          "knowledgecity:days": { type: "integer" },
          "knowledgecity:on": { type: "boolean" },
          "knowledgecity:name": { type: "string" },
        },
        { "knowledgecity:days": "30", "knowledgecity:on": "true", "knowledgecity:name": 5 },
      ),
    ).toEqual({ "knowledgecity:days": "30", "knowledgecity:on": "true", "knowledgecity:name": 5 });
  });

  it("requires a key declared secret to be encrypted in the stack file", () => {
    const project = { "knowledgecity:webhookUrl": { type: "string", secret: true } };
    expect(mergeError(project, { "knowledgecity:webhookUrl": "https://hooks.example.com/x" })).toBe(
      "Stack 'dev' with configuration key 'knowledgecity:webhookUrl' must be encrypted as it's secret (pulumi config set --secret knowledgecity:webhookUrl)",
    );
    const secure = { secure: "v1:AAAA:BBBB" };
    expect(merge(project, { "knowledgecity:webhookUrl": secure })).toEqual({
      "knowledgecity:webhookUrl": secure,
    });
  });
});

describe("matchesType", () => {
  it("follows the CLI's ValidateConfigValue", () => {
    expect(matchesType("integer", undefined, 365)).toBe(true);
    expect(matchesType("integer", undefined, "-3")).toBe(true);
    expect(matchesType("integer", undefined, "3.0")).toBe(false);
    expect(matchesType("boolean", undefined, "false")).toBe(true);
    expect(matchesType("boolean", undefined, "False")).toBe(false);
    expect(matchesType("string", undefined, "")).toBe(true);
    expect(matchesType("array", { type: "integer" }, [1, "2"])).toBe(true);
    expect(matchesType("array", undefined, [])).toBe(false);
  });
});
