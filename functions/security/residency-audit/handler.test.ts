import {
  ConfigServiceServiceException,
  GetResourceConfigHistoryCommand,
} from "@aws-sdk/client-config-service";
import { describe, expect, it } from "vitest";
import { ConfigServiceError, ConfigurationItemNotFoundError } from "./errors";
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
} from "./fixtures/events";
import { handler } from "./handler";
import { useConfigHarness } from "./test-support";

const { configMock, putInputs, loggedLines, callNames } = useConfigHarness("me-south-1");

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
