import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { validatedCertificate } from "../shared/certificate";
import type { AwsContext } from "../shared/context";
import type { DataKeys } from "../security/data-keys";
import { EdgeCacheControl } from "../edge/edge-cache-control";
import { cloudFrontAliasRecords } from "../edge/cloudfront-records";
import { serviceTrustPolicy } from "../shared/iam";
import { PLAYBACK_LOG_FIELDS } from "../../contracts/playback-logs";
import type { SecureBucket } from "../shared/secure-bucket";
import { dataTags } from "../shared/tags";

/** Arguments of `VideoDelivery`. */
export interface VideoDeliveryArgs {
  /** The account and region the stack deploys to. */
  readonly context: AwsContext;
  /** The stack's name, in the CDN's descriptions and its real-time log configuration's name. */
  readonly stack: string;
  /** The stack's keys: the telemetry key encrypts the real-time log stream. */
  readonly keys: DataKeys;
  /** Apex domain: the players' origin for CORS. */
  readonly domain: string;
  /** The distribution's hostname (signed cookies need a custom hostname). */
  readonly hostname: string;
  /** The public hosted zone: the certificate's validation and the alias records go there. */
  readonly hostedZoneId: pulumi.Input<string>;
  /**
   * A provider in us-east-1, where CloudFront's certificate must be
   * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html).
   */
  readonly usEast1Provider: aws.Provider;
  /** The processed renditions; its policy must let this distribution read `courses/*`. */
  readonly bucket: SecureBucket;
  /**
   * Public half of the signing key (PEM, RSA 2048), which CloudFront checks signed cookies with
   * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-trusted-signers.html).
   */
  readonly publicKeyPem: pulumi.Input<string>;
  /** Edge TTL of renditions, in seconds. */
  readonly hotTtlSeconds: number;
  /** `stale-while-revalidate` of cached renditions, in seconds. */
  readonly staleWhileRevalidateSeconds: number;
  /** `stale-if-error` of cached renditions, in seconds. */
  readonly staleIfErrorSeconds: number;
  /**
   * Percent of viewer requests logged in real time, 1 to 100
   * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/real-time-logs.html).
   */
  readonly realtimeLogSamplingRate: number;
}

/**
 * The region's video CDN: CloudFront in front of the processed bucket through Origin Access
 * Control, every request signed by a key of the key group (cookies from `playback-auth`), a day of
 * edge caching for hot video, stale-while-revalidate and stale-if-error on the cached renditions
 * (an origin-response Lambda@Edge function, `EdgeCacheControl`, since MediaConvert's objects carry
 * no Cache-Control), `private` Cache-Control and CORS toward players, real-time logs to a Kinesis
 * stream (playback-quality fields, nothing personal), its own hostname with a us-east-1
 * certificate.
 */
export class VideoDelivery extends pulumi.ComponentResource {
  public readonly distributionArn: pulumi.Output<string>;
  public readonly distributionId: pulumi.Output<string>;
  public readonly distributionDomainName: pulumi.Output<string>;
  public readonly publicKeyId: pulumi.Output<string>;
  public readonly logStreamArn: pulumi.Output<string>;
  /** The origin-response function that sets the Cache-Control of cached renditions. */
  public readonly cacheControl: EdgeCacheControl;

  constructor(name: string, args: VideoDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("knowledgecity:video:VideoDelivery", name, {}, opts);
    const { accountId } = args.context;
    const parent = { parent: this };
    const telemetryKey = args.keys.keyArns.telemetry;

    const publicKey = new aws.cloudfront.PublicKey(
      `${name}-signing`,
      { comment: `KnowledgeCity ${args.stack}: playback cookies`, encodedKey: args.publicKeyPem },
      parent,
    );
    const keyGroup = new aws.cloudfront.KeyGroup(
      `${name}-signers`,
      {
        comment: `KnowledgeCity ${args.stack}: keys that sign playback cookies`,
        items: [publicKey.id],
      },
      parent,
    );

    // Real-time logs.
    const stream = new aws.kinesis.Stream(
      `${name}-playback-logs`,
      {
        streamModeDetails: { streamMode: "ON_DEMAND" },
        retentionPeriod: 24,
        encryptionType: "KMS",
        kmsKeyId: telemetryKey,
        tags: dataTags("telemetry"),
      },
      parent,
    );
    const logRole = new aws.iam.Role(
      `${name}-playback-logs`,
      {
        description: "CloudFront real-time logs into Kinesis",
        assumeRolePolicy: serviceTrustPolicy("cloudfront.amazonaws.com", accountId),
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-playback-logs`,
      {
        role: logRole.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "WriteTheLogStream",
              Effect: "Allow",
              Action: [
                "kinesis:DescribeStreamSummary",
                "kinesis:DescribeStream",
                "kinesis:PutRecord",
                "kinesis:PutRecords",
              ],
              Resource: [stream.arn],
            },
            {
              Sid: "StreamIsEncrypted",
              Effect: "Allow",
              Action: ["kms:GenerateDataKey"],
              Resource: [telemetryKey],
            },
          ],
        }),
      },
      parent,
    );
    const logConfig = new aws.cloudfront.RealtimeLogConfig(
      `${name}-playback`,
      {
        name: `knowledgecity-${args.stack}-playback`,
        samplingRate: args.realtimeLogSamplingRate,
        fields: [...PLAYBACK_LOG_FIELDS],
        endpoint: {
          streamType: "Kinesis",
          kinesisStreamConfig: { roleArn: logRole.arn, streamArn: stream.arn },
        },
      },
      parent,
    );

    const originAccess = new aws.cloudfront.OriginAccessControl(
      `${name}-oac`,
      {
        description: `KnowledgeCity ${args.stack}: CloudFront signs every request for renditions`,
        originAccessControlOriginType: "s3",
        signingBehavior: "always",
        signingProtocol: "sigv4",
      },
      parent,
    );
    const cache = new aws.cloudfront.CachePolicy(
      `${name}-video`,
      {
        comment: "Video: hot content stays a day at the edge",
        minTtl: 0,
        defaultTtl: args.hotTtlSeconds,
        maxTtl: Math.max(args.hotTtlSeconds, 7 * 86_400),
        parametersInCacheKeyAndForwardedToOrigin: {
          cookiesConfig: { cookieBehavior: "none" },
          headersConfig: { headerBehavior: "none" },
          queryStringsConfig: { queryStringBehavior: "none" },
          enableAcceptEncodingGzip: true,
          enableAcceptEncodingBrotli: true,
        },
      },
      parent,
    );
    // What the edge caches: CloudFront reads stale-while-revalidate and stale-if-error from the
    // origin's Cache-Control only, never from a response headers policy (that acts on viewer
    // responses, after the cache), and MediaConvert's objects have none: the origin-response
    // function gives each rendition the cache policy's TTL and the stale windows as it is stored.
    this.cacheControl = new EdgeCacheControl(
      `${name}-cache-control`,
      {
        context: args.context,
        serves: `course video of ${args.stack}`,
        maxAgeSeconds: args.hotTtlSeconds,
        staleWhileRevalidateSeconds: args.staleWhileRevalidateSeconds,
        staleIfErrorSeconds: args.staleIfErrorSeconds,
        usEast1Provider: args.usEast1Provider,
      },
      parent,
    );
    // Toward viewers the renditions stay `private`: they are signed per course, and no shared
    // cache between the player and the edge may keep them.
    const headers = new aws.cloudfront.ResponseHeadersPolicy(
      `${name}-video`,
      {
        comment: "Video: caching directives and CORS for players",
        corsConfig: {
          accessControlAllowCredentials: true,
          accessControlAllowOrigins: {
            items: [`https://${args.domain}`, `https://www.${args.domain}`],
          },
          accessControlAllowMethods: { items: ["GET", "HEAD", "OPTIONS"] },
          accessControlAllowHeaders: { items: ["Range", "Origin"] },
          accessControlExposeHeaders: { items: ["Content-Length", "Content-Range"] },
          accessControlMaxAgeSec: 3600,
          originOverride: true,
        },
        customHeadersConfig: {
          items: [
            {
              header: "Cache-Control",
              value: `private, max-age=${args.hotTtlSeconds}, stale-while-revalidate=${args.staleWhileRevalidateSeconds}, stale-if-error=${args.staleIfErrorSeconds}`,
              override: true,
            },
          ],
        },
        securityHeadersConfig: {
          strictTransportSecurity: {
            accessControlMaxAgeSec: 63_072_000,
            includeSubdomains: true,
            override: true,
          },
          contentTypeOptions: { override: true },
        },
      },
      parent,
    );
    const certificateArn = validatedCertificate(
      `${name}-cert`,
      {
        hostnames: [args.hostname],
        hostedZoneId: args.hostedZoneId,
        keyAlgorithm: "RSA_2048",
        provider: args.usEast1Provider,
      },
      this,
    );
    const origin = "renditions";
    const distribution = new aws.cloudfront.Distribution(
      `${name}-cdn`,
      {
        enabled: true,
        comment: `KnowledgeCity ${args.stack}: course video`,
        aliases: [args.hostname],
        httpVersion: "http2and3",
        isIpv6Enabled: true,
        priceClass: "PriceClass_All",
        origins: [
          {
            originId: origin,
            domainName: args.bucket.bucket.bucketRegionalDomainName,
            originAccessControlId: originAccess.id,
          },
        ],
        defaultCacheBehavior: {
          targetOriginId: origin,
          viewerProtocolPolicy: "https-only",
          allowedMethods: ["GET", "HEAD", "OPTIONS"],
          cachedMethods: ["GET", "HEAD", "OPTIONS"],
          // Video is compressed already.
          compress: false,
          cachePolicyId: cache.id,
          responseHeadersPolicyId: headers.id,
          trustedKeyGroups: [keyGroup.id],
          realtimeLogConfigArn: logConfig.arn,
          lambdaFunctionAssociations: [
            {
              eventType: "origin-response",
              lambdaArn: this.cacheControl.versionArn,
              includeBody: false,
            },
          ],
        },
        restrictions: { geoRestriction: { restrictionType: "none" } },
        viewerCertificate: {
          acmCertificateArn: certificateArn,
          sslSupportMethod: "sni-only",
          minimumProtocolVersion: "TLSv1.2_2021",
        },
        tags: dataTags("none"),
      },
      parent,
    );
    args.keys.allow("content", {
      sid: `CloudFrontReadsRenditions${args.stack.replace(/[^A-Za-z0-9]/g, "")}`,
      principal: { Service: "cloudfront.amazonaws.com" },
      actions: ["kms:Decrypt"],
      condition: { StringEquals: { "AWS:SourceArn": distribution.arn } },
    });
    cloudFrontAliasRecords(
      `${name}-${args.hostname}`,
      {
        hostedZoneId: args.hostedZoneId,
        hostname: args.hostname,
        distributionDomainName: distribution.domainName,
      },
      this,
    );

    this.distributionArn = distribution.arn;
    this.distributionId = distribution.id;
    this.distributionDomainName = distribution.domainName;
    this.publicKeyId = publicKey.id;
    this.logStreamArn = stream.arn;
    this.registerOutputs({
      distributionArn: this.distributionArn,
      publicKeyId: this.publicKeyId,
      logStreamArn: this.logStreamArn,
    });
  }
}
