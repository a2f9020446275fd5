/**
 * The account-wide audit (the aggregated view over every region): each user-data resource judged
 * by its own jurisdiction's allowed regions, and one verdict for the account.
 */
import {
  DATA_CLASS_TAG,
  USER_DATA,
  evaluateResidency,
  truncateAnnotation,
  type ConfigurationItem,
} from "./core";
import { quote } from "./errors";
import type { JurisdictionRegions } from "./parameters";

/** The tag naming the jurisdiction whose law governs a resource's data (a stack default tag). */
export const JURISDICTION_TAG = "Jurisdiction";

/**
 * The resource type of the account itself, which a periodic custom rule may evaluate (AWS
 * Config's periodic sample rule reports `AWS::::Account` with the account id:
 * https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_develop-rules_nodejs-sample.html).
 */
export const ACCOUNT_RESOURCE_TYPE = "AWS::::Account";

/** One user-data resource that is not where its jurisdiction allows. */
export interface AccountFinding {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly awsRegion: string;
  /** Why, in at most ANNOTATION_MAX_LENGTH characters. */
  readonly reason: string;
}

/** The account-wide verdict over every region the aggregator sees. */
export interface AccountAudit {
  readonly complianceType: "COMPLIANT" | "NON_COMPLIANT";
  readonly annotation: string;
  /** User-data resources judged (deleted and other data classes are not counted). */
  readonly judged: number;
  readonly findings: readonly AccountFinding[];
}

/**
 * Judges one resource of any region by its own jurisdiction: the `Jurisdiction` tag chooses the
 * allowed regions. User data whose jurisdiction is missing or unknown is a finding (fail closed:
 * nothing shows that its region is allowed). `judged` is false for what the rule does not judge
 * (deleted, or not user data); `finding` is absent when the resource is where it may be.
 */
export function judgeByJurisdiction(
  item: ConfigurationItem,
  jurisdictions: JurisdictionRegions,
): { readonly judged: boolean; readonly finding?: AccountFinding } {
  const jurisdiction = item.tags[JURISDICTION_TAG];
  const allowed = jurisdiction === undefined ? [] : (jurisdictions[jurisdiction] ?? []);
  const verdict = evaluateResidency(item, allowed);
  if (verdict.complianceType === "NOT_APPLICABLE") {
    return { judged: false };
  }
  const at = {
    resourceType: item.resourceType,
    resourceId: item.resourceId,
    awsRegion: item.awsRegion,
  };
  if (item.tags[DATA_CLASS_TAG] !== USER_DATA) {
    // Not plainly user data (a malformed tag, another audited class): the verdict stands alone.
    return verdict.complianceType === "NON_COMPLIANT"
      ? { judged: true, finding: { ...at, reason: verdict.annotation } }
      : { judged: true };
  }
  if (jurisdiction === undefined) {
    return {
      judged: true,
      finding: {
        ...at,
        reason: `User data in ${item.awsRegion} without a ${JURISDICTION_TAG} tag: no region is known to be allowed for it.`,
      },
    };
  }
  if (jurisdictions[jurisdiction] === undefined) {
    return {
      judged: true,
      finding: {
        ...at,
        reason: truncateAnnotation(
          `User data in ${item.awsRegion} of jurisdiction ${quote(jurisdiction)}, which has no allowed regions (known: ${Object.keys(jurisdictions).join(", ")}).`,
        ),
      },
    };
  }
  return verdict.complianceType === "NON_COMPLIANT"
    ? { judged: true, finding: { ...at, reason: verdict.annotation } }
    : { judged: true };
}

/**
 * The account-wide audit: every resource the aggregated query returned, judged by its own
 * jurisdiction; one verdict for the account whose annotation counts the findings and names as
 * many as fit (the function's log lists them all).
 */
export function auditAccount(
  items: readonly ConfigurationItem[],
  jurisdictions: JurisdictionRegions,
): AccountAudit {
  let judged = 0;
  const findings: AccountFinding[] = [];
  const regions = new Set<string>();
  for (const item of items) {
    const result = judgeByJurisdiction(item, jurisdictions);
    if (result.judged) {
      judged += 1;
      regions.add(item.awsRegion);
    }
    if (result.finding !== undefined) {
      findings.push(result.finding);
    }
  }
  if (findings.length === 0) {
    const where = regions.size === 0 ? "" : ` (in ${[...regions].sort().join(", ")})`;
    return {
      complianceType: "COMPLIANT",
      annotation: truncateAnnotation(
        `All ${judged} user-data resources of the account${where} are in regions their jurisdiction allows.`,
      ),
      judged,
      findings,
    };
  }
  const named = findings
    .map((finding) => `${finding.awsRegion} ${finding.resourceType} ${finding.resourceId}`)
    .join("; ");
  return {
    complianceType: "NON_COMPLIANT",
    annotation: truncateAnnotation(
      `${findings.length} of ${judged} user-data resources outside their jurisdiction's regions: ${named}.`,
    ),
    judged,
    findings,
  };
}
