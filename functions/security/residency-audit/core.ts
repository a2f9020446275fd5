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
import { REGION_CODE_PATTERN } from "../../../contracts/ids";
import { InvalidConfigurationItemError, InvalidRuleParametersError, quote } from "./errors";

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

/** Matches AWS region codes such as `me-south-1`, `us-gov-west-1`, `us-iso-east-1`. */
const REGION_CODE = REGION_CODE_PATTERN;

/** Whether a string is an AWS region code such as `me-south-1`. */
export function isRegionCode(value: string): boolean {
  return REGION_CODE.test(value);
}

const PARAMETERS_EXAMPLE =
  '{"allowedRegions":"me-south-1"} or {"allowedRegions":"us-east-1,us-west-2"}';

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

/** A place the resource's data is copied to. */
export interface DataCopy {
  /** What the copy is, e.g. `DynamoDB replica`, `global cluster member kc-users-euw1`. */
  readonly description: string;
  /** The copy's region, or undefined when the configuration does not reveal it. */
  readonly region: string | undefined;
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
 * Parses the rule parameters (JSON text, e.g. `{"allowedRegions":"me-south-1"}`) into the list of
 * allowed region codes, without duplicates, in the order given.
 */
export function parseRuleParameters(text: string | undefined): readonly string[] {
  if (text === undefined || text.trim() === "") {
    throw new InvalidRuleParametersError(
      `ruleParameters is missing; expected JSON text such as ${PARAMETERS_EXAMPLE}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidRuleParametersError(
      `ruleParameters = ${quote(text)} is not valid JSON; expected JSON text such as ${PARAMETERS_EXAMPLE}`,
    );
  }
  if (!isRecord(parsed)) {
    throw new InvalidRuleParametersError(
      `ruleParameters = ${quote(text)} is not a JSON object; expected ${PARAMETERS_EXAMPLE}`,
    );
  }
  const value = parsed.allowedRegions;
  if (value === undefined) {
    throw new InvalidRuleParametersError(
      `ruleParameters.allowedRegions is missing (ruleParameters = ${quote(text)}); expected ${PARAMETERS_EXAMPLE}`,
    );
  }
  if (typeof value !== "string") {
    throw new InvalidRuleParametersError(
      `ruleParameters.allowedRegions = ${quote(value)}: expected a string of comma-separated region codes, such as "me-south-1" or "us-east-1,us-west-2"`,
    );
  }
  const regions = value.split(",").map((entry) => entry.trim());
  for (const region of regions) {
    if (!REGION_CODE.test(region)) {
      throw new InvalidRuleParametersError(
        `ruleParameters.allowedRegions = ${quote(value)}: ${quote(region)} is not an AWS region code; expected comma-separated region codes, such as "me-south-1" or "us-east-1,us-west-2"`,
      );
    }
  }
  return [...new Set(regions)];
}

const HOME_REGIONS_EXAMPLE = '{"allowedRegions":"us-east-1","homeRegions":"me-south-1,us-east-1"}';

/**
 * Reads the optional `homeRegions` rule parameter (comma-separated region codes): where the
 * home-region directory may live. Undefined when absent, so directory tables are then findings
 * (their placement cannot be proven).
 */
export function parseHomeRegions(text: string | undefined): readonly string[] | undefined {
  let parsed: unknown;
  try {
    parsed = text === undefined ? undefined : JSON.parse(text);
  } catch {
    // parseRuleParameters reports text that is not JSON.
    return undefined;
  }
  const value = isRecord(parsed) ? parsed.homeRegions : undefined;
  if (value === undefined) {
    return undefined;
  }
  const regions = typeof value === "string" ? value.split(",").map((entry) => entry.trim()) : [];
  const bad = regions.find((region) => !REGION_CODE.test(region));
  if (typeof value !== "string" || bad !== undefined) {
    throw new InvalidRuleParametersError(
      `ruleParameters.homeRegions = ${quote(value)}: expected comma-separated region codes, such as ${HOME_REGIONS_EXAMPLE}`,
    );
  }
  return [...new Set(regions)];
}

/**
 * Reads a configuration item's tags: a map of key to value (configuration items and
 * GetResourceConfigHistory), or a list of `{key, value}` (advanced query results). Absent tags
 * are no tags.
 */
export function parseTags(raw: unknown, resource: string): Record<string, string> {
  if (raw === undefined || raw === null) {
    return {};
  }
  const expected = 'expected a map of tag keys to string values, such as {"DataClass":"user-data"}';
  if (Array.isArray(raw)) {
    const tags: Record<string, string> = {};
    for (const entry of raw) {
      if (!isRecord(entry) || typeof entry.key !== "string" || !isTagValue(entry.value)) {
        throw new InvalidConfigurationItemError(
          `${resource}: tags = ${quote(raw)}: entry ${quote(entry)} is not a {key, value} pair of strings; ${expected}`,
        );
      }
      tags[entry.key] = entry.value ?? "";
    }
    return tags;
  }
  if (!isRecord(raw)) {
    throw new InvalidConfigurationItemError(`${resource}: tags = ${quote(raw)}: ${expected}`);
  }
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!isTagValue(value)) {
      throw new InvalidConfigurationItemError(
        `${resource}: tags.${key} = ${quote(value)} is not a string; ${expected}`,
      );
    }
    tags[key] = value ?? "";
  }
  return tags;
}

/** The region of an ARN (`arn:partition:service:region:account:resource`), if it has one. */
export function regionOfArn(arn: string): string | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") {
    return undefined;
  }
  const region = parts[3];
  return region !== undefined && REGION_CODE.test(region) ? region : undefined;
}

/**
 * Where a resource's configuration says its data is copied. Fields are read leniently (AWS Config
 * records some types in the service API's camelCase and some in CloudFormation's PascalCase);
 * a copy field that is present but unreadable yields a copy of unknown region, which is never
 * allowed (the rule fails closed).
 */
export function dataCopies(resourceType: string, configuration: unknown): DataCopy[] {
  switch (resourceType) {
    case "AWS::DynamoDB::Table":
      return dynamoDbReplicas(configuration);
    case "AWS::RDS::GlobalCluster":
      return globalClusterMembers(configuration);
    case "AWS::Backup::BackupPlan":
      return backupCopyDestinations(configuration);
    default:
      // Any other type is judged by its own region and tag only.
      return [];
  }
}

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

// --- the account-wide audit (aggregated view) -------------------------------------------------

/** The tag naming the jurisdiction whose law governs a resource's data (a stack default tag). */
export const JURISDICTION_TAG = "Jurisdiction";

/**
 * The resource type of the account itself, which a periodic custom rule may evaluate (AWS
 * Config's periodic sample rule reports `AWS::::Account` with the account id:
 * https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_develop-rules_nodejs-sample.html).
 */
export const ACCOUNT_RESOURCE_TYPE = "AWS::::Account";

/** Where each jurisdiction's user data may live: jurisdiction code -> region codes. */
export type JurisdictionRegions = Readonly<Record<string, readonly string[]>>;

const JURISDICTIONS_EXAMPLE = '{"jurisdictionRegions":"SA=me-south-1;US=us-east-1,us-west-2"}';

/**
 * Reads the `jurisdictionRegions` rule parameter (`SA=me-south-1;US=us-east-1,us-west-2`), which
 * the account-wide audit needs to judge every jurisdiction's user data; undefined when absent.
 */
export function parseJurisdictionRegions(
  text: string | undefined,
): JurisdictionRegions | undefined {
  if (text === undefined || text.trim() === "") {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidRuleParametersError(
      `ruleParameters = ${quote(text)} is not valid JSON; expected JSON text such as ${JURISDICTIONS_EXAMPLE}`,
    );
  }
  const value = isRecord(parsed) ? parsed.jurisdictionRegions : undefined;
  if (value === undefined) {
    return undefined;
  }
  const expected = `expected jurisdiction=regions pairs separated by ";", such as ${JURISDICTIONS_EXAMPLE}`;
  if (typeof value !== "string" || value.trim() === "") {
    throw new InvalidRuleParametersError(
      `ruleParameters.jurisdictionRegions = ${quote(value)}: ${expected}`,
    );
  }
  const map: Record<string, readonly string[]> = {};
  for (const pair of value.split(";")) {
    const [code, regions, ...rest] = pair.split("=").map((part) => part.trim());
    const list = (regions ?? "").split(",").map((region) => region.trim());
    const bad = list.find((region) => !REGION_CODE.test(region));
    if (code === undefined || !/^[A-Z]{2}$/.test(code) || rest.length > 0 || bad !== undefined) {
      throw new InvalidRuleParametersError(
        `ruleParameters.jurisdictionRegions = ${quote(value)}: ${quote(pair)} is not a two-letter jurisdiction code = comma-separated region codes; ${expected}`,
      );
    }
    if (map[code] !== undefined) {
      throw new InvalidRuleParametersError(
        `ruleParameters.jurisdictionRegions = ${quote(value)}: jurisdiction ${code} appears twice; ${expected}`,
      );
    }
    map[code] = [...new Set(list)];
  }
  return map;
}

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

// --- copies per resource type ---------------------------------------------------------------

/** `configuration.replicas[].regionName` of a DynamoDB global table (version 2019.11.21). */
function dynamoDbReplicas(configuration: unknown): DataCopy[] {
  const replicas = field(configuration, "replicas", "Replicas");
  return listOf(replicas, "configuration.replicas").map((replica, index) => {
    if (replica instanceof Unreadable) {
      return replica.copy("DynamoDB replica");
    }
    const region = field(replica, "regionName", "RegionName");
    return typeof region === "string"
      ? { description: "DynamoDB replica", region }
      : {
          description: `DynamoDB replica without configuration.replicas[${index}].regionName`,
          region: undefined,
        };
  });
}

/**
 * Members of an Aurora global database: `configuration.globalClusterMembers[].dbClusterArn` (also
 * read in the RDS API's and CloudFormation's spellings), plus a source cluster given by ARN.
 */
function globalClusterMembers(configuration: unknown): DataCopy[] {
  const members = field(configuration, "globalClusterMembers", "GlobalClusterMembers");
  const copies = listOf(members, "configuration.globalClusterMembers").map((member, index) =>
    member instanceof Unreadable
      ? member.copy("global cluster member")
      : arnCopy(
          field(member, "dbClusterArn", "dBClusterArn", "DBClusterArn", "DbClusterArn"),
          "global cluster member",
          `configuration.globalClusterMembers[${index}].dbClusterArn`,
        ),
  );
  const source = field(configuration, "sourceDBClusterIdentifier", "SourceDBClusterIdentifier");
  // A plain identifier names a cluster in the global cluster's own region; only an ARN can point elsewhere.
  if (typeof source === "string" && source.startsWith("arn:")) {
    copies.push(arnCopy(source, "global cluster source", "SourceDBClusterIdentifier"));
  }
  return copies;
}

/**
 * Copy destinations of an AWS Backup plan:
 * `configuration.BackupPlan.BackupPlanRule[].CopyActions[].DestinationBackupVaultArn`.
 */
function backupCopyDestinations(configuration: unknown): DataCopy[] {
  const plan = field(configuration, "BackupPlan", "backupPlan");
  const rules = listOf(
    field(plan, "BackupPlanRule", "Rules", "rules"),
    "configuration.BackupPlan.BackupPlanRule",
  );
  return rules.flatMap((rule, ruleIndex) => {
    if (rule instanceof Unreadable) {
      return [rule.copy("backup rule")];
    }
    const path = `configuration.BackupPlan.BackupPlanRule[${ruleIndex}].CopyActions`;
    return listOf(field(rule, "CopyActions", "copyActions"), path).map((action, actionIndex) =>
      action instanceof Unreadable
        ? action.copy("backup copy action")
        : arnCopy(
            field(action, "DestinationBackupVaultArn", "destinationBackupVaultArn"),
            "backup copy vault",
            `${path}[${actionIndex}].DestinationBackupVaultArn`,
          ),
    );
  });
}

/** A copy named by an ARN; the description names the resource at the end of the ARN. */
function arnCopy(arn: unknown, kind: string, path: string): DataCopy {
  if (typeof arn !== "string") {
    return { description: `${kind} without ${path}`, region: undefined };
  }
  const region = regionOfArn(arn);
  if (region === undefined) {
    return { description: `${kind} with unreadable ARN ${quote(arn)}`, region: undefined };
  }
  const name = arn.split(/[:/]/).at(-1) ?? arn;
  return { description: `${kind} ${name}`, region };
}

// --- lenient readers of recorded configuration ------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTagValue(value: unknown): value is string | null | undefined {
  return typeof value === "string" || value === null || value === undefined;
}

/** The first of the named fields that is present on an object. */
function field(value: unknown, ...names: string[]): unknown {
  if (!isRecord(value)) {
    return undefined;
  }
  for (const name of names) {
    if (value[name] !== undefined && value[name] !== null) {
      return value[name];
    }
  }
  return undefined;
}

/** A configuration value where a list was expected but that no reader understands. */
class Unreadable {
  constructor(readonly text: string) {}

  /** A copy of unknown region: an unreadable copy field fails closed. */
  copy(kind: string): DataCopy {
    return { description: `${kind} in unreadable ${this.text}`, region: undefined };
  }
}

/**
 * A configuration list: absent is empty, a single object is a list of one (AWS Config flattens
 * some one-element lists), anything else is unreadable.
 */
function listOf(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (Array.isArray(value)) {
    return value;
  }
  if (isRecord(value)) {
    return [value];
  }
  return [new Unreadable(`${path} = ${quote(value)}`)];
}
