/**
 * The residency decision of the AWS Config custom rule, as pure functions (no AWS SDK): a resource
 * tagged `DataClass=user-data` must live in one of the stack's allowed regions, and so must every
 * copy of its data that its configuration reveals (DynamoDB global-table replicas, Aurora global
 * database members, AWS Backup copy destinations).
 */
// The same vocabulary as the deploy-time policy rules (a module without dependencies, so the
// function's bundle stays small).
import {
  DATA_CLASS_TAG,
  DIRECTORY_DATA_CLASS,
  type DataClass,
} from "../../../policy/rules/vocabulary";
import { readDataClass } from "../../../policy/rules/data-class";
import { dataCopies } from "./configuration-item";

export { DATA_CLASS_TAG } from "../../../policy/rules/vocabulary";
/** The data class whose residency this rule audits. */
export const USER_DATA: DataClass = "user-data";
/** The home-region directory's class: audited against the home regions, not the allowed ones. */
export const DIRECTORY: DataClass = DIRECTORY_DATA_CLASS;
/** The only AWS Config resource type that may carry the directory class (the policy pack's rule too). */
export const DIRECTORY_CONFIG_TYPE = "AWS::DynamoDB::Table";

/** AWS Config's limit on an evaluation's annotation, in characters (UTF-16 code units). */
export const ANNOTATION_MAX_LENGTH = 256;

/** Configuration item statuses of a resource that no longer exists: nothing to evaluate. */
export const DELETED_STATUSES: readonly string[] = [
  "ResourceDeleted",
  "ResourceDeletedNotRecorded",
];

/** The compliance values this rule reports. */
export type ComplianceType = "COMPLIANT" | "NON_COMPLIANT" | "NOT_APPLICABLE";

/** The parts of an AWS Config configuration item the rule reads. */
export interface ConfigurationItem {
  readonly resourceType: string;
  readonly resourceId: string;
  /** Where the resource lives. */
  readonly awsRegion: string;
  readonly tags: Readonly<Record<string, string>>;
  /** `OK`, `ResourceDiscovered`, `ResourceNotRecorded`, `ResourceDeleted`, ... */
  readonly configurationItemStatus: string;
  /** The resource's recorded configuration, parsed (an object, or null). */
  readonly configuration: unknown;
}

/** The rule's verdict on one resource. */
export interface ResidencyEvaluation {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly complianceType: ComplianceType;
  /** Why, in at most ANNOTATION_MAX_LENGTH characters. */
  readonly annotation: string;
  /** Regions outside the allowed ones where the data or a copy of it lives (empty unless NON_COMPLIANT). */
  readonly outsideRegions: readonly string[];
}

/**
/** Decides one configuration item against the allowed regions. */
export function evaluateResidency(
  item: ConfigurationItem,
  allowedRegions: readonly string[],
  homeRegions?: readonly string[],
): ResidencyEvaluation {
  const verdict = (
    complianceType: ComplianceType,
    annotation: string,
    outsideRegions: readonly string[] = [],
  ): ResidencyEvaluation => ({
    resourceType: item.resourceType,
    resourceId: item.resourceId,
    complianceType,
    annotation: truncateAnnotation(annotation),
    outsideRegions,
  });

  if (DELETED_STATUSES.includes(item.configurationItemStatus)) {
    return verdict(
      "NOT_APPLICABLE",
      `Resource deleted (${item.configurationItemStatus}); no data left to place.`,
    );
  }
  const reading = readDataClass(item.tags);
  if (reading.kind === "malformed") {
    // Read as no class it would hide the resource from this rule; read leniently it would guess.
    return verdict("NON_COMPLIANT", `Malformed data-class tag: ${reading.problem}.`);
  }
  if (reading.kind === "class" && reading.dataClass === DIRECTORY) {
    return evaluateDirectory(item, homeRegions, verdict);
  }
  if (reading.kind === "absent" || reading.dataClass !== USER_DATA) {
    const applies = `residency applies to ${DATA_CLASS_TAG}=${USER_DATA} and ${DATA_CLASS_TAG}=${DIRECTORY} only`;
    return verdict(
      "NOT_APPLICABLE",
      reading.kind === "absent"
        ? `No ${DATA_CLASS_TAG} tag; ${applies}.`
        : `Tagged ${DATA_CLASS_TAG}=${reading.dataClass}; ${applies}.`,
    );
  }

  const allowed = allowedRegions.join(", ");
  const copies = dataCopies(item.resourceType, item.configuration);
  const isAllowed = (region: string | undefined): boolean =>
    region !== undefined && allowedRegions.includes(region);
  const homeAllowed = isAllowed(item.awsRegion);
  const outsideCopies = copies.filter((copy) => !isAllowed(copy.region));

  if (homeAllowed && outsideCopies.length === 0) {
    const copyRegions = [...new Set(copies.map((copy) => copy.region ?? ""))];
    return verdict(
      "COMPLIANT",
      copies.length === 0
        ? `User data in ${item.awsRegion}, within the allowed regions (${allowed}).`
        : `User data in ${item.awsRegion}, copies in ${copyRegions.join(", ")}, all within the allowed regions (${allowed}).`,
    );
  }

  const findings = [
    ...(homeAllowed ? [] : [`stored in ${item.awsRegion}`]),
    ...outsideCopies.map((copy) =>
      copy.region === undefined
        ? `${copy.description} in an unknown region`
        : `${copy.description} in ${copy.region}`,
    ),
  ];
  const outsideRegions = [
    ...new Set([
      ...(homeAllowed ? [] : [item.awsRegion]),
      ...outsideCopies.map((copy) => copy.region ?? "unknown"),
    ]),
  ];
  return verdict(
    "NON_COMPLIANT",
    `User data outside the allowed regions (${allowed}): ${findings.join("; ")}.`,
    outsideRegions,
  );
}

/**
 * The home-region directory: a DynamoDB table whose every replica is in a home region. Its
 * placement cannot be proven without the home regions, so their absence is a finding.
 */
function evaluateDirectory(
  item: ConfigurationItem,
  homeRegions: readonly string[] | undefined,
  verdict: (
    type: ComplianceType,
    annotation: string,
    outside?: readonly string[],
  ) => ResidencyEvaluation,
): ResidencyEvaluation {
  const tag = `${DATA_CLASS_TAG}=${DIRECTORY}`;
  if (item.resourceType !== DIRECTORY_CONFIG_TYPE) {
    return verdict(
      "NON_COMPLIANT",
      `Tagged ${tag}, which only the home-region directory (an ${DIRECTORY_CONFIG_TYPE}) may carry; a ${item.resourceType} must be tagged by what it holds.`,
    );
  }
  if (homeRegions === undefined || homeRegions.length === 0) {
    return verdict(
      "NON_COMPLIANT",
      `Home-region directory in ${item.awsRegion}, but the rule has no homeRegions parameter, so its replicas cannot be placed; expected {"homeRegions":"me-south-1,us-east-1"}.`,
    );
  }
  const home = homeRegions.join(", ");
  const copies = dataCopies(item.resourceType, item.configuration);
  const inHome = (region: string | undefined): boolean =>
    region !== undefined && homeRegions.includes(region);
  const outsideCopies = copies.filter((copy) => !inHome(copy.region));
  if (inHome(item.awsRegion) && outsideCopies.length === 0) {
    return verdict(
      "COMPLIANT",
      `Home-region directory in ${item.awsRegion}, replicas in ${copies.map((c) => c.region ?? "").join(", ") || "no other region"}, all within the home regions (${home}).`,
    );
  }
  const findings = [
    ...(inHome(item.awsRegion) ? [] : [`stored in ${item.awsRegion}`]),
    ...outsideCopies.map((copy) => `${copy.description} in ${copy.region ?? "an unknown region"}`),
  ];
  return verdict(
    "NON_COMPLIANT",
    `Home-region directory outside the home regions (${home}): ${findings.join("; ")}.`,
    [
      ...new Set([
        ...(inHome(item.awsRegion) ? [] : [item.awsRegion]),
        ...outsideCopies.map((copy) => copy.region ?? "unknown"),
      ]),
    ],
  );
}

/**
 * Shortens text to at most `max` UTF-16 code units (AWS Config's measure), ending with an
 * ellipsis when cut, and never splitting a surrogate pair.
 */
export function truncateAnnotation(text: string, max: number = ANNOTATION_MAX_LENGTH): string {
  if (text.length <= max) {
    return text;
  }
  const ellipsis = "…";
  let end = Math.max(0, max - ellipsis.length);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) {
    // The cut would keep the first half of a pair: drop it too.
    end -= 1;
  }
  return `${text.slice(0, end)}${ellipsis}`.slice(0, max);
}
