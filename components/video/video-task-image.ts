/**
 * The trick-play task's image, built and pushed as the analytics API's is: its own ECR repository
 * (`imageRepository`: scanned on push, immutable tags, KMS), a tag from the hash of its sources
 * (`pushedImage`), and the task run by digest.
 */
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { imageRepository, pushedImage, type ImageSource } from "../shared/image-repository";

/**
 * What the image is built from: the task's folder and what its bundle imports, for the Graviton
 * (arm64) Fargate tasks. Its second stage installs Debian's ffmpeg, so a build on an x86 machine
 * needs QEMU (the workflows set it up).
 */
export const TRICK_PLAY_IMAGE: ImageSource = {
  dockerfile: "functions/video/trick-play/Dockerfile",
  include: [
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "functions/video/trick-play",
    "functions/shared",
    "contracts",
  ],
  platforms: [dockerBuild.Platform.Linux_arm64],
};

/** The ECR repository of the trick-play image. */
export const TRICK_PLAY_REPOSITORY = "knowledgecity/trick-play";

/** The trick-play image as the task runs it, and where it is pushed. */
export interface TaskImage {
  /** The image's reference by digest (`<repositoryUrl>@sha256:<64 hex>`). */
  readonly reference: pulumi.Output<string>;
  readonly repositoryUrl: pulumi.Output<string>;
}

/**
 * The repository `${name}-image`, its builder and the pushed image; its reference by digest is
 * known once `pulumi up` pushed it.
 */
export function trickPlayImage(
  name: string,
  args: { readonly kmsKeyArn: pulumi.Input<string> },
  parent: pulumi.Resource,
): TaskImage {
  const repository = imageRepository(
    `${name}-image`,
    { repositoryName: TRICK_PLAY_REPOSITORY, kmsKeyArn: args.kmsKeyArn },
    parent,
  );
  const builder = new dockerBuild.Provider(`${name}-image-builder`, {}, { parent });
  const image = pushedImage(
    `${name}-image`,
    { repository, source: TRICK_PLAY_IMAGE, provider: builder },
    parent,
  );
  // A build that pushed nothing has no digest: a task definition naming no image would fail
  // only when a video completes.
  const digest = image.digest.apply((value) => {
    if (!/^sha256:[a-f0-9]{64}$/.test(value)) {
      throw new pulumi.ResourceError(
        `trick-play image digest = ${JSON.stringify(value)}: expected sha256:<64 hex> of the image pushed to ${TRICK_PLAY_REPOSITORY}`,
        parent,
      );
    }
    return value;
  });
  return {
    reference: pulumi.interpolate`${repository.repositoryUrl}@${digest}`,
    repositoryUrl: repository.repositoryUrl,
  };
}
