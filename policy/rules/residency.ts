import {
  asObject,
  dependentsOf,
  describe,
  knownString,
  objectsIn,
  regionOfArn,
  stringsIn,
  tagsOf,
} from "./resource-facts";
import { readDataClass } from "./data-class";
import type { PlannedResource, PolicyContext, ResourceContext, ResourceRule } from "./types";
import { DATA_CLASS_TAG, DIRECTORY_DATA_CLASS, DIRECTORY_RESOURCE_TYPE } from "./vocabulary";

function holdsUserData(resource: PlannedResource): boolean {
  return tagsOf(resource)[DATA_CLASS_TAG] === "user-data";
}

function holdsDirectory(resource: PlannedResource): boolean {
  const reading = readDataClass(tagsOf(resource));
  return reading.kind === "class" && reading.dataClass === DIRECTORY_DATA_CLASS;
}

/** A place a resource copies its data to. */
export interface CopyTarget {
  readonly label: string;
  readonly region: string | undefined;
}

/**
 * Where a resource keeps replicas of itself, as its own inputs say (global-table replicas, secret
 * replicas); the region is undefined when it cannot be read. The plan's diagram reads it too.
 */
export function replicaTargets(resource: Pick<PlannedResource, "type" | "inputs">): CopyTarget[] {
  switch (resource.type) {
    case "aws:dynamodb/table:Table":
      return objectsIn(resource.inputs.replicas).map((replica) => ({
        label: "a global-table replica",
        region: knownString(replica.regionName),
      }));
    case "aws:secretsmanager/secret:Secret":
      return objectsIn(resource.inputs.replicas).map((replica) => ({
        label: "a secret replica",
        region: knownString(replica.region),
      }));
    default:
      return [];
  }
}

/** Where a resource copies its data to, as the resource itself says (replicas, backup copies). */
function ownCopyTargets(resource: PlannedResource): CopyTarget[] {
  if (resource.type !== "aws:backup/plan:Plan") {
    return replicaTargets(resource);
  }
  return objectsIn(resource.inputs.rules).flatMap((rule) =>
    objectsIn(rule.copyActions).flatMap((copy) =>
      stringsIn(copy.destinationVaultArn).map((arn) => ({
        label: "a backup copy",
        region: regionOfArn(arn),
      })),
    ),
  );
}

/** Where a bucket replicates to: its replication configuration is another resource of the stack. */
function replicationTargets(resource: PlannedResource, context: PolicyContext): CopyTarget[] {
  if (resource.type !== "aws:s3/bucket:Bucket") {
    return [];
  }
  return dependentsOf(
    resource,
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    context.resources,
  ).flatMap((replication) =>
    objectsIn(replication.inputs.rules).flatMap((rule) =>
      stringsIn(asObject(rule.destination)?.bucket).map((arn) => ({
        label: "an S3 replication target",
        region: regionOfBucketArn(arn, context),
      })),
    ),
  );
}

/** A bucket ARN carries no region: find the bucket in the plan, else the region is unknown. */
function regionOfBucketArn(arn: string, context: PolicyContext): string | undefined {
  const name = arn.replace(/^arn:[^:]+:s3:::/, "");
  const bucket = [...context.resources.values()].find(
    (resource) =>
      resource.type === "aws:s3/bucket:Bucket" &&
      (resource.inputs.bucket === name || resource.name === name),
  );
  return bucket?.region;
}

/** One problem per copy target outside the allowed regions, or whose region cannot be proven. */
function targetProblems(
  resource: PlannedResource,
  targets: readonly CopyTarget[],
  context: ResourceContext | PolicyContext,
): string[] {
  const allowed = context.allowedRegions;
  const where = whereAllowed(context);
  return targets.flatMap((target) => {
    if (target.region === undefined) {
      return [
        `${describe(resource)} sends ${target.label} to a region that cannot be proven to be in ${where}`,
      ];
    }
    return allowed.includes(target.region)
      ? []
      : [`${describe(resource)} sends ${target.label} to ${target.region}, outside ${where}`];
  });
}

function whereAllowed(context: ResourceContext | PolicyContext): string {
  return `the allowed regions of stack ${context.stack} (${context.allowedRegions.join(", ")})`;
}

/**
 * Residency: user data, and every replica, backup copy and replication target of it, stays in
 * the stack's allowed regions. A target whose region cannot be proven counts as outside.
 */
export const userDataResidency: ResourceRule = {
  name: "user-data-residency",
  description: `User data (${DATA_CLASS_TAG}=user-data) and its replicas, backup copies and replication targets stay in the stack's allowedRegions`,
  enforcement: "mandatory",
  readsAllowedRegions: true,
  checkResource(resource, context) {
    const problems: string[] = [];
    if (holdsUserData(resource) && !context.allowedRegions.includes(resource.region)) {
      problems.push(
        `${describe(resource)} holds user data in ${resource.region}, outside ${whereAllowed(context)}`,
      );
    }
    // Backup plans copy whatever they select; the rest only matter when they hold user data.
    if (holdsUserData(resource) || resource.type === "aws:backup/plan:Plan") {
      problems.push(...targetProblems(resource, ownCopyTargets(resource), context));
    }
    return problems;
  },
  checkStack(resource, context) {
    return holdsUserData(resource)
      ? targetProblems(resource, replicationTargets(resource, context), context)
      : [];
  },
};

/**
 * The home-region directory (`${DATA_CLASS_TAG}=pseudonymous-directory`) is the one class of
 * personal data replicated across jurisdictions, by design: it lives, with every replica, in the
 * home regions and nowhere else, and only the directory's DynamoDB table may carry the class (any
 * other store so tagged would slip past user-data-residency). Unknown home regions, or a replica
 * whose region cannot be proven, fail closed.
 */
export const directoryResidency: ResourceRule = {
  name: "directory-residency",
  description: `The home-region directory (${DATA_CLASS_TAG}=${DIRECTORY_DATA_CLASS}) is a DynamoDB table that lives and replicates in the home regions only`,
  enforcement: "mandatory",
  readsAllowedRegions: true,
  checkResource(resource, context) {
    if (!holdsDirectory(resource)) {
      return [];
    }
    const problems: string[] = [];
    if (resource.type !== DIRECTORY_RESOURCE_TYPE) {
      problems.push(
        `${describe(resource)} has ${DATA_CLASS_TAG}=${DIRECTORY_DATA_CLASS}, which only the home-region directory (a ${DIRECTORY_RESOURCE_TYPE}) may carry; tag it user-data or what it holds`,
      );
    }
    const home = context.homeRegions ?? [];
    if (home.length === 0) {
      problems.push(
        `${describe(resource)} holds the home-region directory, but the home regions of stack ${context.stack} are not known (homeRegions in the policy config); nothing can place it`,
      );
      return problems;
    }
    const where = `the home regions (${home.join(", ")})`;
    if (!home.includes(resource.region)) {
      problems.push(
        `${describe(resource)} holds the home-region directory in ${resource.region}, outside ${where}`,
      );
    }
    for (const target of ownCopyTargets(resource)) {
      if (target.region === undefined) {
        problems.push(
          `${describe(resource)} sends ${target.label} to a region that cannot be proven to be in ${where}`,
        );
      } else if (!home.includes(target.region)) {
        problems.push(
          `${describe(resource)} sends ${target.label} to ${target.region}, outside ${where}`,
        );
      }
    }
    return problems;
  },
};
