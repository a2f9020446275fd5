/**
 * The deploy-time rules (policy/rules, run by the plan and the CrossGuard pack) and the runtime
 * audit (functions/security/residency-audit, an AWS Config rule) judge the same resources the same way: one
 * list of planted cases goes through both, and each case must be a finding in both or in neither.
 */
import { describe, expect, it } from "vitest";
import { evaluateResidency } from "../functions/security/residency-audit/core";
import { evaluate, type PlannedResource } from "../policy/rules";
import { directoryResidency, userDataResidency } from "../policy/rules/residency";
import { dataClassTag } from "../policy/rules/tagging";

/** A resource type as the plan names it and as AWS Config names it. */
const TYPES = {
  table: { planned: "aws:dynamodb/table:Table", config: "AWS::DynamoDB::Table" },
  bucket: { planned: "aws:s3/bucket:Bucket", config: "AWS::S3::Bucket" },
  function: { planned: "aws:lambda/function:Function", config: "AWS::Lambda::Function" },
} as const;

interface PlantedCase {
  readonly name: string;
  readonly type: keyof typeof TYPES;
  readonly region: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Regions of DynamoDB global-table replicas (tables only). */
  readonly replicas?: readonly string[];
  /** Whether both must report it. */
  readonly finding: boolean;
}

// The US stack: user data in us-east-1 and us-west-2; the directory in every home region.
const STACK = "us-east-1";
const ALLOWED = ["us-east-1", "us-west-2"];
const HOME = ["me-south-1", "us-east-1"];

const USER = { DataClass: "user-data" };
const DIRECTORY = { DataClass: "pseudonymous-directory" };

const CASES: readonly PlantedCase[] = [
  {
    name: "user data with a replica in an allowed region",
    type: "table",
    region: "us-east-1",
    tags: USER,
    replicas: ["us-west-2"],
    finding: false,
  },
  {
    name: "user data replicated to another jurisdiction's region",
    type: "table",
    region: "us-east-1",
    tags: USER,
    replicas: ["me-south-1"],
    finding: true,
  },
  {
    name: "user data stored outside the allowed regions",
    type: "bucket",
    region: "eu-west-1",
    tags: USER,
    finding: true,
  },
  {
    name: "a lower-case tag key",
    type: "table",
    region: "us-east-1",
    tags: { dataclass: "user-data" },
    finding: true,
  },
  {
    name: "a hyphenated tag key",
    type: "bucket",
    region: "eu-west-1",
    tags: { "Data-Class": "user-data" },
    finding: true,
  },
  {
    name: "a tag key with a trailing blank",
    type: "bucket",
    region: "us-east-1",
    tags: { "DataClass ": "user-data" },
    finding: true,
  },
  {
    name: "a snake-case tag key",
    type: "table",
    region: "us-east-1",
    tags: { data_class: "user-data" },
    finding: true,
  },
  {
    name: "the right key beside a misspelled one",
    type: "table",
    region: "us-east-1",
    tags: { DataClass: "user-data", DATACLASS: "content" },
    finding: true,
  },
  {
    name: "a capitalised value",
    type: "table",
    region: "us-east-1",
    tags: { DataClass: "User-Data" },
    finding: true,
  },
  {
    name: "a value with a leading blank",
    type: "bucket",
    region: "us-east-1",
    tags: { DataClass: " user-data" },
    finding: true,
  },
  {
    name: "a snake-case value",
    type: "bucket",
    region: "us-east-1",
    tags: { DataClass: "user_data" },
    finding: true,
  },
  {
    name: "a value that is no class",
    type: "bucket",
    region: "us-east-1",
    tags: { DataClass: "secret" },
    finding: true,
  },
  {
    name: "a misspelled tag on a resource that stores nothing",
    type: "function",
    region: "us-east-1",
    tags: { dataClass: "none" },
    finding: true,
  },
  {
    name: "content outside the allowed regions",
    type: "bucket",
    region: "eu-west-1",
    tags: { DataClass: "content" },
    finding: false,
  },
  {
    name: "an untagged resource that stores nothing",
    type: "function",
    region: "eu-west-1",
    tags: {},
    finding: false,
  },
  {
    name: "the directory replicated to every home region",
    type: "table",
    region: "us-east-1",
    tags: DIRECTORY,
    replicas: ["me-south-1"],
    finding: false,
  },
  {
    name: "the directory replicated outside the home regions",
    type: "table",
    region: "us-east-1",
    tags: DIRECTORY,
    replicas: ["me-south-1", "eu-west-1"],
    finding: true,
  },
  {
    name: "the directory in an allowed region that is no home region",
    type: "table",
    region: "us-west-2",
    tags: DIRECTORY,
    finding: true,
  },
  {
    name: "the directory class on a bucket",
    type: "bucket",
    region: "us-east-1",
    tags: DIRECTORY,
    finding: true,
  },
  {
    name: "a misspelled directory class",
    type: "table",
    region: "us-east-1",
    tags: { DataClass: "Pseudonymous-Directory" },
    replicas: ["me-south-1"],
    finding: true,
  },
];
// Not a shared case: a store with no DataClass tag at all. The plan refuses it (data-class-tag),
// while the audit, which sees every resource of the account (AWS-managed keys, other teams'
// stores), cannot require the tag of each and reports it not applicable.

const PROVIDER_URN = `urn:pulumi:${STACK}::knowledgecity::pulumi:providers:aws::aws-${STACK}`;

function planned(plant: PlantedCase): PlannedResource {
  const type = TYPES[plant.type].planned;
  return {
    urn: `urn:pulumi:${STACK}::knowledgecity::${type}::planted`,
    type,
    name: "planted",
    region: plant.region,
    provider: PROVIDER_URN,
    inputs: {
      tags: plant.tags,
      ...(plant.replicas === undefined
        ? {}
        : { replicas: plant.replicas.map((regionName) => ({ regionName })) }),
    },
    dependsOn: [],
  };
}

/** What the plan and the policy pack report about the case. */
function policyFindings(plant: PlantedCase): string[] {
  return evaluate([planned(plant)], { stack: STACK, allowedRegions: ALLOWED, homeRegions: HOME }, [
    userDataResidency,
    directoryResidency,
    dataClassTag,
  ]).map((violation) => `${violation.rule}: ${violation.message}`);
}

/** What the AWS Config rule reports about the same resource as recorded in the account. */
function auditVerdict(plant: PlantedCase) {
  return evaluateResidency(
    {
      resourceType: TYPES[plant.type].config,
      resourceId: "planted",
      awsRegion: plant.region,
      tags: plant.tags,
      configurationItemStatus: "OK",
      configuration:
        plant.replicas === undefined
          ? {}
          : { replicas: plant.replicas.map((regionName) => ({ regionName })) },
    },
    ALLOWED,
    HOME,
  );
}

describe("the policy rules and the runtime audit", () => {
  it.each(CASES)("agree on $name", (plant) => {
    const policy = policyFindings(plant);
    const audit = auditVerdict(plant);
    expect(policy.length > 0, `policy: ${policy.join(" | ")}`).toBe(plant.finding);
    expect(audit.complianceType === "NON_COMPLIANT", `audit: ${audit.annotation}`).toBe(
      plant.finding,
    );
  });

  it("say what is wrong with a malformed tag in the same words", () => {
    const plant = CASES.find((c) => c.name === "a lower-case tag key");
    expect(plant).toBeDefined();
    if (plant === undefined) {
      return;
    }
    const problem =
      'tag key "dataclass" is not DataClass; expected DataClass=<user-data|pseudonymous-directory|content|telemetry|none>, spelled exactly';
    expect(policyFindings(plant)).toEqual([
      `data-class-tag: aws:dynamodb/table:Table planted has a malformed data-class tag: ${problem}`,
    ]);
    expect(auditVerdict(plant).annotation).toBe(`Malformed data-class tag: ${problem}.`);
  });
});
