import { readFileSync } from "node:fs";
import path from "node:path";
import * as policySdk from "@pulumi/policy";
import type {
  PolicyProviderResource,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  StackValidationArgs,
} from "@pulumi/policy";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  crossGuardPolicy,
  policyConfigFor,
  RESIDENCY_CONFIG_SCHEMA,
  snapshot,
  toPlannedResource,
} from "./crossguard";
import { policyConfigText, projectOf, residencyOfStackFile } from "./policy-config";
import { RULES, type ResourceRule } from "./rules";
import { UNKNOWN } from "./rules/resource-facts";
import { PLATFORM_TYPE } from "./rules/vocabulary";

/** The proxy `@pulumi/policy` wraps every property bag in (exported, typed as internal). */
const { unknownCheckingProxy } = policySdk as unknown as {
  unknownCheckingProxy: <T extends object>(value: T) => T;
};

/** What the engine sends for a value it does not know yet (pulumi `UnknownStringValue`). */
const ENGINE_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const ROOT = path.join(__dirname, "..");
const STACK = "urn:pulumi:me-south-1::knowledgecity";

function rule(name: string): ResourceRule {
  const found = RULES.find((r) => r.name === name);
  if (found === undefined) {
    throw new Error(`no rule ${name}`);
  }
  return found;
}

function provider(
  name: string,
  props: Record<string, unknown>,
): PolicyProviderResource & { props: Record<string, unknown> } {
  return {
    type: "pulumi:providers:aws",
    name,
    urn: `${STACK}::pulumi:providers:aws::${name}`,
    props: unknownCheckingProxy(props),
  };
}

const US_PROVIDER = provider("aws-us-east-1", {
  region: "us-east-1",
  defaultTags: JSON.stringify({
    tags: { Project: "knowledgecity", Stack: "us-east-1", Jurisdiction: "US" },
  }),
});

const SAUDI_PROVIDER = provider("aws-me-south-1", {
  region: "me-south-1",
  defaultTags: JSON.stringify({
    tags: { Project: "knowledgecity", Stack: "me-south-1", Jurisdiction: "SA" },
  }),
});

/** One resource as `Analyze` hands it to a policy. */
function analyzed(
  type: string,
  name: string,
  props: Record<string, unknown>,
  options: { provider?: PolicyProviderResource; config?: Record<string, unknown> } = {},
): ResourceValidationArgs {
  return {
    type,
    name,
    urn: `${STACK}::${type}::${name}`,
    props: unknownCheckingProxy(props),
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    ...(options.provider === undefined ? {} : { provider: options.provider }),
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: (() => options.config ?? {}) as ResourceValidationArgs["getConfig"],
    notApplicable: (reason?: string) => {
      throw new Error(reason ?? "not applicable");
    },
  };
}

function validateResource(name: string, args: ResourceValidationArgs): string[] {
  const found: string[] = [];
  const report: ReportViolation = (message) => {
    found.push(message);
  };
  const { validateResource: validation } = crossGuardPolicy(rule(name));
  if (validation === undefined) {
    throw new Error(`${name} has no resource check`);
  }
  const validations = Array.isArray(validation) ? validation : [validation];
  for (const validate of validations) {
    void validate(args, report);
  }
  return found;
}

function validateStack(
  name: string,
  resources: PolicyResource[],
  config: Record<string, unknown> = {},
): { message: string; urn?: string }[] {
  const found: { message: string; urn?: string }[] = [];
  const args: StackValidationArgs = {
    resources,
    stackTags: new Map(),
    getConfig: (() => config) as StackValidationArgs["getConfig"],
    notApplicable: (reason?: string) => {
      throw new Error(reason ?? "not applicable");
    },
  };
  const { validateStack: validate } = crossGuardPolicy(rule(name));
  if (validate === undefined) {
    throw new Error(`${name} has no stack check`);
  }
  void validate(args, (message, urn) => {
    found.push({ message, ...(urn === undefined ? {} : { urn }) });
  });
  return found;
}

/** One resource as `AnalyzeStack` hands it to a policy: its outputs. */
function stackResource(
  type: string,
  name: string,
  outputs: Record<string, unknown>,
  providerResource?: PolicyProviderResource,
): PolicyResource {
  const args = analyzed(type, name, outputs);
  return {
    type,
    name,
    urn: args.urn,
    props: args.props,
    opts: args.opts,
    dependencies: [],
    propertyDependencies: {},
    ...(providerResource === undefined ? {} : { provider: providerResource }),
    isType: () => false,
    asType: () => undefined,
  };
}

const SAUDI_RESIDENCY = { stack: "me-south-1", allowedRegions: ["me-south-1"] };

describe("what the engine sends, as the rules see it", () => {
  it("reads a value unknown during preview as UNKNOWN instead of throwing", () => {
    const props = unknownCheckingProxy({
      kmsKeyId: ENGINE_UNKNOWN,
      replicas: [{ regionName: "me-south-1", kmsKeyArn: ENGINE_UNKNOWN }],
      tags: { DataClass: "user-data" },
    });
    expect(() => JSON.stringify(props)).toThrow(/can't be known during preview/);
    expect(snapshot(props)).toEqual({
      kmsKeyId: UNKNOWN,
      replicas: [{ regionName: "me-south-1", kmsKeyArn: UNKNOWN }],
      tags: { DataClass: "user-data" },
    });
  });

  it("places a resource in its own region, else its provider's, also when its own is unknown", () => {
    const bucket = (props: Record<string, unknown>) =>
      toPlannedResource(
        analyzed("aws:s3/bucket:Bucket", "b", props, { provider: SAUDI_PROVIDER }),
        {
          dependsOn: [],
        },
      );
    expect(bucket({ region: "eu-west-1" }).region).toBe("eu-west-1");
    expect(bucket({}).region).toBe("me-south-1");
    expect(bucket({ region: ENGINE_UNKNOWN }).region).toBe("me-south-1");
    expect(bucket({}).provider).toBe(SAUDI_PROVIDER.urn);
  });

  it("counts the engine's default provider as no provider, as the plan does", () => {
    const onDefault = toPlannedResource(
      analyzed(
        "aws:s3/bucket:Bucket",
        "b",
        {},
        {
          provider: provider("default_7_48_0", { region: "us-east-1" }),
        },
      ),
      { dependsOn: [] },
    );
    expect(onDefault.provider).toBeUndefined();
    expect(onDefault.region).toBe("us-east-1");
  });
});

describe("the pack's policies", () => {
  it("are the rules, with a stack check only where a rule needs other resources", () => {
    const policies = RULES.map(crossGuardPolicy);
    expect(policies.map((p) => p.name)).toEqual(RULES.map((r) => r.name));
    expect(policies.every((p) => typeof p.validateResource === "function")).toBe(true);
    expect(policies.filter((p) => p.validateStack !== undefined).map((p) => p.name)).toEqual([
      "user-data-residency",
      "encryption-at-rest",
      "no-public-buckets",
    ]);
    expect(policies.filter((p) => p.configSchema !== undefined).map((p) => p.name)).toEqual([
      "user-data-residency",
      "directory-residency",
    ]);
  });

  it("place the home-region directory with the home regions from the policy config, failing closed without them", () => {
    const directory = (config: Record<string, unknown>) =>
      analyzed(
        "aws:dynamodb/table:Table",
        "home-region-directory",
        {
          tags: { DataClass: "pseudonymous-directory" },
          replicas: [{ regionName: "me-south-1" }, { regionName: "eu-west-1" }],
        },
        { provider: US_PROVIDER, config },
      );
    const us = { stack: "us-east-1", allowedRegions: ["us-east-1", "us-west-2"] };
    expect(
      validateResource(
        "directory-residency",
        directory({ ...us, homeRegions: ["me-south-1", "us-east-1"] }),
      ),
    ).toEqual([
      "aws:dynamodb/table:Table home-region-directory sends a global-table replica to eu-west-1, outside the home regions (me-south-1, us-east-1)",
    ]);
    expect(validateResource("directory-residency", directory(us))).toEqual([
      "aws:dynamodb/table:Table home-region-directory holds the home-region directory, but the home regions of stack us-east-1 are not known (homeRegions in the policy config); nothing can place it",
    ]);
    // The replica in me-south-1, outside us-east-1's allowed regions, is no user-data finding.
    expect(validateResource("user-data-residency", directory(us))).toEqual([]);
  });

  it("stop a replica abroad per resource, with the allowed regions from the policy config", () => {
    const table = analyzed(
      "aws:dynamodb/table:Table",
      "users",
      { tags: { DataClass: "user-data" }, replicas: [{ regionName: "eu-west-1" }] },
      { provider: SAUDI_PROVIDER, config: SAUDI_RESIDENCY },
    );
    expect(validateResource("user-data-residency", table)).toEqual([
      "aws:dynamodb/table:Table users sends a global-table replica to eu-west-1, outside the allowed regions of stack me-south-1 (me-south-1)",
    ]);
  });

  it("fail closed when the policy config gives no allowed regions", () => {
    const table = analyzed(
      "aws:dynamodb/table:Table",
      "users",
      { tags: { DataClass: "user-data" } },
      { provider: SAUDI_PROVIDER, config: { stack: "me-south-1", allowedRegions: [] } },
    );
    const found = validateResource("user-data-residency", table);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^aws:dynamodb\/table:Table users: user-data-residency needs the stack's allowed regions as policy config/,
    );
    // Resources that hold no user data need no config.
    const queue = analyzed("aws:sqs/queue:Queue", "q", {}, { provider: SAUDI_PROVIDER });
    expect(validateResource("user-data-residency", queue)).toEqual([]);
  });

  it("check a resource's provider from what the engine sends with it", () => {
    const untagged = provider("aws-bare", { region: "me-south-1" });
    const queue = (p?: PolicyProviderResource) =>
      analyzed("aws:sqs/queue:Queue", "q", {}, p === undefined ? {} : { provider: p });
    expect(validateResource("provider-default-tags", queue(SAUDI_PROVIDER))).toEqual([]);
    expect(validateResource("provider-default-tags", queue(untagged))).toEqual([
      "aws:sqs/queue:Queue q uses provider aws-bare, whose default tags lack Project, Stack, Jurisdiction",
    ]);
    expect(
      validateResource("provider-default-tags", queue(provider("default_7_48_0", {}))),
    ).toEqual([
      "aws:sqs/queue:Queue q uses the default AWS provider; pass the stack's provider so its default tags apply",
    ]);
  });

  it("take the stack's allowed regions from the RegionalPlatform's outputs and refuse a config that disagrees", () => {
    const platform = stackResource(PLATFORM_TYPE, "kc", {
      ...SAUDI_RESIDENCY,
      vpcId: ENGINE_UNKNOWN,
    });
    expect(validateStack("user-data-residency", [platform], SAUDI_RESIDENCY)).toEqual([]);
    expect(validateStack("user-data-residency", [platform])).toEqual([]);
    expect(
      validateStack("user-data-residency", [platform], {
        stack: "me-south-1",
        allowedRegions: ["me-south-1", "eu-west-1"],
      }),
    ).toEqual([
      {
        message:
          "the policy config is for stack me-south-1 allowing me-south-1, eu-west-1, but stack me-south-1 allows me-south-1; write the config from the stack file (npm run policy-config -- --stack me-south-1)",
      },
    ]);
    // Another stack's config, even with the same regions, is refused.
    expect(
      validateStack("user-data-residency", [platform], {
        stack: "me-central-1",
        allowedRegions: ["me-south-1"],
      }).map((finding) => finding.message),
    ).toEqual([
      "the policy config is for stack me-central-1 allowing me-south-1, but stack me-south-1 allows me-south-1; write the config from the stack file (npm run policy-config -- --stack me-south-1)",
    ]);
    // A platform's inputs are not what the engine sends a stack policy.
    const withoutOutputs = stackResource(PLATFORM_TYPE, "kc", {});
    const unknownRegions = validateStack("user-data-residency", [withoutOutputs]);
    expect(unknownRegions).toHaveLength(1);
    expect(unknownRegions[0]?.message).toMatch(
      /^no knowledgecity:platform:RegionalPlatform registered the stack's allowed regions and user-data-residency needs/,
    );
  });

  it("report a graph finding under the resource it is about", () => {
    const bucket = stackResource("aws:s3/bucket:Bucket", "raw", { bucket: "raw" }, SAUDI_PROVIDER);
    expect(validateStack("encryption-at-rest", [bucket])).toEqual([
      { message: "aws:s3/bucket:Bucket raw has no default SSE-KMS encryption", urn: bucket.urn },
    ]);
  });
});

describe("the policy config of a stack", () => {
  it("is written from each stack file's allowed regions", () => {
    for (const stack of ["me-south-1", "us-east-1"]) {
      const file = parse(readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, unknown>;
      };
      const residency = {
        stack,
        allowedRegions: file.config["knowledgecity:allowedRegions"],
        homeRegions: ["me-south-1", "us-east-1"],
      };
      expect(JSON.parse(policyConfigText(ROOT, stack))).toEqual({
        "user-data-residency": residency,
        "directory-residency": residency,
      });
    }
  });

  it("keys the config by every rule that reads the allowed regions", () => {
    expect(Object.keys(policyConfigFor(RULES, SAUDI_RESIDENCY))).toEqual(
      RULES.filter((r) => r.readsAllowedRegions).map((r) => r.name),
    );
    expect(RESIDENCY_CONFIG_SCHEMA.required).toEqual(["stack", "allowedRegions"]);
  });

  it("refuses a stack file without allowed regions, naming the file and the key", () => {
    expect(() => residencyOfStackFile("eu-west-1", "knowledgecity", "config: {}\n")).toThrow(
      "Pulumi.eu-west-1.yaml: knowledgecity:allowedRegions = (missing); expected a non-empty list of region names",
    );
    expect(() =>
      residencyOfStackFile(
        "eu-west-1",
        "knowledgecity",
        "config:\n  knowledgecity:allowedRegions: []\n",
      ),
    ).toThrow("Pulumi.eu-west-1.yaml: knowledgecity:allowedRegions = []");
    expect(() => policyConfigText(ROOT, "eu-west-1")).toThrow(
      "no stack file Pulumi.eu-west-1.yaml; the stacks are me-south-1, us-east-1",
    );
    expect(projectOf(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"))).toBe("knowledgecity");
  });
});
