import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { denyWithoutTls } from "./secure-defaults";
import { dataTags, type DataClass } from "./tags";

/**
 * One extra statement of the bucket policy. It applies to the objects under `objectPrefix` when
 * given, else to the bucket and all its objects.
 */
export interface BucketStatement {
  /** Statement id. */
  readonly Sid: string;
  /** @default "Allow" */
  readonly Effect?: "Allow" | "Deny";
  /** Who the statement is about. */
  readonly Principal: aws.iam.PolicyStatement["Principal"];
  /** S3 actions. */
  readonly Action: string | string[];
  /**
   * Key prefix the statement is limited to, for example `alb/AWSLogs/111122223333/`.
   * @default the bucket and all its objects
   */
  readonly objectPrefix?: string;
  /** IAM condition block. @default none */
  readonly Condition?: aws.iam.PolicyStatement["Condition"];
}

/** Arguments of `SecureBucket`. */
export interface SecureBucketArgs {
  /** What the bucket holds; becomes its `DataClass` tag. */
  readonly dataClass: DataClass;
  /**
   * Default encryption: SSE-KMS with this key and bucket keys, or `"s3-managed"` (SSE-S3) for the
   * one case AWS allows nothing else: Elastic Load Balancing access logs. An SSE-S3 bucket is
   * tagged `LogDelivery=elb`, the only exception the `encryption-at-rest` rule accepts.
   */
  readonly encryption: { readonly kmsKeyArn: pulumi.Input<string> } | "s3-managed";
  /** Statements added to the TLS-only policy. @default [] */
  readonly statements?: readonly BucketStatement[];
  /** Lifecycle rules. @default abort incomplete multipart uploads after 7 days */
  readonly lifecycleRules?: readonly aws.types.input.s3.BucketLifecycleConfigurationRule[];
  /** Keep previous versions of objects. @default true */
  readonly versioning?: boolean;
  /** Whether `pulumi destroy` must be refused while it exists. @default true for user data */
  readonly protect?: boolean;
}

/** The tag that marks a bucket receiving Elastic Load Balancing logs (SSE-S3 only). */
export const ELB_LOG_TAG = "LogDelivery";

/** The rule every bucket gets: unfinished multipart uploads cost money and hold data nobody sees. */
export const ABORT_INCOMPLETE_UPLOADS: aws.types.input.s3.BucketLifecycleConfigurationRule = {
  id: "abort-incomplete-multipart-uploads",
  status: "Enabled",
  filter: {},
  abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
};

/**
 * A private S3 bucket with the defaults every bucket of the platform needs: SSE-KMS with the
 * given key (bucket keys on), all public access blocked, ACLs disabled (bucket owner enforced),
 * versioning, a policy that denies any request not over TLS, and lifecycle rules.
 */
export class SecureBucket extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;
  public readonly bucketName: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:storage:SecureBucket", name, {}, opts);
    const parent = { parent: this };
    const s3Managed = args.encryption === "s3-managed";
    const bucket = new aws.s3.Bucket(
      name,
      { tags: { ...dataTags(args.dataClass), ...(s3Managed ? { [ELB_LOG_TAG]: "elb" } : {}) } },
      { parent: this, protect: args.protect ?? args.dataClass === "user-data" },
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      name,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketOwnershipControls(
      name,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      name,
      {
        bucket: bucket.id,
        rules: [
          args.encryption === "s3-managed"
            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
            : {
                applyServerSideEncryptionByDefault: {
                  sseAlgorithm: "aws:kms",
                  kmsMasterKeyId: args.encryption.kmsKeyArn,
                },
                bucketKeyEnabled: true,
              },
        ],
      },
      parent,
    );
    if (args.versioning ?? true) {
      new aws.s3.BucketVersioning(
        name,
        { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
        parent,
      );
    }
    new aws.s3.BucketLifecycleConfiguration(
      name,
      { bucket: bucket.id, rules: [ABORT_INCOMPLETE_UPLOADS, ...(args.lifecycleRules ?? [])] },
      parent,
    );
    const objects = pulumi.interpolate`${bucket.arn}/*`;
    new aws.s3.BucketPolicy(
      name,
      {
        bucket: bucket.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            denyWithoutTls("s3:*", [bucket.arn, objects]),
            ...(args.statements ?? []).map(({ objectPrefix, ...statement }) => ({
              Effect: "Allow",
              ...statement,
              Resource:
                objectPrefix === undefined
                  ? [bucket.arn, objects]
                  : [pulumi.interpolate`${bucket.arn}/${objectPrefix}*`],
            })),
          ],
        }),
      },
      // A policy is written only once public access is blocked, so it can never open the bucket.
      { parent: this, dependsOn: [publicAccess] },
    );
    this.bucket = bucket;
    this.bucketName = bucket.bucket;
    this.arn = bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
  }
}
