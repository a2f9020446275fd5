import {
  ConfigServiceClient,
  ConfigServiceServiceException,
  GetResourceConfigHistoryCommand,
  PutEvaluationsCommand,
  SelectResourceConfigCommand,
  type Evaluation,
  type PutEvaluationsCommandInput,
} from "@aws-sdk/client-config-service";
import { mockClient } from "aws-sdk-client-mock";
import {
  afterAll,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  vi,
  type MockInstance,
} from "vitest";
import {
  ConfigServiceError,
  ConfigurationItemNotFoundError,
  FailedEvaluationsError,
  InvalidConfigurationItemError,
  InvalidEventError,
  InvalidRuleParametersError,
  UnevaluatedResourcesError,
} from "./errors";
import {
  ACCOUNT_ID,
  CAPTURE_TIME,
  NOTIFICATION_TIME,
  PROJECT_TAGS,
  RESULT_TOKEN,
  bucketItem,
  changeEvent,
  dynamoDbTableItem,
  globalClusterItem,
  oversizedEvent,
  queryRow,
  ruleEvent,
  scheduledEvent,
} from "./fixtures/events";
import { handler } from "./handler";

const configMock = mockClient(ConfigServiceClient);
let logSpy: MockInstance<typeof console.log>;
let errorSpy: MockInstance<typeof console.error>;

beforeAll(() => {
  // The Lambda runtime sets AWS_REGION; the periodic query is scoped to it.
  vi.stubEnv("AWS_REGION", "me-south-1");
});

afterAll(() => {
  vi.unstubAllEnvs();
});

beforeEach(() => {
  configMock.reset();
  configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
  logSpy = vi.spyOn(console, "log").mockImplementation(() => undefined);
  errorSpy = vi.spyOn(console, "error").mockImplementation(() => undefined);
  return () => {
    logSpy.mockRestore();
    errorSpy.mockRestore();
  };
});

function putInputs(): PutEvaluationsCommandInput[] {
  return configMock.commandCalls(PutEvaluationsCommand).map((call) => call.args[0].input);
}

function loggedLines(): Record<string, unknown>[] {
  return logSpy.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>);
}

/** Every AWS call the handler made, by command name. */
function callNames(): string[] {
  return configMock
    .calls()
    .map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name);
}

describe("ConfigurationItemChangeNotification", () => {
  it("reports a table in the allowed region as COMPLIANT", async () => {
    const summary = await handler(changeEvent(dynamoDbTableItem()));

    expect(summary).toEqual({
      messageType: "ConfigurationItemChangeNotification",
      evaluations: 1,
      putEvaluationsCalls: 1,
    });
    expect(putInputs()).toEqual([
      {
        Evaluations: [
          {
            ComplianceResourceType: "AWS::DynamoDB::Table",
            ComplianceResourceId: "kc-users",
            ComplianceType: "COMPLIANT",
            Annotation: "User data in me-south-1, within the allowed regions (me-south-1).",
            OrderingTimestamp: new Date(CAPTURE_TIME),
          },
        ],
        ResultToken: RESULT_TOKEN,
      },
    ]);
    expect(callNames()).toEqual(["PutEvaluationsCommand"]);
  });

  it("reports a global table with a replica outside the allowed regions as NON_COMPLIANT", async () => {
    await handler(changeEvent(dynamoDbTableItem({ replicas: ["me-south-1", "eu-west-1"] })));

    expect(putInputs()).toEqual([
      {
        Evaluations: [
          {
            ComplianceResourceType: "AWS::DynamoDB::Table",
            ComplianceResourceId: "kc-users",
            ComplianceType: "NON_COMPLIANT",
            Annotation:
              "User data outside the allowed regions (me-south-1): DynamoDB replica in eu-west-1.",
            OrderingTimestamp: new Date(CAPTURE_TIME),
          },
        ],
        ResultToken: RESULT_TOKEN,
      },
    ]);
  });

  it("reports an Aurora global database with a member outside the allowed regions", async () => {
    await handler(changeEvent(globalClusterItem(["me-south-1", "eu-central-1"])));

    expect(putInputs()[0]?.Evaluations).toEqual([
      {
        ComplianceResourceType: "AWS::RDS::GlobalCluster",
        ComplianceResourceId: "cluster-2f8c1e0d9b7a6f5e4d3c2b1a0",
        ComplianceType: "NON_COMPLIANT",
        Annotation:
          "User data outside the allowed regions (me-south-1): global cluster member kc-users-eu-central-1 in eu-central-1.",
        OrderingTimestamp: new Date(CAPTURE_TIME),
      },
    ]);
  });

  it("reports an untagged resource outside the allowed regions as NOT_APPLICABLE", async () => {
    await handler(changeEvent(bucketItem("eu-west-1", { Project: "knowledgecity" })));

    expect(putInputs()[0]?.Evaluations?.[0]?.ComplianceType).toBe("NOT_APPLICABLE");
  });

  it("reports a misspelled data-class tag as NON_COMPLIANT, not as untagged", async () => {
    await handler(changeEvent(bucketItem("eu-west-1", { "Data-Class": "user-data" })));

    const [evaluation] = putInputs()[0]?.Evaluations ?? [];
    expect(evaluation?.ComplianceType).toBe("NON_COMPLIANT");
    expect(evaluation?.Annotation).toMatch(
      /^Malformed data-class tag: tag key "Data-Class" is not DataClass;/,
    );
  });

  it("places the home-region directory with the homeRegions parameter, and fails closed without it", async () => {
    const directory = dynamoDbTableItem({
      replicas: ["me-south-1", "us-east-1"],
      tags: { ...PROJECT_TAGS, DataClass: "pseudonymous-directory" },
    });
    const withHome = JSON.stringify({
      allowedRegions: "me-south-1",
      homeRegions: "me-south-1,us-east-1",
    });
    await handler(changeEvent(directory, { ruleParameters: withHome }));
    await handler(changeEvent(directory));

    const verdicts = putInputs().map((input) => input.Evaluations?.[0]?.ComplianceType);
    expect(verdicts).toEqual(["COMPLIANT", "NON_COMPLIANT"]);
    expect(putInputs()[1]?.Evaluations?.[0]?.Annotation).toMatch(
      /^Home-region directory in me-south-1, but the rule has no homeRegions parameter/,
    );
  });

  it("reports a deleted resource as NOT_APPLICABLE", async () => {
    const deleted = { ...dynamoDbTableItem({ status: "ResourceDeleted" }), configuration: null };
    await handler(changeEvent(deleted));

    expect(putInputs()[0]?.Evaluations?.[0]).toEqual({
      ComplianceResourceType: "AWS::DynamoDB::Table",
      ComplianceResourceId: "kc-users",
      ComplianceType: "NOT_APPLICABLE",
      Annotation: "Resource deleted (ResourceDeleted); no data left to place.",
      OrderingTimestamp: new Date(CAPTURE_TIME),
    });
  });

  it("reports a resource that left the rule's scope as NOT_APPLICABLE", async () => {
    await handler(
      changeEvent(bucketItem("eu-west-1", { DataClass: "user-data" }), { eventLeftScope: true }),
    );

    expect(putInputs()[0]?.Evaluations).toEqual([
      {
        ComplianceResourceType: "AWS::S3::Bucket",
        ComplianceResourceId: "kc-uploads-eu-west-1",
        ComplianceType: "NOT_APPLICABLE",
        Annotation: "The resource left the rule's scope.",
        OrderingTimestamp: new Date(CAPTURE_TIME),
      },
    ]);
  });

  it("reads an item without tags or configuration as untagged", async () => {
    const bare = dynamoDbTableItem({ status: "ResourceNotRecorded" });
    delete bare.tags;
    delete bare.configuration;
    await handler(changeEvent(bare));

    expect(putInputs()[0]?.Evaluations?.[0]).toMatchObject({
      ComplianceType: "NOT_APPLICABLE",
      Annotation:
        "No DataClass tag; residency applies to DataClass=user-data and DataClass=pseudonymous-directory only.",
    });
  });

  it("evaluates an unknown resource type by its tag and region", async () => {
    const item = {
      ...bucketItem("eu-west-1", { DataClass: "user-data" }),
      resourceType: "AWS::NewService::Thing",
      resourceId: "thing-1",
    };
    await handler(changeEvent(item));

    expect(putInputs()[0]?.Evaluations?.[0]).toMatchObject({
      ComplianceResourceType: "AWS::NewService::Thing",
      ComplianceResourceId: "thing-1",
      ComplianceType: "NON_COMPLIANT",
      Annotation: "User data outside the allowed regions (me-south-1): stored in eu-west-1.",
    });
  });

  it("orders by the notification time when the item has no capture time", async () => {
    const item = { ...dynamoDbTableItem(), configurationItemCaptureTime: null };
    await handler(changeEvent(item));

    expect(putInputs()[0]?.Evaluations?.[0]?.OrderingTimestamp).toEqual(
      new Date(NOTIFICATION_TIME),
    );
  });

  it("passes the TESTMODE result token through, in test mode", async () => {
    await handler(changeEvent(dynamoDbTableItem(), { resultToken: "TESTMODE" }));

    expect(putInputs()[0]).toMatchObject({ ResultToken: "TESTMODE", TestMode: true });
  });

  it("logs one structured line per decision", async () => {
    await handler(changeEvent(dynamoDbTableItem({ replicas: ["eu-west-1"] })));

    expect(loggedLines()).toEqual([
      {
        level: "INFO",
        message: "residency decision",
        configRuleName: "kc-me-south-1-user-data-residency",
        messageType: "ConfigurationItemChangeNotification",
        resourceType: "AWS::DynamoDB::Table",
        resourceId: "kc-users",
        awsRegion: "me-south-1",
        complianceType: "NON_COMPLIANT",
        annotation:
          "User data outside the allowed regions (me-south-1): DynamoDB replica in eu-west-1.",
      },
    ]);
  });
});

describe("OversizedConfigurationItemChangeNotification", () => {
  it("fetches the item from the configuration history, then evaluates it", async () => {
    const historyCapture = new Date("2026-03-02T09:15:27.412Z");
    configMock.on(GetResourceConfigHistoryCommand).resolves({
      configurationItems: [
        {
          version: "1.3",
          accountId: ACCOUNT_ID,
          configurationItemCaptureTime: historyCapture,
          configurationItemStatus: "OK",
          resourceType: "AWS::DynamoDB::Table",
          resourceId: "kc-users",
          resourceName: "kc-users",
          arn: `arn:aws:dynamodb:me-south-1:${ACCOUNT_ID}:table/kc-users`,
          awsRegion: "me-south-1",
          availabilityZone: "Regional",
          tags: { DataClass: "user-data", Project: "knowledgecity" },
          configuration: JSON.stringify({
            tableName: "kc-users",
            replicas: [{ regionName: "ap-south-1", replicaStatus: "ACTIVE" }],
          }),
          supplementaryConfiguration: {},
          relationships: [],
          relatedEvents: [],
        },
      ],
    });

    const summary = await handler(
      oversizedEvent({ resourceType: "AWS::DynamoDB::Table", resourceId: "kc-users" }),
    );

    expect(summary.evaluations).toBe(1);
    expect(
      configMock.commandCalls(GetResourceConfigHistoryCommand).map((call) => call.args[0].input),
    ).toEqual([{ resourceType: "AWS::DynamoDB::Table", resourceId: "kc-users", limit: 1 }]);
    expect(putInputs()).toEqual([
      {
        Evaluations: [
          {
            ComplianceResourceType: "AWS::DynamoDB::Table",
            ComplianceResourceId: "kc-users",
            ComplianceType: "NON_COMPLIANT",
            Annotation:
              "User data outside the allowed regions (me-south-1): DynamoDB replica in ap-south-1.",
            OrderingTimestamp: historyCapture,
          },
        ],
        ResultToken: RESULT_TOKEN,
      },
    ]);
  });

  it("does not fetch a deleted resource: it is NOT_APPLICABLE", async () => {
    await handler(
      oversizedEvent({
        resourceType: "AWS::DynamoDB::Table",
        resourceId: "kc-users",
        status: "ResourceDeleted",
      }),
    );

    expect(configMock.commandCalls(GetResourceConfigHistoryCommand)).toHaveLength(0);
    expect(putInputs()[0]?.Evaluations?.[0]?.ComplianceType).toBe("NOT_APPLICABLE");
  });

  it("fails with a named error when the history has no item, reporting nothing", async () => {
    configMock.on(GetResourceConfigHistoryCommand).resolves({ configurationItems: [] });

    await expect(
      handler(oversizedEvent({ resourceType: "AWS::DynamoDB::Table", resourceId: "kc-users" })),
    ).rejects.toThrow(
      new ConfigurationItemNotFoundError(
        "GetResourceConfigHistory returned no configuration item for AWS::DynamoDB::Table kc-users; expected the item of the oversized change notification",
      ),
    );
    expect(putInputs()).toEqual([]);
  });

  it("wraps an SDK error in a named error that keeps it as the cause", async () => {
    const sdkError = new ConfigServiceServiceException({
      name: "ResourceNotDiscoveredException",
      $fault: "client",
      $metadata: {},
      message:
        "Resource kc-users of resourceType:AWS::DynamoDB::Table is unknown or has not been discovered",
    });
    configMock.on(GetResourceConfigHistoryCommand).rejects(sdkError);

    const failure = handler(
      oversizedEvent({ resourceType: "AWS::DynamoDB::Table", resourceId: "kc-users" }),
    );
    await expect(failure).rejects.toBeInstanceOf(ConfigServiceError);
    await expect(failure).rejects.toMatchObject({
      message:
        "GetResourceConfigHistory for AWS::DynamoDB::Table kc-users failed: ResourceNotDiscoveredException: Resource kc-users of resourceType:AWS::DynamoDB::Table is unknown or has not been discovered",
      cause: sdkError,
    });
    expect(putInputs()).toEqual([]);
  });
});

describe("ScheduledNotification", () => {
  const rows = (from: number, count: number) =>
    Array.from({ length: count }, (_, index) =>
      queryRow({
        resourceId: `kc-uploads-${String(from + index).padStart(3, "0")}`,
        region: (from + index) % 10 === 0 ? "eu-west-1" : "me-south-1",
      }),
    );

  it("evaluates every tagged resource across query pages and writes them 100 at a time", async () => {
    configMock
      .on(SelectResourceConfigCommand)
      .resolvesOnce({ Results: rows(0, 100), NextToken: "page-2" })
      .resolvesOnce({ Results: rows(100, 100), NextToken: "page-3" })
      .resolvesOnce({ Results: rows(200, 50) });

    const summary = await handler(scheduledEvent());

    expect(summary).toEqual({
      messageType: "ScheduledNotification",
      evaluations: 250,
      putEvaluationsCalls: 3,
    });

    const expression =
      "SELECT resourceId, resourceType, awsRegion, configurationItemStatus, tags, configuration " +
      "WHERE tags.tag IN ('DataClass=user-data', 'DataClass=pseudonymous-directory') AND awsRegion = 'me-south-1'";
    expect(
      configMock.commandCalls(SelectResourceConfigCommand).map((call) => call.args[0].input),
    ).toEqual([
      { Expression: expression, Limit: 100, NextToken: undefined },
      { Expression: expression, Limit: 100, NextToken: "page-2" },
      { Expression: expression, Limit: 100, NextToken: "page-3" },
    ]);

    const puts = putInputs();
    expect(puts.map((input) => input.Evaluations?.length)).toEqual([100, 100, 50]);
    expect(puts.every((input) => input.ResultToken === RESULT_TOKEN)).toBe(true);
    const all: Evaluation[] = puts.flatMap((input) => input.Evaluations ?? []);
    expect(all.map((evaluation) => evaluation.ComplianceResourceId)).toEqual(
      Array.from({ length: 250 }, (_, index) => `kc-uploads-${String(index).padStart(3, "0")}`),
    );
    expect(all.filter((evaluation) => evaluation.ComplianceType === "NON_COMPLIANT")).toHaveLength(
      25,
    );
    expect(all[10]).toEqual({
      ComplianceResourceType: "AWS::S3::Bucket",
      ComplianceResourceId: "kc-uploads-010",
      ComplianceType: "NON_COMPLIANT",
      Annotation: "User data outside the allowed regions (me-south-1): stored in eu-west-1.",
      OrderingTimestamp: new Date(NOTIFICATION_TIME),
    });
    expect(loggedLines()).toHaveLength(250);
    // Everything is evaluated before anything is written.
    expect(callNames()).toEqual([
      "SelectResourceConfigCommand",
      "SelectResourceConfigCommand",
      "SelectResourceConfigCommand",
      "PutEvaluationsCommand",
      "PutEvaluationsCommand",
      "PutEvaluationsCommand",
    ]);
  });

  it("reads replicas from the configuration object of a query row", async () => {
    configMock.on(SelectResourceConfigCommand).resolves({
      Results: [
        queryRow({
          resourceId: "kc-users",
          resourceType: "AWS::DynamoDB::Table",
          configuration: { tableName: "kc-users", replicas: [{ regionName: "us-east-1" }] },
        }),
      ],
    });

    await handler(scheduledEvent());

    expect(putInputs()[0]?.Evaluations?.[0]).toMatchObject({
      ComplianceResourceId: "kc-users",
      ComplianceType: "NON_COMPLIANT",
      Annotation:
        "User data outside the allowed regions (me-south-1): DynamoDB replica in us-east-1.",
    });
  });

  it("writes nothing when no resource is tagged", async () => {
    configMock.on(SelectResourceConfigCommand).resolves({ Results: [] });

    const summary = await handler(scheduledEvent());

    expect(summary).toEqual({
      messageType: "ScheduledNotification",
      evaluations: 0,
      putEvaluationsCalls: 0,
    });
    expect(putInputs()).toEqual([]);
  });

  it("reports the resources it could evaluate, then fails naming the others", async () => {
    configMock.on(SelectResourceConfigCommand).resolves({
      Results: [
        queryRow({ resourceId: "good" }),
        queryRow({ resourceId: "bad-tags", tags: "DataClass=user-data" }),
        '{"resourceType":"AWS::S3::Bucket"',
        JSON.stringify({ resourceType: "AWS::S3::Bucket", awsRegion: "me-south-1", tags: [] }),
      ],
    });

    await expect(handler(scheduledEvent())).rejects.toThrow(
      new UnevaluatedResourcesError(
        [
          'AWS::S3::Bucket bad-tags: tags = "DataClass=user-data": expected a map of tag keys to string values, such as {"DataClass":"user-data"}',
          'SelectResourceConfig result "{\\"resourceType\\":\\"AWS::S3::Bucket\\"" is not valid JSON; expected a JSON object per resource',
          "Invalid SelectResourceConfig result: result.resourceId is missing: expected the resource's id",
        ],
        1,
      ),
    );
    expect(
      putInputs()[0]?.Evaluations?.map((evaluation) => evaluation.ComplianceResourceId),
    ).toEqual(["good"]);
  });
});

describe("PutEvaluations failures", () => {
  it("throws naming the evaluations AWS Config rejected, after writing every batch", async () => {
    configMock.on(SelectResourceConfigCommand).resolves({
      Results: Array.from({ length: 150 }, (_, index) => queryRow({ resourceId: `b-${index}` })),
    });
    configMock
      .on(PutEvaluationsCommand)
      .resolvesOnce({
        FailedEvaluations: [
          {
            ComplianceResourceType: "AWS::S3::Bucket",
            ComplianceResourceId: "b-7",
            ComplianceType: "COMPLIANT",
            OrderingTimestamp: new Date(NOTIFICATION_TIME),
          },
        ],
      })
      .resolvesOnce({ FailedEvaluations: [] });

    await expect(handler(scheduledEvent())).rejects.toThrow(
      new FailedEvaluationsError(
        [{ resourceType: "AWS::S3::Bucket", resourceId: "b-7", complianceType: "COMPLIANT" }],
        150,
      ),
    );
    expect(putInputs()).toHaveLength(2);
  });

  it("says which evaluations failed in the message", () => {
    expect(
      new FailedEvaluationsError(
        [{ resourceType: "AWS::S3::Bucket", resourceId: "b-7", complianceType: "COMPLIANT" }],
        150,
      ).message,
    ).toBe(
      "AWS Config rejected 1 of 150 evaluations: AWS::S3::Bucket/b-7 (COMPLIANT); expected every evaluation to be accepted, so the invocation fails and is retried",
    );
  });

  it("wraps a PutEvaluations SDK error and logs the failure", async () => {
    configMock.on(PutEvaluationsCommand).rejects(new Error("Rate exceeded"));

    await expect(handler(changeEvent(dynamoDbTableItem()))).rejects.toThrow(
      new ConfigServiceError("PutEvaluations (batch 1) failed: Error: Rate exceeded"),
    );
    expect(errorSpy).toHaveBeenCalledTimes(1);
    expect(JSON.parse(String(errorSpy.mock.calls[0]?.[0]))).toEqual({
      level: "ERROR",
      message: "residency audit failed",
      configRuleName: "kc-me-south-1-user-data-residency",
      error: "ConfigServiceError",
      detail: "PutEvaluations (batch 1) failed: Error: Rate exceeded",
    });
  });
});

describe("malformed events", () => {
  const change = {
    configurationItem: dynamoDbTableItem(),
    notificationCreationTime: NOTIFICATION_TIME,
    messageType: "ConfigurationItemChangeNotification",
  };

  const cases: [string, () => Promise<unknown>, Error][] = [
    [
      "invokingEvent that is not JSON",
      () => handler(ruleEvent(undefined, { invokingEvent: "{messageType:" })),
      new InvalidEventError(
        'event.invokingEvent = "{messageType:" is not valid JSON; expected the JSON text of an AWS Config invoking event',
      ),
    ],
    [
      "invokingEvent that is not an object",
      () => handler(ruleEvent(undefined, { invokingEvent: "[]" })),
      new InvalidEventError(
        'event.invokingEvent = "[]" is not a JSON object; expected an AWS Config invoking event',
      ),
    ],
    [
      "an unknown messageType",
      () =>
        handler(
          ruleEvent({
            messageType: "ConfigurationSnapshotDeliveryCompleted",
            configSnapshotId: "x",
          }),
        ),
      new InvalidEventError(
        'invokingEvent.messageType = "ConfigurationSnapshotDeliveryCompleted": expected one of ConfigurationItemChangeNotification, OversizedConfigurationItemChangeNotification, ScheduledNotification',
      ),
    ],
    [
      "a missing resultToken",
      () => handler(ruleEvent(change, { resultToken: undefined })),
      new InvalidEventError(
        "Invalid AWS Config rule event: event.resultToken is missing: expected the result token to pass to PutEvaluations",
      ),
    ],
    [
      "several bad fields",
      () => handler(ruleEvent(change, { eventLeftScope: "no", accountId: "12345" })),
      new InvalidEventError(
        'Invalid AWS Config rule event: event.eventLeftScope = "no": expected true or false; event.accountId = "12345": expected a 12-digit AWS account id',
      ),
    ],
    [
      "an event that is not an object",
      () => handler(null as unknown as Parameters<typeof handler>[0]),
      new InvalidEventError(
        "Invalid AWS Config rule event: event = null: expected the AWS Config custom-rule event object",
      ),
    ],
    [
      "a configuration item without a resourceId",
      () =>
        handler(
          ruleEvent({
            ...change,
            configurationItem: { ...change.configurationItem, resourceId: "" },
          }),
        ),
      new InvalidEventError(
        'Invalid AWS Config invoking event: invokingEvent.configurationItem.resourceId = "": expected the resource\'s id',
      ),
    ],
    [
      "a change notification without its configuration item",
      () => handler(ruleEvent({ messageType: "ConfigurationItemChangeNotification" })),
      new InvalidEventError(
        "Invalid AWS Config invoking event: invokingEvent.configurationItem is missing: expected the configuration item object",
      ),
    ],
    [
      "a bad capture time",
      () =>
        handler(
          ruleEvent({
            ...change,
            configurationItem: {
              ...change.configurationItem,
              configurationItemCaptureTime: "yesterday",
            },
          }),
        ),
      new InvalidEventError(
        'Invalid AWS Config invoking event: invokingEvent.configurationItem.configurationItemCaptureTime = "yesterday": expected an ISO 8601 timestamp such as 2026-01-31T12:00:00.000Z',
      ),
    ],
    [
      "a scheduled notification without its time",
      () => handler(ruleEvent({ messageType: "ScheduledNotification", awsAccountId: ACCOUNT_ID })),
      new InvalidEventError(
        "Invalid AWS Config invoking event: invokingEvent.notificationCreationTime is missing: expected an ISO 8601 timestamp such as 2026-01-31T12:00:00.000Z",
      ),
    ],
    [
      "tags that are not a map",
      () => handler(changeEvent(dynamoDbTableItem({ tags: ["DataClass", "user-data"] }))),
      new InvalidConfigurationItemError(
        'AWS::DynamoDB::Table kc-users: tags = ["DataClass","user-data"]: entry "DataClass" is not a {key, value} pair of strings; expected a map of tag keys to string values, such as {"DataClass":"user-data"}',
      ),
    ],
    [
      "ruleParameters that are not JSON",
      () =>
        handler(changeEvent(dynamoDbTableItem(), { ruleParameters: "allowedRegions=me-south-1" })),
      new InvalidRuleParametersError(
        'ruleParameters = "allowedRegions=me-south-1" is not valid JSON; expected JSON text such as {"allowedRegions":"me-south-1"} or {"allowedRegions":"us-east-1,us-west-2"}',
      ),
    ],
    [
      "ruleParameters without allowedRegions",
      () => handler(scheduledEvent({ ruleParameters: "{}" })),
      new InvalidRuleParametersError(
        'ruleParameters.allowedRegions is missing (ruleParameters = "{}"); expected {"allowedRegions":"me-south-1"} or {"allowedRegions":"us-east-1,us-west-2"}',
      ),
    ],
    [
      "no ruleParameters at all",
      () => handler(scheduledEvent({ ruleParameters: undefined })),
      new InvalidRuleParametersError(
        'ruleParameters is missing; expected JSON text such as {"allowedRegions":"me-south-1"} or {"allowedRegions":"us-east-1,us-west-2"}',
      ),
    ],
  ];

  it.each(cases)(
    "rejects %s with a named error and calls no AWS API",
    async (_name, run, expected) => {
      const failure = run();
      await expect(failure).rejects.toThrow(expected);
      await expect(failure).rejects.toBeInstanceOf(expected.constructor);
      expect(callNames()).toEqual([]);
      expect(putInputs()).toEqual([]);
    },
  );

  it("cuts an oversized annotation to 256 characters", async () => {
    const regions = Array.from({ length: 30 }, (_, index) => `ap-southeast-${index + 1}`);
    await handler(changeEvent(dynamoDbTableItem({ replicas: regions })));

    const annotation = putInputs()[0]?.Evaluations?.[0]?.Annotation ?? "";
    expect(annotation).toHaveLength(256);
    expect(annotation.startsWith("User data outside the allowed regions (me-south-1): ")).toBe(
      true,
    );
    expect(annotation.endsWith("…")).toBe(true);
  });
});
