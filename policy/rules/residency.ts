import {
  asObject,
  dependentsOf,
  describe,
  objectsIn,
  regionOfArn,
  stringsIn,
  tagsOf,
} from "./resource-facts";
import type { PlannedResource, PolicyContext, ResourceRule } from "./types";
import { DATA_CLASS_TAG } from "./vocabulary";

function holdsUserData(resource: PlannedResource): boolean {
  return tagsOf(resource)[DATA_CLASS_TAG] === "user-data";
}

/** Where a resource copies its data to, with a label for messages. */
function copyTargets(
  resource: PlannedResource,
  context: PolicyContext,
): { label: string; region: string | undefined }[] {
  switch (resource.type) {
    case "aws:dynamodb/table:Table":
      return objectsIn(resource.inputs.replicas).map((replica) => ({
        label: "a global-table replica",
        region: typeof replica.regionName === "string" ? replica.regionName : undefined,
      }));
    case "aws:secretsmanager/secret:Secret":
      return objectsIn(resource.inputs.replicas).map((replica) => ({
        label: "a secret replica",
        region: typeof replica.region === "string" ? replica.region : undefined,
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
    case "aws:s3/bucket:Bucket":
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
    default:
      return [];
  }
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

/**
 * Residency: user data, and every replica, backup copy and replication target of it, stays in
 * the stack's allowed regions. A target whose region cannot be proven counts as outside.
 */
export const userDataResidency: ResourceRule = {
  name: "user-data-residency",
  description: `User data (${DATA_CLASS_TAG}=user-data) and its replicas, backup copies and replication targets stay in the stack's allowedRegions`,
  enforcement: "mandatory",
  check(resource, context) {
    const allowed = context.allowedRegions;
    const where = `the allowed regions of stack ${context.stack} (${allowed.join(", ")})`;
    const problems: string[] = [];
    if (holdsUserData(resource) && !allowed.includes(resource.region)) {
      problems.push(
        `${describe(resource)} holds user data in ${resource.region}, outside ${where}`,
      );
    }
    // Backup plans copy whatever they select; the rest only matter when they hold user data.
    if (holdsUserData(resource) || resource.type === "aws:backup/plan:Plan") {
      for (const target of copyTargets(resource, context)) {
        if (target.region === undefined) {
          problems.push(
            `${describe(resource)} sends ${target.label} to a region that cannot be proven to be in ${where}`,
          );
        } else if (!allowed.includes(target.region)) {
          problems.push(
            `${describe(resource)} sends ${target.label} to ${target.region}, outside ${where}`,
          );
        }
      }
    }
    return problems;
  },
};
