/**
 * Readers of what AWS Config records about a resource: its tags, and the copies of its data that
 * its configuration reveals (DynamoDB global-table replicas, Aurora global database members, AWS
 * Backup copy destinations). Fields are read leniently, and a copy field that is present but
 * unreadable yields a copy of unknown region, so the rule fails closed.
 */
import { InvalidConfigurationItemError, quote } from "./errors";
import { isRegionCode } from "./parameters";

/** A place the resource's data is copied to. */
export interface DataCopy {
  /** What the copy is, e.g. `DynamoDB replica`, `global cluster member kc-users-euw1`. */
  readonly description: string;
  /** The copy's region, or undefined when the configuration does not reveal it. */
  readonly region: string | undefined;
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
  return region !== undefined && isRegionCode(region) ? region : undefined;
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

/** Whether a value is a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
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
