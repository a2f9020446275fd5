/**
 * Lambda handler of the `residency-audit` AWS Config custom rule: parses and validates the event,
 * gathers the configuration items to judge (from the event, from the configuration history for an
 * oversized item, or from an advanced query on a periodic run), asks the pure core for a verdict
 * on each, and reports them all with PutEvaluations.
 *
 * A periodic run queries this region (`SelectResourceConfig`), or, with `AGGREGATOR_NAME` set (the
 * primary stack's account aggregator over all regions), the aggregated view
 * (`SelectAggregateResourceConfig`): then every user-data resource of the account, in any region,
 * is judged by its own jurisdiction's allowed regions, and the verdict is reported on the account
 * (`AWS::::Account`), because an evaluation names a resource by type and id only, and a resource
 * of another region with the same id (a global table's replica) would be taken for this region's.
 * Resources of this region are still reported one by one.
 *
 * Rule parameters: `{"allowedRegions": "me-south-1"}` (comma-separated region codes); with the
 * aggregator also `"jurisdictionRegions": "SA=me-south-1;US=us-east-1,us-west-2"`; and
 * `"homeRegions": "me-south-1,us-east-1"`, where the home-region directory may be (without it a
 * table tagged `DataClass=pseudonymous-directory` is NON_COMPLIANT: its placement is unproven).
 * Triggers: ConfigurationItemChangeNotification, OversizedConfigurationItemChangeNotification
 * and/or ScheduledNotification (periodic).
 * IAM: config:PutEvaluations, config:GetResourceConfigHistory, and config:SelectResourceConfig or
 * (with the aggregator) config:SelectAggregateResourceConfig on the aggregator.
 * Environment: `AGGREGATOR_NAME` (optional, contracts/functions.ts); the SDK takes the region and
 * credentials from Lambda's.
 */
import {
  ConfigServiceClient,
  GetResourceConfigHistoryCommand,
  PutEvaluationsCommand,
  SelectAggregateResourceConfigCommand,
  SelectResourceConfigCommand,
  type ConfigurationItem as HistoryItem,
  type Evaluation,
  type ResourceType,
} from "@aws-sdk/client-config-service";
import { z } from "zod";
import {
  ACCOUNT_RESOURCE_TYPE,
  DATA_CLASS_TAG,
  DELETED_STATUSES,
  DIRECTORY,
  USER_DATA,
  auditAccount,
  evaluateResidency,
  isRegionCode,
  parseHomeRegions,
  parseJurisdictionRegions,
  parseRuleParameters,
  parseTags,
  truncateAnnotation,
  type ComplianceType,
  type ConfigurationItem,
  type JurisdictionRegions,
} from "./core";
import { loadAuditConfiguration } from "./configuration";
import {
  ConfigServiceError,
  ConfigurationItemNotFoundError,
  FailedEvaluationsError,
  InvalidEventError,
  InvalidRuleParametersError,
  UnevaluatedResourcesError,
  quote,
} from "./errors";

const settings = loadAuditConfiguration(process.env);

/** Region and credentials come from the Lambda environment, read by the SDK itself. */
const config = new ConfigServiceClient({});

/** PutEvaluations accepts at most this many evaluations per call. */
export const MAX_EVALUATIONS_PER_CALL = 100;

/** SelectResourceConfig returns at most this many results per page. */
const QUERY_PAGE_SIZE = 100;

/** The result token AWS Config sends when a rule is invoked in test mode. */
export const TEST_MODE_RESULT_TOKEN = "TESTMODE";

export const MESSAGE_TYPES = [
  "ConfigurationItemChangeNotification",
  "OversizedConfigurationItemChangeNotification",
  "ScheduledNotification",
] as const;
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

/** What one invocation did; AWS Config ignores the return value, it is for logs and tests. */
export interface AuditSummary {
  readonly messageType: MessageType;
  readonly evaluations: number;
  readonly putEvaluationsCalls: number;
}

// --- event schemas ----------------------------------------------------------------------------

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

type ChangeNotification = z.infer<typeof changeNotificationSchema>;
type OversizedNotification = z.infer<typeof oversizedNotificationSchema>;
type ScheduledNotification = z.infer<typeof scheduledNotificationSchema>;
type InvokingEvent = ChangeNotification | OversizedNotification | ScheduledNotification;

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

// --- handler ----------------------------------------------------------------------------------

/** A verdict with the time AWS Config orders it by. */
interface TimedEvaluation {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly complianceType: ComplianceType;
  readonly annotation: string;
  readonly awsRegion: string;
  readonly orderingTimestamp: Date;
}

export async function handler(event: ConfigRuleEvent): Promise<AuditSummary> {
  try {
    // Everything that can be rejected is checked before any AWS call.
    const ruleEvent = parse(configRuleEventSchema, event, "event", "AWS Config rule event");
    const invoking = parseInvokingEvent(ruleEvent.invokingEvent);
    const allowedRegions = parseRuleParameters(ruleEvent.ruleParameters);
    // Where the home-region directory may be; without it a directory table is a finding.
    const homeRegions = parseHomeRegions(ruleEvent.ruleParameters);
    const jurisdictions =
      invoking.messageType === "ScheduledNotification" && settings.aggregatorName !== undefined
        ? requireJurisdictions(ruleEvent.ruleParameters, settings.aggregatorName)
        : undefined;

    const { evaluations, problems } = await evaluate(
      ruleEvent,
      invoking,
      { allowedRegions, homeRegions },
      jurisdictions,
    );
    for (const evaluation of evaluations) {
      log("INFO", "residency decision", {
        configRuleName: ruleEvent.configRuleName,
        messageType: invoking.messageType,
        resourceType: evaluation.resourceType,
        resourceId: evaluation.resourceId,
        awsRegion: evaluation.awsRegion,
        complianceType: evaluation.complianceType,
        annotation: evaluation.annotation,
      });
    }
    const putEvaluationsCalls = await report(evaluations, ruleEvent.resultToken);
    if (problems.length > 0) {
      throw new UnevaluatedResourcesError(problems, evaluations.length);
    }
    return {
      messageType: invoking.messageType,
      evaluations: evaluations.length,
      putEvaluationsCalls,
    };
  } catch (error) {
    log("ERROR", "residency audit failed", {
      configRuleName: isRecord(event) ? event.configRuleName : undefined,
      error: error instanceof Error ? error.name : "Error",
      detail: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
}

/** Parses `invokingEvent` (JSON text) and checks it against its message type's schema. */
function parseInvokingEvent(raw: string): InvokingEvent {
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

interface Gathered {
  readonly evaluations: TimedEvaluation[];
  /** Resources found but not evaluable (periodic runs only); reported after the others are written. */
  readonly problems: string[];
}

async function evaluate(
  event: ConfigRuleEvent,
  invoking: InvokingEvent,
  regions: Placement,
  jurisdictions: JurisdictionRegions | undefined,
): Promise<Gathered> {
  switch (invoking.messageType) {
    case "ConfigurationItemChangeNotification": {
      const raw = invoking.configurationItem;
      const at = orderingTime(raw.configurationItemCaptureTime, invoking.notificationCreationTime);
      if (event.eventLeftScope) {
        return { evaluations: [leftScope(raw, at)], problems: [] };
      }
      const item: ConfigurationItem = {
        resourceType: raw.resourceType,
        resourceId: raw.resourceId,
        awsRegion: raw.awsRegion,
        configurationItemStatus: raw.configurationItemStatus,
        tags: parseTags(raw.tags, `${raw.resourceType} ${raw.resourceId}`),
        configuration: raw.configuration ?? null,
      };
      return { evaluations: [judge(item, regions, at)], problems: [] };
    }
    case "OversizedConfigurationItemChangeNotification": {
      const summary = invoking.configurationItemSummary;
      const at = orderingTime(
        summary.configurationItemCaptureTime,
        invoking.notificationCreationTime,
      );
      if (event.eventLeftScope) {
        return { evaluations: [leftScope(summary, at)], problems: [] };
      }
      if (DELETED_STATUSES.includes(summary.configurationItemStatus)) {
        // Deleted: not applicable whatever the history holds, so it is not fetched.
        const item = { ...summary, tags: {}, configuration: null };
        return { evaluations: [judge(item, regions, at)], problems: [] };
      }
      const { item, capturedAt } = await fetchLatestItem(summary.resourceType, summary.resourceId);
      return { evaluations: [judge(item, regions, capturedAt ?? at)], problems: [] };
    }
    case "ScheduledNotification":
      return settings.aggregatorName === undefined || jurisdictions === undefined
        ? scheduledRun(invoking, regions)
        : aggregatedRun(event, invoking, regions, {
            aggregatorName: settings.aggregatorName,
            jurisdictions,
          });
  }
}

/** The account-wide audit needs every jurisdiction's allowed regions. */
function requireJurisdictions(
  ruleParameters: string | undefined,
  aggregatorName: string,
): JurisdictionRegions {
  const jurisdictions = parseJurisdictionRegions(ruleParameters);
  if (jurisdictions === undefined) {
    throw new InvalidRuleParametersError(
      `ruleParameters.jurisdictionRegions is missing (ruleParameters = ${quote(ruleParameters)}); the account-wide audit over aggregator ${aggregatorName} judges each resource by its Jurisdiction tag, so it needs every jurisdiction's allowed regions, such as "SA=me-south-1;US=us-east-1,us-west-2"`,
    );
  }
  return jurisdictions;
}

/** The full configuration item behind an oversized notification, from the configuration history. */
async function fetchLatestItem(
  resourceType: string,
  resourceId: string,
): Promise<{ item: ConfigurationItem; capturedAt: Date | undefined }> {
  const resource = `${resourceType} ${resourceId}`;
  const response = await call(`GetResourceConfigHistory for ${resource}`, () =>
    config.send(
      new GetResourceConfigHistoryCommand({
        // The service accepts any resource type string; the SDK's union lags behind new types.
        resourceType: resourceType as ResourceType,
        resourceId,
        limit: 1,
      }),
    ),
  );
  const latest: HistoryItem | undefined = response.configurationItems?.[0];
  if (latest === undefined) {
    throw new ConfigurationItemNotFoundError(
      `GetResourceConfigHistory returned no configuration item for ${resource}; expected the item of the oversized change notification`,
    );
  }
  return {
    item: {
      resourceType: latest.resourceType ?? resourceType,
      resourceId: latest.resourceId ?? resourceId,
      awsRegion: requireField(latest.awsRegion, "awsRegion", resource),
      configurationItemStatus: requireField(
        latest.configurationItemStatus,
        "configurationItemStatus",
        resource,
      ),
      tags: parseTags(latest.tags, resource),
      configuration: parseConfigurationText(latest.configuration, resource),
    },
    capturedAt: latest.configurationItemCaptureTime,
  };
}

/**
 * The advanced query's condition on the data classes the rule audits: user data, and the
 * home-region directory (checked against the home regions).
 * https://docs.aws.amazon.com/config/latest/developerguide/query-components.html
 */
const AUDITED_TAGS = `tags.tag IN ('${DATA_CLASS_TAG}=${USER_DATA}', '${DATA_CLASS_TAG}=${DIRECTORY}')`;

/** A periodic run: every resource of this region tagged as user data, from an advanced query. */
async function scheduledRun(
  invoking: ScheduledNotification,
  regions: Placement,
): Promise<Gathered> {
  const at = new Date(invoking.notificationCreationTime);
  const region = await ownRegion();
  const expression =
    "SELECT resourceId, resourceType, awsRegion, configurationItemStatus, tags, configuration " +
    `WHERE ${AUDITED_TAGS} AND awsRegion = '${region}'`;

  const evaluations: TimedEvaluation[] = [];
  const problems: string[] = [];
  let nextToken: string | undefined;
  let page = 0;
  do {
    page += 1;
    const response = await call(`SelectResourceConfig (page ${page})`, () =>
      config.send(
        new SelectResourceConfigCommand({
          Expression: expression,
          Limit: QUERY_PAGE_SIZE,
          NextToken: nextToken,
        }),
      ),
    );
    for (const row of response.Results ?? []) {
      try {
        evaluations.push(judge(parseQueryRow(row), regions, at));
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }
    nextToken = response.NextToken === "" ? undefined : response.NextToken;
  } while (nextToken !== undefined);
  return { evaluations, problems };
}

/**
 * A periodic run over the aggregator (all regions of the account): resources of this region are
 * judged one by one against this stack's allowed regions, as a change would be; every resource of
 * every region is judged by its own jurisdiction, and that verdict is reported on the account.
 */
async function aggregatedRun(
  event: ConfigRuleEvent,
  invoking: ScheduledNotification,
  regions: Placement,
  options: { readonly aggregatorName: string; readonly jurisdictions: JurisdictionRegions },
): Promise<Gathered> {
  const at = new Date(invoking.notificationCreationTime);
  const region = await ownRegion();
  const expression =
    "SELECT accountId, awsRegion, resourceId, resourceType, configurationItemStatus, tags, configuration " +
    `WHERE ${AUDITED_TAGS}`;
  const source = "SelectAggregateResourceConfig";

  const items: ConfigurationItem[] = [];
  const evaluations: TimedEvaluation[] = [];
  const problems: string[] = [];
  let nextToken: string | undefined;
  let page = 0;
  do {
    page += 1;
    const response = await call(`${source} on ${options.aggregatorName} (page ${page})`, () =>
      config.send(
        new SelectAggregateResourceConfigCommand({
          ConfigurationAggregatorName: options.aggregatorName,
          Expression: expression,
          Limit: QUERY_PAGE_SIZE,
          NextToken: nextToken,
        }),
      ),
    );
    for (const row of response.Results ?? []) {
      try {
        const { item, accountId } = parseQueryRowWithAccount(row, source);
        items.push(item);
        // Only this account's and this region's resources are this rule's to name one by one.
        if (item.awsRegion === region && (accountId ?? event.accountId) === event.accountId) {
          evaluations.push(judge(item, regions, at));
        }
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }
    nextToken = response.NextToken === "" ? undefined : response.NextToken;
  } while (nextToken !== undefined);

  const audit = auditAccount(items, options.jurisdictions);
  for (const finding of audit.findings) {
    log("INFO", "residency finding", { aggregator: options.aggregatorName, ...finding });
  }
  // Unreadable results leave the account's verdict unproven: it fails closed.
  const unreadable =
    problems.length === 0
      ? undefined
      : `${problems.length} result(s) of the aggregated query could not be read (see the log). `;
  evaluations.push({
    resourceType: ACCOUNT_RESOURCE_TYPE,
    resourceId: event.accountId,
    complianceType: unreadable === undefined ? audit.complianceType : "NON_COMPLIANT",
    annotation: truncateAnnotation(`${unreadable ?? ""}${audit.annotation}`),
    awsRegion: region,
    orderingTimestamp: at,
  });
  return { evaluations, problems };
}

/** The function's region (the Config client's), checked. */
async function ownRegion(): Promise<string> {
  const region = await call("Resolving the function's region", () => config.config.region());
  if (!isRegionCode(region)) {
    throw new ConfigServiceError(
      `The Config client's region = ${quote(region)}: expected an AWS region code such as me-south-1`,
    );
  }
  return region;
}

function parseQueryRow(row: string): ConfigurationItem {
  return parseQueryRowWithAccount(row, "SelectResourceConfig").item;
}

function parseQueryRowWithAccount(
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

/** Writes the evaluations in batches; fails if AWS Config did not take every one of them. */
async function report(evaluations: readonly TimedEvaluation[], resultToken: string) {
  const rejected: Evaluation[] = [];
  let calls = 0;
  for (let start = 0; start < evaluations.length; start += MAX_EVALUATIONS_PER_CALL) {
    const batch = evaluations.slice(start, start + MAX_EVALUATIONS_PER_CALL);
    calls += 1;
    const response = await call(`PutEvaluations (batch ${calls})`, () =>
      config.send(
        new PutEvaluationsCommand({
          Evaluations: batch.map(toEvaluation),
          ResultToken: resultToken,
          ...(resultToken === TEST_MODE_RESULT_TOKEN ? { TestMode: true } : {}),
        }),
      ),
    );
    rejected.push(...(response.FailedEvaluations ?? []));
  }
  if (rejected.length > 0) {
    throw new FailedEvaluationsError(
      rejected.map((evaluation) => ({
        resourceType: evaluation.ComplianceResourceType ?? "unknown type",
        resourceId: evaluation.ComplianceResourceId ?? "unknown id",
        complianceType: evaluation.ComplianceType ?? "unknown compliance",
      })),
      evaluations.length,
    );
  }
  return calls;
}

// --- helpers ----------------------------------------------------------------------------------

/** Where this stack's data may be: user data in the allowed regions, the directory in the home regions. */
interface Placement {
  readonly allowedRegions: readonly string[];
  readonly homeRegions: readonly string[] | undefined;
}

function judge(
  item: ConfigurationItem,
  regions: Placement,
  orderingTimestamp: Date,
): TimedEvaluation {
  const verdict = evaluateResidency(item, regions.allowedRegions, regions.homeRegions);
  return {
    resourceType: verdict.resourceType,
    resourceId: verdict.resourceId,
    complianceType: verdict.complianceType,
    annotation: verdict.annotation,
    awsRegion: item.awsRegion,
    orderingTimestamp,
  };
}

function leftScope(
  resource: { resourceType: string; resourceId: string; awsRegion: string },
  orderingTimestamp: Date,
): TimedEvaluation {
  return {
    resourceType: resource.resourceType,
    resourceId: resource.resourceId,
    complianceType: "NOT_APPLICABLE",
    annotation: truncateAnnotation("The resource left the rule's scope."),
    awsRegion: resource.awsRegion,
    orderingTimestamp,
  };
}

function toEvaluation(evaluation: TimedEvaluation): Evaluation {
  return {
    ComplianceResourceType: evaluation.resourceType,
    ComplianceResourceId: evaluation.resourceId,
    ComplianceType: evaluation.complianceType,
    Annotation: evaluation.annotation,
    OrderingTimestamp: evaluation.orderingTimestamp,
  };
}

/** The item's capture time, else the notification's time. */
function orderingTime(
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

function parseConfigurationText(raw: string | undefined, resource: string): unknown {
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

function requireField(value: string | undefined, name: string, resource: string): string {
  if (value === undefined || value === "") {
    throw new InvalidEventError(
      `GetResourceConfigHistory item for ${resource} has no ${name}; expected a complete configuration item`,
    );
  }
  return value;
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

/** Runs an AWS Config call; a failure is rethrown named, with the SDK's error as its cause. */
async function call<T>(what: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new ConfigServiceError(`${what} failed: ${detail}`, { cause: error });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One structured log line. */
function log(level: "INFO" | "ERROR", message: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === "ERROR") {
    console.error(line);
  } else {
    console.log(line);
  }
}
