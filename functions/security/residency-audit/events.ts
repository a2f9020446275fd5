/**
 * The events AWS Config sends the rule's function, and the rows of its advanced queries: their
 * schemas and the parsers that check them. Every problem is an `InvalidEventError` listing each
 * field as `path = value: expected ...`, so the log alone is enough to fix the input.
 */
import { z } from "zod";
import { isRecord, parseTags } from "./configuration-item";
import type { ConfigurationItem } from "./core";
import { InvalidEventError, quote } from "./errors";

/** The notifications that invoke the rule: a change, an oversized change, a periodic run. */
export const MESSAGE_TYPES = [
  "ConfigurationItemChangeNotification",
  "OversizedConfigurationItemChangeNotification",
  "ScheduledNotification",
] as const;
/** One of `MESSAGE_TYPES`. */
export type MessageType = (typeof MESSAGE_TYPES)[number];

/**
 * The event AWS Config sends to a custom rule's Lambda function (`@types/aws-lambda` has no type
 * for it). `invokingEvent` and `ruleParameters` are JSON text.
 */
export interface ConfigRuleEvent {
  readonly invokingEvent: string;
  readonly ruleParameters?: string;
  readonly resultToken: string;
  readonly eventLeftScope: boolean;
  readonly configRuleName: string;
  readonly accountId: string;
  readonly executionRoleArn: string;
  readonly configRuleArn?: string;
  readonly configRuleId?: string;
  readonly version?: string;
}

const text = (expected: string) =>
  z.string({ error: `expected ${expected}` }).min(1, { error: `expected ${expected}` });

const timestamp = z
  .string({ error: "expected an ISO 8601 timestamp such as 2026-01-31T12:00:00.000Z" })
  .refine((value) => !Number.isNaN(Date.parse(value)), {
    error: "expected an ISO 8601 timestamp such as 2026-01-31T12:00:00.000Z",
  });

const configRuleEventSchema = z.object(
  {
    invokingEvent: text("the invoking event as JSON text"),
    ruleParameters: z
      .string({ error: 'expected JSON text such as {"allowedRegions":"me-south-1"}' })
      .optional(),
    resultToken: text("the result token to pass to PutEvaluations"),
    eventLeftScope: z.boolean({ error: "expected true or false" }),
    configRuleName: text("the rule's name"),
    accountId: z
      .string({ error: "expected a 12-digit AWS account id" })
      .regex(/^\d{12}$/, { error: "expected a 12-digit AWS account id" }),
    executionRoleArn: text("the ARN of the rule's execution role"),
    configRuleArn: z.string().optional(),
    configRuleId: z.string().optional(),
    version: z.string().optional(),
  },
  { error: "expected the AWS Config custom-rule event object" },
) satisfies z.ZodType<ConfigRuleEvent>;

const resourceFields = {
  resourceType: text("an AWS resource type such as AWS::DynamoDB::Table"),
  resourceId: text("the resource's id"),
  awsRegion: text("the resource's region code"),
  configurationItemStatus: text("a status such as OK or ResourceDeleted"),
  configurationItemCaptureTime: timestamp.nullish(),
};

const changeNotificationSchema = z.object({
  messageType: z.literal("ConfigurationItemChangeNotification"),
  configurationItem: z.object(
    {
      ...resourceFields,
      // Checked by parseTags, whose message names the resource.
      tags: z.unknown().optional(),
      configuration: z.unknown().optional(),
    },
    { error: "expected the configuration item object" },
  ),
  notificationCreationTime: timestamp.nullish(),
});

const oversizedNotificationSchema = z.object({
  messageType: z.literal("OversizedConfigurationItemChangeNotification"),
  configurationItemSummary: z.object(resourceFields, {
    error: "expected the configuration item summary object",
  }),
  notificationCreationTime: timestamp.nullish(),
});

const scheduledNotificationSchema = z.object({
  messageType: z.literal("ScheduledNotification"),
  notificationCreationTime: timestamp,
  awsAccountId: z.string().optional(),
});

/** A change notification, its configuration item inline. */
export type ChangeNotification = z.infer<typeof changeNotificationSchema>;
/** A change notification whose item was too large to send: only its summary. */
export type OversizedNotification = z.infer<typeof oversizedNotificationSchema>;
/** A periodic run. */
export type ScheduledNotification = z.infer<typeof scheduledNotificationSchema>;
/** The parsed `invokingEvent`, by message type. */
export type InvokingEvent = ChangeNotification | OversizedNotification | ScheduledNotification;

/** One row of the periodic run's advanced query (the aggregated one adds `accountId`). */
const queryRowSchema = z.object({
  accountId: z.string().optional(),
  resourceId: text("the resource's id"),
  resourceType: text("an AWS resource type"),
  awsRegion: text("the resource's region code"),
  configurationItemStatus: z.string().optional(),
  tags: z.unknown().optional(),
  configuration: z.unknown().optional(),
});

/** Parses the Lambda event: the AWS Config custom-rule event. */
export function parseRuleEvent(event: unknown): ConfigRuleEvent {
  return parse(configRuleEventSchema, event, "event", "AWS Config rule event");
}

/** Parses `invokingEvent` (JSON text) and checks it against its message type's schema. */
export function parseInvokingEvent(raw: string): InvokingEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidEventError(
      `event.invokingEvent = ${quote(raw)} is not valid JSON; expected the JSON text of an AWS Config invoking event`,
    );
  }
  if (!isRecord(parsed)) {
    throw new InvalidEventError(
      `event.invokingEvent = ${quote(raw)} is not a JSON object; expected an AWS Config invoking event`,
    );
  }
  switch (parsed.messageType) {
    case "ConfigurationItemChangeNotification":
      return parse(changeNotificationSchema, parsed, "invokingEvent", "AWS Config invoking event");
    case "OversizedConfigurationItemChangeNotification":
      return parse(
        oversizedNotificationSchema,
        parsed,
        "invokingEvent",
        "AWS Config invoking event",
      );
    case "ScheduledNotification":
      return parse(
        scheduledNotificationSchema,
        parsed,
        "invokingEvent",
        "AWS Config invoking event",
      );
    default:
      throw new InvalidEventError(
        `invokingEvent.messageType = ${quote(parsed.messageType)}: expected one of ${MESSAGE_TYPES.join(", ")}`,
      );
  }
}

/**
 * One result row of an advanced query (`source`: `SelectResourceConfig` or
 * `SelectAggregateResourceConfig`) as a configuration item, with the account the aggregated
 * query names.
 */
export function parseQueryRow(
  row: string,
  source: string,
): { item: ConfigurationItem; accountId: string | undefined } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(row);
  } catch {
    throw new InvalidEventError(
      `${source} result ${quote(row)} is not valid JSON; expected a JSON object per resource`,
    );
  }
  const fields = parse(queryRowSchema, parsed, "result", `${source} result`);
  const resource = `${fields.resourceType} ${fields.resourceId}`;
  return {
    item: {
      resourceType: fields.resourceType,
      resourceId: fields.resourceId,
      awsRegion: fields.awsRegion,
      configurationItemStatus: fields.configurationItemStatus ?? "OK",
      tags: parseTags(fields.tags, resource),
      configuration:
        typeof fields.configuration === "string"
          ? parseConfigurationText(fields.configuration, resource)
          : (fields.configuration ?? null),
    },
    accountId: fields.accountId,
  };
}

/** The item's capture time, else the notification's time. */
export function orderingTime(
  captureTime: string | null | undefined,
  notificationTime: string | null | undefined,
): Date {
  const time = captureTime ?? notificationTime;
  if (time === undefined || time === null) {
    throw new InvalidEventError(
      "invokingEvent has neither configurationItemCaptureTime nor notificationCreationTime; expected at least one, to order the evaluation",
    );
  }
  return new Date(time);
}

/** A resource's configuration recorded as JSON text, parsed; null when absent or empty. */
export function parseConfigurationText(raw: string | undefined, resource: string): unknown {
  if (raw === undefined || raw === "") {
    return null;
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new InvalidEventError(
      `${resource}: configuration = ${quote(raw)} is not valid JSON; expected the resource's configuration as JSON text`,
    );
  }
}

/** Validates with a schema; the error lists every problem as `path = value: expected ...`. */
function parse<T>(schema: z.ZodType<T>, value: unknown, prefix: string, what: string): T {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) {
    return result.data;
  }
  const problems = result.error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].join(".");
    return issue.input === undefined
      ? `${path} is missing: ${issue.message}`
      : `${path} = ${quote(issue.input)}: ${issue.message}`;
  });
  throw new InvalidEventError(`Invalid ${what}: ${problems.join("; ")}`);
}
