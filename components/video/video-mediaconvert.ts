/**
 * The pipeline's MediaConvert queue and the role MediaConvert assumes for its jobs: read the raw
 * uploads, write the renditions, through the content key and only via S3.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COURSES_PREFIX, UPLOADS_PREFIX } from "../../contracts/storage";
import type { AwsContext } from "../shared/context";
import { serviceTrustPolicy } from "../shared/iam";
import { dataTags } from "../shared/tags";

/** Arguments of `createMediaConvert`. */
export interface MediaConvertArgs {
  /** The stack, named in the queue's description. */
  readonly stack: string;
  /** The account and region the stack deploys to. */
  readonly context: AwsContext;
  /** The bucket jobs read their sources from (under `uploads/`). */
  readonly rawBucketArn: pulumi.Input<string>;
  /** The bucket jobs write their renditions to (under `courses/`). */
  readonly processedBucketArn: pulumi.Input<string>;
  /** The content key, which encrypts both buckets. */
  readonly contentKeyArn: pulumi.Input<string>;
}

/** What `createMediaConvert` creates. */
export interface MediaConvert {
  /** An on-demand queue of this pipeline only, so its job events can be told apart. */
  readonly queue: aws.mediaconvert.Queue;
  /** The role jobs run with, passed to MediaConvert by the submit function. */
  readonly role: aws.iam.Role;
}

/** The queue `${name}-encode` and the role `${name}-mediaconvert`. */
export function createMediaConvert(
  name: string,
  args: MediaConvertArgs,
  parent: pulumi.Resource,
): MediaConvert {
  const opts = { parent };
  const queue = new aws.mediaconvert.Queue(
    `${name}-encode`,
    {
      pricingPlan: "ON_DEMAND",
      status: "ACTIVE",
      description: `KnowledgeCity ${args.stack} lectures`,
      tags: dataTags("none"),
    },
    opts,
  );
  const role = new aws.iam.Role(
    `${name}-mediaconvert`,
    {
      description: "MediaConvert: read raw uploads, write renditions",
      assumeRolePolicy: serviceTrustPolicy("mediaconvert.amazonaws.com", args.context.accountId),
    },
    opts,
  );
  new aws.iam.RolePolicy(
    `${name}-mediaconvert`,
    {
      role: role.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ReadRawUploads",
            Effect: "Allow",
            Action: ["s3:GetObject"],
            Resource: [pulumi.interpolate`${args.rawBucketArn}/${UPLOADS_PREFIX}*`],
          },
          {
            Sid: "WriteRenditions",
            Effect: "Allow",
            Action: ["s3:PutObject"],
            Resource: [pulumi.interpolate`${args.processedBucketArn}/${COURSES_PREFIX}*`],
          },
          {
            Sid: "ObjectsAreEncrypted",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: [args.contentKeyArn],
            Condition: {
              StringEquals: { "kms:ViaService": `s3.${args.context.region}.amazonaws.com` },
            },
          },
        ],
      }),
    },
    opts,
  );
  return { queue, role };
}
