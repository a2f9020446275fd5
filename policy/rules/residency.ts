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
import type { PlannedResource, PolicyContext, ResourceContext, ResourceRule } from "./types";
import { DATA_CLASS_TAG } from "./vocabulary";

function holdsUserData(resource: PlannedResource): boolean {
  return tagsOf(resource)[DATA_CLASS_TAG] === "user-data";
}

interface CopyTarget {
  readonly label: string;
  readonly region: string | undefined;
}

/** Where a resource copies its data to, as the resource itself says (replicas, backup copies). */
function ownCopyTargets(resource: PlannedResource): CopyTarget[] {
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
    case "aws:backup/plan:Plan":
      return objectsIn(resource.inputs.rules).flatMap((rule) =>
        objectsIn(rule.copyActions).flatMap((copy) =>
          stringsIn(copy.destinationVaultArn).map((arn) => ({
            label: "a backup copy",
            region: regionOfArn(arn),
          })),
        ),
      );
    default:
      return [];
  }
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
