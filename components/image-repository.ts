import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { dataTags } from "./tags";

/** Expire untagged images after a week; keep the 50 newest tagged ones. */
export const IMAGE_LIFECYCLE_POLICY = {
  rules: [
    {
      rulePriority: 1,
      description: "Drop untagged images after 7 days",
      selection: {
        tagStatus: "untagged",
        countType: "sinceImagePushed",
        countUnit: "days",
        countNumber: 7,
      },
      action: { type: "expire" },
    },
    {
      rulePriority: 2,
      description: "Keep the 50 newest tagged images",
      selection: {
        tagStatus: "tagged",
        tagPatternList: ["*"],
        countType: "imageCountMoreThan",
        countNumber: 50,
      },
      action: { type: "expire" },
    },
  ],
};

/**
 * An ECR repository for one service's images, as every service of the platform gets it: scanned
 * on push, immutable tags (a tag names one build forever), encrypted with the given KMS key,
 * tagged as content, and the lifecycle above.
 */
export function imageRepository(
  name: string,
  args: { readonly repositoryName: string; readonly kmsKeyArn: pulumi.Input<string> },
  parent: pulumi.Resource,
): aws.ecr.Repository {
  const repository = new aws.ecr.Repository(
    name,
    {
      name: args.repositoryName,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.kmsKeyArn }],
      tags: dataTags("content"),
    },
    { parent },
  );
  new aws.ecr.LifecyclePolicy(
    name,
    { repository: repository.name, policy: JSON.stringify(IMAGE_LIFECYCLE_POLICY) },
    { parent },
  );
  return repository;
}
