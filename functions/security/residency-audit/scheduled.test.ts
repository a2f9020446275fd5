import {
  PutEvaluationsCommand,
  SelectResourceConfigCommand,
  type Evaluation,
} from "@aws-sdk/client-config-service";
import { describe, expect, it } from "vitest";
import { ConfigServiceError, FailedEvaluationsError, UnevaluatedResourcesError } from "./errors";
import {
  NOTIFICATION_TIME,
  RESULT_TOKEN,
  changeEvent,
  dynamoDbTableItem,
  queryRow,
  scheduledEvent,
} from "./fixtures/events";
import { handler } from "./handler";
import { useConfigHarness } from "./test-support";

const { configMock, errorSpy, putInputs, loggedLines, callNames } = useConfigHarness("me-south-1");

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
    expect(errorSpy()).toHaveBeenCalledTimes(1);
    expect(JSON.parse(String(errorSpy().mock.calls[0]?.[0]))).toEqual({
      level: "ERROR",
      message: "residency audit failed",
      configRuleName: "kc-me-south-1-user-data-residency",
      error: "ConfigServiceError",
      detail: "PutEvaluations (batch 1) failed: Error: Rate exceeded",
    });
  });
});
