import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dataCopies, parseTags, regionOfArn } from "./configuration-item";
import {
  ANNOTATION_MAX_LENGTH,
  evaluateResidency,
  truncateAnnotation,
  type ConfigurationItem,
} from "./core";
import { parseHomeRegions, parseRuleParameters } from "./parameters";
import { InvalidConfigurationItemError, InvalidRuleParametersError } from "./errors";

const SAUDI = ["me-south-1"];
const USER_DATA_TAGS = { Project: "knowledgecity", DataClass: "user-data" };

function item(overrides: Partial<ConfigurationItem> = {}): ConfigurationItem {
  return {
    resourceType: "AWS::S3::Bucket",
    resourceId: "kc-uploads-me-south-1",
    awsRegion: "me-south-1",
    tags: USER_DATA_TAGS,
    configurationItemStatus: "OK",
    configuration: { name: "kc-uploads-me-south-1" },
    ...overrides,
  };
}

function table(region: string, replicas: unknown): ConfigurationItem {
  return item({
    resourceType: "AWS::DynamoDB::Table",
    resourceId: "kc-users",
    awsRegion: region,
    configuration: { tableName: "kc-users", replicas },
  });
}

describe("evaluateResidency", () => {
  it("is COMPLIANT for user data in an allowed region", () => {
    expect(evaluateResidency(item(), SAUDI)).toEqual({
      resourceType: "AWS::S3::Bucket",
      resourceId: "kc-uploads-me-south-1",
      complianceType: "COMPLIANT",
      annotation: "User data in me-south-1, within the allowed regions (me-south-1).",
      outsideRegions: [],
    });
  });

  it("is NON_COMPLIANT for user data outside the allowed regions, naming both", () => {
    const result = evaluateResidency(item({ awsRegion: "eu-west-1" }), ["us-east-1", "us-west-2"]);
    expect(result.complianceType).toBe("NON_COMPLIANT");
    expect(result.annotation).toBe(
      "User data outside the allowed regions (us-east-1, us-west-2): stored in eu-west-1.",
    );
    expect(result.outsideRegions).toEqual(["eu-west-1"]);
  });

  it("is NOT_APPLICABLE without a DataClass tag, or with another data class", () => {
    const untagged = evaluateResidency(item({ awsRegion: "eu-west-1", tags: {} }), SAUDI);
    expect(untagged.complianceType).toBe("NOT_APPLICABLE");
    expect(untagged.annotation).toBe(
      "No DataClass tag; residency applies to DataClass=user-data and DataClass=pseudonymous-directory only.",
    );
    const content = evaluateResidency(
      item({ awsRegion: "eu-west-1", tags: { DataClass: "content" } }),
      SAUDI,
    );
    expect(content.complianceType).toBe("NOT_APPLICABLE");
    expect(content.annotation).toBe(
      "Tagged DataClass=content; residency applies to DataClass=user-data and DataClass=pseudonymous-directory only.",
    );
  });

  it("is NOT_APPLICABLE for deleted resources, even outside the allowed regions", () => {
    for (const status of ["ResourceDeleted", "ResourceDeletedNotRecorded"]) {
      const result = evaluateResidency(
        item({ awsRegion: "eu-west-1", configurationItemStatus: status, configuration: null }),
        SAUDI,
      );
      expect(result.complianceType).toBe("NOT_APPLICABLE");
      expect(result.annotation).toBe(`Resource deleted (${status}); no data left to place.`);
    }
  });

  it("reports a data-class tag not spelled exactly as a finding, saying what is wrong", () => {
    // Read as "no class" such a tag would hide user data from the audit; it is a finding instead.
    const key = evaluateResidency(
      item({ awsRegion: "me-south-1", tags: { dataclass: "user-data" } }),
      SAUDI,
    );
    expect(key.complianceType).toBe("NON_COMPLIANT");
    expect(key.annotation).toBe(
      'Malformed data-class tag: tag key "dataclass" is not DataClass; expected DataClass=<user-data|pseudonymous-directory|content|telemetry|none>, spelled exactly.',
    );
    const value = evaluateResidency(
      item({ awsRegion: "me-south-1", tags: { DataClass: "User-Data" } }),
      SAUDI,
    );
    expect(value.complianceType).toBe("NON_COMPLIANT");
    expect(value.annotation).toMatch(
      /^Malformed data-class tag: DataClass="User-Data" is not spelled user-data;/,
    );
  });

  it("evaluates a resource type it has no copy reader for by tag and region only", () => {
    const result = evaluateResidency(
      item({
        resourceType: "AWS::Future::DataLake",
        configuration: { replicas: [{ regionName: "eu-west-1" }] },
      }),
      SAUDI,
    );
    expect(result.complianceType).toBe("COMPLIANT");
  });

  describe("DynamoDB global tables", () => {
    it("is NON_COMPLIANT when a replica is outside the allowed regions", () => {
      const result = evaluateResidency(
        table("me-south-1", [
          { regionName: "me-south-1", replicaStatus: "ACTIVE" },
          { regionName: "eu-west-1", replicaStatus: "CREATING" },
        ]),
        SAUDI,
      );
      expect(result.complianceType).toBe("NON_COMPLIANT");
      expect(result.annotation).toBe(
        "User data outside the allowed regions (me-south-1): DynamoDB replica in eu-west-1.",
      );
      expect(result.outsideRegions).toEqual(["eu-west-1"]);
    });

    it("is COMPLIANT when every replica is allowed", () => {
      const result = evaluateResidency(
        table("us-east-1", [{ regionName: "us-west-2", replicaStatus: "ACTIVE" }]),
        ["us-east-1", "us-west-2"],
      );
      expect(result.complianceType).toBe("COMPLIANT");
      expect(result.annotation).toBe(
        "User data in us-east-1, copies in us-west-2, all within the allowed regions (us-east-1, us-west-2).",
      );
    });

    it("names both the table's own region and its replicas when both are outside", () => {
      const result = evaluateResidency(table("eu-west-1", [{ regionName: "us-east-1" }]), SAUDI);
      expect(result.annotation).toBe(
        "User data outside the allowed regions (me-south-1): stored in eu-west-1; DynamoDB replica in us-east-1.",
      );
      expect(result.outsideRegions).toEqual(["eu-west-1", "us-east-1"]);
    });

    it("fails closed on replicas it cannot read", () => {
      const missingRegion = evaluateResidency(
        table("me-south-1", [{ replicaStatus: "ACTIVE" }]),
        SAUDI,
      );
      expect(missingRegion.complianceType).toBe("NON_COMPLIANT");
      expect(missingRegion.annotation).toBe(
        "User data outside the allowed regions (me-south-1): DynamoDB replica without configuration.replicas[0].regionName in an unknown region.",
      );
      const notAList = evaluateResidency(table("me-south-1", "eu-west-1"), SAUDI);
      expect(notAList.complianceType).toBe("NON_COMPLIANT");
      expect(notAList.annotation).toContain('configuration.replicas = "eu-west-1"');
    });

    it("treats an absent or empty replica list as no copies", () => {
      expect(evaluateResidency(table("me-south-1", undefined), SAUDI).complianceType).toBe(
        "COMPLIANT",
      );
      expect(evaluateResidency(table("me-south-1", []), SAUDI).complianceType).toBe("COMPLIANT");
    });
  });

  describe("Aurora global clusters", () => {
    const member = (region: string) => ({
      dbClusterArn: `arn:aws:rds:${region}:123456789012:cluster:kc-users-${region}`,
      isWriter: region === "me-south-1",
    });

    it("is NON_COMPLIANT when a member cluster is outside the allowed regions", () => {
      const result = evaluateResidency(
        item({
          resourceType: "AWS::RDS::GlobalCluster",
          resourceId: "cluster-2f8c1e0d",
          configuration: { globalClusterMembers: [member("me-south-1"), member("eu-central-1")] },
        }),
        SAUDI,
      );
      expect(result.complianceType).toBe("NON_COMPLIANT");
      expect(result.annotation).toBe(
        "User data outside the allowed regions (me-south-1): global cluster member kc-users-eu-central-1 in eu-central-1.",
      );
    });

    it("is COMPLIANT when every member is allowed", () => {
      const result = evaluateResidency(
        item({
          resourceType: "AWS::RDS::GlobalCluster",
          awsRegion: "us-east-1",
          configuration: { globalClusterMembers: [member("us-east-1"), member("us-west-2")] },
        }),
        ["us-east-1", "us-west-2"],
      );
      expect(result.complianceType).toBe("COMPLIANT");
    });

    it("reads the CloudFormation spelling and a source cluster given by ARN", () => {
      expect(
        dataCopies("AWS::RDS::GlobalCluster", {
          GlobalClusterMembers: [
            { DBClusterArn: "arn:aws:rds:us-west-2:123456789012:cluster:kc-users-usw2" },
          ],
          SourceDBClusterIdentifier: "arn:aws:rds:us-east-1:123456789012:cluster:kc-users-use1",
        }),
      ).toEqual([
        { description: "global cluster member kc-users-usw2", region: "us-west-2" },
        { description: "global cluster source kc-users-use1", region: "us-east-1" },
      ]);
      // A plain identifier names a cluster in the global cluster's own region.
      expect(
        dataCopies("AWS::RDS::GlobalCluster", { SourceDBClusterIdentifier: "kc-users" }),
      ).toEqual([]);
    });

    it("fails closed on a member ARN without a region", () => {
      const result = evaluateResidency(
        item({
          resourceType: "AWS::RDS::GlobalCluster",
          configuration: { globalClusterMembers: [{ dbClusterArn: "kc-users-somewhere" }] },
        }),
        SAUDI,
      );
      expect(result.complianceType).toBe("NON_COMPLIANT");
      expect(result.annotation).toBe(
        'User data outside the allowed regions (me-south-1): global cluster member with unreadable ARN "kc-users-somewhere" in an unknown region.',
      );
    });
  });

  describe("AWS Backup plans", () => {
    const plan = (vaultRegions: readonly string[]) => ({
      BackupPlan: {
        BackupPlanName: "kc-user-data",
        BackupPlanRule: [
          {
            RuleName: "daily",
            TargetBackupVault: "kc-user-data",
            CopyActions: vaultRegions.map((region) => ({
              DestinationBackupVaultArn: `arn:aws:backup:${region}:123456789012:backup-vault:kc-dr`,
            })),
          },
        ],
      },
    });

    it("is NON_COMPLIANT when a copy action targets a vault outside the allowed regions", () => {
      const result = evaluateResidency(
        item({ resourceType: "AWS::Backup::BackupPlan", configuration: plan(["eu-west-1"]) }),
        SAUDI,
      );
      expect(result.complianceType).toBe("NON_COMPLIANT");
      expect(result.annotation).toBe(
        "User data outside the allowed regions (me-south-1): backup copy vault kc-dr in eu-west-1.",
      );
    });

    it("is COMPLIANT with copies inside the allowed regions", () => {
      const result = evaluateResidency(
        item({
          resourceType: "AWS::Backup::BackupPlan",
          awsRegion: "us-east-1",
          configuration: plan(["us-west-2"]),
        }),
        ["us-east-1", "us-west-2"],
      );
      expect(result.complianceType).toBe("COMPLIANT");
    });
  });
});

describe("parseRuleParameters", () => {
  it("reads one region or a comma-separated list, trimming and dropping duplicates", () => {
    expect(parseRuleParameters('{"allowedRegions":"me-south-1"}')).toEqual(["me-south-1"]);
    expect(parseRuleParameters('{"allowedRegions":"us-east-1, us-west-2,us-east-1"}')).toEqual([
      "us-east-1",
      "us-west-2",
    ]);
    expect(parseRuleParameters('{"allowedRegions":"us-gov-west-1","other":"x"}')).toEqual([
      "us-gov-west-1",
    ]);
  });

  const cases: [string, string | undefined, string][] = [
    [
      "missing",
      undefined,
      'ruleParameters is missing; expected JSON text such as {"allowedRegions":"me-south-1"} or {"allowedRegions":"us-east-1,us-west-2"}',
    ],
    [
      "empty",
      "  ",
      'ruleParameters is missing; expected JSON text such as {"allowedRegions":"me-south-1"} or {"allowedRegions":"us-east-1,us-west-2"}',
    ],
    [
      "not JSON",
      "{allowedRegions: me-south-1}",
      'ruleParameters = "{allowedRegions: me-south-1}" is not valid JSON; expected JSON text such as {"allowedRegions":"me-south-1"} or {"allowedRegions":"us-east-1,us-west-2"}',
    ],
    [
      "not an object",
      '["me-south-1"]',
      'ruleParameters = "[\\"me-south-1\\"]" is not a JSON object; expected {"allowedRegions":"me-south-1"} or {"allowedRegions":"us-east-1,us-west-2"}',
    ],
    [
      "without allowedRegions",
      '{"allowedRegion":"me-south-1"}',
      'ruleParameters.allowedRegions is missing (ruleParameters = "{\\"allowedRegion\\":\\"me-south-1\\"}"); expected {"allowedRegions":"me-south-1"} or {"allowedRegions":"us-east-1,us-west-2"}',
    ],
    [
      "allowedRegions not a string",
      '{"allowedRegions":["me-south-1"]}',
      'ruleParameters.allowedRegions = ["me-south-1"]: expected a string of comma-separated region codes, such as "me-south-1" or "us-east-1,us-west-2"',
    ],
    [
      "a bad region code",
      '{"allowedRegions":"me-south-1,Bahrain"}',
      'ruleParameters.allowedRegions = "me-south-1,Bahrain": "Bahrain" is not an AWS region code; expected comma-separated region codes, such as "me-south-1" or "us-east-1,us-west-2"',
    ],
    [
      "an empty entry",
      '{"allowedRegions":"me-south-1,"}',
      'ruleParameters.allowedRegions = "me-south-1,": "" is not an AWS region code; expected comma-separated region codes, such as "me-south-1" or "us-east-1,us-west-2"',
    ],
    [
      "an empty string",
      '{"allowedRegions":""}',
      'ruleParameters.allowedRegions = "": "" is not an AWS region code; expected comma-separated region codes, such as "me-south-1" or "us-east-1,us-west-2"',
    ],
  ];

  it.each(cases)("rejects parameters %s with an exact message", (_name, text, message) => {
    expect(() => parseRuleParameters(text)).toThrow(new InvalidRuleParametersError(message));
    expect(() => parseRuleParameters(text)).toThrow(InvalidRuleParametersError);
  });
});

describe("parseTags", () => {
  it("reads a map, a list of key/value pairs, and absent tags", () => {
    expect(parseTags({ DataClass: "user-data" }, "r")).toEqual({ DataClass: "user-data" });
    expect(
      parseTags(
        [
          { key: "DataClass", value: "user-data", tag: "DataClass=user-data" },
          { key: "Empty", value: null },
        ],
        "r",
      ),
    ).toEqual({ DataClass: "user-data", Empty: "" });
    expect(parseTags(undefined, "r")).toEqual({});
    expect(parseTags(null, "r")).toEqual({});
  });

  it("rejects tags that are not a map of strings, naming the resource and the value", () => {
    expect(() => parseTags("DataClass=user-data", "AWS::S3::Bucket b")).toThrow(
      new InvalidConfigurationItemError(
        'AWS::S3::Bucket b: tags = "DataClass=user-data": expected a map of tag keys to string values, such as {"DataClass":"user-data"}',
      ),
    );
    expect(() => parseTags({ DataClass: 7 }, "AWS::S3::Bucket b")).toThrow(
      new InvalidConfigurationItemError(
        'AWS::S3::Bucket b: tags.DataClass = 7 is not a string; expected a map of tag keys to string values, such as {"DataClass":"user-data"}',
      ),
    );
    expect(() => parseTags(["DataClass"], "AWS::S3::Bucket b")).toThrow(
      InvalidConfigurationItemError,
    );
  });
});

describe("regionOfArn", () => {
  it("reads the region field of an ARN", () => {
    expect(regionOfArn("arn:aws:rds:eu-west-1:123456789012:cluster:x")).toBe("eu-west-1");
    expect(regionOfArn("arn:aws-us-gov:backup:us-gov-west-1:1:backup-vault:v")).toBe(
      "us-gov-west-1",
    );
    expect(regionOfArn("arn:aws:s3:::bucket")).toBeUndefined();
    expect(regionOfArn("not-an-arn")).toBeUndefined();
  });
});

describe("annotation length", () => {
  it("cuts long text to the limit with an ellipsis, never splitting a surrogate pair", () => {
    expect(truncateAnnotation("a".repeat(300))).toBe(`${"a".repeat(255)}…`);
    const emoji = `${"a".repeat(254)}😀😀`; // the first 😀 spans code units 254 and 255
    const cut = truncateAnnotation(emoji);
    expect(cut).toBe(`${"a".repeat(254)}…`);
    expect(truncateAnnotation("short")).toBe("short");
  });

  it("property: truncation never exceeds the limit and keeps a prefix of whole characters", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 600 }),
        fc.integer({ min: 1, max: 300 }),
        (text, max) => {
          const cut = truncateAnnotation(text, max);
          expect(cut.length).toBeLessThanOrEqual(max);
          if (text.length <= max) {
            expect(cut).toBe(text);
          } else {
            expect(text.startsWith(cut.slice(0, -1))).toBe(true);
            // No lone high surrogate before the ellipsis.
            expect(cut).not.toMatch(/[\uD800-\uDBFF]…$/);
          }
        },
      ),
    );
  });

  it("property: evaluations never carry an annotation over 256 characters", () => {
    const region = fc.oneof(
      fc.constantFrom("me-south-1", "us-east-1", "eu-west-1", "ap-southeast-3"),
      fc.string({ unit: "binary", maxLength: 80 }),
    );
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", minLength: 1, maxLength: 300 }),
        fc.string({ unit: "binary", minLength: 1, maxLength: 300 }),
        region,
        fc.array(region, { maxLength: 40 }),
        fc.array(region, { minLength: 1, maxLength: 40 }),
        fc.constantFrom("user-data", "content", "Anything"),
        fc.constantFrom(
          "AWS::DynamoDB::Table",
          "AWS::RDS::GlobalCluster",
          "AWS::Backup::BackupPlan",
          "AWS::S3::Bucket",
        ),
        (resourceId, longTag, home, copyRegions, allowed, dataClass, resourceType) => {
          const configuration = {
            replicas: copyRegions.map((regionName) => ({ regionName })),
            globalClusterMembers: copyRegions.map((r) => ({
              dbClusterArn: `arn:aws:rds:${r}:1:cluster:${longTag}`,
            })),
            BackupPlan: {
              BackupPlanRule: [
                {
                  CopyActions: copyRegions.map((r) => ({
                    DestinationBackupVaultArn: `arn:aws:backup:${r}:1:backup-vault:${longTag}`,
                  })),
                },
              ],
            },
          };
          const result = evaluateResidency(
            {
              resourceType,
              resourceId,
              awsRegion: home,
              tags: { DataClass: dataClass === "Anything" ? longTag : dataClass },
              configurationItemStatus: "OK",
              configuration,
            },
            allowed,
          );
          expect(result.annotation.length).toBeGreaterThan(0);
          expect(result.annotation.length).toBeLessThanOrEqual(ANNOTATION_MAX_LENGTH);
        },
      ),
    );
  });
});

describe("the home-region directory (DataClass=pseudonymous-directory)", () => {
  const HOME = ["me-south-1", "us-east-1"];
  const US = ["us-east-1", "us-west-2"];
  const directory = (region: string, replicas: readonly string[]): ConfigurationItem =>
    item({
      resourceType: "AWS::DynamoDB::Table",
      resourceId: "knowledgecity-home-region",
      awsRegion: region,
      tags: { DataClass: "pseudonymous-directory" },
      configuration: {
        tableName: "knowledgecity-home-region",
        replicas: replicas.map((regionName) => ({ regionName })),
      },
    });

  it("is COMPLIANT replicated to every home region, though that is outside the allowed regions", () => {
    const result = evaluateResidency(directory("us-east-1", ["me-south-1"]), US, HOME);
    expect(result.complianceType).toBe("COMPLIANT");
    expect(result.annotation).toBe(
      "Home-region directory in us-east-1, replicas in me-south-1, all within the home regions (me-south-1, us-east-1).",
    );
  });

  it("is NON_COMPLIANT with a replica outside the home regions, even an allowed one", () => {
    const result = evaluateResidency(directory("us-east-1", ["me-south-1", "us-west-2"]), US, HOME);
    expect(result.complianceType).toBe("NON_COMPLIANT");
    expect(result.annotation).toBe(
      "Home-region directory outside the home regions (me-south-1, us-east-1): DynamoDB replica in us-west-2.",
    );
    expect(result.outsideRegions).toEqual(["us-west-2"]);
  });

  it("is NON_COMPLIANT when the rule does not know the home regions", () => {
    const result = evaluateResidency(directory("us-east-1", ["me-south-1"]), US);
    expect(result.complianceType).toBe("NON_COMPLIANT");
    expect(result.annotation).toMatch(
      /^Home-region directory in us-east-1, but the rule has no homeRegions parameter/,
    );
  });

  it("is NON_COMPLIANT on any other resource type: the class is no way around user-data residency", () => {
    const bucket = item({ awsRegion: "me-south-1", tags: { DataClass: "pseudonymous-directory" } });
    const result = evaluateResidency(bucket, SAUDI, HOME);
    expect(result.complianceType).toBe("NON_COMPLIANT");
    expect(result.annotation).toBe(
      "Tagged DataClass=pseudonymous-directory, which only the home-region directory (an AWS::DynamoDB::Table) may carry; a AWS::S3::Bucket must be tagged by what it holds.",
    );
  });

  it("reads the homeRegions rule parameter, absent as undefined, malformed as an error", () => {
    expect(
      parseHomeRegions('{"allowedRegions":"us-east-1","homeRegions":"me-south-1, us-east-1"}'),
    ).toEqual(["me-south-1", "us-east-1"]);
    expect(parseHomeRegions('{"allowedRegions":"us-east-1"}')).toBeUndefined();
    expect(() => parseHomeRegions('{"homeRegions":"Bahrain"}')).toThrow(
      new InvalidRuleParametersError(
        'ruleParameters.homeRegions = "Bahrain": expected comma-separated region codes, such as {"allowedRegions":"us-east-1","homeRegions":"me-south-1,us-east-1"}',
      ),
    );
  });
});
