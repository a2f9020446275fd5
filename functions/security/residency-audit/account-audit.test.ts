import { describe, expect, it } from "vitest";
import { auditAccount, judgeByJurisdiction } from "./account-audit";
import { ANNOTATION_MAX_LENGTH, type ConfigurationItem } from "./core";
import { parseJurisdictionRegions, type JurisdictionRegions } from "./parameters";
import { InvalidRuleParametersError } from "./errors";

const JURISDICTIONS: JurisdictionRegions = {
  SA: ["me-south-1"],
  US: ["us-east-1", "us-west-2"],
};

/** A user-data resource of the given jurisdiction, as the aggregated query returns it. */
function planted(
  region: string,
  jurisdiction: string | undefined,
  overrides: Partial<ConfigurationItem> = {},
): ConfigurationItem {
  return {
    resourceType: "AWS::S3::Bucket",
    resourceId: `kc-exports-${region}`,
    awsRegion: region,
    tags: {
      DataClass: "user-data",
      Project: "knowledgecity",
      ...(jurisdiction === undefined ? {} : { Jurisdiction: jurisdiction }),
    },
    configurationItemStatus: "OK",
    configuration: { name: `kc-exports-${region}` },
    ...overrides,
  };
}

describe("parseJurisdictionRegions", () => {
  it("reads jurisdiction=regions pairs, trimming and dropping duplicate regions", () => {
    expect(
      parseJurisdictionRegions(
        JSON.stringify({
          allowedRegions: "us-east-1",
          jurisdictionRegions: "SA=me-south-1; US = us-east-1,us-west-2,us-east-1",
        }),
      ),
    ).toEqual({ SA: ["me-south-1"], US: ["us-east-1", "us-west-2"] });
  });

  it("is undefined when the parameter is absent (a stack without the aggregator)", () => {
    expect(parseJurisdictionRegions('{"allowedRegions":"me-south-1"}')).toBeUndefined();
    expect(parseJurisdictionRegions(undefined)).toBeUndefined();
  });

  const example = '{"jurisdictionRegions":"SA=me-south-1;US=us-east-1,us-west-2"}';
  const cases: [string, string, string][] = [
    [
      "a value that is not a string",
      '{"jurisdictionRegions":{"SA":"me-south-1"}}',
      `ruleParameters.jurisdictionRegions = {"SA":"me-south-1"}: expected jurisdiction=regions pairs separated by ";", such as ${example}`,
    ],
    [
      "a pair without regions",
      '{"jurisdictionRegions":"SA=me-south-1;US"}',
      `ruleParameters.jurisdictionRegions = "SA=me-south-1;US": "US" is not a two-letter jurisdiction code = comma-separated region codes; expected jurisdiction=regions pairs separated by ";", such as ${example}`,
    ],
    [
      "a bad region code",
      '{"jurisdictionRegions":"SA=Bahrain"}',
      `ruleParameters.jurisdictionRegions = "SA=Bahrain": "SA=Bahrain" is not a two-letter jurisdiction code = comma-separated region codes; expected jurisdiction=regions pairs separated by ";", such as ${example}`,
    ],
    [
      "a jurisdiction named twice",
      '{"jurisdictionRegions":"SA=me-south-1;SA=me-central-1"}',
      `ruleParameters.jurisdictionRegions = "SA=me-south-1;SA=me-central-1": jurisdiction SA appears twice; expected jurisdiction=regions pairs separated by ";", such as ${example}`,
    ],
  ];

  it.each(cases)("rejects %s with an exact message", (_name, text, message) => {
    expect(() => parseJurisdictionRegions(text)).toThrow(new InvalidRuleParametersError(message));
  });
});

describe("judgeByJurisdiction", () => {
  it("allows user data in any region its own jurisdiction allows, wherever the rule runs", () => {
    expect(judgeByJurisdiction(planted("me-south-1", "SA"), JURISDICTIONS)).toEqual({
      judged: true,
    });
    // An allowed region that has no stack of its own.
    expect(judgeByJurisdiction(planted("us-west-2", "US"), JURISDICTIONS)).toEqual({
      judged: true,
    });
  });

  it("flags user data in a region of another jurisdiction", () => {
    expect(judgeByJurisdiction(planted("us-east-1", "SA"), JURISDICTIONS)).toEqual({
      judged: true,
      finding: {
        resourceType: "AWS::S3::Bucket",
        resourceId: "kc-exports-us-east-1",
        awsRegion: "us-east-1",
        reason: "User data outside the allowed regions (me-south-1): stored in us-east-1.",
      },
    });
  });

  it("flags user data in a region where no stack runs", () => {
    expect(judgeByJurisdiction(planted("eu-west-1", "US"), JURISDICTIONS).finding?.reason).toBe(
      "User data outside the allowed regions (us-east-1, us-west-2): stored in eu-west-1.",
    );
  });

  it("flags a replica of allowed data in another jurisdiction's region", () => {
    const table = planted("me-south-1", "SA", {
      resourceType: "AWS::DynamoDB::Table",
      resourceId: "kc-users",
      configuration: { tableName: "kc-users", replicas: [{ regionName: "eu-central-1" }] },
    });
    expect(judgeByJurisdiction(table, JURISDICTIONS).finding?.reason).toBe(
      "User data outside the allowed regions (me-south-1): DynamoDB replica in eu-central-1.",
    );
  });

  it("fails closed on user data whose jurisdiction is missing or unknown", () => {
    expect(judgeByJurisdiction(planted("me-south-1", undefined), JURISDICTIONS)).toEqual({
      judged: true,
      finding: {
        resourceType: "AWS::S3::Bucket",
        resourceId: "kc-exports-me-south-1",
        awsRegion: "me-south-1",
        reason:
          "User data in me-south-1 without a Jurisdiction tag: no region is known to be allowed for it.",
      },
    });
    expect(judgeByJurisdiction(planted("eu-west-1", "DE"), JURISDICTIONS).finding?.reason).toBe(
      'User data in eu-west-1 of jurisdiction "DE", which has no allowed regions (known: SA, US).',
    );
  });

  it("does not judge deleted resources or other data classes", () => {
    expect(
      judgeByJurisdiction(
        planted("eu-west-1", "SA", { configurationItemStatus: "ResourceDeleted" }),
        JURISDICTIONS,
      ),
    ).toEqual({ judged: false });
    expect(
      judgeByJurisdiction(
        planted("eu-west-1", "SA", { tags: { DataClass: "content", Jurisdiction: "SA" } }),
        JURISDICTIONS,
      ),
    ).toEqual({ judged: false });
  });
});

describe("auditAccount", () => {
  it("is COMPLIANT when every region's user data is where its jurisdiction allows", () => {
    const audit = auditAccount(
      [planted("me-south-1", "SA"), planted("us-east-1", "US"), planted("us-west-2", "US")],
      JURISDICTIONS,
    );
    expect(audit).toEqual({
      complianceType: "COMPLIANT",
      annotation:
        "All 3 user-data resources of the account (in me-south-1, us-east-1, us-west-2) are in regions their jurisdiction allows.",
      judged: 3,
      findings: [],
    });
  });

  it("flags planted user data in other regions, allowed or not, naming each", () => {
    const audit = auditAccount(
      [
        planted("me-south-1", "SA"),
        planted("us-west-2", "US"),
        planted("eu-west-1", "SA"),
        planted("ap-southeast-1", "US"),
        planted("us-east-1", "SA"),
        planted("eu-west-1", "US", { configurationItemStatus: "ResourceDeleted" }),
      ],
      JURISDICTIONS,
    );
    expect(audit.complianceType).toBe("NON_COMPLIANT");
    expect(audit.judged).toBe(5);
    expect(audit.findings.map((finding) => finding.awsRegion)).toEqual([
      "eu-west-1",
      "ap-southeast-1",
      "us-east-1",
    ]);
    expect(audit.annotation).toBe(
      "3 of 5 user-data resources outside their jurisdiction's regions: eu-west-1 AWS::S3::Bucket kc-exports-eu-west-1; ap-southeast-1 AWS::S3::Bucket kc-exports-ap-southeast-1; us-east-1 AWS::S3::Bucket kc-exports-us-east-1.",
    );
  });

  it("keeps the annotation within AWS Config's limit however many findings there are", () => {
    const many = Array.from({ length: 40 }, (_, index) =>
      planted("eu-west-1", "SA", { resourceId: `kc-leak-${index}` }),
    );
    const audit = auditAccount(many, JURISDICTIONS);
    expect(audit.findings).toHaveLength(40);
    expect(audit.annotation.length).toBeLessThanOrEqual(ANNOTATION_MAX_LENGTH);
    expect(audit.annotation.startsWith("40 of 40 user-data resources outside")).toBe(true);
  });

  it("is COMPLIANT with nothing to judge", () => {
    expect(auditAccount([], JURISDICTIONS)).toMatchObject({
      complianceType: "COMPLIANT",
      annotation:
        "All 0 user-data resources of the account are in regions their jurisdiction allows.",
    });
  });
});
