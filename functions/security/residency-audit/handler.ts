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
import { ConfigServiceClient } from "@aws-sdk/client-config-service";
import { gatherEvaluations, requireJurisdictions } from "./audit";
import { ConfigService } from "./config-service";
import { isRecord } from "./configuration-item";
import { loadAuditConfiguration } from "./configuration";
import { UnevaluatedResourcesError } from "./errors";
import {
  parseInvokingEvent,
  parseRuleEvent,
  type ConfigRuleEvent,
  type MessageType,
} from "./events";
import { log } from "./log";
import { parseHomeRegions, parseRuleParameters } from "./parameters";

const settings = loadAuditConfiguration(process.env);

/** Region and credentials come from the Lambda environment, read by the SDK itself. */
const service = new ConfigService(new ConfigServiceClient({}));

/** What one invocation did; AWS Config ignores the return value, it is for logs and tests. */
export interface AuditSummary {
  readonly messageType: MessageType;
  readonly evaluations: number;
  readonly putEvaluationsCalls: number;
}

/** Judges the resources the event names (or, on a periodic run, finds) and reports the verdicts. */
export async function handler(event: ConfigRuleEvent): Promise<AuditSummary> {
  try {
    // Everything that can be rejected is checked before any AWS call.
    const ruleEvent = parseRuleEvent(event);
    const invoking = parseInvokingEvent(ruleEvent.invokingEvent);
    const allowedRegions = parseRuleParameters(ruleEvent.ruleParameters);
    // Where the home-region directory may be; without it a directory table is a finding.
    const homeRegions = parseHomeRegions(ruleEvent.ruleParameters);
    const account =
      invoking.messageType === "ScheduledNotification" && settings.aggregatorName !== undefined
        ? {
            aggregatorName: settings.aggregatorName,
            jurisdictions: requireJurisdictions(ruleEvent.ruleParameters, settings.aggregatorName),
          }
        : undefined;

    const { evaluations, problems } = await gatherEvaluations(
      service,
      ruleEvent,
      invoking,
      { allowedRegions, homeRegions },
      account,
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
    const putEvaluationsCalls = await service.putEvaluations(evaluations, ruleEvent.resultToken);
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
