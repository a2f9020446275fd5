/**
 * The periodic run of the primary stack's rule, which reads the account aggregator's view of every
 * region (AGGREGATOR_NAME set): planted user data in other regions must be found and reported.
 */
import {
  ConfigServiceClient,
  PutEvaluationsCommand,
  SelectAggregateResourceConfigCommand,
  SelectResourceConfigCommand,
  type Evaluation,
} from "@aws-sdk/client-config-service";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { InvalidRuleParametersError, UnevaluatedResourcesError } from "./errors";
import {
  ACCOUNT_ID,
  NOTIFICATION_TIME,
  RESULT_TOKEN,
  changeEvent,
  dynamoDbTableItem,
  scheduledEvent,
} from "./fixtures/events";
import { loadAuditConfiguration } from "./configuration";
import { ConfigurationError } from "../../shared/errors";
import { handler } from "./handler";

const AGGREGATOR = "kc-compliance-account-3f2a9c1";

// The handler reads its environment when its module loads: vi.hoisted runs before the imports.
vi.hoisted(() => {
  vi.stubEnv("AGGREGATOR_NAME", "kc-compliance-account-3f2a9c1");
  vi.stubEnv("AWS_REGION", "us-east-1");
});

const US_PARAMETERS = JSON.stringify({
  allowedRegions: "us-east-1,us-west-2",
  jurisdictionRegions: "SA=me-south-1;US=us-east-1,us-west-2",
});

const configMock = mockClient(ConfigServiceClient);
let logSpy: MockInstance<typeof console.log>;

afterAll(() => {
  vi.unstubAllEnvs();
});

beforeEach(() => {
  configMock.reset();
  configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
  logSpy = vi.spyOn(console, "log").mockImplementation(() => undefined);
  const errorSpy = vi.spyOn(console, "error").mockImplementation(() => undefined);
  return () => {
    logSpy.mockRestore();
    errorSpy.mockRestore();
  };
});

/** One row of SelectAggregateResourceConfig: JSON text with the source account and region. */
function aggregateRow(options: {
  resourceId: string;
  region: string;
  jurisdiction?: string;
  resourceType?: string;
  configuration?: unknown;
}): string {
  const tags = [
    { key: "DataClass", value: "user-data", tag: "DataClass=user-data" },
    ...(options.jurisdiction === undefined
      ? []
      : [
          {
            key: "Jurisdiction",
            value: options.jurisdiction,
            tag: `Jurisdiction=${options.jurisdiction}`,
          },
        ]),
  ];
  return JSON.stringify({
    accountId: ACCOUNT_ID,
    awsRegion: options.region,
    resourceId: options.resourceId,
    resourceType: options.resourceType ?? "AWS::S3::Bucket",
    configurationItemStatus: "OK",
    tags,
    configuration: options.configuration ?? { name: options.resourceId },
  });
}

function evaluations(): Evaluation[] {
  return configMock
    .commandCalls(PutEvaluationsCommand)
    .flatMap((call) => call.args[0].input.Evaluations ?? []);
}

function accountEvaluation(): Evaluation | undefined {
  return evaluations().find((evaluation) => evaluation.ComplianceResourceType === "AWS::::Account");
}

const EXPRESSION =
  "SELECT accountId, awsRegion, resourceId, resourceType, configurationItemStatus, tags, configuration " +
  "WHERE tags.tag IN ('DataClass=user-data', 'DataClass=pseudonymous-directory')";

describe("the periodic run over the account aggregator", () => {
  it("pages through every region's user data and flags what is outside its jurisdiction", async () => {
    configMock
      .on(SelectAggregateResourceConfigCommand)
      .resolvesOnce({
        Results: [
          aggregateRow({ resourceId: "kc-users-users", region: "us-east-1", jurisdiction: "US" }),
          aggregateRow({
            resourceId: "kc-users-cluster",
            region: "me-south-1",
            jurisdiction: "SA",
          }),
        ],
        NextToken: "page-2",
      })
      .resolvesOnce({
        Results: [
          // Allowed, in a region without a stack of its own.
          aggregateRow({ resourceId: "kc-users-users", region: "us-west-2", jurisdiction: "US" }),
          // Not allowed: a region no stack runs in, and another jurisdiction's region.
          aggregateRow({ resourceId: "kc-export", region: "eu-west-1", jurisdiction: "SA" }),
          aggregateRow({ resourceId: "kc-sa-copy", region: "us-east-1", jurisdiction: "SA" }),
        ],
        NextToken: "page-3",
      })
      .resolvesOnce({
        Results: [aggregateRow({ resourceId: "kc-orphan", region: "ap-south-1" })],
      });

    const summary = await handler(scheduledEvent({ ruleParameters: US_PARAMETERS }));

    expect(
      configMock
        .commandCalls(SelectAggregateResourceConfigCommand)
        .map((call) => call.args[0].input),
    ).toEqual([
      { ConfigurationAggregatorName: AGGREGATOR, Expression: EXPRESSION, Limit: 100 },
      {
        ConfigurationAggregatorName: AGGREGATOR,
        Expression: EXPRESSION,
        Limit: 100,
        NextToken: "page-2",
      },
      {
        ConfigurationAggregatorName: AGGREGATOR,
        Expression: EXPRESSION,
        Limit: 100,
        NextToken: "page-3",
      },
    ]);
    // The aggregated view replaces the regional query.
    expect(configMock.commandCalls(SelectResourceConfigCommand)).toEqual([]);

    // This region's resources one by one (by this stack's allowed regions), then the account.
    expect(evaluations().map((e) => [e.ComplianceResourceId, e.ComplianceType])).toEqual([
      ["kc-users-users", "COMPLIANT"],
      ["kc-sa-copy", "COMPLIANT"],
      [ACCOUNT_ID, "NON_COMPLIANT"],
    ]);
    expect(accountEvaluation()).toEqual({
      ComplianceResourceType: "AWS::::Account",
      ComplianceResourceId: ACCOUNT_ID,
      ComplianceType: "NON_COMPLIANT",
      Annotation:
        "3 of 6 user-data resources outside their jurisdiction's regions: eu-west-1 AWS::S3::Bucket kc-export; us-east-1 AWS::S3::Bucket kc-sa-copy; ap-south-1 AWS::S3::Bucket kc-orphan.",
      OrderingTimestamp: new Date(NOTIFICATION_TIME),
    });
    expect(summary).toEqual({
      messageType: "ScheduledNotification",
      evaluations: 3,
      putEvaluationsCalls: 1,
    });

    const findings = logSpy.mock.calls
      .map((args) => JSON.parse(String(args[0])) as Record<string, unknown>)
      .filter((line) => line.message === "residency finding");
    expect(findings).toEqual([
      {
        level: "INFO",
        message: "residency finding",
        aggregator: AGGREGATOR,
        resourceType: "AWS::S3::Bucket",
        resourceId: "kc-export",
        awsRegion: "eu-west-1",
        reason: "User data outside the allowed regions (me-south-1): stored in eu-west-1.",
      },
      {
        level: "INFO",
        message: "residency finding",
        aggregator: AGGREGATOR,
        resourceType: "AWS::S3::Bucket",
        resourceId: "kc-sa-copy",
        awsRegion: "us-east-1",
        reason: "User data outside the allowed regions (me-south-1): stored in us-east-1.",
      },
      {
        level: "INFO",
        message: "residency finding",
        aggregator: AGGREGATOR,
        resourceType: "AWS::S3::Bucket",
        resourceId: "kc-orphan",
        awsRegion: "ap-south-1",
        reason:
          "User data in ap-south-1 without a Jurisdiction tag: no region is known to be allowed for it.",
      },
    ]);
  });

  it("flags a replica in another region that the table's own region does not show", async () => {
    configMock.on(SelectAggregateResourceConfigCommand).resolves({
      Results: [
        aggregateRow({
          resourceId: "kc-users-users",
          resourceType: "AWS::DynamoDB::Table",
          region: "us-west-2",
          jurisdiction: "US",
          configuration: {
            tableName: "kc-users-users",
            replicas: [{ regionName: "us-east-1" }, { regionName: "me-south-1" }],
          },
        }),
      ],
    });

    await handler(scheduledEvent({ ruleParameters: US_PARAMETERS }));

    // The table lives in us-west-2: not this region's to name, so only the account carries it.
    expect(evaluations()).toHaveLength(1);
    expect(accountEvaluation()?.ComplianceType).toBe("NON_COMPLIANT");
    expect(accountEvaluation()?.Annotation).toBe(
      "1 of 1 user-data resources outside their jurisdiction's regions: us-west-2 AWS::DynamoDB::Table kc-users-users.",
    );
  });

  it("reports the account COMPLIANT when every region's user data is allowed", async () => {
    configMock.on(SelectAggregateResourceConfigCommand).resolves({
      Results: [
        aggregateRow({ resourceId: "a", region: "us-east-1", jurisdiction: "US" }),
        aggregateRow({ resourceId: "b", region: "me-south-1", jurisdiction: "SA" }),
      ],
    });

    await handler(scheduledEvent({ ruleParameters: US_PARAMETERS }));

    expect(accountEvaluation()).toMatchObject({
      ComplianceType: "COMPLIANT",
      Annotation:
        "All 2 user-data resources of the account (in me-south-1, us-east-1) are in regions their jurisdiction allows.",
    });
  });

  it("fails the account closed when a result cannot be read, and names it", async () => {
    configMock.on(SelectAggregateResourceConfigCommand).resolves({
      Results: [
        aggregateRow({ resourceId: "a", region: "us-east-1", jurisdiction: "US" }),
        '{"resourceType":"AWS::S3::Bucket"',
      ],
    });

    await expect(handler(scheduledEvent({ ruleParameters: US_PARAMETERS }))).rejects.toThrow(
      new UnevaluatedResourcesError(
        [
          'SelectAggregateResourceConfig result "{\\"resourceType\\":\\"AWS::S3::Bucket\\"" is not valid JSON; expected a JSON object per resource',
        ],
        2,
      ),
    );
    expect(accountEvaluation()).toMatchObject({
      ComplianceType: "NON_COMPLIANT",
      Annotation:
        "1 result(s) of the aggregated query could not be read (see the log). All 1 user-data resources of the account (in us-east-1) are in regions their jurisdiction allows.",
    });
  });

  it("refuses to run without every jurisdiction's regions, before any AWS call", async () => {
    await expect(
      handler(scheduledEvent({ ruleParameters: '{"allowedRegions":"us-east-1"}' })),
    ).rejects.toThrow(
      new InvalidRuleParametersError(
        'ruleParameters.jurisdictionRegions is missing (ruleParameters = "{\\"allowedRegions\\":\\"us-east-1\\"}"); the account-wide audit over aggregator kc-compliance-account-3f2a9c1 judges each resource by its Jurisdiction tag, so it needs every jurisdiction\'s allowed regions, such as "SA=me-south-1;US=us-east-1,us-west-2"',
      ),
    );
    expect(configMock.calls()).toEqual([]);
  });

  it("judges a change notification as before, without querying", async () => {
    await handler(
      changeEvent(dynamoDbTableItem({ region: "us-east-1", replicas: ["us-west-2"] }), {
        ruleParameters: US_PARAMETERS,
      }),
    );

    expect(configMock.commandCalls(SelectAggregateResourceConfigCommand)).toEqual([]);
    expect(evaluations()).toMatchObject([
      { ComplianceResourceType: "AWS::DynamoDB::Table", ComplianceType: "COMPLIANT" },
    ]);
    expect(configMock.commandCalls(PutEvaluationsCommand)[0]?.args[0].input.ResultToken).toBe(
      RESULT_TOKEN,
    );
  });
});

describe("loadAuditConfiguration", () => {
  it("reads the aggregator's name, and treats a blank one as unset", () => {
    expect(loadAuditConfiguration({ AGGREGATOR_NAME: " kc-agg_1 " })).toEqual({
      aggregatorName: "kc-agg_1",
    });
    expect(loadAuditConfiguration({ AGGREGATOR_NAME: "  " })).toEqual({});
    expect(loadAuditConfiguration({})).toEqual({});
  });

  it("refuses a name AWS Config would refuse", () => {
    expect(() => loadAuditConfiguration({ AGGREGATOR_NAME: "arn:aws:config:x" })).toThrow(
      new ConfigurationError(
        [],
        [
          'AGGREGATOR_NAME = "arn:aws:config:x": expected a configuration aggregator\'s name (1-256 letters, digits, _ or -)',
        ],
      ),
    );
  });
});
