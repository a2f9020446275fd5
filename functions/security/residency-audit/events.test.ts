import { describe, expect, it } from "vitest";
import {
  InvalidConfigurationItemError,
  InvalidEventError,
  InvalidRuleParametersError,
} from "./errors";
import {
  ACCOUNT_ID,
  NOTIFICATION_TIME,
  changeEvent,
  dynamoDbTableItem,
  ruleEvent,
  scheduledEvent,
} from "./fixtures/events";
import { handler } from "./handler";
import { useConfigHarness } from "./test-support";

const { putInputs, callNames } = useConfigHarness("me-south-1");

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
