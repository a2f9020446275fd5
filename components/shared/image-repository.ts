import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readFileSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
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

/** The repository root: image sources are named relative to it. */
const REPOSITORY_ROOT = resolve(__dirname, "..", "..");

/** Files of an image's source folders that never reach the build context. */
const TEST_FILE = /\.test\.ts$/;

/**
 * What an image is built from. Its build context is the repository root narrowed by
 * `<dockerfile>.dockerignore` (which BuildKit prefers over a root `.dockerignore`) to `include`,
 * less the test files, so the context, the hash that tags the image and the files the build
 * reads are one list.
 */
export interface ImageSource {
  /** The Dockerfile, relative to the repository root. */
  readonly dockerfile: string;
  /** The files and folders the build reads, relative to the repository root. */
  readonly include: readonly string[];
  /** The platforms built; they must match the nodes that pull the image. */
  readonly platforms: readonly dockerBuild.Platform[];
}

/**
 * The files of the build context of `source`, relative to the repository root, sorted.
 * @param root the repository root @default this repository
 */
export function imageSourceFiles(source: ImageSource, root: string = REPOSITORY_ROOT): string[] {
  const files: string[] = [];
  const visit = (path: string): void => {
    const absolute = join(root, path);
    if (!existsSync(absolute)) {
      throw new Error(
        `image source ${path} does not exist: ${source.dockerfile}'s include lists only what is in the repository`,
      );
    }
    const stat = lstatSync(absolute);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(absolute).sort()) {
        visit(`${path}/${entry}`);
      }
    } else if (stat.isFile() && !TEST_FILE.test(path)) {
      files.push(path);
    }
  };
  for (const path of source.include) {
    visit(path);
  }
  return [...new Set(files)].sort();
}

/**
 * A hash of everything that makes the image: the Dockerfile, the platforms and the content of
 * every file in the build context. It tags the image, so a new tag is pushed exactly when the
 * provider sees a changed context and rebuilds; the repository's immutable tags refuse a second
 * push of the same tag with other content.
 */
export function imageSourceHash(source: ImageSource, root: string = REPOSITORY_ROOT): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ dockerfile: source.dockerfile, platforms: source.platforms }));
  for (const file of new Set([source.dockerfile, ...imageSourceFiles(source, root)])) {
    hash.update(`\0${file}\0`);
    hash.update(readFileSync(join(root, file)));
  }
  return hash.digest("hex");
}

/**
 * The text of `<dockerfile>.dockerignore`: everything out, then `include` back in, then the tests
 * out again (later lines win). https://docs.docker.com/build/concepts/context/#dockerignore-files
 */
export function dockerignoreFor(source: ImageSource): string {
  return [
    `# The build context of ${source.dockerfile}: only what its build reads.`,
    "# The same list tags the image (imageSourceHash in components/shared/image-repository.ts).",
    "*",
    ...source.include.map((path) => `!${path}`),
    "**/*.test.ts",
    "",
  ].join("\n");
}

/** Arguments of `pushedImage`. */
export interface PushedImageArgs {
  /** The repository the image is pushed to. */
  readonly repository: aws.ecr.Repository;
  /** What the image is built from. */
  readonly source: ImageSource;
  /** The docker-build provider that builds and pushes (registry login from its Docker config). */
  readonly provider: dockerBuild.Provider;
}

/**
 * Builds `source` and pushes it to `repository`, tagged with the source's hash, as part of the
 * deployment. Previews do not build (no build daemon or registry login needed for a preview);
 * `pulumi up` builds and pushes, and the `digest` output names exactly the pushed image.
 * https://www.pulumi.com/registry/packages/docker-build/api-docs/image/
 */
export function pushedImage(
  name: string,
  args: PushedImageArgs,
  parent: pulumi.Resource,
): dockerBuild.Image {
  const tag = imageSourceHash(args.source).slice(0, 32);
  // Relative to the working directory that the program and its providers share, so a plan carries
  // no machine's paths.
  const context = relative(process.cwd(), REPOSITORY_ROOT) || ".";
  return new dockerBuild.Image(
    name,
    {
      context: { location: context },
      dockerfile: { location: join(context, args.source.dockerfile) },
      platforms: [...args.source.platforms],
      push: true,
      tags: [pulumi.interpolate`${args.repository.repositoryUrl}:${tag}`],
      buildOnPreview: false,
    },
    { parent, provider: args.provider },
  );
}
