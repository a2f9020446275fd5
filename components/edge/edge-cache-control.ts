import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  EDGE_CACHE_CONTROL_ENTRY,
  EDGE_CACHE_SETTINGS_FIELDS,
  EDGE_CACHE_SETTINGS_FILE,
  MAX_EDGE_CACHE_SECONDS,
  type EdgeCacheSettings,
} from "../../contracts/edge-cache-control";
import { bundleCode } from "../shared/bundle";
import type { AwsContext } from "../shared/context";

/** The region Lambda@Edge functions must be created in. */
export const LAMBDA_EDGE_REGION = "us-east-1";

/** Arguments of `EdgeCacheControl`. */
export interface EdgeCacheControlArgs {
  /** The account and region the stack deploys to. */
  readonly context: AwsContext;
  /** What the function serves, for its description ("course video of me-south-1"). */
  readonly serves: string;
  /**
   * `max-age` of the cached objects, in seconds: the TTL of the cache policy of the behaviours it
   * is associated with, so the object and the policy say the same (1 to 31536000).
   */
  readonly maxAgeSeconds: number;
  /** `stale-while-revalidate`, in seconds (1 to 31536000). */
  readonly staleWhileRevalidateSeconds: number;
  /** `stale-if-error`, in seconds (1 to 31536000). */
  readonly staleIfErrorSeconds: number;
  /** A provider in us-east-1, where Lambda@Edge functions must be. */
  readonly usEast1Provider: aws.Provider;
}

/**
 * A Lambda@Edge function for the origin-response event of a cache behaviour: it gives each
 * cacheable S3 answer that carries no caching instructions
 * `Cache-Control: public, max-age=<max>, stale-while-revalidate=<swr>, stale-if-error=<sie>`
 * before CloudFront stores it, which is the only place CloudFront reads those two directives
 * from (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html).
 *
 * Why a function and not the objects' metadata: MediaConvert cannot set `Cache-Control` on what
 * it writes (its S3 destination settings are access control, encryption and storage class:
 * https://docs.aws.amazon.com/mediaconvert/latest/apireference/jobs.html#jobs-model-s3destinationsettings),
 * so metadata would take a CopyObject of every segment after each job, a second version of each
 * object in a versioned bucket, a reset of its lifecycle age, and another rewrite of every object
 * whenever a TTL changes. Response headers policies act on viewer responses only, after the
 * cache; CloudFront Functions run on viewer events only. An origin-response function runs on
 * cache misses and revalidations only, and its values come from the same settings as the cache
 * policy.
 *
 * It follows the restrictions of Lambda@Edge
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-at-edge-function-restrictions.html):
 * us-east-1, a published numbered version (`versionArn`), a role both `lambda.amazonaws.com` and
 * `edgelambda.amazonaws.com` may assume, x86_64, no environment variables (the settings are a file
 * of the package), no VPC, dead-letter queue, X-Ray, layers or customer managed key.
 */
export class EdgeCacheControl extends pulumi.ComponentResource {
  /** The published version's ARN: what a cache behaviour associates. */
  public readonly versionArn: pulumi.Output<string>;
  /** The deployment package: the bundled handler and its settings file. */
  public readonly code: pulumi.asset.AssetArchive;
  /** The logical name of the function resource. */
  public readonly functionResourceName: string;

  constructor(name: string, args: EdgeCacheControlArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:edge:EdgeCacheControl", name, {}, opts);
    const settings: EdgeCacheSettings = {
      maxAgeSeconds: args.maxAgeSeconds,
      staleWhileRevalidateSeconds: args.staleWhileRevalidateSeconds,
      staleIfErrorSeconds: args.staleIfErrorSeconds,
    };
    const problems = EDGE_CACHE_SETTINGS_FIELDS.filter((field) => {
      const value = settings[field];
      return !Number.isInteger(value) || value < 1 || value > MAX_EDGE_CACHE_SECONDS;
    }).map(
      (field) =>
        `${field} = ${settings[field]}: expected whole seconds from 1 to ${MAX_EDGE_CACHE_SECONDS}`,
    );
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`${name}: ${problems.join("; ")}`, this);
    }
    const inUsEast1 = { parent: this, provider: args.usEast1Provider };
    const { accountId, partition } = args.context;

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `Lambda@Edge: Cache-Control of cached ${args.serves}`,
        assumeRolePolicy: JSON.stringify(edgeTrustPolicy()),
      },
      inUsEast1,
    );
    this.code = new pulumi.asset.AssetArchive({
      "index.js": new pulumi.asset.StringAsset(bundleCode(EDGE_CACHE_CONTROL_ENTRY)),
      [EDGE_CACHE_SETTINGS_FILE]: new pulumi.asset.StringAsset(JSON.stringify(settings)),
    });
    this.functionResourceName = `${name}-fn`;
    const fn = new aws.lambda.Function(
      this.functionResourceName,
      {
        description: `Origin response: Cache-Control of cached ${args.serves}`,
        runtime: aws.lambda.Runtime.NodeJS22dX,
        // Lambda@Edge runs x86_64 functions only.
        architectures: ["x86_64"],
        handler: "index.handler",
        code: this.code,
        role: role.arn,
        // Origin events allow up to 30 s; rewriting headers takes milliseconds.
        memorySize: 128,
        timeout: 5,
        // CloudFront associates numbered versions only, never $LATEST or an alias.
        publish: true,
      },
      // CloudFront keeps replicas of the function in every edge region for hours after it is
      // disassociated, and Lambda refuses to delete it until they are gone: a destroy leaves it
      // behind, to be deleted once its replicas are
      // (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-delete-replicas.html).
      { ...inUsEast1, retainOnDelete: true },
    );
    // Lambda@Edge writes logs in the region that ran it, to /aws/lambda/us-east-1.<name>
    // (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/edge-functions-logs.html).
    const logGroups = fn.name.apply((fnName) => {
      const group = `arn:${partition}:logs:*:${accountId}:log-group:/aws/lambda/${LAMBDA_EDGE_REGION}.${fnName}`;
      return [group, `${group}:*`];
    });
    new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "WriteOwnLogsInEveryEdgeRegion",
              Effect: "Allow",
              Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
              Resource: logGroups,
            },
          ],
        }),
      },
      inUsEast1,
    );

    this.versionArn = fn.qualifiedArn;
    this.registerOutputs({ versionArn: this.versionArn });
  }
}

/**
 * The trust policy of a Lambda@Edge execution role: Lambda runs the function, and the edge
 * service runs its replicas
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-permissions.html).
 * Without an `aws:SourceAccount` condition: AWS documents none for `edgelambda.amazonaws.com`.
 */
export function edgeTrustPolicy(): aws.iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "LambdaAndItsEdgeReplicasRunTheFunction",
        Effect: "Allow",
        Principal: { Service: ["lambda.amazonaws.com", "edgelambda.amazonaws.com"] },
        Action: "sts:AssumeRole",
      },
    ],
  };
}
