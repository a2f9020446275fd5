/**
 * What one invocation judges: the configuration item of a change notification, the latest
 * recorded item behind an oversized one, or, on a periodic run, every audited resource an advanced
 * query returns (this region's, or with the account aggregator every region's, each judged by its
 * own jurisdiction and reported on the account).
 */
import { auditAccount, ACCOUNT_RESOURCE_TYPE } from "./account-audit";
import type { ConfigService, TimedEvaluation } from "./config-service";
import {
  DATA_CLASS_TAG,
  DELETED_STATUSES,
  DIRECTORY,
  USER_DATA,
  evaluateResidency,
  truncateAnnotation,
  type ConfigurationItem,
} from "./core";
import { InvalidRuleParametersError, quote } from "./errors";
import {
  orderingTime,
  parseQueryRow,
  type ConfigRuleEvent,
  type InvokingEvent,
  type ScheduledNotification,
} from "./events";
import { log } from "./log";
import { parseJurisdictionRegions, type JurisdictionRegions } from "./parameters";
import { parseTags } from "./configuration-item";

/** Where this stack's data may be: user data in the allowed regions, the directory in the home regions. */
export interface Placement {
  readonly allowedRegions: readonly string[];
  readonly homeRegions: readonly string[] | undefined;
}

/** The account-wide audit of a periodic run: the aggregator and every jurisdiction's regions. */
export interface AccountScope {
  readonly aggregatorName: string;
  readonly jurisdictions: JurisdictionRegions;
}

/** The verdicts of one invocation. */
export interface Gathered {
  readonly evaluations: TimedEvaluation[];
  /** Resources found but not evaluable (periodic runs only); reported after the others are written. */
  readonly problems: string[];
}

/**
 * The verdicts of one invocation. `account` is set on a periodic run of the primary stack, whose
 * query then covers the aggregator's view.
 */
export async function gatherEvaluations(
  service: ConfigService,
  event: ConfigRuleEvent,
  invoking: InvokingEvent,
  regions: Placement,
  account: AccountScope | undefined,
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
      const { item, capturedAt } = await service.latestItem(
        summary.resourceType,
        summary.resourceId,
      );
      return { evaluations: [judge(item, regions, capturedAt ?? at)], problems: [] };
    }
    case "ScheduledNotification":
      return account === undefined
        ? scheduledRun(service, invoking, regions)
        : aggregatedRun(service, event, invoking, regions, account);
  }
}

/** The account-wide audit needs every jurisdiction's allowed regions. */
export function requireJurisdictions(
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

/**
 * The advanced query's condition on the data classes the rule audits: user data, and the
 * home-region directory (checked against the home regions).
 * https://docs.aws.amazon.com/config/latest/developerguide/query-components.html
 */
const AUDITED_TAGS = `tags.tag IN ('${DATA_CLASS_TAG}=${USER_DATA}', '${DATA_CLASS_TAG}=${DIRECTORY}')`;

/** A periodic run: every resource of this region tagged as user data, from an advanced query. */
async function scheduledRun(
  service: ConfigService,
  invoking: ScheduledNotification,
  regions: Placement,
): Promise<Gathered> {
  const at = new Date(invoking.notificationCreationTime);
  const region = await service.region();
  const expression =
    "SELECT resourceId, resourceType, awsRegion, configurationItemStatus, tags, configuration " +
    `WHERE ${AUDITED_TAGS} AND awsRegion = '${region}'`;

  const evaluations: TimedEvaluation[] = [];
  const problems: string[] = [];
  for await (const rows of service.selectResources(expression)) {
    for (const row of rows) {
      try {
        evaluations.push(judge(parseQueryRow(row, "SelectResourceConfig").item, regions, at));
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }
  }
  return { evaluations, problems };
}

/**
 * A periodic run over the aggregator (all regions of the account): resources of this region are
 * judged one by one against this stack's allowed regions, as a change would be; every resource of
 * every region is judged by its own jurisdiction, and that verdict is reported on the account.
 */
async function aggregatedRun(
  service: ConfigService,
  event: ConfigRuleEvent,
  invoking: ScheduledNotification,
  regions: Placement,
  account: AccountScope,
): Promise<Gathered> {
  const at = new Date(invoking.notificationCreationTime);
  const region = await service.region();
  const expression =
    "SELECT accountId, awsRegion, resourceId, resourceType, configurationItemStatus, tags, configuration " +
    `WHERE ${AUDITED_TAGS}`;

  const items: ConfigurationItem[] = [];
  const evaluations: TimedEvaluation[] = [];
  const problems: string[] = [];
  for await (const rows of service.selectAggregateResources(account.aggregatorName, expression)) {
    for (const row of rows) {
      try {
        const { item, accountId } = parseQueryRow(row, "SelectAggregateResourceConfig");
        items.push(item);
        // Only this account's and this region's resources are this rule's to name one by one.
        if (item.awsRegion === region && (accountId ?? event.accountId) === event.accountId) {
          evaluations.push(judge(item, regions, at));
        }
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }
  }

  const audit = auditAccount(items, account.jurisdictions);
  for (const finding of audit.findings) {
    log("INFO", "residency finding", { aggregator: account.aggregatorName, ...finding });
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
